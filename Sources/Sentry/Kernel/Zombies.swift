import LinuxABI
import Platform
import SystemPackage

/// A process that has exited but that its parent has not reaped: Linux keeps its pid, so kill,
/// rt_sigqueueinfo and tgkill still find it (and answer 0) until wait4 or waitid reaps it. The
/// host is the truth for reaping (wait runs natively): a record stands while the host shows
/// the process in state Z.
struct Zombie {
    let group: ThreadGroup
    /// Its last thread (what /proc/PID shows) and the credentials it had, for kill's check.
    let lastThread: Task
    var creds: Credentials { lastThread.creds }
    /// Killed by a signal whose default action dumps core while its RLIMIT_CORE soft limit was
    /// nonzero: its parent's wait reports WCOREDUMP (CLD_DUMPED), as Linux's. No core file is
    /// written, and the host dumps nothing (the tasks' host RLIMIT_CORE is 1, see Boot).
    var coreDumped = false
}

extension Kernel {
    /// Records a process whose last thread exited; forgets records the host has reaped.
    func noteZombie(_ group: ThreadGroup, lastThread: Task) {
        if zombies.count >= 64 { zombies = zombies.filter { isHostZombie($0.value.group) } }
        // A zombie holds no files (exit_files): its open files are released now, as they would
        // be without the record.
        lastThread.fdTable = FDTable()
        var z = Zombie(group: group, lastThread: lastThread)
        let status = group.exitStatus ?? 0
        let sig = status & 0x7f
        z.coreDumped = sig != 0 && sig != 0x7f && SignalDefault.dumpsCore(sig) && group.rlimits.limits[Int(Rlimit.RLIMIT_CORE)].soft > 0
        zombies[group.pid] = z
    }

    /// Whether a child of `parent` died dumping core and may still be reported by a wait: such
    /// waits are made by the Sentry (injected), so that it can set WCOREDUMP in their answer.
    func hasDumpedChild(_ parent: ThreadGroup) -> Bool {
        zombies.values.contains { $0.coreDumped && $0.group.parent === parent }
    }

    /// After a wait reported process `pid`: when it dumped core, its status gets WCOREDUMP
    /// (0x80) or its siginfo CLD_DUMPED, through `patch`; the record goes unless WNOWAIT.
    func reportedChild(_ pid: Int64, keep: Bool, patch: () throws(Errno) -> Void) throws(Errno) {
        guard pid > 0, let z = zombies[Int32(truncatingIfNeeded: pid)], z.coreDumped else { return }
        try patch()
        if !keep { zombies[Int32(truncatingIfNeeded: pid)] = nil }
    }

    /// The unreaped process with program pid `pid`, if it is one.
    func zombie(pid: Int32) -> Zombie? {
        guard let z = zombies[pid] else { return nil }
        if threadGroup(pid: pid) == nil && isHostZombie(z.group) { return z }
        zombies[pid] = nil
        return nil
    }

    private func isHostZombie(_ group: ThreadGroup) -> Bool {
        HostProc.stateLetter(group.hostTGID) == UInt8(ascii: "Z")
    }

    /// The process of the thread with program id `tid` (kill and rt_sigqueueinfo accept any
    /// thread's id for its process).
    func groupOfThread(_ tid: Int32) -> ThreadGroup? {
        tasks.values.first { $0.tid == tid }?.group
    }

    /// Signalling a zombie: Linux finds it, checks permission, and the signal is dropped (0).
    func signalZombie(_ sender: Task, pid: Int32) -> SyscallReturn? {
        guard let z = zombie(pid: pid) else { return nil }
        return Kernel.mayKill(sender.creds, z.creds) ? .zero : .error(.notPermitted)
    }
}

extension HostProc {
    /// Field 3 of /proc/TID/stat: the host's state letter.
    static func stateLetter(_ tid: HostTID) -> UInt8? {
        guard let bytes = read("/proc/\(tid)/stat"), let close = bytes.lastIndex(of: UInt8(ascii: ")")),
              close + 2 < bytes.count else { return nil }
        return bytes[close + 2]
    }
}
