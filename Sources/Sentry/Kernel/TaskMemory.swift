import LinuxABI
import Platform
import SystemPackage

/// Address-space operations the Sentry performs in a stopped task by syscall injection.
extension Task {
    /// Runs one syscall in the task; a negative result becomes the thrown Errno.
    @discardableResult
    public func inject(_ nr: Int, _ args: [UInt64]) throws(Errno) -> UInt64 {
        let r = try platform.injectSyscall(hostTID, nr, args)
        if r < 0 && r > -4096 { throw Errno(rawValue: Int32(-r)) }
        // A TRAP of the program's own filter leaves the call's number as its result, which no
        // call the Sentry injects returns on success (an mmap address is page-aligned).
        if r == Int64(nr) && seccomp.mode != Seccomp.MODE_DISABLED { throw Errno.notPermitted }
        return UInt64(bitPattern: r)
    }

    /// Maps a host file into the task: installs the fd, runs the native mmap, closes the fd.
    /// This is how file-backed mmap and the ELF loader reach file pages without the program
    /// ever holding a host fd of its own.
    public func mapHostFile(_ hostFD: Int32, address: UInt64, length: UInt64, prot: Int32, flags: Int32, offset: Int64) throws(Errno) -> UInt64 {
        let fd = try platform.installFD(hostTID, hostFD)
        defer { try? platform.closeInstalledFD(hostTID, fd) }
        return try inject(SyscallNumber.mmap, [address, length, UInt64(UInt32(bitPattern: prot)), UInt64(UInt32(bitPattern: flags)), UInt64(fd), UInt64(bitPattern: offset)])
    }

    /// Anonymous memory in the task (MAP_PRIVATE|MAP_ANONYMOUS plus `extraFlags`).
    public func mapAnonymous(address: UInt64, length: UInt64, prot: Int32, extraFlags: Int32 = 0) throws(Errno) -> UInt64 {
        let flags = Int32(0x02 | 0x20) | extraFlags
        return try inject(SyscallNumber.mmap, [address, length, UInt64(UInt32(bitPattern: prot)), UInt64(UInt32(bitPattern: flags)), UInt64.max, 0])
    }
}

extension Task {
    /// Copies a kernel structure out in its Linux layout.
    public func copyOutStruct<S: LinuxStruct>(_ address: UInt64, _ value: S) throws(Errno) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: S.size, alignment: 8)
        defer { buffer.deallocate() }
        value.encode(into: buffer)
        try copyOut(address, UnsafeRawBufferPointer(buffer))
    }

    /// Copies a kernel structure in from its Linux layout.
    public func copyInStruct<S: LinuxStruct>(_ address: UInt64, as: S.Type) throws(Errno) -> S {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: S.size, alignment: 8)
        defer { buffer.deallocate() }
        try copyIn(address, buffer)
        guard let v = S.decode(from: UnsafeRawBufferPointer(buffer)) else { throw .badAddress }
        return v
    }
}

extension Task {
    /// Sets resource `r` of the task's host process (its thread group) to (soft, hard), by
    /// injected prlimit64 calls in the stopped task: the hard limit never above the host's
    /// current one (raising it needs CAP_SYS_RESOURCE, which tasks lack), nothing injected
    /// when nothing changes. The scratch page is the program's memory: another thread may
    /// rewrite what the first call wrote back, or the value before the second call reads it.
    /// Either way the program only sets a limit of its own process, which the host kernel keeps
    /// within the task's hard limits (RLIMIT_CORE's is 1 from the first task on; RLIMIT_NOFILE
    /// and the per-uid ones are never set here), so a forged value buys nothing it could not ask.
    func setHostLimit(_ r: Int, soft: UInt64, hard: UInt64) throws(Errno) {
        let scratch = try platform.scratchAddress(hostTID)
        try inject(SyscallNumber.prlimit64, [0, UInt64(r), 0, scratch])
        let current = try copyInStruct(scratch, as: RLimit.self)
        let h = min(hard, current.rlim_max), s = min(soft, h)
        if s == current.rlim_cur && h == current.rlim_max { return }
        try copyOutStruct(scratch, RLimit(rlim_cur: s, rlim_max: h))
        try inject(SyscallNumber.prlimit64, [0, UInt64(r), scratch, 0])
    }
}
