import Glibc
import LinuxABI
import Platform
import SystemPackage

/// alarm, setitimer/getitimer (ITIMER_REAL) and the timer_create family, served by the Sentry
/// because their signals must wake tasks parked in served calls. timer_create's CPU-time clocks
/// (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID, a pid's or thread's clock) read the
/// host's CPU time of the target (CPUClock) and are checked on the timer heap (CPUClockSource). ITIMER_VIRTUAL and ITIMER_PROF
/// count the process's own CPU time, which a parked task does not use: the host runs those.
enum SysTimer {
    static let ITIMER_REAL: Int32 = 0
    static let nsPerSecond: UInt64 = 1_000_000_000

    /// The process's ITIMER_REAL, created on first use.
    static func realTimer(_ t: Task) -> IntervalTimer {
        if let r = t.group.realTimer { return r }
        let kernel = t.kernel
        let group = t.group
        let timer = IntervalTimer(queue: kernel.timers) { [weak group, unowned kernel] _ in
            guard let group, !group.threads.isEmpty else { return }
            // ITIMER_REAL's SIGALRM comes from the kernel: SI_KERNEL, no sender.
            try? kernel.sendSignal(Signal.SIGALRM, toGroup: group, info: SigInfo(si_signo: Signal.SIGALRM, si_errno: 0, si_code: SigCode.SI_KERNEL))
        }
        t.group.realTimer = timer
        return timer
    }

    /// alarm(2): returns the seconds left on the previous alarm, rounded as Linux does.
    static func alarm(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let seconds = UInt64(a.uint(0))
        let timer = realTimer(t)
        let left = timer.remaining()
        timer.set(value: seconds * nsPerSecond, interval: 0)
        // Round to the nearest second, but an alarm still pending reports at least 1.
        var previous = (left + nsPerSecond / 2) / nsPerSecond
        if previous == 0 && left > 0 { previous = 1 }
        return .value(Int64(previous))
    }

    /// setitimer(2).
    static func setitimer(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let which = a.int(0)
        guard which == ITIMER_REAL else { return which == 1 || which == 2 ? .native : .error(.invalidArgument) }
        do {
            var newValue: (interval: UInt64, value: UInt64)? = nil
            if a[1] != 0 {
                let bytes = try t.copyInBytes(a[1], count: 32)
                guard let iv = timeval(bytes, 0), let v = timeval(bytes, 16) else { return .error(.invalidArgument) }
                newValue = (iv, v)
            }
            let timer = realTimer(t)
            let old = (timer.interval, timer.remaining())
            if let n = newValue { timer.set(value: n.value, interval: n.interval) }
            if a[2] != 0 {
                do { try t.copyOut(a[2], encodeTimevals(old.0, old.1)) } catch {
                    if newValue != nil { timer.set(value: old.1, interval: old.0) }  // undo
                    return .error(error)
                }
            }
            return .zero
        } catch { return .error(error) }
    }

    /// getitimer(2).
    static func getitimer(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let which = a.int(0)
        guard which == ITIMER_REAL else { return which == 1 || which == 2 ? .native : .error(.invalidArgument) }
        let timer = realTimer(t)
        do { try t.copyOut(a[1], encodeTimevals(timer.interval, timer.remaining())) } catch { return .error(error) }
        return .zero
    }

    static let SIGEV_SIGNAL: Int32 = 0, SIGEV_NONE: Int32 = 1, SIGEV_THREAD_ID: Int32 = 4
    static let supportedClocks: Set<Int32> = [Clock.CLOCK_REALTIME, Clock.CLOCK_MONOTONIC, Clock.CLOCK_BOOTTIME]

