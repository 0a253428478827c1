import Glibc
import LinuxABI
import Platform
import SystemPackage

/// User and group ids of a task, as the Sentry keeps them (the host sees other ids).
public struct Credentials: Sendable {
    public var uid: UInt32 = 0, euid: UInt32 = 0, suid: UInt32 = 0, fsuid: UInt32 = 0
    public var gid: UInt32 = 0, egid: UInt32 = 0, sgid: UInt32 = 0, fsgid: UInt32 = 0
    public var groups: [UInt32] = []
    /// Capability sets, as bit masks of CAP_* numbers (0...CAP_LAST_CAP).
    public var effective: UInt64 = Credentials.allCapabilities
    public var permitted: UInt64 = Credentials.allCapabilities
    public var inheritable: UInt64 = 0
    public var bounding: UInt64 = Credentials.allCapabilities
    /// prctl(PR_SET_KEEPCAPS).
    public var keepCapabilities = false

    /// CAP_LAST_CAP is 40 (CAP_CHECKPOINT_RESTORE) on this kernel.
    public static let lastCapability = 40
    public static let allCapabilities: UInt64 = (UInt64(1) << 41) - 1

    public init() {}
    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid; euid = uid; suid = uid; fsuid = uid
        self.gid = gid; egid = gid; sgid = gid; fsgid = gid
        if uid != 0 { effective = 0; permitted = 0 }
    }
    /// Whether the file-access checks treat the caller as root (CAP_DAC_OVERRIDE).
    public var isRoot: Bool { fsuid == 0 && has(Capability.dacOverride) }
    public func has(_ cap: Int) -> Bool { effective & (UInt64(1) << UInt64(cap)) != 0 }
}

/// The capabilities the Sentry checks (linux/capability.h numbers).
public enum Capability {
    public static let chown = 0, dacOverride = 1, dacReadSearch = 2, fowner = 3, fsetid = 4
    public static let kill = 5, setgid = 6, setuid = 7, setpcap = 8, netBindService = 10
    public static let sysChroot = 18, sysPtrace = 19, sysAdmin = 21, sysResource = 24, mknod = 27
    public static let wakeAlarm = 35
}

/// A thread group (a Linux process): what its threads share.
public final class ThreadGroup {
    /// The leader's host tid (the Sentry's PID namespace) and the program-visible pid.
    public let hostTGID: HostTID
    public var pid: Int32
    public weak var parent: ThreadGroup?
    /// The thread of `parent` that created this process (Linux's real_parent is a thread): its
    /// exit sends PR_SET_PDEATHSIG's signal even while `parent` lives on.
    public weak var creator: Task?
    public var children: [ThreadGroup] = []
    public var threads: [Task] = []
    /// A child exited while no thread of this process sat in a served call: the host's SIGCHLD
    /// may be pending on a thread that parks next, where the host cannot deliver it.
    var childSignalUnseen = false
    /// comm (PR_SET_NAME, /proc/PID/comm), 15 bytes at most.
    public var name: [UInt8] = []
    /// The sandbox path of the executable, for /proc/PID/exe.
    public var executablePath: [UInt8] = []
    public var argv: [[UInt8]] = []
    /// The environment it was exec'd with (/proc/PID/environ).
    public var environ: [[UInt8]] = []
    /// Its auxiliary vector (/proc/PID/auxv), copied by fork.
    public var auxv: [UInt8] = []
    public var rlimits: ResourceLimits
    /// Signal dispositions as rt_sigaction recorded them (the host holds the live copy).
    public var signalActions: [SignalAction] = Array(repeating: SignalAction(), count: 65)
    public var exitStatus: Int32?
    /// PR_SET_CHILD_SUBREAPER: orphaned descendants are reparented here (not inherited by fork).
    public var isChildSubreaper = false
    /// Started by `husk exec` (ExecSpawner): its session number with the shim.
    var execSession: UInt32?
    /// ITIMER_REAL (alarm, setitimer): survives exec, not fork.
    public var realTimer: IntervalTimer?
    /// timer_create's timers by id: deleted on exec, not inherited by fork.
    public var posixTimers: [Int32: PosixTimer] = [:]
    /// The mm's dumpable flag (PR_SET_DUMPABLE; Kernel/Dumpable.swift): 1 (SUID_DUMP_USER) or
    /// 0; inherited by fork, decided again at each execve.
    public var dumpable: Int32 = Dumpable.user
    /// Counts the execs of the process: an open /proc/PID/mem keeps the address space it was
    /// opened on, which an exec replaces.
    public var execGeneration = 0
    /// SEM_UNDO adjustments (IPC/SemaphoreSet.swift): shared by the threads, empty after fork,
    /// kept across exec, applied when the last thread exits.
    lazy var semaphoreUndo = SemUndoList()
    public init(hostTGID: HostTID, pid: Int32, parent: ThreadGroup?, rlimits: ResourceLimits) {
        self.hostTGID = hostTGID; self.pid = pid; self.parent = parent; self.rlimits = rlimits
    }
}

