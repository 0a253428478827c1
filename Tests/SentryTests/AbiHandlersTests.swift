import LinuxABI
@testable import Sentry
import SystemPackage
import Testing

private func err(_ e: Errno) -> Int64 { e.syscallResult }

/// The everyday-ABI handlers of issue 12 that need no host: priorities with the sandbox's
/// credentials, setting clocks, and where orphans go.
@Suite struct AbiHandlersTests {
    @Test("setpriority and getpriority: the sandbox's root may lower nice, others may not")
    func priorities() throws {
        let h = try KernelHarness()
        #expect(h.value(SyscallNumber.setpriority, 0, 0, UInt64(int: -5)) == 0)
        #expect(h.value(SyscallNumber.getpriority, 0, 0) == 25)   // 20 - nice
        #expect(h.value(SyscallNumber.setpriority, 0, 0, UInt64(int: -100)) == 0)
        #expect(h.initTask.nice == -20)   // clamped
        #expect(h.value(SyscallNumber.getpriority, 7, 0) == err(.invalidArgument))
        #expect(h.value(SyscallNumber.getpriority, 0, 99) == err(.noSuchProcess))
        let child = try #require(h.fork(child: 7001, pid: 2))
        #expect(child.nice == -20)   // inherited
        child.creds = Credentials(uid: 65534, gid: 65534)
        #expect(h.value(SyscallNumber.setpriority, 0, 1, 0, on: child) == err(.notPermitted))
        #expect(h.value(SyscallNumber.setpriority, 0, 0, UInt64(int: -1), on: child) == 0)   // raising
        #expect(h.value(SyscallNumber.setpriority, 0, 0, UInt64(int: -10), on: child) == err(.permissionDenied))
        #expect(h.value(SyscallNumber.setpriority, 0, 2, 3) == 0)   // root changes another's
        #expect(child.nice == 3)
    }

    @Test("clock_settime, settimeofday, adjtimex: Linux's checks, then EPERM")
    func settingClocks() throws {
        let h = try KernelHarness()
        let ts = h.buffer(16)
        #expect(h.value(SyscallNumber.clock_settime, 0, ts) == err(.notPermitted))
        #expect(h.value(SyscallNumber.clock_settime, 1, ts) == err(.invalidArgument))   // MONOTONIC
        #expect(h.value(SyscallNumber.clock_settime, 0, 8) == err(.badAddress))
        let bad = h.bytes([0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0xCA, 0x9A, 0x3B, 0, 0, 0, 0])   // nsec 1e9
        #expect(h.value(SyscallNumber.clock_settime, 0, bad) == err(.invalidArgument))
        #expect(h.value(SyscallNumber.settimeofday, 0, 0) == err(.notPermitted))
        let timex = h.buffer(208)
        #expect(h.call(SyscallNumber.adjtimex, timex) == .runNative)   // modes 0: a read
        let change = h.bytes([0x02, 0, 0, 0] + [UInt8](repeating: 0, count: 204))   // ADJ_FREQUENCY
        #expect(h.value(SyscallNumber.adjtimex, change) == err(.notPermitted))
        #expect(h.value(SyscallNumber.clock_adjtime, 1, timex) == err(.notSupported))
    }

    @Test("timer_create: the alarm clocks and fd clocks are EOPNOTSUPP, CPU-time clocks as pid_for_clock")
    func timerClocks() throws {
        let h = try KernelHarness()
        let id = h.buffer(4)
        func clock(_ v: Int32) -> UInt64 { UInt64(UInt32(bitPattern: v)) }
        #expect(h.value(SyscallNumber.timer_create, UInt64(Clock.CLOCK_REALTIME_ALARM), 0, id) == err(.notSupported))
        #expect(h.value(SyscallNumber.timer_create, UInt64(Clock.CLOCK_BOOTTIME_ALARM), 0, id) == err(.notSupported))
        #expect(h.value(SyscallNumber.timer_create, UInt64(Clock.CLOCK_PROCESS_CPUTIME_ID), 0, id) == 0)
        #expect(h.value(SyscallNumber.timer_create, UInt64(Clock.CLOCK_THREAD_CPUTIME_ID), 0, id) == 0)
        // The caller's own pid (1) names its process clock; a thread clock of a tid outside the
        // process, a pid of no process, and which == 3 are EINVAL; low bits 3 are an fd's clock.
        #expect(h.value(SyscallNumber.timer_create, clock((~Int32(1)) << 3 | 2), 0, id) == 0)
        #expect(h.value(SyscallNumber.timer_create, clock((~Int32(4242)) << 3 | 6), 0, id) == err(.invalidArgument))
        #expect(h.value(SyscallNumber.timer_create, clock((~Int32(4242)) << 3 | 2), 0, id) == err(.invalidArgument))
        #expect(h.value(SyscallNumber.timer_create, clock((~Int32(0)) << 3 | 7), 0, id) == err(.invalidArgument))
        #expect(h.value(SyscallNumber.timer_create, clock((~Int32(0)) << 3 | 3), 0, id) == err(.notSupported))
    }

    @Test("an orphan goes to the nearest live subreaper, else to init")
    func reaper() throws {
        let h = try KernelHarness()
        let a = try #require(h.fork(child: 7101, pid: 2))
        let b = try #require(h.fork(a, child: 7102, pid: 3))
        let c = try #require(h.fork(b, child: 7103, pid: 4))
        #expect(h.kernel.newReaper(for: b.group) === h.initTask.group)
        a.group.isChildSubreaper = true
        #expect(h.kernel.newReaper(for: b.group) === a.group)
        h.platform.queue(.exited(b.hostTID, status: 0))
        h.kernel.serveReady()
        #expect(c.group.parent === a.group)
        #expect(a.group.children.contains { $0 === c.group })
    }
}
