// Waiting on several queues and a deadline at once (poll, select, epoll_wait), and the state a
// blocking syscall keeps across `.block` retries.

/// Per-task state of the syscall in progress, kept across `.block` retries of the same call and
/// reset by the Kernel when the task enters a new syscall.
struct SyscallProgress {
    /// True once the handler ran for this syscall (a retry sees true).
    var started = false
    /// Bytes a blocking transfer already moved (a pipe write larger than the free space).
    /// A signal that interrupts the parked call must return this count instead of EINTR when
    /// it is nonzero (Linux returns the partial count).
    var transferred = 0
    /// The CLOCK_MONOTONIC deadline of a timed wait; nil waits forever.
    var deadline: UInt64?
    /// State a parked call keeps across its retries (a FIFO open waiting for its partner holds
    /// its half-open description here); dropped with the call.
    var pendingOpen: AnyObject?
    /// The signal mask ppoll, pselect6 and epoll_pwait wait with (their sigmask argument).
    var temporaryMask: UInt64?
}

/// A task's private wait queue that forwards the notifications of several file queues and
/// fires when a deadline passes. A handler registers what it waits for, then returns
/// `.block(set.queue, WaitSet.any)`; the next run of the handler (or a new syscall) clears it.
final class WaitSet {
    /// The event bit a deadline notifies with (beyond every poll bit).
    static let timeout: EventMask = 0x8000_0000
    static let any: EventMask = 0xFFFF_FFFF

    let queue = WaitQueue()
    private var forwards: [Waiter] = []
    private var timer: KernelTimer?

    init() {}

    /// Wakes the set when `source` signals one of `mask` (or an error or hang-up).
    func watch(_ source: WaitQueue, mask: EventMask) {
        let w = Waiter(mask: mask) { [weak self] events in self?.queue.notify(events) }
        source.add(w)
        forwards.append(w)
    }

    /// Wakes the set at `deadline` (CLOCK_MONOTONIC ns).
    func wake(at deadline: UInt64, timers: TimerQueue) {
        timer?.cancel()
        timer = timers.add(deadline: deadline) { [weak self] in self?.queue.notify(WaitSet.timeout) }
    }

    /// Leaves every source queue and cancels the deadline.
    func clear() {
        for w in forwards { w.cancel() }
        forwards.removeAll(keepingCapacity: true)
        timer?.cancel()
        timer = nil
    }

    deinit { clear() }
}

extension Task {
    /// The task's wait set, emptied and ready for a new registration.
    func freshWaitSet() -> WaitSet {
        if let ws = waitSet { ws.clear(); return ws }
        let ws = WaitSet()
        waitSet = ws
        return ws
    }

    /// Called by the Kernel when the task enters a new syscall (not on a retry).
    func beginSyscall() {
        if progress.started || progress.transferred != 0 || progress.pendingOpen != nil || progress.temporaryMask != nil {
            progress = SyscallProgress()
        }
        waitSet?.clear()
    }
}
