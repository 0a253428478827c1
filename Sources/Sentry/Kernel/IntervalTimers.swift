import LinuxABI

/// A timer that sends a signal when it expires and re-arms itself with its interval:
/// ITIMER_REAL and the POSIX timers of timer_create. The Sentry is the only source of
/// asynchronous signals, so these live in the kernel, on its timer heap.
public final class IntervalTimer {
    /// Absolute CLOCK_MONOTONIC deadline (ns) of the next expiry; nil when disarmed.
    public private(set) var deadline: UInt64?
    public private(set) var interval: UInt64 = 0
    /// Expiries since the last delivered signal (timer_getoverrun).
    public private(set) var overrun: Int32 = 0
    private var pending: KernelTimer?
    private let queue: TimerQueue
    private let fire: (IntervalTimer) -> Void

    init(queue: TimerQueue, fire: @escaping (IntervalTimer) -> Void) {
        self.queue = queue
        self.fire = fire
    }

    /// Arms (value > 0) or disarms (value == 0) the timer; both in nanoseconds.
    public func set(value: UInt64, interval: UInt64, absoluteDeadline: UInt64? = nil) {
        pending?.cancel()
        pending = nil
        self.interval = interval
        overrun = 0
        if value == 0 && absoluteDeadline == nil { deadline = nil; return }
        let d = absoluteDeadline ?? TimerQueue.now() &+ value
        arm(d)
    }

    /// Time left until the next expiry (0 when disarmed).
    public func remaining(now: UInt64 = TimerQueue.now()) -> UInt64 {
        guard let deadline else { return 0 }
        return deadline > now ? deadline - now : 1
    }

    public func cancel() { set(value: 0, interval: 0) }

    /// Called when the signal of an expiry was delivered: overruns restart from zero.
    func delivered() -> Int32 {
        let o = overrun
        overrun = 0
        return o
    }

    private func arm(_ d: UInt64) {
        deadline = d
        pending = queue.add(deadline: d) { [weak self] in self?.expired() }
    }

    private func expired() {
        guard let d = deadline else { return }
        if interval > 0 {
            // Missed periods count as overruns, as Linux's hrtimer_forward.
            let now = TimerQueue.now()
            var next = d &+ interval
            if next <= now {
                let missed = (now - next) / interval + 1
                overrun = Int32(clamping: Int64(overrun) + Int64(missed))
                next = next &+ missed &* interval
            }
            arm(next)
        } else {
            deadline = nil
            pending = nil
        }
        fire(self)
    }
}

/// A timer_create timer: its clock, how it notifies, and the interval timer doing the work.
public final class PosixTimer {
    public let id: Int32
    public let clock: Int32
    /// SIGEV_SIGNAL (0), SIGEV_NONE (1), SIGEV_THREAD_ID (4).
    public let notify: Int32
    public let signal: Int32
    public let value: UInt64
    /// The target thread for SIGEV_THREAD_ID (program tid).
    public let threadID: Int32
    public var timer: IntervalTimer!
    /// Its charge on the sandbox's memory account, given back when the timer is deleted.
    var charge: MemoryCharge?
    init(id: Int32, clock: Int32, notify: Int32, signal: Int32, value: UInt64, threadID: Int32) {
        self.id = id; self.clock = clock; self.notify = notify; self.signal = signal
        self.value = value; self.threadID = threadID
    }
}
