import CHusk
import Glibc
import LinuxABI
import SystemPackage

// timerfd_create, timerfd_settime, timerfd_gettime, and the timerfd file: expirations counted
// on the kernel's timer heap (an IntervalTimer), read as one 8-byte count, readable in
// poll/epoll while non-zero. Blocking reads go through SysRead's generic path.

/// A timerfd (Linux `struct timerfd_ctx`).
final class TimerFDFile: FileDescription {
    /// The clock its absolute times are on (an _ALARM clock counts as its base clock: nothing
    /// here suspends).
    let clock: Int32
    /// Expirations not yet read.
    private(set) var ticks: UInt64 = 0
    var timer: IntervalTimer!
    let queue = WaitQueue()
    override var waitQueue: WaitQueue? { queue }
    var charge: MemoryCharge?
    /// Armed with TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET on a realtime clock: a change of
    /// that clock cancels it (`clockWasSet`), and the next read answers ECANCELED.
    private(set) var mightCancel = false
    private var canceled = false

    init(clock: Int32, kernel: Kernel, statusFlags: Int32) {
        self.clock = clock
        super.init(accessMode: O_RDWR, statusFlags: statusFlags)
        timer = IntervalTimer(queue: kernel.timers) { [unowned self] t in
            // One expiry plus the periods the loop woke too late for (hrtimer_forward).
            self.ticks &+= 1 &+ UInt64(t.delivered())
            self.queue.notify(PollEvents.input | PollEvents.readNormal)
        }
    }

    deinit { timer.cancel() }

    /// The clock absolute times are read on: REALTIME or BOOTTIME for their _ALARM forms.
    var baseClock: Int32 {
        switch clock {
        case Clock.CLOCK_REALTIME_ALARM: return Clock.CLOCK_REALTIME
        case Clock.CLOCK_BOOTTIME_ALARM: return Clock.CLOCK_BOOTTIME
        default: return clock
        }
    }

    /// Arms the timer (`value` 0 disarms); an absolute `value` is a time on the timer's clock,
    /// made a monotonic deadline (in the past: due at once, with the missed periods counted).
    func set(value: UInt64, interval: UInt64, absolute: Bool, cancelOnSet: Bool = false, kernel: Kernel? = nil) {
        ticks = 0
        canceled = false
        // timerfd_setup_cancel: only an absolute time on a realtime clock can be canceled.
        mightCancel = cancelOnSet && absolute && (clock == Clock.CLOCK_REALTIME || clock == Clock.CLOCK_REALTIME_ALARM)
        if mightCancel, let kernel { RealtimeClockWatch.shared(kernel)?.add(self) }
        guard value != 0 else { timer.cancel(); return }
        if absolute {
            let now = SysTimer.clockNow(baseClock), mono = TimerQueue.now()
            let deadline = value >= now ? mono &+ (value - now) : (now - value < mono ? mono - (now - value) : 1)
            timer.set(value: 0, interval: interval, absoluteDeadline: deadline)
        } else {
            timer.set(value: value, interval: interval)
        }
    }

    /// The expiration count as 8 bytes, then zero; EAGAIN (or a block) while there is none.
    /// timerfd_clock_was_set: the realtime clock changed under a cancelable timer; a read
    /// wakes and answers ECANCELED once.
    func clockWasSet() {
        guard mightCancel else { return }
        canceled = true
        ticks &+= 1
        queue.notify(PollEvents.input | PollEvents.readNormal)
    }

    override func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        if buffer.count < 8 { throw .invalidArgument }
        if ticks == 0 { throw .resourceTemporarilyUnavailable }
        if canceled {
            ticks = 0
            canceled = false
            throw .canceled
        }
        buffer.storeBytes(of: ticks.littleEndian, toByteOffset: 0, as: UInt64.self)
        ticks = 0
        return 8
    }

    override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int { throw .invalidArgument }

    /// TFD_IOC_SET_TICKS = _IOW('T', 0, u64): sets the expiration count a read returns (CRIU's
    /// restore; timerfd_ioctl). Zero is EINVAL.
    static let TFD_IOC_SET_TICKS: UInt32 = 0x4008_5400

    override func ioctl(_ task: Task, _ request: UInt32, _ argument: UInt64) -> SyscallReturn {
        guard request == TimerFDFile.TFD_IOC_SET_TICKS else { return .error(.inappropriateIOCTLForDevice) }
        do {
            let n = try task.copyInValue(argument, as: UInt64.self)
            if n == 0 { return .error(.invalidArgument) }
            ticks = n
            queue.notify(PollEvents.input | PollEvents.readNormal)
            return .zero
        } catch { return .error(error) }
    }

    /// noop_llseek: the position stays 0.
    override func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 { 0 }

    override func stat() throws(Errno) -> FileStat { anonInodeStat() }

    override func readiness(_ mask: EventMask) -> EventMask {
        (ticks > 0 ? PollEvents.input | PollEvents.readNormal : 0) & mask
    }

    override var path: [UInt8]? { Array("anon_inode:[timerfd]".utf8) }
}