    /// timer_create(2).
    static func timerCreate(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let clock = a.int(0)
        // alarm_timer_create: the sandbox has no RTC device to wake the system, and Linux asks
        // for one before CAP_WAKE_ALARM (timerfd's alarm clocks need only the capability).
        if clock == Clock.CLOCK_REALTIME_ALARM || clock == Clock.CLOCK_BOOTTIME_ALARM { return .error(.notSupported) }
        var cpu: CPUClockSource? = nil
        switch CPUClock.decode(clock) {
        case .dynamic: return .error(.notSupported)  // an fd's clock (PTP): no timer_create, as Linux
        case .cpu(let c):
            guard let source = c.source(for: t) else { return .error(.invalidArgument) }
            cpu = source
        case .none:
            guard supportedClocks.contains(clock) else { return .error(.invalidArgument) }
        }
        do {
            var notify = SIGEV_SIGNAL, sig = Signal.SIGALRM, threadID: Int32 = 0
            var value: UInt64? = nil
            if a[1] != 0 {
                // struct sigevent: sigev_value @0, sigev_signo @8, sigev_notify @12, _tid @16.
                let b = try t.copyInBytes(a[1], count: 20)
                value = le64(b, 0)
                sig = Int32(bitPattern: le32(b, 8))
                notify = Int32(bitPattern: le32(b, 12))
                threadID = Int32(bitPattern: le32(b, 16))
                switch notify {
                case SIGEV_NONE: break
                case SIGEV_SIGNAL:
                    guard sig >= 1 && sig <= 64 else { return .error(.invalidArgument) }
                case SIGEV_THREAD_ID:
                    guard sig >= 1 && sig <= 64, t.group.threads.contains(where: { $0.tid == threadID }) else { return .error(.invalidArgument) }
                default: return .error(.invalidArgument)
                }
            }
            var id: Int32 = 0
            while t.group.posixTimers[id] != nil { id += 1 }
            let pt = PosixTimer(id: id, clock: clock, notify: notify, signal: sig, value: value ?? UInt64(id), threadID: threadID)
            let kernel = t.kernel
            // EAGAIN, timer_create's answer when its allocation fails.
            pt.charge = try kernel.memory.hold(MemoryAccount.Cost.timer, .timers, or: .resourceTemporarilyUnavailable)
            let group = t.group
            pt.timer = IntervalTimer(queue: kernel.timers, cpu: cpu) { [weak group, unowned kernel, unowned pt] timer in
                guard let group, !group.threads.isEmpty, pt.notify != SIGEV_NONE else { return }
                // Its last signal still queued: an overrun, counted into that signal at delivery.
                if let queued = pt.queuedOn, queued.group === group,
                   (HostProc.hexField(queued.hostTID, "SigPnd:") ?? 0) & (UInt64(1) << UInt64(pt.signal - 1)) != 0 {
                    timer.countOverrun()
                    return
                }
                var info = SigInfo(si_signo: pt.signal, si_errno: 0, si_code: SigCode.SI_TIMER)
                info.si_timerid = pt.id
                info.si_value = pt.value
                let target = pt.notify == SIGEV_THREAD_ID ? group.threads.first { $0.tid == pt.threadID } : nil
                let recipient = target ?? group.threads.first { !kernel.blocks($0, pt.signal) } ?? group.threads[0]
                if (try? kernel.queueSignal(pt.signal, info: info, to: recipient)) != nil { pt.queuedOn = recipient }
            }
            t.group.posixTimers[id] = pt
            do { try t.copyOutValue(a[2], id) } catch {
                t.group.posixTimers[id] = nil
                return .error(error)
            }
            return .zero
        } catch { return .error(error) }
    }

    static func lookup(_ t: Task, _ id: Int32) -> PosixTimer? { t.group.posixTimers[id] }

