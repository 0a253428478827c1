import Glibc
import LinuxABI

/// The clock a CPU-time timer counts on: the host's CPU time of one process (all its threads,
/// the dead ones included) or of one thread, in nanoseconds, and how fast it can advance (the
/// number of CPUs that can run it at once). The Sentry has no tick: it checks a CPU-time timer
/// on its timer heap after the wall time in which the remaining budget could at the earliest
/// be used up (the remainder divided by `parallelism`, at least `minimumCheck`), and again
/// from there until the clock reaches the deadline, so a sleeping target costs one check per
/// remaining budget and a running one is seen late by at most about a millisecond.
public struct CPUClockSource {
    /// The clock's value now; nil once the process or thread is gone (reaped).
    public let sample: () -> UInt64?
    /// How many nanoseconds of this clock can pass in one nanosecond of wall time.
    public let parallelism: UInt64
    public init(parallelism: UInt64, sample: @escaping () -> UInt64?) {
        self.sample = sample
        self.parallelism = max(parallelism, 1)
    }

    /// Linux notices CPU-timer expiries at a tick; the Sentry looks at most once a millisecond.
    public static let minimumCheck: UInt64 = 1_000_000
}

/// A timer that sends a signal when it expires and re-arms itself with its interval:
/// ITIMER_REAL and the POSIX timers of timer_create. The Sentry is the only source of
/// asynchronous signals, so these live in the kernel, on its timer heap. A timer counts on
/// CLOCK_MONOTONIC, or on a CPU-time clock when it has a `CPUClockSource`.
public final class IntervalTimer {
    /// The deadline of the next expiry on the timer's clock (ns: CLOCK_MONOTONIC, or the CPU
    /// clock); nil when disarmed.
    public private(set) var deadline: UInt64?
    public private(set) var interval: UInt64 = 0
    /// Expiries since the last delivered signal (timer_getoverrun).
    public private(set) var overrun: Int32 = 0
    private var pending: KernelTimer?
    private let queue: TimerQueue
    private let cpu: CPUClockSource?
    private let fire: (IntervalTimer) -> Void

    init(queue: TimerQueue, cpu: CPUClockSource? = nil, fire: @escaping (IntervalTimer) -> Void) {
        self.queue = queue
        self.cpu = cpu
        self.fire = fire
    }

    /// The timer's clock now; nil when a CPU clock's target is gone.
    public func clockNow() -> UInt64? { cpu.map { $0.sample() } ?? TimerQueue.now() }

    /// Arms (value > 0) or disarms (value == 0) the timer; both in nanoseconds, an absolute
    /// deadline on the timer's clock. False, and the timer disarmed, when a CPU clock's target
    /// is gone (timer_settime's ESRCH).
    @discardableResult
    public func set(value: UInt64, interval: UInt64, absoluteDeadline: UInt64? = nil) -> Bool {
        pending?.cancel()
        pending = nil
        self.interval = interval
        overrun = 0
        deadline = nil
        guard let now = clockNow() else { return false }
        if value == 0 && absoluteDeadline == nil { return true }
        arm(absoluteDeadline ?? now &+ value, now: now)
        return true
    }

    /// Time left until the next expiry (0 when disarmed, 1 when due and not yet fired).
    public func remaining() -> UInt64 {
        guard let deadline else { return 0 }
        guard let now = clockNow() else { disarm(); return 0 }
        return deadline > now ? deadline - now : 1
    }

    public func cancel() { set(value: 0, interval: 0) }

    /// Called when the signal of an expiry was delivered: overruns restart from zero.
    func delivered() -> Int32 {
        let o = overrun
        overrun = 0
        return o
    }

    /// An expiry whose signal is still queued: counted, as Linux counts it, instead of sent.
    func countOverrun() { overrun = overrun < Int32.max ? overrun + 1 : overrun }

    private func disarm() {
        pending?.cancel()
        pending = nil
        deadline = nil
    }

    private func arm(_ d: UInt64, now: UInt64) {
        deadline = d
        guard let cpu else {
            pending = queue.add(deadline: d) { [weak self] in self?.expired() }
            return
        }
        // The earliest wall time at which the CPU clock can reach d.
        let wait = d > now ? max((d - now) / cpu.parallelism, CPUClockSource.minimumCheck) : 0
        pending = queue.add(deadline: TimerQueue.now() &+ wait) { [weak self] in self?.check() }
    }

    /// A CPU-time timer's check: fire if its clock reached the deadline, else look again later.
    private func check() {
        guard let d = deadline else { return }
        guard let now = clockNow() else { disarm(); return }
        if now >= d { expired() } else { arm(d, now: now) }
    }

    private func expired() {
        guard let d = deadline, let now = clockNow() else { disarm(); return }
        if interval > 0 {
            // Missed periods count as overruns, as Linux's hrtimer_forward and bump_cpu_timer.
            var next = d &+ interval
            if next <= now {
                let missed = (now - next) / interval + 1
                overrun = Int32(clamping: Int64(overrun) + Int64(missed))
                next = next &+ missed &* interval
            }
            arm(next, now: now)
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
    /// The thread its last signal was queued to, until that signal is delivered: Linux queues
    /// a timer's signal once, and expiries in between are overruns.
    weak var queuedOn: Task?
    /// The overrun count of the last delivered signal (timer_getoverrun, it_overrun_last).
    var lastOverrun: Int32 = 0
    init(id: Int32, clock: Int32, notify: Int32, signal: Int32, value: UInt64, threadID: Int32) {
        self.id = id; self.clock = clock; self.notify = notify; self.signal = signal
        self.value = value; self.threadID = threadID
    }
}
