import LinuxABI

// The in-flight state of a syscall that may block, in one place per task.
//
// A handler never blocks: it returns `.block` and runs again from the start when its queue
// fires (Kernel.complete). Whatever a retry must keep (a deadline fixed on the first run, bytes
// already moved, a half-open FIFO, the signal mask the call waits under) lives in one object the
// handler makes on its first run and finds again on its retries (`Task.blockedCall`). When a
// signal comes while the task is parked, the signal code (Signals.swift) asks that object, and
// only it, how the call ends: `Kernel.interruption(of:...)` (Signals.swift) is the whole
// decision, the same for every call. A new blocking call (accept, connect, semop, msgrcv, a terminal read) defines its
// own `BlockedCall` and leaves the signal code alone.

/// The state a blocking syscall keeps across its `.block` retries, and what it tells the signal
/// code. Every member has a default: a call that keeps nothing across retries needs none, and
/// is interrupted with EINTR or restarted by the restart rules.
protocol BlockedCall: AnyObject {
    /// What the call returns when a signal ends it now.
    var interruption: Interruption { get }
    /// The signal mask the call waits under (ppoll, pselect6 and epoll_pwait's sigmask): a signal
    /// it blocks stays pending and the call goes on; one it lets through runs its handler under
    /// it. nil: the thread's own mask.
    var waitMask: UInt64? { get }
    /// Lets go of what the call holds when it ends without finishing (a signal ended it, or the
    /// task exited while parked): a FIFO open's half, say.
    func abandon()
}

extension BlockedCall {
    var interruption: Interruption { .interrupted }
    var waitMask: UInt64? { nil }
    func abandon() {}
}

/// How a signal ends a parked call, as the call sees it (signal(7), "Interruption of system
/// call and library functions by signal handlers").
enum Interruption: Equatable {
    /// EINTR, or a restart: after a handler with SA_RESTART unless the syscall is one Linux never
    /// restarts, and after a stop signal with no handler.
    case interrupted
    /// EINTR whatever SA_RESTART says (a call with its own timeout, such as a socket call under
    /// SO_RCVTIMEO/SO_SNDTIMEO).
    case neverRestarted
    /// The call already did some work and returns its count (bytes a pipe write moved:
    /// pipe(7)); never EINTR, never a restart, which would do the work twice.
    case partial(Int64)
}

/// What the signal code does to a parked call, decided by `Kernel.interruption(of:...)`.
enum InterruptionOutcome: Equatable {
    /// The signal does not end the call (ignored, or blocked by the call's mask): it stays parked.
    case keepWaiting
    /// The call returns this value.
    case complete(Int64)
    /// The call restarts (the task sees nothing; ERESTARTSYS in strace).
    case restart
    /// The call returns EINTR; with `underMask`, the handler runs under that mask first and the
    /// caller's own comes back after it (ppoll and the like).
    case interrupt(underMask: UInt64?)
}

extension Task {
    /// The current call's in-flight state when an earlier run of its handler left one of type
    /// `T` (nil on the first run).
    func blockedCall<T: BlockedCall>(_: T.Type) -> T? { blockedCall as? T }

    /// Records the current call's in-flight state, replacing what it had.
    @discardableResult
    func beginBlockedCall<T: BlockedCall>(_ call: T) -> T {
        blockedCall = call
        return call
    }

    /// Forgets the current call's in-flight state (it finished, or it takes it back to go on).
    func endBlockedCall() { blockedCall = nil }

    /// Ends the current call's in-flight state unfinished: what it holds is let go.
    func abandonBlockedCall() {
        let call = blockedCall
        blockedCall = nil
        call?.abandon()
    }
}

/// A wait with a deadline and perhaps a signal mask (poll, select, epoll_wait and their
/// mask-swapping forms): the deadline is fixed on the first run, so retries keep the original
/// timeout.
final class TimedWait: BlockedCall {
    /// The CLOCK_MONOTONIC deadline; nil waits forever.
    let deadline: UInt64?
    /// The timeout the call was given (nil: none), for the write-back rules.
    let timeout: UInt64?
    let waitMask: UInt64?

    /// Deadlines beyond this are "forever" (about 146 years).
    static let farFuture: UInt64 = 1 << 62

    /// A wait of `timeout` ns from `now` (nil or past `farFuture`: forever).
    init(timeout: UInt64?, mask: UInt64?, now: UInt64 = TimerQueue.now()) {
        self.timeout = timeout
        if let timeout, timeout < TimedWait.farFuture { deadline = now &+ timeout } else { deadline = nil }
        waitMask = mask
    }

    /// Whether the deadline has passed.
    func expired(now: UInt64 = TimerQueue.now()) -> Bool {
        guard let deadline else { return false }
        return now >= deadline
    }

    /// The time left before the deadline (0 when passed), for the timeouts Linux writes back.
    func timeLeft(now: UInt64 = TimerQueue.now()) -> UInt64 {
        guard let deadline else { return 0 }
        return deadline > now ? deadline - now : 0
    }
}

/// A transfer that moves its bytes over several retries (a blocking pipe write larger than the
/// free space): a signal that ends it returns the count moved so far, or EINTR/restart if none.
final class PartialTransfer: BlockedCall {
    let done: Int
    init(done: Int) { self.done = done }
    var interruption: Interruption { done > 0 ? .partial(Int64(done)) : .interrupted }
}
