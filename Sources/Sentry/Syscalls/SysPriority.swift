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
}
