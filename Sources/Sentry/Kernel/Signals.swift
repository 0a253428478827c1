import CHusk
import Glibc
import LinuxABI
import Platform
import SystemPackage

/// Signal routing. The Sentry is the only source of asynchronous signals inside the sandbox
/// (kill, tgkill, timers, SIGPIPE) besides the host kernel's SIGCHLD, so it knows when a task
/// parked in a served syscall must be woken: it sends the signal with tgkill, then completes the
/// parked call (EINTR, or a restart), and the host runs the handler on the way out.
enum SignalDefault {
    case terminate, ignore, stop, `continue`

    /// The signals whose default action dumps core (signal(7): "Core").
    static func dumpsCore(_ sig: Int32) -> Bool {
        switch sig {
        case Signal.SIGQUIT, Signal.SIGILL, Signal.SIGTRAP, Signal.SIGABRT, Signal.SIGBUS, Signal.SIGFPE,
             Signal.SIGSEGV, Signal.SIGXCPU, Signal.SIGXFSZ, Signal.SIGSYS: return true
        default: return false
        }
    }

    static func of(_ sig: Int32) -> SignalDefault {
        switch sig {
        case Signal.SIGCHLD, Signal.SIGURG, Signal.SIGWINCH: return .ignore
        case Signal.SIGSTOP, Signal.SIGTSTP, Signal.SIGTTIN, Signal.SIGTTOU: return .stop
        case Signal.SIGCONT: return .continue
        default: return .terminate
        }
    }
}

extension Kernel {
    /// How a signal `sig` ends a call `nr` parked with in-flight state `call`, for a thread group
    /// whose disposition of `sig` is `action` (signal(7)). The one decision for every blocking
    /// call (BlockedCall.swift); `signalPending` carries it out.
    static func interruption(of call: BlockedCall?, syscall nr: Int, signal sig: Int32, action: SignalAction) -> InterruptionOutcome {
        let hasHandler = action.handler > 1
        let ignored = action.handler == 1 || (action.handler == 0 && (SignalDefault.of(sig) == .ignore || SignalDefault.of(sig) == .continue))
        if ignored && sig != Signal.SIGKILL { return .keepWaiting }
        let mask = call?.waitMask
        if let mask, sig != Signal.SIGKILL && sig != Signal.SIGSTOP, mask & (UInt64(1) << UInt64(sig - 1)) != 0 {
            return .keepWaiting   // blocked while this call waits: it stays pending and the call goes on
        }
        let kind = call?.interruption ?? .interrupted
        if case .partial(let n) = kind { return .complete(n) }
        if let mask, hasHandler { return .interrupt(underMask: mask) }
        // No handler: the task stops (and later continues) or dies; a stop resumes the call.
        let restart = kind != .neverRestarted && SyscallTable.restartClass(nr).restarts(
            handlerRuns: hasHandler, saRestart: action.flags & SigactionFlags.SA_RESTART != 0,
            stopped: !hasHandler && SignalDefault.of(sig) == .stop)
        return restart ? .restart : .interrupt(underMask: nil)
    }

    /// Sends a thread-directed signal and wakes the thread if it is parked. `info` is what the
    /// handler sees (tgkill alone would show SI_TKILL from pid 0, the Sentry being outside).
    public func sendSignal(_ sig: Int32, to task: Task, info: SigInfo? = nil) throws(Errno) {
        try platform.signalThread(tgid: task.group.hostTGID, tid: task.hostTID, signal: sig)
        if let info, task.pendingSignalInfo[sig] == nil { task.pendingSignalInfo[sig] = info }
        signalQueue.notify(PollEvents.input)
        signalSent(sig, to: task)
    }

    /// The siginfo of a signal sent by a task of the sandbox with kill (SI_USER) or tgkill (SI_TKILL).
    static func senderInfo(_ sig: Int32, code: Int32, from sender: Task) -> SigInfo {
        var info = SigInfo(si_signo: sig, si_errno: 0, si_code: code)
        info.si_pid = sender.group.pid
        info.si_uid = sender.creds.uid
        return info
    }

