import Glibc
import LinuxABI
import Platform
import SystemPackage

// signalfd, signalfd4 and the signalfd file. Signals are host signals pending on the task's
// host thread, so a read dequeues them where they are: the Sentry injects a zero-timeout
// rt_sigtimedwait with the file's mask into the reading task (stopped in its read) and turns
// each siginfo into a struct signalfd_siginfo. Readiness is the creator's pending set read from
// the host's /proc; readers and pollers wait on the kernel's signal queue, which the Sentry
// notifies whenever it sends a signal or a child exits.

/// A signalfd (Linux `struct signalfd_ctx`): the set of signals it reads.
final class SignalFDFile: FileDescription {
    var mask: UInt64
    /// The task whose pending signals poll and epoll report (the one that made the file).
    weak var owner: Task?
    unowned let kernel: Kernel
    override var waitQueue: WaitQueue? { kernel.signalQueue }
    /// read injects rt_sigtimedwait into the reader.
    override var needsStoppedTask: Bool { true }

    /// SIGKILL and SIGSTOP can never be read.
    static func usable(_ mask: UInt64) -> UInt64 { mask & ~(UInt64(1) << 8 | UInt64(1) << 18) }

    init(mask: UInt64, owner: Task, statusFlags: Int32) {
        self.mask = SignalFDFile.usable(mask)
        self.owner = owner
        self.kernel = owner.kernel
        super.init(accessMode: O_RDWR, statusFlags: statusFlags)
    }

    /// Dequeues as many signals of the mask as fit (128 bytes each); EAGAIN (a block) for none.
    override func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        let room = buffer.count / SignalfdSiginfo.size
        if room == 0 { throw .invalidArgument }
        var n = 0
        while n < room, let info = try dequeue(task) {
            let out = UnsafeMutableRawBufferPointer(rebasing: buffer[(n * SignalfdSiginfo.size)..<((n + 1) * SignalfdSiginfo.size)])
            SignalfdSiginfo(info).encode(into: out)
            n += 1
        }
        if n == 0 { throw .resourceTemporarilyUnavailable }
        return n * SignalfdSiginfo.size
    }

    /// One pending signal of the mask taken from the task (thread, then process), or nil.
    private func dequeue(_ task: Task) throws(Errno) -> SigInfo? { try kernel.dequeueSignal(task, mask: mask) }

    override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int { throw .invalidArgument }

    override func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 { 0 }

    override func stat() throws(Errno) -> FileStat { anonInodeStat() }

    override func readiness(_ events: EventMask) -> EventMask {
        guard let owner else { return 0 }
        let pending = HostProc.pendingSignals(owner.hostTID)
        return pending & mask != 0 ? (PollEvents.input | PollEvents.readNormal) & events : 0
    }

    override var path: [UInt8]? { Array("anon_inode:[signalfd]".utf8) }
}

/// struct signalfd_siginfo (128 bytes), filled from a siginfo as signalfd_copyinfo does.
struct SignalfdSiginfo {
    static let size = 128
    let info: SigInfo
    init(_ info: SigInfo) { self.info = info }

    func encode(into b: UnsafeMutableRawBufferPointer) {
        for i in 0..<SignalfdSiginfo.size { b[i] = 0 }
        func put32(_ o: Int, _ v: UInt32) { b.storeBytes(of: v.littleEndian, toByteOffset: o, as: UInt32.self) }
        func put64(_ o: Int, _ v: UInt64) { b.storeBytes(of: v.littleEndian, toByteOffset: o, as: UInt64.self) }
        put32(0, UInt32(bitPattern: info.si_signo))
        put32(4, UInt32(bitPattern: info.si_errno))
        put32(8, UInt32(bitPattern: info.si_code))
        let w0 = info.fields.0, w1 = info.fields.1, w2 = info.fields.2, w3 = info.fields.3
        let lo = UInt32(truncatingIfNeeded: w0), hi = UInt32(truncatingIfNeeded: w0 >> 32)
        switch info.si_code {
        case SigCode.SI_TIMER:
            put32(24, lo)                                  // ssi_tid (the timer id)
            put32(32, hi)                                  // ssi_overrun
            put32(44, UInt32(truncatingIfNeeded: w1))      // ssi_int
            put64(48, w1)                                  // ssi_ptr
        default:
            put32(12, lo)                                  // ssi_pid
            put32(16, hi)                                  // ssi_uid
            if info.si_signo == Signal.SIGCHLD {
                put32(40, UInt32(truncatingIfNeeded: w1))  // ssi_status
                put64(56, w2)                              // ssi_utime
                put64(64, w3)                              // ssi_stime
            } else if info.si_code < 0 {
                put32(44, UInt32(truncatingIfNeeded: w1))  // ssi_int (sigqueue's value)
                put64(48, w1)                              // ssi_ptr
            }
        }
    }
}

/// signalfd(2): signalfd4 with no flags.
func sysSignalfd(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    makeSignalfd(task, fd: a.int(0), maskAddress: a[1], size: a[2], flags: 0)
}

/// signalfd4(2): SFD_NONBLOCK and SFD_CLOEXEC; a mask size other than 8 is EINVAL.
func sysSignalfd4(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    makeSignalfd(task, fd: a.int(0), maskAddress: a[1], size: a[2], flags: a.int(3))
}

/// A new signalfd (fd -1), or a new mask for an existing one (EINVAL for another kind of file).
private func makeSignalfd(_ task: Task, fd: Int32, maskAddress: UInt64, size: UInt64, flags: Int32) -> SyscallReturn {
    serve { () throws(Errno) in
        if flags & ~(FdCreateFlags.SFD_NONBLOCK | FdCreateFlags.SFD_CLOEXEC) != 0 || size != 8 { throw .invalidArgument }
        let mask = try task.copyInValue(maskAddress, as: UInt64.self)
        if fd != -1 {
            guard let file = try task.fdTable.get(fd) as? SignalFDFile else { throw .invalidArgument }
            file.mask = SignalFDFile.usable(mask)
            task.kernel.signalQueue.notify(PollEvents.input)
            return .ok(Int(fd))
        }
        let file = SignalFDFile(mask: mask, owner: task, statusFlags: flags & FdCreateFlags.SFD_NONBLOCK)
        return .ok(Int(try task.fdTable.allocate(file, closeOnExec: flags & FdCreateFlags.SFD_CLOEXEC != 0, limit: task.fdLimit)))
    }
}
