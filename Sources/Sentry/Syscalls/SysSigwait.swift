import Glibc
import LinuxABI
import Platform
import SystemPackage

// rt_sigtimedwait (sigwaitinfo, sigtimedwait): served, so that the siginfo a program reads names
// the real sender. A signal the Sentry sent with tgkill shows, on the host, SI_TKILL from pid 0
// (the Sentry is outside the tasks' PID namespace); the Sentry takes the signal from the host's
// queue with an injected zero-timeout rt_sigtimedwait and puts back the siginfo it recorded
// when it sent it (as at a delivery stop, and as signalfd's read).

extension Kernel {
    /// One pending signal of `mask` taken from the task (thread, then process), or nil: an
    /// injected rt_sigtimedwait with a zero timeout, the recorded sender put in place.
    func dequeueSignal(_ task: Task, mask: UInt64) throws(Errno) -> SigInfo? {
        let scratch = try platform.scratchAddress(task.hostTID)
        // The scratch page: the mask at 0, a zero timespec at 16, the siginfo at 64.
        var args = [UInt8](repeating: 0, count: 32)
        withUnsafeBytes(of: mask.littleEndian) { args.replaceSubrange(0..<8, with: $0) }
        try task.copyOut(scratch, args)
        let r = try platform.injectSyscall(task.hostTID, SyscallNumber.rt_sigtimedwait, [scratch, scratch + 64, scratch + 16, 8])
        if r == -Int64(EAGAIN) || r == -Int64(EINTR) { return nil }
        if r < 0 { throw Errno(rawValue: Int32(-r)) }
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: SigInfo.size, alignment: 8)
        defer { raw.deallocate() }
        try platform.readMemory(task.hostTID, at: scratch + 64, into: raw)
        guard var info = SigInfo.decode(from: UnsafeRawBufferPointer(raw)) else { return nil }
        // A signal the Sentry sent shows its real sender, as at a delivery stop.
        if let sent = task.pendingSignalInfo.removeValue(forKey: Int32(r)) ?? task.group.threads.lazy.compactMap({ $0.pendingSignalInfo[Int32(r)] }).first {
            info = sent
            timerSignalDelivered(&info, in: task.group)
        } else if info.si_signo == Signal.SIGCHLD && info.si_code > 0, let child = lastCredentials(ofPID: info.si_pid) {
            // The host's SIGCHLD names the child's host uid, which the tasks' user namespace
            // may not map: the sandbox's uid of the child.
            info.si_uid = child.uid
        }
        fixChildSignal(&info, parent: task.group)
        return info
    }
}

extension Kernel {
    /// The credentials of a live process, or of one that exited (its zombie record).
    func lastCredentials(ofPID pid: Int32) -> Credentials? {
        threadGroup(pid: pid)?.threads.first?.creds ?? zombies[pid]?.creds
    }
}

/// A parked rt_sigtimedwait: the set it waits for, its deadline, and the mask it waits under
/// (the thread's blocked signals and the set, so that a signal of the set stays pending for it
/// to take rather than interrupting it). Never restarted: Linux returns EINTR.
final class SignalWait: BlockedCall {
    let set: UInt64
    let wait: TimedWait
    init(set: UInt64, timeout: UInt64?, blocked: UInt64) {
        self.set = set
        wait = TimedWait(timeout: timeout, mask: blocked | set)
    }
    var interruption: Interruption { .neverRestarted }
    var waitMask: UInt64? { wait.waitMask }
}

enum SysSigwait {
    /// rt_sigtimedwait(2).
    static func rtSigtimedwait(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        guard a[3] == 8 else { return .error(.invalidArgument) }
        do {
            let call: SignalWait
            if let c = t.blockedCall(SignalWait.self) {
                call = c
            } else {
                let set = SignalFDFile.usable(try t.copyInValue(a[0], as: UInt64.self))
                var timeout: UInt64? = nil
                if a[2] != 0 {
                    let b = try t.copyInBytes(a[2], count: 16)
                    let sec = Int64(bitPattern: SysTimer.le64(b, 0)), nsec = Int64(bitPattern: SysTimer.le64(b, 8))
                    guard sec >= 0, nsec >= 0, nsec < 1_000_000_000 else { return .error(.invalidArgument) }
                    timeout = UInt64(sec).multipliedReportingOverflow(by: 1_000_000_000).overflow ? UInt64.max : UInt64(sec) * 1_000_000_000 &+ UInt64(nsec)
                }
                let blocked = HostProc.hexField(t.hostTID, "SigBlk:") ?? 0
                call = t.beginBlockedCall(SignalWait(set: set, timeout: timeout, blocked: blocked))
            }
            // Inject only when the host shows a signal of the set pending: a call used up by an
            // injection could no longer be turned into rt_sigsuspend when a handler interrupts it.
            let pending = HostProc.pendingSignals(t.hostTID)
            if pending & call.set != 0, let info = try t.kernel.dequeueSignal(t, mask: call.set) {
                if a[1] != 0 { try t.copyOutStruct(a[1], info) }
                return .value(Int64(info.si_signo))
            }
            if call.wait.timeout == 0 || call.wait.expired() { return .error(.resourceTemporarilyUnavailable) }
            let ws = t.freshWaitSet()
            ws.watch(t.kernel.signalQueue, mask: PollEvents.input)
            if let deadline = call.wait.deadline { ws.wake(at: deadline, timers: t.kernel.timers) }
            return .block(ws.queue, WaitSet.any)
        } catch { return .error(error) }
    }
}
