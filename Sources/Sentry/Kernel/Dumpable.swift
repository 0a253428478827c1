// The dumpable flag of a process and the access rule it guards (kernel/ptrace.c
// __ptrace_may_access, fs/exec.c begin_new_exec, kernel/cred.c commit_creds): who may trace a
// task, read or write its memory (process_vm_readv/writev, /proc/PID/mem) and look into its
// /proc files. docs/sentry.md, "ptrace inside the sandbox".

import LinuxABI

/// The values of mm->flags' dumpable bits (linux/sched/coredump.h).
public enum Dumpable {
    /// SUID_DUMP_DISABLE: not dumpable; only CAP_SYS_PTRACE reaches it.
    public static let disabled: Int32 = 0
    /// SUID_DUMP_USER: dumpable, the default.
    public static let user: Int32 = 1
    /// fs.suid_dumpable of the sandbox (/proc/sys/fs/suid_dumpable): what a process becomes
    /// when its credentials change. 0, Linux's default and this host's.
    public static let suidDumpable: Int32 = 0
}

extension Credentials {
    /// commit_creds' condition for resetting the dumpable flag (and the parent-death signal):
    /// the effective or filesystem uid or gid changed, or the permitted capabilities grew.
    func dropsDumpability(from old: Credentials) -> Bool {
        euid != old.euid || egid != old.egid || fsuid != old.fsuid || fsgid != old.fsgid
            || permitted & ~old.permitted != 0
    }
}

extension Task {
    /// commit_creds after a change `dropsDumpability` names.
    func credentialsCommitted() {
        group.dumpable = Dumpable.suidDumpable
        parentDeathSignal = 0
    }
}

/// Which of the caller's ids __ptrace_may_access compares: the real ones
/// (PTRACE_MODE_REALCREDS: ptrace attach, process_vm_readv/writev, pidfd_getfd) or the
/// filesystem ones (PTRACE_MODE_FSCREDS: /proc/PID files).
enum PtraceAccessCreds { case real, filesystem }

extension Kernel {
    /// __ptrace_may_access: the caller's own process; or its (real or filesystem) uid and gid
    /// equal to each of the target's real, effective and saved ids, or CAP_SYS_PTRACE; and
    /// then the target dumpable (an exited process has no mm to ask), or CAP_SYS_PTRACE.
    /// Yama is not emulated: the sandbox has no ptrace_scope.
    func ptraceMayAccess(_ caller: Task, _ target: Task, _ creds: PtraceAccessCreds) -> Bool {
        if caller.group === target.group { return true }
        let c = caller.creds, t = target.creds
        let uid = creds == .real ? c.uid : c.fsuid, gid = creds == .real ? c.gid : c.fsgid
        let capable = c.has(Capability.sysPtrace)
        let sameIDs = uid == t.uid && uid == t.euid && uid == t.suid && gid == t.gid && gid == t.egid && gid == t.sgid
        guard sameIDs || capable else { return false }
        return target.group.dumpable == Dumpable.user || target.group.threads.isEmpty || capable
    }

    /// begin_new_exec's dumpability, decided before the new credentials are committed: not
    /// dumpable when the program or its interpreter is not readable by the caller
    /// (would_dump), or when the caller's effective ids differ from its real ones.
    func execDumpability(_ task: Task, _ plan: ExecPlan) -> Int32 {
        let c = task.creds
        if c.euid != c.uid || c.egid != c.gid { return Dumpable.suidDumpable }
        for file in [plan.executable.file] + (plan.interpreter.map { [$0.file] } ?? []) {
            guard let s = try? file.stat(), c.mayAccess(s, .read) else { return Dumpable.suidDumpable }
        }
        return Dumpable.user
    }
}
