import LinuxABI
import SystemPackage

/// Scheduling priority and policy, answered with the sandbox's credentials and capabilities
/// rather than the host task's (which has none): the nice value is the Sentry's (`Task.nice`:
/// per thread, inherited by clone, shown in /proc/PID/stat); the host's own priority of the
/// tasks is not changed. The sched_* calls that set something on another task are checked
/// here (ESRCH, EPERM) and then run natively.
enum SysPriority {
    static let PRIO_PROCESS: Int32 = 0, PRIO_PGRP: Int32 = 1, PRIO_USER: Int32 = 2
    static let capSysNice = 23

    /// The threads `which`/`who` name (kernel/sys.c), or nil for an invalid `which`.
    static func targets(_ t: Task, which: Int32, who: Int32) -> [Task]? {
        let k = t.kernel
        switch which {
        case PRIO_PROCESS:
            if who == 0 { return [t] }
            return k.tasks.values.filter { $0.tid == who }
        case PRIO_PGRP:
            let pgid = who == 0 ? k.processGroup(of: t.group) : who
            return k.threadGroups.values.filter { k.processGroup(of: $0) == pgid }.flatMap { $0.threads }
        case PRIO_USER:
            let uid = who == 0 ? t.creds.uid : UInt32(bitPattern: who)
            return k.tasks.values.filter { $0.creds.uid == uid }
        default:
            return nil
        }
    }

    /// getpriority(2): 20 - nice of the highest priority named (the raw syscall's value).
    static func getpriority(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        guard let found = targets(t, which: a.int(0), who: a.int(1)) else { return .error(.invalidArgument) }
        guard let best = found.map({ $0.nice }).min() else { return .error(.noSuchProcess) }
        return .value(Int64(20 - best))
    }

    /// set_one_prio's permission: the same real or effective uid as the caller's effective uid,
    /// or CAP_SYS_NICE.
    static func sameOwnerOrNice(_ t: Task, _ target: Task) -> Bool {
        let c = t.creds, p = target.creds
        return p.uid == c.euid || p.euid == c.euid || c.has(capSysNice)
    }

    /// setpriority(2): EPERM for another user's task, EACCES to lower the nice value past
    /// RLIMIT_NICE without CAP_SYS_NICE; the last error wins, as set_one_prio.
    static func setpriority(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        guard let found = targets(t, which: a.int(0), who: a.int(1)) else { return .error(.invalidArgument) }
        let nice = min(max(a.int(2), -20), 19)
        var error: Errno? = .noSuchProcess
        for p in found {
            if !sameOwnerOrNice(t, p) { error = .notPermitted; continue }
            if nice < p.nice && !canNice(p, nice, caller: t) { error = .permissionDenied; continue }
            if error == .noSuchProcess { error = nil }
            p.nice = nice
        }
        return error.map { .error($0) } ?? .zero
    }

    /// can_nice: 20 - nice within the target's RLIMIT_NICE, or CAP_SYS_NICE.
    static func canNice(_ p: Task, _ nice: Int32, caller: Task) -> Bool {
        UInt64(20 - nice) <= p.group.rlimits.limits[13].soft || caller.creds.has(capSysNice)
    }

    /// The check the sched_set* calls make on another task: it must exist in the sandbox
    /// (ESRCH) and be the caller's (check_same_owner) unless the caller has CAP_SYS_NICE
    /// (EPERM); then the host runs the call. `pointer` is the argument Linux checks for NULL
    /// first (EINVAL, left to the host).
    static func setOnTask(_ t: Task, pid: Int32, pointer: UInt64?, negative: Errno) -> SyscallReturn {
        if pointer == 0 { return .native }
        if pid < 0 { return .error(negative) }
        if pid == 0 { return .native }
        guard let target = t.kernel.tasks.values.first(where: { $0.tid == pid }) else { return .error(.noSuchProcess) }
        let c = t.creds, p = target.creds
        if c.euid != p.euid && c.euid != p.uid && !c.has(capSysNice) { return .error(.notPermitted) }
        return .native
    }

    /// sched_setaffinity(2).
    static func schedSetaffinity(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        setOnTask(t, pid: a.int(0), pointer: nil, negative: .noSuchProcess)
    }