    /// timer_settime(2).
    static func timerSettime(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        guard let pt = lookup(t, a.int(0)) else { return .error(.invalidArgument) }
        let flags = a.int(1)
        if flags & ~1 != 0 { return .error(.invalidArgument) }
        do {
            let b = try t.copyInBytes(a[2], count: 32)
            guard let interval = timespec(b, 0), let value = timespec(b, 16) else { return .error(.invalidArgument) }
            let old = (pt.timer.interval, pt.timer.remaining())
            if CPUClock.decode(pt.clock) != nil {
                // A CPU-time clock: an absolute time is on that clock; ESRCH once its target was reaped.
                let absolute = flags & 1 != 0 && value != 0 ? value : nil
                guard pt.timer.set(value: value, interval: interval, absoluteDeadline: absolute) else { return .error(.noSuchProcess) }
            } else if flags & 1 != 0 && value != 0 {
                // TIMER_ABSTIME: a time on the timer's own clock, turned into a monotonic deadline.
                let nowOnClock = clockNow(pt.clock)
                let delta = value > nowOnClock ? value - nowOnClock : 0
                pt.timer.set(value: max(delta, 1), interval: interval)
            } else {
                pt.timer.set(value: value, interval: interval)
            }
            if a[3] != 0 {
                do { try t.copyOut(a[3], encodeTimespecs(old.0, old.1)) } catch {
                    pt.timer.set(value: old.1, interval: old.0)  // a CPU timer's remainder, on its clock from now
                    return .error(error)
                }
            }
            return .zero
        } catch { return .error(error) }
    }

    /// timer_gettime(2).
    static func timerGettime(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        guard let pt = lookup(t, a.int(0)) else { return .error(.invalidArgument) }
        do { try t.copyOut(a[1], encodeTimespecs(pt.timer.interval, pt.timer.remaining())) } catch { return .error(error) }
        return .zero
    }

    /// timer_getoverrun(2).
    static func timerGetoverrun(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        guard let pt = lookup(t, a.int(0)) else { return .error(.invalidArgument) }
        return .value(Int64(pt.lastOverrun))
    }

    /// timer_delete(2).
    static func timerDelete(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        guard let pt = t.group.posixTimers.removeValue(forKey: a.int(0)) else { return .error(.invalidArgument) }
        pt.timer.cancel()
        return .zero
    }

    // MARK: Encoding

