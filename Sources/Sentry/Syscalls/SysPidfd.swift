import Glibc
import LinuxABI
import SystemPackage

// pidfd_open, pidfd_send_signal and pidfd_getfd within the sandbox. A pidfd is a Sentry file
// naming a process (or, with PIDFD_THREAD, a thread) of the sandbox; poll and epoll report it
// readable once the process has exited (the kernel's signal queue, notified at every exit, is
// its wait queue).

final class PidFDFile: FileDescription {
    let group: ThreadGroup
    /// PIDFD_THREAD: the thread it names; nil for the whole process.
    weak var thread: Task?
    let threadOnly: Bool
    unowned let kernel: Kernel

    init(group: ThreadGroup, thread: Task?, kernel: Kernel, statusFlags: Int32) {
        self.group = group
        self.thread = thread
        threadOnly = thread != nil
        self.kernel = kernel
        super.init(accessMode: O_RDWR, statusFlags: statusFlags)
    }

    /// Whether what it names has exited (pidfd_poll: the thread group is empty, or the thread).
    var exited: Bool {
        if threadOnly { return thread.map { kernel.tasks[$0.hostTID] !== $0 } ?? true }
        return group.threads.isEmpty
    }

    override var waitQueue: WaitQueue? { kernel.signalQueue }
    override func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int { throw .invalidArgument }
    override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int { throw .invalidArgument }
    override func stat() throws(Errno) -> FileStat { anonInodeStat() }
    override func readiness(_ mask: EventMask) -> EventMask {
        exited ? (PollEvents.input | PollEvents.readNormal) & (mask | PollEvents.hangUp) : 0
    }
    override var path: [UInt8]? { Array("anon_inode:[pidfd]".utf8) }
}

enum SysPidfd {
    static let PIDFD_NONBLOCK = OpenFlags.O_NONBLOCK
    static let PIDFD_THREAD: Int32 = 0o200   // O_EXCL

    /// pidfd_open(2): a process of the sandbox by pid (a thread's id needs PIDFD_THREAD); an
    /// unreaped zombie can be opened (and is readable at once). The fd is close-on-exec.
    static func open(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let pid = a.int(0), flags = a.int(1)
        if flags & ~(PIDFD_NONBLOCK | PIDFD_THREAD) != 0 || pid <= 0 { return .error(.invalidArgument) }
        let k = t.kernel
        var group = k.threadGroup(pid: pid)
        var thread: Task? = nil
        if flags & PIDFD_THREAD != 0 {
            thread = k.tasks.values.first { $0.tid == pid }
            if let thread { group = thread.group }
        } else if group == nil && k.groupOfThread(pid) != nil {
            return .error(.invalidArgument)   // a thread that does not lead its group
        }
        guard let g = group ?? k.zombie(pid: pid)?.group else { return .error(.noSuchProcess) }
        let file = PidFDFile(group: g, thread: thread, kernel: k, statusFlags: flags & PIDFD_NONBLOCK)
        do { return .ok(Int(try t.fdTable.allocate(file, closeOnExec: true, limit: t.fdLimit))) } catch { return .error(error) }
    }

    static func pidfd(_ t: Task, _ fd: Int32) throws(Errno) -> PidFDFile {
        guard let f = try t.fdTable.get(fd) as? PidFDFile else { throw .badFileDescriptor }
        return f
    }

    /// pidfd_send_signal(2): kill(2) on the process the pidfd names, or rt_sigqueueinfo with
    /// the caller's siginfo (whose si_signo must be `sig`). Flags (PIDFD_SIGNAL_*) are not
    /// offered: EINVAL.
    static func sendSignal(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let sig = a.int(1)
        if a.uint(3) != 0 { return .error(.invalidArgument) }
        do {
            let f = try pidfd(t, a.int(0))
            guard sig >= 0 && sig <= 64 else { return .error(.invalidArgument) }
            if a[2] != 0 {
                let signo = try t.copyInValue(a[2], as: Int32.self)
                if signo != sig { return .error(.invalidArgument) }
            }
            let g = f.group
            if g.threads.isEmpty { return t.kernel.signalZombie(t, pid: g.pid) ?? .error(.noSuchProcess) }
            if a[2] != 0 { return SysSignal.queueInfo(t, tgid: g.pid, tid: nil, sig: sig, infoAddress: a[2]) }
            guard t.kernel.mayKill(t, g) else { return .error(.notPermitted) }
            if sig == 0 { return .zero }
            try t.kernel.sendSignal(sig, toGroup: g, info: Kernel.senderInfo(sig, code: SigCode.SI_USER, from: t))
            return .zero
        } catch { return .error(error) }
    }