/// A recorded sigaction (kernel struct layout: handler, flags, restorer, mask).
public struct SignalAction: Sendable {
    public var handler: UInt64 = 0   // SIG_DFL
    public var flags: UInt64 = 0
    public var restorer: UInt64 = 0
    public var mask: UInt64 = 0
    public init() {}
}

/// RLIMIT_* values (soft, hard) for the 16 resources.
public struct ResourceLimits: Sendable {
    public static let infinity = UInt64.max
    /// RLIMIT_MSGQUEUE's default (MQ_BYTES_MAX).
    public static let defaultMsgQueue: UInt64 = 819_200
    public var limits: [(soft: UInt64, hard: UInt64)]
    public init() {
        limits = Array(repeating: (ResourceLimits.infinity, ResourceLimits.infinity), count: 16)
        limits[3] = (8 << 20, ResourceLimits.infinity)   // RLIMIT_STACK
        limits[4] = (0, ResourceLimits.infinity)          // RLIMIT_CORE
        limits[6] = (63_419, 63_419)                      // RLIMIT_NPROC
        limits[7] = (1024, 1_048_576)                     // RLIMIT_NOFILE
        limits[8] = (8 << 20, 8 << 20)                    // RLIMIT_MEMLOCK
        limits[11] = (63_419, 63_419)                     // RLIMIT_SIGPENDING
        limits[12] = (ResourceLimits.defaultMsgQueue, ResourceLimits.defaultMsgQueue)  // RLIMIT_MSGQUEUE
        limits[13] = (0, 0)                               // RLIMIT_NICE
        limits[14] = (0, 0)                               // RLIMIT_RTPRIO
    }
    public var openFiles: Int32 { Int32(clamping: limits[7].soft) }

    /// The limits the host enforces on a task's own native calls and time, which the Sentry
    /// therefore sets on the task's host process too (`Task.setHostLimit`): CPU time, data,
    /// stack, locked memory, address space, real-time priority and time. The others are the
    /// Sentry's to enforce (files, processes and pending signals: the host counts those per host
    /// uid, which every sandbox's tasks share), or stay fixed on the host (RLIMIT_CORE 1,
    /// RLIMIT_NOFILE: the tasks' host fds sit below it).
    public static let hostEnforced = [0, 2, 3, 8, 9, 14, 15]

    /// The limits this process runs with (the Sentry inherits husk run's): the first task
    /// starts with them, as a child of husk run would. RLIMIT_NOFILE is kept within nr_open.
    public static func ofThisProcess() -> ResourceLimits {
        var r = ResourceLimits()
        for i in r.limits.indices {
            var rl = rlimit()
            guard getrlimit(__rlimit_resource_t(UInt32(i)), &rl) == 0 else { continue }
            r.limits[i] = (UInt64(rl.rlim_cur), UInt64(rl.rlim_max))
        }
        let nrOpen: UInt64 = 1_048_576
        r.limits[7] = (min(r.limits[7].soft, nrOpen), min(r.limits[7].hard, nrOpen))
        return r
    }
}