    /// sched_setscheduler(2).
    static func schedSetscheduler(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        setOnTask(t, pid: a.int(0), pointer: a[2], negative: .invalidArgument)
    }

    /// sched_setparam(2).
    static func schedSetparam(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        setOnTask(t, pid: a.int(0), pointer: a[1], negative: .invalidArgument)
    }

    /// sched_setattr(2).
    static func schedSetattr(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        setOnTask(t, pid: a.int(0), pointer: a[1], negative: .invalidArgument)
    }

    // MARK: I/O priority (block/ioprio.c)

    static let IOPRIO_WHO_PROCESS: Int32 = 1, IOPRIO_WHO_PGRP: Int32 = 2, IOPRIO_WHO_USER: Int32 = 3
    static let capSysAdmin = 21

    /// The threads an ioprio call's `which`/`who` name, nil for an invalid `which`. For
    /// IOPRIO_WHO_USER, who 0 is uid 0 whoever asks (Linux compares with make_kuid(who)).
    static func ioTargets(_ t: Task, which: Int32, who: Int32) -> [Task]? {
        switch which {
        case IOPRIO_WHO_PROCESS: return targets(t, which: PRIO_PROCESS, who: who)
        case IOPRIO_WHO_PGRP: return targets(t, which: PRIO_PGRP, who: who)
        case IOPRIO_WHO_USER: return t.kernel.tasks.values.filter { $0.creds.uid == UInt32(bitPattern: who) }
        default: return nil
        }
    }

    /// ioprio_set(2): ioprio_check_cap (the real-time class needs CAP_SYS_NICE or
    /// CAP_SYS_ADMIN; "none" takes no level; classes past idle are EINVAL), then each named
    /// thread whose real uid is the caller's real or effective uid (or CAP_SYS_NICE), in turn
    /// until one refuses. The value is kept as Linux keeps it, in 16 bits.
    static func ioprioSet(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let ioprio = a.int(2)
        switch (ioprio >> 13) & 7 {
        case 1: if !t.creds.has(capSysNice) && !t.creds.has(capSysAdmin) { return .error(.notPermitted) }
        case 2, 3: break
        case 0: if ioprio & 7 != 0 { return .error(.invalidArgument) }
        default: return .error(.invalidArgument)
        }
        guard let found = ioTargets(t, which: a.int(0), who: a.int(1)) else { return .error(.invalidArgument) }
        if found.isEmpty { return .error(.noSuchProcess) }
        let c = t.creds
        for p in found {
            if p.creds.uid != c.euid && p.creds.uid != c.uid && !c.has(capSysNice) { return .error(.notPermitted) }
            p.ioContext.priority = UInt16(truncatingIfNeeded: ioprio)
        }
        return .zero
    }

    /// ioprio_get(2): a thread's priority as set (0 when none was); for a process group or a
    /// user, the best of their threads' effective priorities.
    static func ioprioGet(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let which = a.int(0)
        guard let found = ioTargets(t, which: which, who: a.int(1)) else { return .error(.invalidArgument) }
        if which == IOPRIO_WHO_PROCESS {
            guard let p = found.first else { return .error(.noSuchProcess) }
            return .value(Int64(p.ioContext.priority))
        }
        guard let best = found.map(effectiveIOPriority).min() else { return .error(.noSuchProcess) }
        return .value(Int64(best))
    }

    /// A thread's I/O priority as the block layer would use it: without a class, the one its
    /// scheduling policy gives (SCHED_IDLE: idle, FIFO and RR: real-time, else best-effort) at
    /// level (nice + 20) / 5.
    static func effectiveIOPriority(_ p: Task) -> UInt16 {
        let v = p.ioContext.priority
        guard v >> 13 == 0 else { return v }
        let policy = HostProc.statField(p.hostTID, 41) ?? 0   // the host's: sched_setscheduler runs natively
        let ioClass: UInt16 = policy == 5 ? 3 : (policy == 1 || policy == 2) ? 1 : 2
        return ioClass << 13 | UInt16(clamping: (p.nice + 20) / 5)
    }
}
