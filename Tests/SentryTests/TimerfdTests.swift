// timerfd on the fake Platform: expirations are counted by the kernel's timer heap, read once,
// and a blocked read is woken by the expiry.
import LinuxABI
import Platform
import SystemPackage
@testable import Sentry
import Testing

@Suite("timerfd on the fake Platform", .serialized)
struct TimerfdTests {
    /// An itimerspec (interval, value) in the tasks' memory.
    static func itimerspec(_ h: KernelHarness, interval: UInt64, value: UInt64) -> UInt64 {
        var b: [UInt8] = []
        for ns in [interval, value] {
            for v in [ns / 1_000_000_000, ns % 1_000_000_000] { withUnsafeBytes(of: v.littleEndian) { b.append(contentsOf: $0) } }
        }
        return h.bytes(b)
    }

    @Test("a periodic timer's missed expirations add up; a read returns them once")
    func periodic() throws {
        let h = try KernelHarness()
        let fd = try #require(h.value(SyscallNumber.timerfd_create, UInt64(Clock.CLOCK_MONOTONIC), UInt64(FdCreateFlags.TFD_NONBLOCK)))
        #expect(fd >= 0)
        let spec = Self.itimerspec(h, interval: 1_000_000, value: 1_000_000)
        #expect(h.value(SyscallNumber.timerfd_settime, UInt64(fd), 0, spec, 0) == 0)
        let out = h.buffer(8)
        #expect(h.value(SyscallNumber.read, UInt64(fd), out, 8) == -Int64(Errno.resourceTemporarilyUnavailable.rawValue))
        // The loop wakes 10.5 periods late: one expiry plus ten missed.
        h.kernel.timers.fireExpired(now: TimerQueue.now() + 11_500_000)
        #expect(h.value(SyscallNumber.read, UInt64(fd), out, 8) == 8)
        let ticks = h.read(out, 8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(ticks >= 11 && ticks <= 12)
        #expect(h.value(SyscallNumber.read, UInt64(fd), out, 8) == -Int64(Errno.resourceTemporarilyUnavailable.rawValue))
    }

    @Test("a blocking read parks until the expiry")
    func blockingRead() throws {
        let h = try KernelHarness()
        let fd = try #require(h.value(SyscallNumber.timerfd_create, UInt64(Clock.CLOCK_BOOTTIME), 0))
        let spec = Self.itimerspec(h, interval: 0, value: 5_000_000_000)
        #expect(h.value(SyscallNumber.timerfd_settime, UInt64(fd), 0, spec, 0) == 0)
        let out = h.buffer(8)
        #expect(h.call(SyscallNumber.read, UInt64(fd), out, 8) == nil, "parked")
        h.kernel.timers.fireExpired(now: TimerQueue.now() + 6_000_000_000)
        h.kernel.serveReady()
        #expect(h.platform.completions(of: h.initTask.hostTID, from: 0).last == .skip(8))
        #expect(h.read(out, 8) == [1, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test("the _ALARM clocks need CAP_WAKE_ALARM; other clocks and flags are EINVAL")
    func creation() throws {
        let h = try KernelHarness()
        #expect(h.value(SyscallNumber.timerfd_create, UInt64(Clock.CLOCK_PROCESS_CPUTIME_ID), 0) == -Int64(Errno.invalidArgument.rawValue))
        #expect(h.value(SyscallNumber.timerfd_create, UInt64(Clock.CLOCK_MONOTONIC), 1) == -Int64(Errno.invalidArgument.rawValue))
        #expect((h.value(SyscallNumber.timerfd_create, UInt64(Clock.CLOCK_REALTIME_ALARM), 0) ?? -1) >= 0)
        h.initTask.creds = Credentials(uid: 1000, gid: 1000)
        #expect(h.value(SyscallNumber.timerfd_create, UInt64(Clock.CLOCK_BOOTTIME_ALARM), 0) == -Int64(Errno.notPermitted.rawValue))
    }
}
