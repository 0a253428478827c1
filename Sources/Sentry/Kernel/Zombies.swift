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
    /// A wait already reported it (the record stays for its SIGCHLD, which may come later).
    var reported = false
    /// Its parent's SIGCHLD siginfo was put in place (`fixChildSignal`).
    var signalled = false
    /// When it died, in the order of the kernel's exit events.
    var sequence = 0
}

extension Kernel {
    /// Records a process whose last thread exited; forgets records the host has reaped.
    func noteZombie(_ group: ThreadGroup, lastThread: Task) {
        if zombies.count >= 64 { zombies = zombies.filter { isHostZombie($0.value.group) } }
        // A zombie holds no files (exit_files): its open files are released now, as they would
        // be without the record.
        lastThread.fdTable = FDTable()
        var z = Zombie(group: group, lastThread: lastThread)
        z.sequence = (zombies.values.map(\.sequence).max() ?? 0) + 1
        let status = group.exitStatus ?? 0
        let sig = status & 0x7f
        z.coreDumped = sig != 0 && sig != 0x7f && SignalDefault.dumpsCore(sig) && group.rlimits.limits[Int(Rlimit.RLIMIT_CORE)].soft > 0
        zombies[group.pid] = z
    }

    /// Whether a child of `parent` died dumping core and may still be reported by a wait: such
    /// waits are made by the Sentry (injected), so that it can set WCOREDUMP in their answer.
    func hasDumpedChild(_ parent: ThreadGroup) -> Bool {
        zombies.values.contains { $0.coreDumped && !$0.reported && $0.group.parent === parent }
    }

    /// Whether a wait of `parent` may report a child that dumps core: one did already, or a
    /// living child's RLIMIT_CORE soft limit is nonzero. A wait run natively is decided before
    /// the host makes a dying child visible to it, so the Sentry makes such waits itself as
    /// soon as a child could dump, not only once it has (the Linux default limit, 0, keeps
    /// WNOHANG waits native).
    func mayReportDumpedChild(_ parent: ThreadGroup) -> Bool {
        parent.children.contains { $0.exitStatus == nil && $0.rlimits.limits[Int(Rlimit.RLIMIT_CORE)].soft > 0 }
            || hasDumpedChild(parent)
    }

    /// After a wait reported process `pid`: when it dumped core, its status gets WCOREDUMP
    /// (0x80) or its siginfo CLD_DUMPED, through `patch`; the record goes unless WNOWAIT.
    func reportedChild(_ pid: Int64, keep: Bool, patch: () throws(Errno) -> Void) throws(Errno) {
        guard pid > 0, let z = zombies[Int32(truncatingIfNeeded: pid)], z.coreDumped, !z.reported else { return }
        try patch()
        if !keep { zombies[Int32(truncatingIfNeeded: pid)]?.reported = true }
    }

    /// The host's SIGCHLD for a child that dumped core says CLD_KILLED: CLD_DUMPED, as Linux.
    /// When an injection held the host's SIGCHLD back and sent it again (SI_TKILL from no one,
    /// docs/sentry.md), its siginfo is rebuilt for `parent`'s oldest dumped child not yet
    /// signalled.
    func fixChildSignal(_ info: inout SigInfo, parent: ThreadGroup) {
        guard info.si_signo == Signal.SIGCHLD else { return }
        if info.si_code == SigCode.SI_TKILL && info.si_pid == 0,
           let (pid, z) = zombies.filter({ $0.value.coreDumped && !$0.value.signalled && $0.value.group.parent === parent })
               .min(by: { $0.value.sequence < $1.value.sequence }).map({ ($0.key, $0.value) }) {
            info = SigInfo(si_signo: Signal.SIGCHLD, si_errno: 0, si_code: 3)
            info.si_pid = pid
            info.si_uid = z.creds.uid
            info.si_status = (z.group.exitStatus ?? 0) & 0x7f
        }
        guard info.si_code == 2 || info.si_code == 3, zombies[info.si_pid]?.coreDumped == true else { return }
        info.si_code = 3
        zombies[info.si_pid]?.signalled = true
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
