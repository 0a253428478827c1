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

    @Test("TFD_TIMER_CANCEL_ON_SET: a realtime clock change makes the next read ECANCELED, once")
    func cancelOnSet() throws {
        let h = try KernelHarness()
        let rt = try #require(h.value(SyscallNumber.timerfd_create, UInt64(Clock.CLOCK_REALTIME), UInt64(FdCreateFlags.TFD_NONBLOCK)))
        let mono = try #require(h.value(SyscallNumber.timerfd_create, UInt64(Clock.CLOCK_MONOTONIC), UInt64(FdCreateFlags.TFD_NONBLOCK)))
        let future = Self.itimerspec(h, interval: 0, value: SysTimer.clockNow(Clock.CLOCK_REALTIME) + 3_600_000_000_000)
        let flags = UInt64(FdCreateFlags.TFD_TIMER_ABSTIME | FdCreateFlags.TFD_TIMER_CANCEL_ON_SET)
        #expect(h.value(SyscallNumber.timerfd_settime, UInt64(rt), flags, future, 0) == 0)
        #expect(h.value(SyscallNumber.timerfd_settime, UInt64(mono), flags, future, 0) == 0)
        // The Sentry's host watch exists and has seen no change.
        let watch = try #require(h.kernel.realtimeClockWatch)
        watch.drain()
        let out = h.buffer(8)
        #expect(h.value(SyscallNumber.read, UInt64(rt), out, 8) == -Int64(Errno.resourceTemporarilyUnavailable.rawValue))
        // What the watch does when the host timerfd answers ECANCELED: the realtime timer is
        // canceled (readable, then ECANCELED once), the monotonic one is not.
        for case let file as TimerFDFile in [try h.initTask.fdTable.get(Int32(rt)), try h.initTask.fdTable.get(Int32(mono))] { file.clockWasSet() }
        #expect(h.value(SyscallNumber.read, UInt64(rt), out, 8) == -Int64(Errno.canceled.rawValue))
        #expect(h.value(SyscallNumber.read, UInt64(rt), out, 8) == -Int64(Errno.resourceTemporarilyUnavailable.rawValue))
        #expect(h.value(SyscallNumber.read, UInt64(mono), out, 8) == -Int64(Errno.resourceTemporarilyUnavailable.rawValue))
        // Re-armed without the flag: a change no longer cancels.
        #expect(h.value(SyscallNumber.timerfd_settime, UInt64(rt), UInt64(FdCreateFlags.TFD_TIMER_ABSTIME), future, 0) == 0)
        (try h.initTask.fdTable.get(Int32(rt)) as? TimerFDFile)?.clockWasSet()
        #expect(h.value(SyscallNumber.read, UInt64(rt), out, 8) == -Int64(Errno.resourceTemporarilyUnavailable.rawValue))
    }
}
