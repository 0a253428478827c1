import CHusk
import Glibc
import LinuxABI
import Platform
import SystemPackage

/// Resource limits (getrlimit, setrlimit, prlimit64).
enum SysResource {
    /// getrlimit(2).
    static func getrlimit(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let r = a.int(0)
        guard r >= 0 && r < 16 else { return .error(.invalidArgument) }
        let l = t.group.rlimits.limits[Int(r)]
        do { try t.copyOutStruct(a[1], RLimit(rlim_cur: l.soft, rlim_max: l.hard)) } catch { return .error(error) }
        return .zero
    }

    /// setrlimit(2).
    static func setrlimit(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let r = a.int(0)
        guard r >= 0 && r < 16 else { return .error(.invalidArgument) }
        do {
            let new = try t.copyInStruct(a[1], as: RLimit.self)
            if let e = applyLimit(t, Int(r), new) { return .error(e) }
        } catch { return .error(error) }
        applyOnHost(t, Int(r), t.group)
        return .zero
    }

    /// prlimit64(2): for the caller or another sandbox process.
    static func prlimit64(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let pid = a.int(0), r = a.int(1)
        guard r >= 0 && r < 16 else { return .error(.invalidArgument) }
        let group: ThreadGroup
        if pid == 0 { group = t.group } else {
            guard let g = t.kernel.threadGroup(pid: pid) else { return .error(.noSuchProcess) }
            group = g
        }
        let old = group.rlimits.limits[Int(r)]
        do {
            var new: RLimit?
            if a[2] != 0 { new = try t.copyInStruct(a[2], as: RLimit.self) }
            if let new, let e = applyLimit(t, Int(r), new, group: group) { return .error(e) }
            if a[3] != 0 {
                do { try t.copyOutStruct(a[3], RLimit(rlim_cur: old.soft, rlim_max: old.hard)) } catch {
                    group.rlimits.limits[Int(r)] = old  // undo on a failed copy-out
                    return .error(error)
                }
            }
        } catch { return .error(error) }
        if a[2] != 0 { applyOnHost(t, Int(r), group) }
        return .zero
    }

    /// A limit the host enforces, set for the caller's own process, is set on its host process
    /// too (`ulimit -t 1` in a shell limits what it runs). Another process's stays the Sentry's
    /// alone: its threads run, and the Sentry's own filter has no prlimit64.
    private static func applyOnHost(_ t: Task, _ r: Int, _ group: ThreadGroup) {
        guard group === t.group, ResourceLimits.hostEnforced.contains(r) else { return }
        let l = group.rlimits.limits[r]
        try? t.setHostLimit(r, soft: l.soft, hard: l.hard)
    }

    private static func applyLimit(_ t: Task, _ r: Int, _ new: RLimit, group: ThreadGroup? = nil) -> Errno? {
        let g = group ?? t.group
        let old = g.rlimits.limits[r]
        if new.rlim_cur > new.rlim_max { return .invalidArgument }
        if new.rlim_max > old.hard && !t.creds.has(Capability.sysResource) { return .notPermitted }
        if r == Int(Rlimit.RLIMIT_NOFILE) && new.rlim_max > 1_048_576 { return .notPermitted }
        g.rlimits.limits[r] = (new.rlim_cur, new.rlim_max)
        return nil
    }
}
