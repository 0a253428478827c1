import LinuxABI
@testable import Sentry
import Testing

// How a signal ends a parked call (Kernel.interruption, BlockedCall.swift): the one decision the
// signal code makes for every blocking call, from the call's in-flight state and the disposition.

private func action(handler: UInt64, restart: Bool = false) -> SignalAction {
    var a = SignalAction()
    a.handler = handler
    if restart { a.flags = SigactionFlags.SA_RESTART }
    return a
}
private let caught = action(handler: 0x4000)
private let caughtRestart = action(handler: 0x4000, restart: true)
private let defaulted = SignalAction()
private let ignoredAction = action(handler: 1)

private func bit(_ sig: Int32) -> UInt64 { UInt64(1) << UInt64(sig - 1) }

/// A call that must return EINTR whatever SA_RESTART says (a socket call with a timeout).
private final class TimedOutSocketCall: BlockedCall {
    var interruption: Interruption { .neverRestarted }
}

@Suite("Interrupted blocking calls") struct BlockedCallTests {
    @Test("no in-flight state: SA_RESTART restarts a read, no SA_RESTART is EINTR")
    func plainCall() {
        let read = SyscallNumber.read
        #expect(Kernel.interruption(of: nil, syscall: read, signal: Signal.SIGUSR1, action: caughtRestart) == .restart)
        #expect(Kernel.interruption(of: nil, syscall: read, signal: Signal.SIGUSR1, action: caught) == .interrupt(underMask: nil))
    }

    @Test("calls Linux never restarts after a handler return EINTR under SA_RESTART")
    func neverRestarted() {
        for nr in [SyscallNumber.poll, SyscallNumber.epoll_wait, SyscallNumber.select] {
            #expect(Kernel.interruption(of: nil, syscall: nr, signal: Signal.SIGUSR1, action: caughtRestart) == .interrupt(underMask: nil))
        }
    }

    @Test("ignored signals leave the call parked; SIGKILL never is ignored")
    func ignored() {
        let read = SyscallNumber.read
        #expect(Kernel.interruption(of: nil, syscall: read, signal: Signal.SIGUSR1, action: ignoredAction) == .keepWaiting)
        #expect(Kernel.interruption(of: nil, syscall: read, signal: Signal.SIGCHLD, action: defaulted) == .keepWaiting)
        #expect(Kernel.interruption(of: nil, syscall: read, signal: Signal.SIGCONT, action: defaulted) == .keepWaiting)
        #expect(Kernel.interruption(of: nil, syscall: read, signal: Signal.SIGKILL, action: defaulted) == .interrupt(underMask: nil))
    }

    @Test("a stop signal without a handler restarts the call, except pause and rt_sigsuspend")
    func stop() {
        #expect(Kernel.interruption(of: nil, syscall: SyscallNumber.read, signal: Signal.SIGTSTP, action: defaulted) == .restart)
        #expect(Kernel.interruption(of: nil, syscall: SyscallNumber.poll, signal: Signal.SIGSTOP, action: defaulted) == .restart)
        #expect(Kernel.interruption(of: nil, syscall: SyscallNumber.pause, signal: Signal.SIGSTOP, action: defaulted) == .interrupt(underMask: nil))
        #expect(Kernel.interruption(of: nil, syscall: SyscallNumber.rt_sigsuspend, signal: Signal.SIGTSTP, action: defaulted) == .interrupt(underMask: nil))
        // A fatal default ends the task: EINTR (never seen).
        #expect(Kernel.interruption(of: nil, syscall: SyscallNumber.read, signal: Signal.SIGTERM, action: defaulted) == .interrupt(underMask: nil))
    }