    /// At a signal-delivery stop: put the recorded siginfo in place.
    func applySignalInfo(_ task: Task, _ sig: Int32) {
        if sig == SIGCHLD && task.pendingSignalInfo[sig] == nil && zombies.values.contains(where: { $0.coreDumped }) {
            fixDeliveredChildSignal(task)
            return
        }
        guard var info = task.pendingSignalInfo.removeValue(forKey: sig) else { return }
        timerSignalDelivered(&info, in: task.group)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: SigInfo.size, alignment: 8)
        defer { buffer.deallocate() }
        info.encode(into: buffer)
        try? platform.setSignalInfo(task.hostTID, UnsafeRawBufferPointer(buffer))
    }

    /// The host's SIGCHLD at its delivery stop, CLD_DUMPED put in for a child that dumped core.
    private func fixDeliveredChildSignal(_ task: Task) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: SigInfo.size, alignment: 8)
        defer { buffer.deallocate() }
        guard (try? platform.traceeRequest(task.hostTID, .getSigInfo, addr: 0, data: buffer.baseAddress)) != nil,
              var info = SigInfo.decode(from: UnsafeRawBufferPointer(buffer)) else { return }
        let before = info.si_code
        fixChildSignal(&info, parent: task.group)
        guard info.si_code != before else { return }
        info.encode(into: buffer)
        try? platform.setSignalInfo(task.hostTID, UnsafeRawBufferPointer(buffer))
    }

    /// A POSIX timer's signal leaves the queue: its siginfo carries the expiries counted while
    /// it waited (si_overrun, as Linux fills it at dequeue), and the timer may queue again.
    func timerSignalDelivered(_ info: inout SigInfo, in group: ThreadGroup) {
        guard info.si_code == SigCode.SI_TIMER, let pt = group.posixTimers[info.si_timerid] else { return }
        info.si_overrun = pt.timer.delivered()
        pt.lastOverrun = info.si_overrun
        pt.queuedOn = nil
    }

    /// Sends a process-directed signal to the thread Linux would pick: one that does not block
    /// it, preferring a parked one (which needs waking) and then the leader.
    public func sendSignal(_ sig: Int32, toGroup group: ThreadGroup, info: SigInfo? = nil) throws(Errno) {
        guard !group.threads.isEmpty else { throw .noSuchProcess }
        let open = group.threads.filter { !blocks($0, sig) }
        let target = open.first { $0.parked != nil } ?? open.first { $0.hostTID == group.hostTGID } ?? open.first ?? group.threads[0]
        try sendSignal(sig, to: target, info: info)
    }

    /// Queues a signal with a siginfo the program supplied (si_code < 0, checked by the caller).
    func queueSignal(_ sig: Int32, info: SigInfo, to task: Task) throws(Errno) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: SigInfo.size, alignment: 8)
        defer { buffer.deallocate() }
        info.encode(into: buffer)
        let r = chusk_syscall6(Int(SyscallNumber.rt_tgsigqueueinfo), Int(task.group.hostTGID), Int(task.hostTID), Int(sig),
                               Int(bitPattern: buffer.baseAddress), 0, 0)
        if r < 0 { throw Errno(rawValue: Int32(-r)) }
        // The host zeroes si_pid for a sender in an ancestor PID namespace (the Sentry): the
        // program's siginfo is put back at delivery or by sigtimedwait, as for sendSignal.
        if task.pendingSignalInfo[sig] == nil { task.pendingSignalInfo[sig] = info }
        signalQueue.notify(PollEvents.input)
        signalSent(sig, to: task)
    }

    /// Queues a signal with a siginfo naming `sender` as its source (SI_MESGQ): the call is
    /// injected into the sender, which is stopped in the syscall that causes the signal, so that
    /// the host keeps si_pid (a siginfo queued from the Sentry's ancestor PID namespace arrives
    /// with si_pid 0, even to sigwaitinfo, which no delivery stop could fix).
    func queueSignal(_ sig: Int32, info: SigInfo, to task: Task, from sender: Task) throws(Errno) {
        let scratch = try platform.scratchAddress(sender.hostTID)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: SigInfo.size, alignment: 8)
        defer { buffer.deallocate() }
        info.encode(into: buffer)
        try sender.copyOut(scratch, UnsafeRawBufferPointer(buffer))
        try sender.inject(SyscallNumber.rt_tgsigqueueinfo, [UInt64(UInt32(bitPattern: task.group.pid)), UInt64(UInt32(bitPattern: task.tid)),
                                                            UInt64(UInt32(bitPattern: sig)), scratch])
        signalQueue.notify(PollEvents.input)
        signalSent(sig, to: task)
    }

    /// A signal was just sent to `task`'s host thread: it ends the served call the thread sits
    /// in, or, when it sits in none (stopped on its way into a call the Sentry has not taken
    /// yet, where the host cannot deliver it), waits for that call to park.
    func signalSent(_ sig: Int32, to task: Task) {
        if task.parked != nil { signalPending(sig, on: task) } else { task.unseenSignals |= UInt64(1) << UInt64(sig - 1) }
    }

    /// A signal is pending on `task` (sent by us or by the host kernel): if the task sits in a
    /// served call, finish that call the way Linux does for this signal and disposition. What the
    /// call keeps in flight (BlockedCall.swift) answers the call-specific questions.
    func signalPending(_ sig: Int32, on task: Task) {
        guard let parked = task.parked else { return }
        let call = task.blockedCall
        let outcome = Kernel.interruption(of: call, syscall: parked.args.number, signal: sig,
                                          action: task.group.signalActions[Int(sig)])
        if outcome == .keepWaiting { return }
        unpark(task)
        let completion: SyscallCompletion
        switch outcome {
        case .keepWaiting:
            return
        case .complete(let n):
            strace?.exit(task, parked.args, n)
            completion = .skip(n)
        case .restart where platform.capabilities(at: task.hostTID).contains(.restartSyscall):
            strace?.exit(task, parked.args, -512)
            completion = .restart
        case .restart:
            // A platform that cannot restart a call ends it with EINTR, as a handler without SA_RESTART.
            strace?.exit(task, parked.args, Errno.interrupted.syscallResult)
            completion = .skip(Errno.interrupted.syscallResult)
        case .interrupt(let mask):
            if let mask, deliverUnderMask(task, parked.args, mask: mask) { return }
            strace?.exit(task, parked.args, Errno.interrupted.syscallResult)
            completion = .skip(Errno.interrupted.syscallResult)
        }
        try? platform.complete(task.hostTID, completion)
    }

    /// Ends a parked call without finishing it: leaves its queue and wait set and lets go of its
    /// in-flight state.
    func unpark(_ task: Task) {
        task.parked?.waiter.cancel()
        task.parked = nil
        task.waitSet?.clear()
        task.abandonBlockedCall()
    }

    /// Ends a parked mask-swapping call (ppoll, pselect6, epoll_pwait) with EINTR, the pending
    /// signal delivered under the call's mask and the caller's mask back after the handler,
    /// which is what the call itself does. False when the platform cannot: the caller then
    /// ends it with plain EINTR.
    private func deliverUnderMask(_ task: Task, _ args: SyscallArguments, mask: UInt64) -> Bool {
        guard platform.capabilities(at: task.hostTID).contains(.suspendUnderMask) else { return false }
        strace?.exit(task, args, Errno.interrupted.syscallResult)
        return (try? platform.complete(task.hostTID, .suspendUnderMask(mask))) != nil
    }

    /// Whether the thread blocks `sig`: the mask a parked ppoll/pselect6/epoll_pwait waits with,
    /// else the host's view of its mask (rt_sigprocmask runs natively).
    func blocks(_ task: Task, _ sig: Int32) -> Bool {
        guard sig != Signal.SIGKILL && sig != Signal.SIGSTOP else { return false }
        let bit = UInt64(1) << UInt64(sig - 1)
        if task.parked != nil, let m = task.blockedCall?.waitMask { return m & bit != 0 }
        guard let mask = HostProc.hexField(task.hostTID, "SigBlk:") else { return false }
        return mask & bit != 0
    }

    /// The process group of a thread group, in the program's pid numbers.
    func processGroup(of group: ThreadGroup) -> Int32? {
        guard let hostPGID = HostProc.statField(group.hostTGID, 5) else { return nil }
        return threadGroups[HostTID(hostPGID)]?.pid ?? (hostPGID == Int64(group.hostTGID) ? group.pid : nil)
    }

    /// Linux's kill permission: root, or a matching real/effective uid against the target's
    /// real/saved uid (SIGCONT also within a session, which the sandbox approximates by uid).
    func mayKill(_ sender: Task, _ target: ThreadGroup) -> Bool {
        if sender.creds.has(Capability.kill) { return true }
        guard let t = target.threads.first?.creds else { return false }
        return Kernel.mayKill(sender.creds, t)
    }

    /// The same check between two sets of credentials.
    static func mayKill(_ s: Credentials, _ t: Credentials) -> Bool {
        s.has(Capability.kill) || s.euid == t.uid || s.euid == t.suid || s.uid == t.uid || s.uid == t.suid
    }
}

