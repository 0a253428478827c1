import Glibc
import LinuxABI
import Platform
import SystemPackage

// A terminal of the Sentry: one pty pair of devpts (the console of husk run -t is pty 0),
// with its line discipline, window size, and the job control state Linux keeps in
// tty_struct: the session it controls and its foreground process group. Sessions and process
// groups themselves are the host's (setsid/setpgid run natively); they are read back from the
// Sentry's procfs when a decision needs them (Kernel.session(of:), Kernel.processGroup(of:)).

public final class Terminal {
    public let index: Int32
    public let ldisc = LineDiscipline()
    public var windowSize = WinSize()
    /// The session (its leader's pid) whose controlling terminal this is, and its foreground
    /// process group; nil when none.
    public var session: Int32?
    public var foreground: Int32?
    /// Processes (host tgids) of the session that gave it up with TIOCNOTTY without leading it.
    var detached: Set<HostTID> = []
    /// Readers and writers of the slave, and of the master.
    public let slaveQueue = WaitQueue()
    public let masterQueue = WaitQueue()
    /// TIOCSPTLCK: a new pty is locked until unlockpt.
    public var locked = true
    /// Open descriptions of each side; the slave was ever opened (its last close is a hang-up
    /// for the master's reader: EIO).
    var masters = 0
    var slaves = 0
    var slaveWasOpened = false
    /// The master was closed: the slave is hung up (reads see EOF, writes EIO).
    public private(set) var hungUp = false
    /// The /dev/pts/N node.
    let node: PtsNode
    /// The kernel, learnt from the first task that used the terminal (signals need it).
    weak var kernel: Kernel?
    weak var devpts: DevPts?

    init(index: Int32, node: PtsNode) {
        self.index = index
        self.node = node
    }

    // MARK: Moving bytes

    /// Input typed at the terminal (the master's writes, the console's stdin): at most
    /// `inputRoom` bytes are taken; ISIG signals go to the foreground process group.
    public func type(_ bytes: UnsafeRawBufferPointer) -> Int {
        let n = min(bytes.count, ldisc.inputRoom)
        if n == 0 { return 0 }
        let events = ldisc.receive(UnsafeRawBufferPointer(rebasing: bytes[0..<n]))
        for case .signal(let sig) in events { signalForeground(sig) }
        slaveQueue.notify(PollEvents.input)
        if !ldisc.output.isEmpty { masterQueue.notify(PollEvents.input) }
        return n
    }

    /// The master's reader took output: slave writers may go on.
    func outputTaken() { slaveQueue.notify(PollEvents.output) }

    /// The slave's reader took input: the master's writers (and the console) may go on.
    func inputTaken() { masterQueue.notify(PollEvents.output) }

    // MARK: Job control

    /// Sends `sig` to the foreground process group (ISIG, SIGWINCH).
    func signalForeground(_ sig: Int32) {
        guard let pgrp = foreground, let kernel else { return }
        kernel.signalProcessGroup(pgrp, sig)
    }

    /// Whether this is `task`'s controlling terminal.
    func controls(_ task: Task) -> Bool {
        guard let session, !detached.contains(task.group.hostTGID) else { return false }
        return task.kernel.session(of: task.group) == session
    }

    /// What a background process meets on a terminal call (__tty_check_change, job_control):
    /// nil when it may go on; else the call's answer: EIO, or the signal sent to its process
    /// group and the call restarted after it (ERESTARTSYS).
    func jobControl(_ task: Task, _ sig: Int32) -> SyscallReturn? {
        guard controls(task), let fg = foreground, let pgrp = task.kernel.processGroup(of: task.group), pgrp != fg else { return nil }
        let k = task.kernel
        let ignored = k.blocks(task, sig) || task.group.signalActions[Int(sig)].handler == 1
        if ignored { return sig == Signal.SIGTTIN ? .error(.ioError) : nil }
        if k.isOrphaned(processGroup: pgrp) { return .error(.ioError) }
        // Park the caller, then signal its group: the signal code ends the parked call as
        // Linux ends an ERESTARTSYS (a restart after the stop and SIGCONT, or under SA_RESTART).
        k.timers.add(deadline: 0) { [weak k] in k?.signalProcessGroup(pgrp, sig) }
        return .block(WaitQueue(), PollEvents.input)
    }

