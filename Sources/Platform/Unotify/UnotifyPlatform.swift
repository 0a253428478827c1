// The unotify Platform (docs/platforms.md): ptrace stays attached for the lifecycle (clone,
// exec, exit, signals, injections) and serves every call marked RET_TRACE as before; the calls
// the syscall table marks `notify` (handlers that need only the task's memory and the Sentry's
// state) reach the Sentry as seccomp user notifications on a listener, and are answered with
// SECCOMP_IOCTL_NOTIF_SEND without a ptrace stop or a register write.
//
// Contract details the Sentry relies on, besides PtracePlatform's:
// - `eventFD` is the SIGCHLD signalfd, and `lateEventFDs` the listener, which the Sentry's epoll
//   set holds directly (a nested epoll would lose SYNC_WAKE_UP's same-CPU wake-up): nextEvent()
//   returns ptrace events first (a clone before its child's calls), then notifications.
// - A notified call is reported as `.syscall` with registers from seccomp_data (no sp). Until it
//   is completed, `capabilities(at:)` for its task is `.restartSyscall` only: `.skip` answers the
//   value or errno, `.restart` answers -ERESTARTNOINTR (the Sentry asks for it only after it
//   sent a signal, so the kernel restarts the call after the handler or the stop). Anything else
//   is a Sentry bug (the notify list is wrong): the task is killed with one line.
// - The filter is loaded with SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: once the Sentry received a
//   notification only a fatal signal ends the wait, so the Sentry alone decides, as under ptrace,
//   how a signal ends a parked call (EINTR, restart, or a partial count); a signal that arrives
//   before the Sentry received it makes the kernel restart the call (it never reached the Sentry).
// - Memory of a notified call's task is read with process_vm_readv, and the notification id is
//   checked with SECCOMP_IOCTL_NOTIF_ID_VALID after each read and before each write: a task
//   that died (or whose call ended) is never acted on.

import CHusk
import Glibc
import LinuxABI
import SystemPackage

public final class UnotifyPlatform: PtracePlatform {
    /// Notified calls received and not answered yet: their ids (and numbers, return addresses) by tid.
    var pending: [HostTID: (id: UInt64, nr: Int32, ip: UInt64)] = [:]
    /// Notified calls sent back to be issued again from the gadget (`.reissueStopped`): the
    /// number and the program's return address, until the call's seccomp stop.
    var reissued: [HostTID: (nr: Int32, ip: UInt64, trapped: Bool)] = [:]
    /// Receive buffer (zeroed before each RECV by the C wrapper).
    var notification = chusk_notif()
    /// Called once with a line when an optional kernel feature is missing (SYNC_WAKE_UP); the
    /// Sentry prints it under --strace or HUSK_DEBUG=1.
    let note: (String) -> Void

    public init(filter: ApplicationFilter, note: @escaping (String) -> Void = { _ in }) throws(Errno) {
        self.note = note
        try super.init(filter: filter, userNotify: true)
    }

    /// The kernel features the platform needs, or a line naming the first missing one.
    public static func missingFeature() -> String? {
        let missing = chusk_unotify_probe()
        if missing & Int32(CHUSK_UNOTIFY_MISSING_USER_NOTIF) != 0 { return "SECCOMP_RET_USER_NOTIF is not available" }
        if missing & Int32(CHUSK_UNOTIFY_MISSING_KILLABLE_RECV) != 0 { return "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is not available (Linux 5.19)" }
        if missing & Int32(CHUSK_UNOTIFY_MISSING_PIDFD_GETFD) != 0 { return "pidfd_getfd is not available (Linux 5.6)" }
        return nil
    }

    override func listenerTaken() {
        if chusk_notif_sync_wakeup(listenerFD) != 0 {
            note("husk: unotify: SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP is not available (Linux 6.6): notifications wake the Sentry on any CPU")
        }
    }

    /// The listener sits in the Sentry's own epoll set, not behind `eventFD` (SYNC_WAKE_UP).
    public override var lateEventFDs: [Int32] { listenerFD >= 0 ? [listenerFD] : [] }

    // MARK: - Events