/// Reads what the host's procfs (of the Sentry's own PID namespace) knows about a task.
enum HostProc {
    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        return n > 0 ? Array(buf[0..<n]) : nil
    }

    /// A hex field of /proc/TID/status, e.g. "SigBlk:".
    static func hexField(_ tid: HostTID, _ name: String) -> UInt64? {
        hexFields(tid, [name])?[0] ?? nil
    }

    /// The signals pending on the host for a thread: its own (SigPnd) and its process's (ShdPnd),
    /// from one read of /proc/TID/status.
    static func pendingSignals(_ tid: HostTID) -> UInt64 {
        guard let f = hexFields(tid, ["SigPnd:", "ShdPnd:"]) else { return 0 }
        return (f[0] ?? 0) | (f[1] ?? 0)
    }

    /// The hex fields `names` of one read of /proc/TID/status (nil: the task is gone).
    private static func hexFields(_ tid: HostTID, _ names: [String]) -> [UInt64?]? {
        guard let bytes = read("/proc/\(tid)/status") else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        var values = [UInt64?](repeating: nil, count: names.count)
        for line in text.split(separator: "\n") {
            if let i = names.firstIndex(where: { line.hasPrefix($0) }) {
                values[i] = UInt64(line.dropFirst(names[i].count).trimmingWhitespace(), radix: 16)
            }
        }
        return values
    }

    /// The Nth (1-based) field of /proc/TID/stat, counted after the parenthesised comm.
    static func statField(_ tid: HostTID, _ n: Int) -> Int64? {
        guard let bytes = read("/proc/\(tid)/stat"), let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let rest = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // Field 3 (state) is rest[0].
        let i = n - 3
        guard i >= 0 && i < rest.count else { return nil }
        return Int64(String(decoding: rest[rest.startIndex + i], as: UTF8.self))
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\n" { s.removeLast() }
        return s
    }
}
