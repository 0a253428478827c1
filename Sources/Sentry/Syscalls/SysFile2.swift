import CHusk
import Glibc
import LinuxABI
import SystemPackage

// mknod, mknodat, utime, utimes, futimesat, fallocate, chroot, memfd_create, sendfile,
// copy_file_range.

/// mknod(2).
func sysMknod(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doMknod(task, AtFlags.AT_FDCWD, a[0], a.uint(1), a[2])
}

/// mknodat(2).
func sysMknodat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doMknod(task, a.int(0), a[1], a.uint(2), a[3])
}

/// mknod(2)/mknodat(2): regular files, FIFOs, sockets; device nodes for root only (they reach
/// no host device: opening one is ENXIO).
func doMknod(_ task: Task, _ dirfd: Int32, _ pathAddress: UInt64, _ mode: UInt32, _ dev: UInt64) -> SyscallReturn {
    serve { () throws(Errno) in
        try task.vfs.mknodat(task.walkContext, try task.pathOperand(dirfd, pathAddress), mode: mode, dev: dev)
        return .zero
    }
}

/// utime(2): a struct utimbuf (actime, modtime in seconds); NULL means now.
func sysUtime(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        var times: [Sentry.Timespec?] = [Sentry.Timespec.now(), Sentry.Timespec.now()]
        let explicit = a[1] != 0
        if explicit {
            let raw = try task.copyInBytes(a[1], count: 16)
            for i in 0..<2 {
                let sec = raw.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)) }
                times[i] = Sentry.Timespec(sec: sec, nsec: 0)
            }
        }
        if a[0] == 0 { throw .badAddress }
        return try setTimes(task, AtFlags.AT_FDCWD, a[0], 0, times, explicit: explicit)
    }
}

/// utimes(2).
func sysUtimes(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doUtimes(task, AtFlags.AT_FDCWD, a[0], a[1])
}

/// futimesat(2).
func sysFutimesat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doUtimes(task, a.int(0), a[1], a[2])
}

/// utimes(2)/futimesat(2): two struct timevals; NULL means now; usec outside [0, 1e6) is EINVAL.
func doUtimes(_ task: Task, _ dirfd: Int32, _ pathAddress: UInt64, _ timesAddress: UInt64) -> SyscallReturn {
    serve { () throws(Errno) in
        var times: [Sentry.Timespec?] = [Sentry.Timespec.now(), Sentry.Timespec.now()]
        let explicit = timesAddress != 0
        if explicit {
            let raw = try task.copyInBytes(timesAddress, count: 32)
            for i in 0..<2 {
                let sec = raw.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: i * 16, as: Int64.self)) }
                let usec = raw.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: i * 16 + 8, as: Int64.self)) }
                if usec < 0 || usec >= 1_000_000 { throw .invalidArgument }
                times[i] = Sentry.Timespec(sec: sec, nsec: usec * 1000)
            }
        }
        if pathAddress == 0 { throw .badAddress }
        return try setTimes(task, dirfd, pathAddress, 0, times, explicit: explicit)
    }
}

/// fallocate(2): mode 0 and FALLOC_FL_KEEP_SIZE on files with a writable memfd (tmpfs, the
/// overlay's upper layer); EOPNOTSUPP for other modes.
func sysFallocate(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let file = try task.fdTable.get(a.int(0))
        let mode = a.int(1), offset = a.long(2), length = a.long(3)
        if offset < 0 || length <= 0 { throw .invalidArgument }
        if file.isPath || !file.canWrite { throw .badFileDescriptor }
        let type = try file.stat().mode & FileType.mask
        if type == FileType.directory { throw .isDirectory }
        if type == FileType.fifo { throw .illegalSeek }
        if type != FileType.regular { throw .operationNotSupportedByDevice }
        if mode & ~1 != 0 { throw .notSupportedOnSocket }
        if offset > Int64.max - length { throw .fileTooLarge }
        guard let regular = file as? TmpRegularFile else { throw .notSupportedOnSocket }
        try regular.file.checkFallocate(offset: offset, length: length)
        if chusk_vfs_fallocate(regular.file.fd, mode, offset, length) != 0 { throw Errno(rawValue: errno) }
        regular.file.recharge()
        regular.file.touch()
        if let d = file.dentry { FSNotify.node(InotifyMask.modify, d) }
        return .zero
    }
}

/// chroot(2): root only; the directory becomes the process's root (the cwd stays).
func sysChroot(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let d = try task.resolvePath(a[0], follow: true)
        guard let inode = d.inode, inode.fileType == FileType.directory else { throw .notDirectory }
        try inode.checkAccess(task.creds, .execute)
        if task.creds.euid != 0 { throw .notPermitted }
        task.fs.root = d
        return .zero
    }
}

