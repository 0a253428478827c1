import Glibc
import HeapModule

// Kernel timers: deadlines on CLOCK_MONOTONIC that run a callback on the kernel thread. The
// event loop sleeps in epoll_wait no longer than the earliest deadline (rounded up to a
// millisecond) and fires what is due after every wake-up. poll/select/epoll_wait timeouts use
// it; alarm, setitimer, timer_* and timerfd can build on it (a callback that re-arms itself).

/// A pending timer. `cancel()` makes it a no-op; the heap drops it lazily.
public final class KernelTimer {
    public let deadline: UInt64
    fileprivate var callback: (() -> Void)?
    fileprivate weak var queue: TimerQueue?

    fileprivate init(deadline: UInt64, callback: @escaping () -> Void) {
        self.deadline = deadline
        self.callback = callback
    }

    public var isPending: Bool { callback != nil }

    /// Stops the timer from firing (idempotent).
    public func cancel() {
        if callback == nil { return }
        callback = nil
        queue?.noteCancelled()
    }
}

/// The kernel's timer heap, ordered by deadline then by arming order.
public final class TimerQueue {
    private struct Entry: Comparable {
        let deadline: UInt64
        let sequence: UInt64
        let timer: KernelTimer
        static func < (a: Entry, b: Entry) -> Bool {
            a.deadline != b.deadline ? a.deadline < b.deadline : a.sequence < b.sequence
        }
        static func == (a: Entry, b: Entry) -> Bool { a.sequence == b.sequence }
    }

    private var heap = Heap<Entry>()
    private var sequence: UInt64 = 0
    private var cancelled = 0

    public init() {}

    /// Nanoseconds on CLOCK_MONOTONIC.
    public static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Runs `callback` on the kernel thread once `deadline` (CLOCK_MONOTONIC ns) has passed.
    @discardableResult
    public func add(deadline: UInt64, _ callback: @escaping () -> Void) -> KernelTimer {
        let timer = KernelTimer(deadline: deadline, callback: callback)
        timer.queue = self
        sequence &+= 1
        heap.insert(Entry(deadline: deadline, sequence: sequence, timer: timer))
        return timer
    }

    /// Timers armed and not yet fired or cancelled.
    public var count: Int { heap.count - cancelled }

    fileprivate func noteCancelled() {
        cancelled += 1
        // Long timeouts cut short (a poll that saw its fd ready) would otherwise pile up.
        if cancelled > 64 && cancelled * 2 > heap.count {
            heap = Heap(heap.unordered.filter { $0.timer.isPending })
            cancelled = 0
        }
    }

    /// The epoll_wait timeout until the earliest live deadline: -1 for none, else milliseconds
    /// rounded up (so the timer is due when the loop wakes).
    public func timeoutMillis(now: UInt64 = TimerQueue.now()) -> Int32 {
        while let top = heap.min, !top.timer.isPending {
            _ = heap.removeMin()
            cancelled -= 1
        }
        guard let top = heap.min else { return -1 }
        if top.deadline <= now { return 0 }
        let ms = (top.deadline - now + 999_999) / 1_000_000
        return Int32(clamping: ms)
    }

    /// Fires every timer whose deadline has passed; returns how many fired. Callbacks may arm
    /// or cancel timers.
    @discardableResult
    public func fireExpired(now: UInt64 = TimerQueue.now()) -> Int {
        var fired = 0
        while let top = heap.min, top.deadline <= now {
            _ = heap.removeMin()
            guard let cb = top.timer.callback else { cancelled -= 1; continue }
            top.timer.callback = nil
            cb()
            fired += 1
        }
        return fired
    }
}