    static func le64(_ b: [UInt8], _ o: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(b[o + i]) << UInt64(8 * i) }
        return v
    }
    static func le32(_ b: [UInt8], _ o: Int) -> UInt32 {
        UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    /// A struct timeval at offset o in nanoseconds; nil when out of range (EINVAL).
    static func timeval(_ b: [UInt8], _ o: Int) -> UInt64? {
        let sec = Int64(bitPattern: le64(b, o)), usec = Int64(bitPattern: le64(b, o + 8))
        guard sec >= 0, usec >= 0, usec < 1_000_000 else { return nil }
        return UInt64(sec) * nsPerSecond + UInt64(usec) * 1000
    }

    static func timespec(_ b: [UInt8], _ o: Int) -> UInt64? {
        let sec = Int64(bitPattern: le64(b, o)), nsec = Int64(bitPattern: le64(b, o + 8))
        guard sec >= 0, nsec >= 0, nsec < 1_000_000_000 else { return nil }
        return UInt64(sec) &* nsPerSecond &+ UInt64(nsec)
    }

    static func encodeTimevals(_ interval: UInt64, _ value: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        for ns in [interval, value] {
            // Linux rounds a pending timer's microseconds up so a set value reads back non-zero.
            let usec = (ns % nsPerSecond + 999) / 1000
            let sec = ns / nsPerSecond + usec / 1_000_000
            for v in [sec, usec % 1_000_000] { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        }
        return out
    }

    static func encodeTimespecs(_ interval: UInt64, _ value: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        for ns in [interval, value] {
            for v in [ns / nsPerSecond, ns % nsPerSecond] { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        }
        return out
    }

    static func clockNow(_ clock: Int32) -> UInt64 {
        var ts = Glibc.timespec()
        clock_gettime(clockid_t(clock), &ts)
        return UInt64(ts.tv_sec) &* nsPerSecond &+ UInt64(ts.tv_nsec)
    }
}

/// A CPU-time clock id as Linux encodes it (include/linux/posix-timers.h): a negative id holds
/// ~pid << 3, a per-thread bit (4) and which clock (PROF 0 = user+system, VIRT 1 = user, SCHED
/// 2 = scheduler runtime); low bits 3 name an fd's dynamic clock. CLOCK_PROCESS_CPUTIME_ID (2)
/// and CLOCK_THREAD_CPUTIME_ID (3) are the SCHED clocks of the caller's process and thread.
struct CPUClock: Equatable {
    static let PROF: Int32 = 0, VIRT: Int32 = 1, SCHED: Int32 = 2
    let pid: Int32
    let perThread: Bool
    let which: Int32

    enum Decoded: Equatable { case cpu(CPUClock), dynamic }

    /// nil for the fixed clocks (REALTIME, MONOTONIC, ...).
    static func decode(_ id: Int32) -> Decoded? {
        if id == Clock.CLOCK_PROCESS_CPUTIME_ID { return .cpu(CPUClock(pid: 0, perThread: false, which: SCHED)) }
        if id == Clock.CLOCK_THREAD_CPUTIME_ID { return .cpu(CPUClock(pid: 0, perThread: true, which: SCHED)) }
        guard id < 0 else { return nil }
        if id & 7 == 3 { return .dynamic }
        return .cpu(CPUClock(pid: ~(id >> 3), perThread: id & 4 != 0, which: id & 3))
    }

    /// The clock as the caller `t` names it, or nil (EINVAL) as Linux's pid_for_clock: which
    /// beyond SCHED, a thread clock of a thread outside the caller's process, a process clock
    /// of a pid that is not a process of the sandbox.
    func source(for t: Task) -> CPUClockSource? {
        guard which <= CPUClock.SCHED else { return nil }
        let which = self.which
        if perThread {
            guard let task = pid == 0 ? t : t.group.threads.first(where: { $0.tid == pid }) else { return nil }
            return CPUClockSource(parallelism: 1) { [weak task] in
                guard let task, task.group.threads.contains(where: { $0 === task }) else { return nil }
                return CPUClock.threadTime(task.hostTID, which)
            }
        }
        guard let group = pid == 0 ? t.group : t.kernel.threadGroup(pid: pid), !group.threads.isEmpty else { return nil }
        return CPUClockSource(parallelism: CPUClock.hostCPUs) { [weak group] in
            guard let group, !group.threads.isEmpty else { return nil }
            return CPUClock.processTime(group.hostTGID, which)
        }
    }

    /// A host process's CPU clock, read with clock_gettime on its pid's clock id (any process of
    /// the Sentry's PID namespace; thread clocks are readable only inside their own process).
    static func processTime(_ hostTGID: HostTID, _ which: Int32) -> UInt64? {
        var ts = Glibc.timespec()
        let id = (~Int32(hostTGID)) << 3 | which
        guard clock_gettime(clockid_t(id), &ts) == 0 else { return nil }
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// A host thread's CPU time from its procfs: schedstat's runtime (ns) for SCHED, stat's
    /// utime and stime (clock ticks) for PROF and VIRT.
    static func threadTime(_ hostTID: HostTID, _ which: Int32) -> UInt64? {
        if which == SCHED {
            guard let b = HostProc.read("/proc/\(hostTID)/schedstat"),
                  let first = b.split(separator: UInt8(ascii: " ")).first else { return nil }
            return UInt64(String(decoding: first, as: UTF8.self))
        }
        guard let utime = HostProc.statField(hostTID, 14), let stime = HostProc.statField(hostTID, 15) else { return nil }
        let ticks = UInt64(max(utime, 0)) + (which == PROF ? UInt64(max(stime, 0)) : 0)
        return ticks &* (1_000_000_000 / UInt64(max(sysconf(Int32(_SC_CLK_TCK)), 1)))
    }

    /// The host's CPUs (the cpuN lines of /proc/stat): how fast a process's CPU time can grow.
    static let hostCPUs: UInt64 = {
        let n = HostProcFile.lines("/proc/stat").filter { $0.hasPrefix("cpu") && !$0.hasPrefix("cpu ") }.count
        return UInt64(max(n, 1))
    }()
}