/// A thread of the sandboxed program: one host thread traced by the Sentry.
public final class Task {
    public unowned let kernel: Kernel
    /// The host tid (the Sentry's PID namespace) and the tid the program sees.
    public private(set) var hostTID: HostTID
    public var tid: Int32
    public let group: ThreadGroup
    public var fdTable: FDTable
    public var fs: FSContext
    /// Its credentials. A change of the effective or filesystem ids, or new permitted
    /// capabilities, makes the process not dumpable and clears PR_SET_PDEATHSIG, as
    /// commit_creds does (Kernel/Dumpable.swift).
    public var creds: Credentials {
        didSet { if creds.dropsDumpability(from: oldValue) { credentialsCommitted() } }
    }
    /// The siginfo of signals the Sentry sent with tgkill, applied at their delivery stop.
    var pendingSignalInfo: [Int32: SigInfo] = [:]
    /// Signals (bit N-1 for signal N) the Sentry sent to this thread while it sat in no served
    /// call: stopped on its way into one, it cannot take them until that call ends, so the call
    /// checks for them when it parks (`Kernel.wakeForUnseenSignals`).
    var unseenSignals: UInt64 = 0
    /// In a group stop (SIGSTOP, SIGTSTP…) held by the Sentry until SIGCONT: /proc shows "T".
    public internal(set) var jobStopped = false
    /// PR_SET_PDEATHSIG: the signal this task gets when its parent dies.
    public var parentDeathSignal: Int32 = 0
    /// The nice value getpriority/setpriority answer with (Syscalls/SysPriority.swift); per
    /// thread, inherited by clone.
    public var nice: Int32 = 0
    /// Its I/O context (ioprio_set): copied by clone, shared under CLONE_IO.
    var ioContext = IOContext()
    /// Its own seccomp filters (Kernel/SeccompFilter.swift): per thread, copied by clone,
    /// kept by execve.
    var seccomp = SeccompState()
    /// A thread's own comm when it is not the group's leader (whose comm is `group.name`).
    var threadName: [UInt8]?
    /// comm: per thread, as PR_SET_NAME and /proc/PID/task/TID/comm see it; the leader's is
    /// the process's (/proc/PID/comm).
    public var comm: [UInt8] {
        get { threadName ?? group.name }
        set { if tid == group.pid { group.name = newValue; threadName = nil } else { threadName = newValue } }
    }
    /// The pid of its last vfork child (PTRACE_EVENT_VFORK_DONE's message).
    var vforkChild: Int32 = 0
    /// clone flags seen at the seccomp stop, applied when the child appears.
    var pendingCloneFlags: UInt64 = 0
    /// The syscall a parked task waits to retry.
    var parked: (args: SyscallArguments, waiter: Waiter)?
    /// What the current syscall keeps across its `.block` retries and tells the signal code
    /// (BlockedCall.swift); nil for a call that keeps nothing.
    var blockedCall: BlockedCall?
    /// The task's wait set for calls that wait on several queues or a deadline (poll, select…).
    var waitSet: WaitSet?
    /// The System V IPC namespace (IPC/IPCNamespace.swift): the kernel's, the parent's after a
    /// clone, a fresh one after unshare(CLONE_NEWIPC).
    lazy var ipc: IPCNamespace = kernel.ipc

    init(kernel: Kernel, hostTID: HostTID, tid: Int32, group: ThreadGroup, fdTable: FDTable, fs: FSContext, creds: Credentials) {
        self.kernel = kernel; self.hostTID = hostTID; self.tid = tid; self.group = group
        self.fdTable = fdTable; self.fs = fs; self.creds = creds
    }

    /// After a non-leader exec the task takes the leader's host tid.
    func rename(hostTID: HostTID, tid: Int32) { self.hostTID = hostTID; self.tid = tid }

    var platform: Platform { kernel.platform }

    // MARK: Tracee memory. Copy in once, validate the copy, never read a pointer twice.