/// memfd_create(2): an unnamed tmpfs file ("/memfd:NAME (deleted)"); MFD_CLOEXEC,
/// MFD_ALLOW_SEALING (seals are the host memfd's: F_ADD_SEALS/F_GET_SEALS reach it),
/// MFD_NOEXEC_SEAL/MFD_EXEC accepted; MFD_HUGETLB is EINVAL (no huge pages here).
func sysMemfdCreate(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let flags = a.uint(1)
        let cloexec: UInt32 = 1, sealing: UInt32 = 2, noexecSeal: UInt32 = 8, exec: UInt32 = 0x10
        if flags & ~(cloexec | sealing | noexecSeal | exec) != 0 { throw .invalidArgument }
        if flags & noexecSeal != 0 && flags & exec != 0 { throw .invalidArgument }
        let name: [UInt8]
        do throws(Errno) { name = try task.copyInString(a[0], maximum: 250) } catch { throw error == .fileNameTooLong ? .invalidArgument : error }
        if name.count > 249 { throw .invalidArgument }
        let mode: UInt32 = flags & noexecSeal != 0 ? 0o666 : 0o777
        let node = try TmpFile(fileMode: mode, uid: task.creds.fsuid, gid: task.creds.fsgid, sealable: flags & (sealing | noexecSeal) != 0,
                               account: task.kernel.memory)
        node.attributes.nlink = 0
        let root = Dentry(name: [], parent: nil, inode: nil)
        let d = Dentry(name: Array("memfd:".utf8) + name + Array(" (deleted)".utf8), parent: root, inode: node)
        let file = TmpRegularFile(d, flags: O_RDWR, file: node)
        let fd = try task.fdTable.allocate(file, closeOnExec: flags & cloexec != 0, limit: task.fdLimit)
        return .ok(Int(fd))
    }
}

/// sendfile(2): from a seekable file (at *offset when given, which is updated) to any file.
func sysSendfile(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    guard let out = task.fdTable[a.int(0)]?.file, let input = task.fdTable[a.int(1)]?.file else { return .error(.badFileDescriptor) }
    if !input.canRead || !out.canWrite { return .error(.badFileDescriptor) }
    if out.statusFlags & O_APPEND != 0 { return .error(.invalidArgument) }
    var offset: Int64? = nil
    if a[2] != 0 {
        do { offset = try task.copyInValue(a[2], as: Int64.self) } catch { return .error(error) }
        if offset! < 0 { return .error(.invalidArgument) }
    }
    let count = min(a[3], 0x7fff_f000)
    if count == 0 { return .zero }
    let buf = IOScratch.slice(count)
    let n: Int
    do {
        n = try input.pread(task, buf, at: offset ?? input.offset)
    } catch {
        return .error(error == .illegalSeek ? .invalidArgument : error)
    }
    if n == 0 { return .zero }
    let written: Int
    do { written = try out.write(task, UnsafeRawBufferPointer(rebasing: buf[0..<n])) } catch {
        return blockOrFail(out, error, PollEvents.output)
    }
    if let offset {
        do { try task.copyOutValue(a[2], offset + Int64(written)) } catch { return .error(error) }
    } else {
        input.offset += Int64(written)
    }
    return .ok(written)
}

/// copy_file_range(2): between regular files, through the scratch buffer; flags must be 0.
func sysCopyFileRange(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        if a.uint(5) != 0 { throw .invalidArgument }
        let input = try task.fdTable.get(a.int(0)), out = try task.fdTable.get(a.int(2))
        if !input.canRead || !out.canWrite || out.statusFlags & O_APPEND != 0 { throw .badFileDescriptor }
        let ti = try input.stat().mode & FileType.mask, to = try out.stat().mode & FileType.mask
        if ti == FileType.directory || to == FileType.directory { throw .isDirectory }
        if ti != FileType.regular || to != FileType.regular { throw .invalidArgument }
        var inOff = input.offset, outOff = out.offset
        if a[1] != 0 { inOff = try task.copyInValue(a[1], as: Int64.self) }
        if a[3] != 0 { outOff = try task.copyInValue(a[3], as: Int64.self) }
        if inOff < 0 || outOff < 0 { throw .invalidArgument }
        let length = min(a[4], 0x7fff_f000)
        // The same file with overlapping ranges is EINVAL.
        if input.dentry?.inode === out.dentry?.inode && input.dentry != nil {
            let l = Int64(length)
            if inOff < outOff + l && outOff < inOff + l { throw .invalidArgument }
        }
        var done = 0
        while UInt64(done) < length {
            let buf = IOScratch.slice(length - UInt64(done))
            let n = try input.pread(task, buf, at: inOff + Int64(done))
            if n == 0 { break }
            let w = try out.pwrite(task, UnsafeRawBufferPointer(rebasing: buf[0..<n]), at: outOff + Int64(done))
            done += w
            if w < n { break }
        }
        if a[1] != 0 { try task.copyOutValue(a[1], inOff + Int64(done)) } else { input.offset += Int64(done) }
        if a[3] != 0 { try task.copyOutValue(a[3], outOff + Int64(done)) } else { out.offset += Int64(done) }
        return .ok(done)
    }
}