    /// One poll tells which source has something: waitpid and the signalfd are asked only
    /// after a SIGCHLD (or while the last waitpid returned a status), so that a notification
    /// costs the Sentry a poll, a RECV and a SEND.
    public override func nextEvent() -> TaskEvent? {
        let ready = chusk_unotify_ready(sigchldFD, listenerFD)
        if ready < 0 || ready & 1 != 0 || ptraceMayHaveMore || !queue.isEmpty {
            if let e = nextPtraceEvent() {
                ptraceMayHaveMore = true
                if case .exited(let tid, _) = e { pending[tid] = nil; reissued[tid] = nil }
                if case .execed(let tid, let former) = e { reissued[tid] = nil; reissued[former] = nil }
                return e
            }
            ptraceMayHaveMore = false
        }
        // Bit 4: no task uses the filter any more (the sandbox is ending).
        guard ready > 0 && ready & 2 != 0 else { return nil }
        return nextNotification()
    }

    func nextNotification() -> TaskEvent? {
        while true {
            let r = chusk_notif_recv(listenerFD, &notification)
            // The caller left before it was received (a signal): another may wait.
            if r == -Int(ENOENT) { if chusk_notif_ready(listenerFD) == 1 { continue } else { return nil } }
            if r < 0 { return nil }
            let n = notification
            let tid = HostTID(bitPattern: n.pid)
            pending[tid] = (n.id, n.nr, n.instruction_pointer)
            let regs = SyscallRegisters(nr: Int(n.nr), args: (n.args.0, n.args.1, n.args.2, n.args.3, n.args.4, n.args.5),
                                        ip: n.instruction_pointer, sp: 0)
            return .syscall(tid, regs)
        }
    }

    // MARK: - Completions

    public override func capabilities(at tid: HostTID) -> PlatformCapabilities {
        pending[tid] != nil ? [.restartSyscall, .reissueStopped] : capabilities
    }

    /// Linux's -ERESTARTNOINTR: with a signal pending, the call is issued again after the
    /// handler (or the stop), whatever SA_RESTART says; the Sentry already decided.
    static let restartNoIntr: Int32 = -513

    public override func complete(_ tid: HostTID, _ completion: SyscallCompletion) throws(Errno) {
        guard let (id, nr, ip) = pending.removeValue(forKey: tid) else { return try super.complete(tid, completion) }
        let r: Int
        switch completion {
        case .skip(let v) where v < 0 && v >= -4095:
            r = chusk_notif_send(listenerFD, id, 0, Int32(v))
        case .skip(let v):
            r = chusk_notif_send(listenerFD, id, v, 0)
        case .restart:
            r = chusk_notif_send(listenerFD, id, 0, Self.restartNoIntr)
        case .reissueStopped:
            // PTRACE_INTERRUPT marks a trap stop (it does not end the killable wait); the answer
            // -ERESTARTNOINTR then takes the task through get_signal, which stops it there
            // (consumeInterruptStop moves rip to the gadget), and the kernel's restart issues
            // the call from the gadget, where the filter sends it to ptrace; its seccomp stop
            // gets the program's return address back (redirectSeccompStop).
            let i = chusk_ptrace(Int(CHUSK_PTRACE_INTERRUPT), tid, 0, 0)
            if i < 0 { pending[tid] = (id, nr, ip); throw Errno(rawValue: Int32(-i)) }
            reissued[tid] = (nr, ip, false)
            r = chusk_notif_send(listenerFD, id, 0, Self.restartNoIntr)
        default:
            hostileReport("husk: sentry: \(syscallName(Int(nr)) ?? "syscall \(nr)") of task \(tid) came as a user notification but asked for \(completion), which needs a stopped task: killed")
            _ = chusk_tgkill(tid, tid, SIGKILL)
            throw .notSupported
        }
        // ENOENT: the task no longer waits (killed meanwhile); its exit event follows.
        if r < 0 && r != -Int(ENOENT) { throw Errno(rawValue: Int32(-r)) }
    }

    // MARK: - Memory of a notified call's task

    public override func readMemory(_ tid: HostTID, at address: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) {
        try super.readMemory(tid, at: address, into: buffer)
        if let id = pending[tid]?.id, chusk_notif_id_valid(listenerFD, id) != 0 { throw .noSuchProcess }
    }

