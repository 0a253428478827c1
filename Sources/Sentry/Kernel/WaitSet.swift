// Waiting on several queues and a deadline at once (poll, select, epoll_wait). What a blocking
// syscall keeps across `.block` retries is its BlockedCall (BlockedCall.swift).

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
        if blockedCall != nil { abandonBlockedCall() }
        waitSet?.clear()
    }
}