    public func copyIn(_ address: UInt64, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) {
        if buffer.isEmpty { return }
        try platform.readMemory(hostTID, at: address, into: buffer)
    }

    public func copyInBytes(_ address: UInt64, count: Int) throws(Errno) -> [UInt8] {
        if count == 0 { return [] }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 8)
        defer { buffer.deallocate() }
        try copyIn(address, buffer)
        return [UInt8](buffer)
    }

    /// The page copyInString reads through: the kernel is single-threaded, so one serves all
    /// tasks, and a served path costs no allocation for it.
    nonisolated(unsafe) static let stringScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 4096)

    /// Reads a NUL-terminated string of at most `maximum` bytes (without the NUL): ENAMETOOLONG
    /// past it, EFAULT on an unmapped page. Reads page by page so a string that ends just
    /// before an unmapped page is still read.
    public func copyInString(_ address: UInt64, maximum: Int = 4096) throws(Errno) -> [UInt8] {
        if address == 0 { throw .badAddress }
        var result: [UInt8] = []
        var addr = address
        let chunk = Task.stringScratch
        while result.count <= maximum {
            let toPageEnd = 4096 - Int(addr & 4095)
            let n = min(toPageEnd, maximum + 1 - result.count)
            let part = UnsafeMutableRawBufferPointer(rebasing: chunk[0..<n])
            try copyIn(addr, part)
            if let nul = part.firstIndex(of: 0) {
                result.append(contentsOf: part[0..<nul])
                return result
            }
            result.append(contentsOf: part)
            addr &+= UInt64(n)
        }
        throw .fileNameTooLong
    }

    public func copyOut(_ address: UInt64, _ buffer: UnsafeRawBufferPointer) throws(Errno) {
        if buffer.isEmpty { return }
        try platform.writeMemory(hostTID, at: address, from: buffer)
    }

    public func copyOut(_ address: UInt64, _ bytes: [UInt8]) throws(Errno) {
        let r: Result<Void, Errno> = bytes.withUnsafeBytes { b in Result { () throws(Errno) in try copyOut(address, b) } }
        try r.get()
    }

    /// Little-endian scalar reads and writes for single-word arguments (int *, off_t *…).
    public func copyInValue<T: FixedWidthInteger>(_ address: UInt64, as: T.Type) throws(Errno) -> T {
        var v = T.zero
        let r: Result<Void, Errno> = withUnsafeMutableBytes(of: &v) { b in Result { () throws(Errno) in try copyIn(address, b) } }
        try r.get()
        return T(littleEndian: v)
    }

    public func copyOutValue<T: FixedWidthInteger>(_ address: UInt64, _ value: T) throws(Errno) {
        let v = value.littleEndian
        let r: Result<Void, Errno> = withUnsafeBytes(of: v) { b in Result { () throws(Errno) in try copyOut(address, b) } }
        try r.get()
    }

    /// Reads a NULL-terminated array of string pointers (argv/envp), bounded like Linux (ARG_MAX).
    public func copyInStringArray(_ address: UInt64, maximumCount: Int = 0x7FFF_FFFF, maximumBytes: Int = 2 << 20) throws(Errno) -> [[UInt8]] {
        var out: [[UInt8]] = []
        if address == 0 { return out }
        var total = 0
        var p = address
        while true {
            let ptr = try copyInValue(p, as: UInt64.self)
            if ptr == 0 { return out }
            let s = try copyInString(ptr, maximum: 128 * 1024)
            total += s.count + 1 + 8
            if total > maximumBytes || out.count >= maximumCount { throw .argListTooLong }
            out.append(s)
            p &+= 8
        }
    }
}

/// A thread's I/O context as ioprio_get and ioprio_set see it: the I/O priority (class in bits
/// 13-15, hints in 3-12, level in 0-2; 0 is "none": the nice value decides). The sandbox's disk
/// I/O is the Gofer's, so the priority is recorded, not applied.
final class IOContext {
    var priority: UInt16
    init(priority: UInt16 = 0) { self.priority = priority }
}