    public override func writeMemory(_ tid: HostTID, at address: UInt64, from buffer: UnsafeRawBufferPointer) throws(Errno) {
        if let id = pending[tid]?.id, chusk_notif_id_valid(listenerFD, id) != 0 { throw .noSuchProcess }
        try super.writeMemory(tid, at: address, from: buffer)
    }

    /// Linux's -ERESTARTSYS, what a notified call that a signal ended before the Sentry
    /// received it returns (the Sentry's own answers are values, errnos or -ERESTARTNOINTR).
    static let restartSys: Int64 = -512

    public override func unreceivedCall(_ tid: HostTID) -> SyscallRegisters? {
        var regs = user_regs_struct()
        guard (try? getRegs(tid, &regs)) != nil, Int64(bitPattern: regs.rax) == Self.restartSys,
              case let nr = Int(Int64(bitPattern: regs.orig_rax)), filter.notify.contains(nr),
              regs.rip != StubELF.gadgetAddress + 2 else { return nil }
        return SyscallRegisters(nr: nr, args: (regs.rdi, regs.rsi, regs.rdx, regs.r10, regs.r8, regs.r9), ip: regs.rip, sp: regs.rsp)
    }

    public override func restartUnreceivedCall(_ tid: HostTID) throws(Errno) {
        var regs = user_regs_struct()
        try getRegs(tid, &regs)
        regs.rax = UInt64(bitPattern: Int64(Self.restartNoIntr))
        try setRegs(tid, regs)
    }

    override func consumeInterruptStop(_ tid: HostTID) -> Bool {
        guard let re = reissued[tid], !re.trapped else { return false }
        var regs = user_regs_struct()
        do throws(Errno) {
            try getRegs(tid, &regs)
            // At the trap stop inside get_signal, before the restart (ip -= 2, ax = orig_ax).
            if Int64(bitPattern: regs.rax) == Int64(Self.restartNoIntr) && Int64(bitPattern: regs.orig_rax) == Int64(re.nr) {
                regs.rip = StubELF.gadgetAddress + 2
                try setRegs(tid, regs)
                reissued[tid]!.trapped = true
            } else {
                reissued[tid] = nil
            }
            try ptraceResume(tid, continueRequest(tid))
        } catch {
            reissued[tid] = nil
        }
        return true
    }

    override func consumeRestartExitStop(_ tid: HostTID) -> Bool {
        // Under PTRACE_SYSCALL (the program's tracer asked for syscall stops) the answer
        // -ERESTARTNOINTR first stops the task at the call's exit, and any ptrace stop clears a
        // pending PTRACE_INTERRUPT: the trap consumeInterruptStop waits for never comes, and the
        // restart would issue the call from the program again (a notification, a re-issue, an
        // endless loop). This stop is the trap instead: the restart returns to the gadget; the
        // exit (an artefact: the call is not over) and the restart's entry stop are not reported.
        guard let re = reissued[tid], !re.trapped, var t = tasks[tid] else { return false }
        var regs = user_regs_struct()
        guard (try? getRegs(tid, &regs)) != nil, Int64(bitPattern: regs.rax) == Int64(Self.restartNoIntr),
              Int64(bitPattern: regs.orig_rax) == Int64(re.nr) else { return false }
        regs.rip = StubELF.gadgetAddress + 2
        do throws(Errno) {
            try setRegs(tid, regs)
            reissued[tid]!.trapped = true
            t.swallowEntry = true
            t.regs = regs
            tasks[tid] = t
            try ptraceResume(tid, continueRequest(tid))
        } catch {
            reissued[tid] = nil
        }
        return true
    }

    override func redirectSeccompStop(_ tid: HostTID, _ regs: inout user_regs_struct) -> Bool {
        // Only the re-issued call itself: from the gadget, with its number (a handler that
        // left with longjmp never comes back here, and the entry is dropped at exec or exit).
        guard let re = reissued[tid], re.trapped, regs.rip == StubELF.gadgetAddress + 2,
              Int64(bitPattern: regs.orig_rax) == Int64(re.nr) else { return false }
        reissued[tid] = nil
        regs.rip = re.ip
        return true
    }

    public override func forget(_ tid: HostTID) {
        pending[tid] = nil
        reissued[tid] = nil
        super.forget(tid)
    }
}