    /// pidfd_getfd(2): a duplicate of another process's fd, under ptrace's access rules (EPERM),
    /// close-on-exec in the caller.
    static func getfd(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        if a.uint(2) != 0 { return .error(.invalidArgument) }
        do {
            let f = try pidfd(t, a.int(0))
            guard let target = f.thread ?? f.group.threads.first else { return .error(.noSuchProcess) }
            guard t.kernel.ptraceMayAccess(t, target, .real) else { return .error(.notPermitted) }
            let file = try target.fdTable.get(a.int(1))
            return .ok(Int(try t.fdTable.allocate(file, closeOnExec: true, limit: t.fdLimit)))
        } catch { return .error(error) }
    }
}

extension SysPidfd {
    static let P_PIDFD: Int32 = 3
    static let WNOHANG: Int32 = 1, WSTOPPED: Int32 = 2, WEXITED: Int32 = 4, WCONTINUED: Int32 = 8, WNOWAIT: Int32 = 0x0100_0000
    static let waitOptions: Int32 = WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | 0x2000_0000 | 0x4000_0000 | Int32(bitPattern: 0x8000_0000)

    /// waitid(2) with P_PIDFD: the host's waitid(P_PID) on the process the pidfd names, run
    /// without blocking (injected with WNOHANG, results through the scratch page) each time a
    /// child changes state, until it reports one; O_NONBLOCK on the pidfd implies WNOHANG.
    /// Reached from SysPtrace.waitid; an unknown id type runs natively (the host's EINVAL).
    static func waitid(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        guard a.int(0) == P_PIDFD else { return .native }
        var options = a.int(3)
        if options & ~waitOptions != 0 || options & (WEXITED | WSTOPPED | WCONTINUED) == 0 { return .error(.invalidArgument) }
        do {
            let f = try pidfd(t, a.int(1))
            if f.statusFlags & PIDFD_NONBLOCK != 0 { options |= WNOHANG }
            let platform = t.kernel.platform
            let scratch = try platform.scratchAddress(t.hostTID)
            let infoAt = scratch + 256, usageAt = scratch + 512
            try t.copyOut(infoAt, [UInt8](repeating: 0, count: 128))
            let r = try platform.injectSyscall(t.hostTID, SyscallNumber.waitid,
                                               [1, UInt64(f.group.pid), infoAt, UInt64(UInt32(bitPattern: options | WNOHANG)), a[4] != 0 ? usageAt : 0, 0])
            if r < 0 { return .error(Errno(rawValue: Int32(-r))) }
            var info = try t.copyInBytes(infoAt, count: 128)
            let reported = info[16..<20].contains { $0 != 0 }   // si_pid
            // si_uid: the sandbox's uid of the child (the host names its host uid).
            if reported, let c = t.kernel.lastCredentials(ofPID: f.group.pid) {
                withUnsafeBytes(of: c.uid.littleEndian) { info.replaceSubrange(20..<24, with: $0) }
            }
            // A nonblocking pidfd with nothing to report: EAGAIN (plain WNOHANG: 0).
            if !reported && f.statusFlags & PIDFD_NONBLOCK != 0 { return .error(.resourceTemporarilyUnavailable) }
            if !reported && options & WNOHANG == 0 {
                let ws = t.freshWaitSet()
                ws.watch(t.kernel.signalQueue, mask: PollEvents.input)
                return .block(ws.queue, WaitSet.any)
            }
            // A child that dumped core: CLD_DUMPED (3) rather than the host's CLD_KILLED (2).
            if reported {
                try t.kernel.reportedChild(Int64(f.group.pid), keep: options & WNOWAIT != 0) { () throws(Errno) in
                    if info[8] == 2 { info[8] = 3 }
                }
            }
            if a[2] != 0 { try t.copyOut(a[2], info) }
            if a[4] != 0 { try t.copyOut(a[4], try t.copyInBytes(usageAt, count: 144)) }
            return .zero
        } catch { return .error(error) }
    }
}
