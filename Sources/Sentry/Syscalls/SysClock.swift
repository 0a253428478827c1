import LinuxABI
import SystemPackage

/// Setting the clocks. The host's clocks belong to the host: the sandbox has no CAP_SYS_TIME
/// that counts (its root's capability is the sandbox's, never the host's), so every call that
/// would set a clock fails with EPERM after Linux's own argument checks, in Linux's order.
/// Reading calls (adjtimex without modes) run natively.
enum SysClock {
    static let nsPerSecond: Int64 = 1_000_000_000
    /// clockid_to_kclock: the clocks Linux knows (CLOCK_REALTIME…CLOCK_BOOTTIME_ALARM, CLOCK_TAI).
    static func known(_ clock: Int32) -> Bool { (0...9).contains(clock) || clock == 11 }
    /// The largest time settimeofday accepts (timespec64_valid_settod: KTIME_SEC_MAX less 30 years).
    static let settodMaxSeconds: Int64 = Int64.max / nsPerSecond - 30 * 365 * 86_400

    /// Whether a negative clock id names a CPU clock of a thread or process of the sandbox
    /// (posix-cpu-timers.c's validate_clock_permissions); fd clocks (CLOCKFD) name no file here.
    static func validCPUClock(_ t: Task, _ clock: Int32) -> Bool {
        guard clock < 0, clock & 7 != 3, clock & 3 < 3 else { return false }
        let pid = ~(clock >> 3)
        if pid == 0 { return true }
        if clock & 4 != 0 { return t.group.threads.contains { $0.tid == pid } }
        return t.kernel.threadGroup(pid: pid) != nil
    }

    /// clock_settime(2): only CLOCK_REALTIME (and a CPU clock, never) can be set: EPERM.
    static func clockSettime(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let clock = a.int(0)
        let cpu = clock < 0
        guard clock == Clock.CLOCK_REALTIME || (cpu && clock & 7 != 3) else { return .error(.invalidArgument) }
        do {
            let b = try t.copyInBytes(a[1], count: 16)
            if cpu { return validCPUClock(t, clock) ? .error(.notPermitted) : .error(.invalidArgument) }
            let sec = Int64(bitPattern: SysTimer.le64(b, 0)), nsec = Int64(bitPattern: SysTimer.le64(b, 8))
            guard sec >= 0, sec <= settodMaxSeconds, nsec >= 0, nsec < nsPerSecond else { return .error(.invalidArgument) }
            return .error(.notPermitted)
        } catch { return .error(error) }
    }

    /// settimeofday(2): the timeval is checked, then CAP_SYS_TIME (EPERM), before the timezone.
    static func settimeofday(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        do {
            if a[0] != 0 {
                let b = try t.copyInBytes(a[0], count: 16)
                let sec = Int64(bitPattern: SysTimer.le64(b, 0)), usec = Int64(bitPattern: SysTimer.le64(b, 8))
                guard sec >= 0, usec >= 0, usec < 1_000_000, sec <= settodMaxSeconds else { return .error(.invalidArgument) }
            }
            if a[1] != 0 { _ = try t.copyInBytes(a[1], count: 8) }
            return .error(.notPermitted)
        } catch { return .error(error) }
    }

    static let ADJ_OFFSET_SINGLESHOT: UInt32 = 0x0001, ADJ_OFFSET_READONLY: UInt32 = 0x2000, ADJ_ADJTIME: UInt32 = 0x8000
    static let timexSize = 208

    /// The adjtimex modes that only read (timekeeping_validate_timex): none, or ADJ_OFFSET_SS_READ.
    static func adjtimexModes(_ t: Task, _ address: UInt64) throws(Errno) -> SyscallReturn {
        let modes = SysTimer.le32(try t.copyInBytes(address, count: timexSize), 0)
        if modes & ADJ_ADJTIME != 0 {
            guard modes & ADJ_OFFSET_SINGLESHOT != 0 else { return .error(.invalidArgument) }
            return modes & ADJ_OFFSET_READONLY != 0 ? .native : .error(.notPermitted)
        }
        return modes == 0 ? .native : .error(.notPermitted)
    }

    /// adjtimex(2): a read runs natively (the host fills the struct); a change is EPERM.
    static func adjtimex(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        do { return try adjtimexModes(t, a[0]) } catch { return .error(error) }
    }

    /// clock_adjtime(2): CLOCK_REALTIME as adjtimex; other known clocks cannot be adjusted.
    static func clockAdjtime(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let clock = a.int(0)
        if clock < 0 { return validCPUClock(t, clock) ? .error(.notSupported) : .error(.invalidArgument) }
        guard known(clock) else { return .error(.invalidArgument) }
        guard clock == Clock.CLOCK_REALTIME else { return .error(.notSupported) }
        do { return try adjtimexModes(t, a[1]) } catch { return .error(error) }
    }
}