    @Test("a pipe write that moved bytes returns their count, never EINTR or a restart")
    func partialTransfer() {
        let write = SyscallNumber.write
        let moved = PartialTransfer(done: 4096)
        #expect(Kernel.interruption(of: moved, syscall: write, signal: Signal.SIGUSR1, action: caughtRestart) == .complete(4096))
        #expect(Kernel.interruption(of: moved, syscall: write, signal: Signal.SIGUSR1, action: caught) == .complete(4096))
        #expect(Kernel.interruption(of: moved, syscall: write, signal: Signal.SIGSTOP, action: defaulted) == .complete(4096))
        // Nothing moved yet: the restart rules apply.
        let none = PartialTransfer(done: 0)
        #expect(Kernel.interruption(of: none, syscall: write, signal: Signal.SIGUSR1, action: caughtRestart) == .restart)
        #expect(Kernel.interruption(of: none, syscall: write, signal: Signal.SIGUSR1, action: caught) == .interrupt(underMask: nil))
    }

    @Test("a call's wait mask: what it blocks stays pending, what it lets through runs under it")
    func waitMask() {
        let mask = bit(Signal.SIGUSR1) | bit(Signal.SIGKILL) | bit(Signal.SIGSTOP)
        let wait = TimedWait(timeout: nil, mask: mask)
        let ppoll = SyscallNumber.ppoll
        #expect(Kernel.interruption(of: wait, syscall: ppoll, signal: Signal.SIGUSR1, action: caught) == .keepWaiting)
        #expect(Kernel.interruption(of: wait, syscall: ppoll, signal: Signal.SIGUSR2, action: caught) == .interrupt(underMask: mask))
        #expect(Kernel.interruption(of: wait, syscall: ppoll, signal: Signal.SIGUSR2, action: caughtRestart) == .interrupt(underMask: mask))
        // SIGKILL and SIGSTOP cannot be blocked.
        #expect(Kernel.interruption(of: wait, syscall: ppoll, signal: Signal.SIGKILL, action: defaulted) == .interrupt(underMask: nil))
        #expect(Kernel.interruption(of: wait, syscall: ppoll, signal: Signal.SIGSTOP, action: defaulted) == .restart)
        // Without a mask the thread's own applies, and poll is never restarted after a handler.
        let plain = TimedWait(timeout: 1_000, mask: nil)
        #expect(Kernel.interruption(of: plain, syscall: SyscallNumber.poll, signal: Signal.SIGUSR1, action: caughtRestart) == .interrupt(underMask: nil))
    }

    @Test("a call may refuse restarts of its own (SO_RCVTIMEO-style), after a handler or a stop")
    func callNeverRestarted() {
        let call = TimedOutSocketCall()
        #expect(Kernel.interruption(of: call, syscall: SyscallNumber.read, signal: Signal.SIGUSR1, action: caughtRestart) == .interrupt(underMask: nil))
        #expect(Kernel.interruption(of: call, syscall: SyscallNumber.read, signal: Signal.SIGTSTP, action: defaulted) == .interrupt(underMask: nil))
        #expect(Kernel.interruption(of: call, syscall: SyscallNumber.read, signal: Signal.SIGCHLD, action: defaulted) == .keepWaiting)
    }

    @Test("a timed wait fixes its deadline once; zero has expired at once, none never does")
    func timedWait() {
        let w = TimedWait(timeout: 5_000, mask: nil, now: 1_000)
        #expect(w.deadline == 6_000)
        #expect(!w.expired(now: 5_999))
        #expect(w.expired(now: 6_000))
        #expect(w.timeLeft(now: 2_000) == 4_000)
        #expect(w.timeLeft(now: 9_000) == 0)
        let zero = TimedWait(timeout: 0, mask: nil, now: 1_000)
        #expect(zero.expired(now: 1_000))
        let forever = TimedWait(timeout: nil, mask: nil, now: 1_000)
        #expect(forever.deadline == nil && !forever.expired(now: .max))
        let far = TimedWait(timeout: TimedWait.farFuture, mask: nil, now: 1_000)
        #expect(far.deadline == nil)
    }
}