/// timerfd_create(2): the five clocks Linux offers; the _ALARM ones need CAP_WAKE_ALARM.
func sysTimerfdCreate(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let clock = a.int(0), flags = a.int(1)
    let clocks = [Clock.CLOCK_REALTIME, Clock.CLOCK_MONOTONIC, Clock.CLOCK_BOOTTIME, Clock.CLOCK_REALTIME_ALARM, Clock.CLOCK_BOOTTIME_ALARM]
    if flags & ~(FdCreateFlags.TFD_NONBLOCK | FdCreateFlags.TFD_CLOEXEC) != 0 || !clocks.contains(clock) { return .error(.invalidArgument) }
    if (clock == Clock.CLOCK_REALTIME_ALARM || clock == Clock.CLOCK_BOOTTIME_ALARM) && !task.creds.has(Capability.wakeAlarm) {
        return .error(.notPermitted)
    }
    return serve { () throws(Errno) in
        let file = TimerFDFile(clock: clock, kernel: task.kernel, statusFlags: flags & FdCreateFlags.TFD_NONBLOCK)
        file.charge = try task.kernel.memory.hold(MemoryAccount.Cost.timer, .timers, or: .noMemory)
        return .ok(Int(try task.fdTable.allocate(file, closeOnExec: flags & FdCreateFlags.TFD_CLOEXEC != 0, limit: task.fdLimit)))
    }
}

/// The timerfd behind `fd`: EBADF for no file, EINVAL for another kind.
private func timerfd(_ task: Task, _ fd: Int32) throws(Errno) -> TimerFDFile {
    guard let file = try task.fdTable.get(fd) as? TimerFDFile else { throw .invalidArgument }
    return file
}

/// timerfd_settime(2): TFD_TIMER_ABSTIME; TFD_TIMER_CANCEL_ON_SET cancels the timer when the
/// host's realtime clock changes (the sandbox itself cannot set it). The old setting is copied out after the change,
/// as Linux does (a failed copy-out leaves the new setting).
func sysTimerfdSettime(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let flags = a.int(1)
        let b = try task.copyInBytes(a[2], count: 32)
        let known = FdCreateFlags.TFD_TIMER_ABSTIME | FdCreateFlags.TFD_TIMER_CANCEL_ON_SET
        guard flags & ~known == 0, let interval = SysTimer.timespec(b, 0), let value = SysTimer.timespec(b, 16) else { throw .invalidArgument }
        let file = try timerfd(task, a.int(0))
        let old = SysTimer.encodeTimespecs(file.timer.interval, file.timer.remaining())
        file.set(value: value, interval: interval, absolute: flags & FdCreateFlags.TFD_TIMER_ABSTIME != 0,
                 cancelOnSet: flags & FdCreateFlags.TFD_TIMER_CANCEL_ON_SET != 0, kernel: task.kernel)
        if a[3] != 0 { try task.copyOut(a[3], old) }
        return .zero
    }
}

/// timerfd_gettime(2): the interval and the time left (0 when disarmed).
func sysTimerfdGettime(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let file = try timerfd(task, a.int(0))
        try task.copyOut(a[1], SysTimer.encodeTimespecs(file.timer.interval, file.timer.remaining()))
        return .zero
    }
}

/// Notices changes of the host's realtime clock (settimeofday, clock_settime, a step of NTP):
/// one host timerfd of the Sentry on CLOCK_REALTIME, armed at a far absolute time with
/// TFD_TIMER_CANCEL_ON_SET, whose read answers ECANCELED after each change. It sits in the
/// loop's epoll set; each change cancels the sandbox's timerfds armed the same way.
final class RealtimeClockWatch {
    let fd: Int32
    let queue = WaitQueue()
    private var waiter: Waiter?
    private var files: [ObjectIdentifier: WeakTimerFD] = [:]
    private struct WeakTimerFD { weak var file: TimerFDFile? }

    /// The kernel's watch, made on first use; nil if the host refuses the timerfd.
    static func shared(_ kernel: Kernel) -> RealtimeClockWatch? {
        if let w = kernel.realtimeClockWatch { return w }
        guard let w = RealtimeClockWatch() else { return nil }
        kernel.realtimeClockWatch = w
        kernel.watch(w.fd, queue: w.queue)
        return w
    }

    init?() {
        let r = chusk_syscall6(Int(SyscallNumber.timerfd_create), Int(Clock.CLOCK_REALTIME),
                               Int(FdCreateFlags.TFD_NONBLOCK | FdCreateFlags.TFD_CLOEXEC), 0, 0, 0, 0)
        guard r >= 0 else { return nil }
        fd = Int32(r)
        // it_value: 2^33 s after the epoch (year 2242), far beyond any test, below KTIME_MAX.
        var spec: (Int64, Int64, Int64, Int64) = (0, 0, 1 << 33, 0)
        let flags = Int(FdCreateFlags.TFD_TIMER_ABSTIME | FdCreateFlags.TFD_TIMER_CANCEL_ON_SET)
        let armed = withUnsafeMutablePointer(to: &spec) {
            chusk_syscall6(Int(SyscallNumber.timerfd_settime), Int(fd), flags, Int(bitPattern: $0), 0, 0, 0)
        }
        guard armed == 0 else { close(fd); return nil }
        waiter = Waiter(mask: PollEvents.input) { [unowned self] _ in self.drain() }
        queue.add(waiter!)
    }

    func add(_ file: TimerFDFile) {
        files = files.filter { $0.value.file != nil }
        files[ObjectIdentifier(file)] = WeakTimerFD(file: file)
    }

    /// Reads the host timerfd until EAGAIN; each ECANCELED is a clock change.
    func drain() {
        var count: UInt64 = 0
        var changed = false
        while true {
            let n = withUnsafeMutableBytes(of: &count) { Glibc.read(fd, $0.baseAddress, 8) }
            if n < 0 && errno == ECANCELED { changed = true; continue }
            break
        }
        guard changed else { return }
        for entry in files.values { entry.file?.clockWasSet() }
    }
}
