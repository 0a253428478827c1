@testable import Sentry
import LinuxABI
import Testing

@Suite("CPU-time clocks of timer_create")
struct CPUTimerTests {
    @Test("clock ids decode as Linux's posix-timers.h encodes them")
    func decode() {
        #expect(CPUClock.decode(Clock.CLOCK_MONOTONIC) == nil)
        #expect(CPUClock.decode(Clock.CLOCK_PROCESS_CPUTIME_ID) == .cpu(CPUClock(pid: 0, perThread: false, which: CPUClock.SCHED)))
        #expect(CPUClock.decode(Clock.CLOCK_THREAD_CPUTIME_ID) == .cpu(CPUClock(pid: 0, perThread: true, which: CPUClock.SCHED)))
        // clock_getcpuclockid(42): MAKE_PROCESS_CPUCLOCK(42, CPUCLOCK_SCHED).
        #expect(CPUClock.decode((~Int32(42)) << 3 | 2) == .cpu(CPUClock(pid: 42, perThread: false, which: CPUClock.SCHED)))
        // pthread_getcpuclockid of tid 7: MAKE_THREAD_CPUCLOCK(7, CPUCLOCK_SCHED).
        #expect(CPUClock.decode((~Int32(7)) << 3 | 6) == .cpu(CPUClock(pid: 7, perThread: true, which: CPUClock.SCHED)))
        #expect(CPUClock.decode((~Int32(0)) << 3 | 0) == .cpu(CPUClock(pid: 0, perThread: false, which: CPUClock.PROF)))
        // Low bits 3: an fd's dynamic clock (CLOCKFD).
        #expect(CPUClock.decode((~Int32(5)) << 3 | 3) == .dynamic)
    }

    /// A CPU clock the test moves by hand, and a timer on it that counts its firings.
    final class FakeCPU {
        var now: UInt64 = 0
        var gone = false
        var fired = 0
        let queue = TimerQueue()
        lazy var timer = IntervalTimer(queue: queue, cpu: CPUClockSource(parallelism: parallelism) { [unowned self] in
            self.gone ? nil : self.now
        }) { [unowned self] _ in self.fired += 1 }
        let parallelism: UInt64
        init(parallelism: UInt64 = 1, now: UInt64 = 0) { self.parallelism = parallelism; self.now = now }
    }

    @Test("a CPU-time timer fires once its clock reaches the deadline, not when wall time passes")
    func firesOnCPUTime() {
        let cpu = FakeCPU(parallelism: 2)
        let queue = cpu.queue, timer = cpu.timer
        #expect(timer.set(value: 10_000_000, interval: 0))
        #expect(timer.remaining() == 10_000_000)
        // The first check comes after 5 ms of wall time (two CPUs could use 10 ms of budget).
        #expect(queue.timeoutMillis() <= 5)
        // 20 ms of wall time pass while the process sleeps: each check re-arms, nothing fires.
        cpu.now = 4_000_000
        queue.fireExpired(now: TimerQueue.now() + 20_000_000)
        #expect(cpu.fired == 0)
        #expect(timer.remaining() == 6_000_000)
        #expect(queue.count == 1)
        cpu.now = 10_500_000
        queue.fireExpired(now: TimerQueue.now() + 20_000_000)
        #expect(cpu.fired == 1)
        #expect(timer.deadline == nil)
        #expect(timer.remaining() == 0)
    }

    @Test("a periodic CPU-time timer counts missed periods as overruns")
    func overruns() {
        let cpu = FakeCPU()
        let queue = cpu.queue, timer = cpu.timer
        timer.set(value: 5_000_000, interval: 5_000_000)
        cpu.now = 27_000_000
        queue.fireExpired(now: TimerQueue.now() + 20_000_000)
        #expect(cpu.fired == 1)
        // Expiries at 5, 10, 15, 20 and 25 ms: one fired, four overran; the next is at 30 ms.
        #expect(timer.overrun == 4)
        #expect(timer.remaining() == 3_000_000)
        #expect(timer.delivered() == 4)
        #expect(timer.overrun == 0)
    }

    @Test("a CPU-time timer whose target is gone disarms; setting it again fails (ESRCH)")
    func targetGone() {
        let cpu = FakeCPU()
        let queue = cpu.queue, timer = cpu.timer
        timer.set(value: 1_000_000, interval: 0)
        cpu.gone = true
        queue.fireExpired(now: TimerQueue.now() + 20_000_000)
        #expect(cpu.fired == 0)
        #expect(timer.deadline == nil)
        #expect(!timer.set(value: 1_000_000, interval: 0))
    }

    @Test("an absolute deadline already passed fires at the next turn of the loop")
    func pastAbsolute() {
        let cpu = FakeCPU(now: 50_000_000)
        let queue = cpu.queue, timer = cpu.timer
        timer.set(value: 1, interval: 0, absoluteDeadline: 1)
        #expect(queue.timeoutMillis() == 0)
        queue.fireExpired()
        #expect(cpu.fired == 1)
    }
}