    /// TIOCSCTTY and the first open by a session leader: `task`'s session takes the terminal.
    func acquire(_ task: Task, steal: Bool, explicit: Bool) -> SyscallReturn {
        let k = task.kernel
        guard let sid = k.session(of: task.group), sid == task.group.pid else { return .error(.notPermitted) }
        if controls(task) { return .zero }
        if let devpts, devpts.terminals.values.contains(where: { $0 !== self && $0.session == sid }) { return .error(.notPermitted) }
        if let owner = session, owner != sid {
            guard explicit && steal && task.creds.has(Capability.sysAdmin) else { return .error(.notPermitted) }
        }
        session = sid
        foreground = k.processGroup(of: task.group)
        detached.removeAll()
        kernel = k
        return .zero
    }

    /// The session lets go of the terminal (TIOCNOTTY by its leader, the leader's exit):
    /// SIGHUP, and SIGCONT unless the leader exits, to the foreground process group.
    func disassociate(leaderExits: Bool) {
        if let fg = foreground, let kernel {
            kernel.signalProcessGroup(fg, Signal.SIGHUP)
            if !leaderExits { kernel.signalProcessGroup(fg, Signal.SIGCONT) }
        }
        session = nil
        foreground = nil
        detached.removeAll()
    }

    /// The master's last close (pty_close → tty_vhangup): SIGHUP and SIGCONT to the session's
    /// leader, the slave's readers see EOF and its writers EIO.
    func hangUp() {
        guard !hungUp else { return }
        hungUp = true
        if let sid = session, let kernel, let leader = kernel.threadGroup(pid: sid) {
            try? kernel.sendSignal(Signal.SIGHUP, toGroup: leader, info: Kernel.kernelInfo(Signal.SIGHUP))
            try? kernel.sendSignal(Signal.SIGCONT, toGroup: leader, info: Kernel.kernelInfo(Signal.SIGCONT))
        }
        session = nil
        foreground = nil
        slaveQueue.notify(PollEvents.input | PollEvents.output | PollEvents.hangUp)
    }

    func slaveClosed() {
        slaves -= 1
        if slaves == 0 { masterQueue.notify(PollEvents.input | PollEvents.hangUp) }
    }
}

extension Kernel {
    /// The session of a thread group, in the program's pid numbers (the host's truth).
    func session(of group: ThreadGroup) -> Int32? {
        guard let hostSID = HostProc.statField(group.hostTGID, 6) else { return nil }
        return threadGroups[HostTID(hostSID)]?.pid ?? (hostSID == Int64(group.hostTGID) ? group.pid : nil)
    }

    /// The siginfo of a signal the kernel itself sends (a terminal's).
    static func kernelInfo(_ sig: Int32) -> SigInfo { SigInfo(si_signo: sig, si_errno: 0, si_code: SigCode.SI_KERNEL) }

    /// kill_pgrp: `sig` to every process of the sandbox in process group `pgrp`.
    func signalProcessGroup(_ pgrp: Int32, _ sig: Int32) {
        for g in threadGroups.values where processGroup(of: g) == pgrp {
            try? sendSignal(sig, toGroup: g, info: Kernel.kernelInfo(sig))
        }
    }

    /// Linux's orphaned process group: no member has a parent in another group of its session.
    func isOrphaned(processGroup pgrp: Int32) -> Bool {
        for g in threadGroups.values where processGroup(of: g) == pgrp {
            guard let parent = g.parent, let ppg = processGroup(of: parent) else { continue }
            if ppg != pgrp && session(of: parent) == session(of: g) { return false }
        }
        return true
    }

    /// Where a session leader's exit leaves its controlling terminal (disassociate_ctty).
    func sessionLeaderExited(_ group: ThreadGroup) {
        for t in vfs.devpts.terminals.values where t.session == group.pid { t.disassociate(leaderExits: true) }
    }
}
