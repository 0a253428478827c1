import Platform
import SystemPackage

// What one row of the syscall table (Syscalls/SyscallTable.swift) says about a call. The table
// is the only list of syscalls: dispatch, the application filter, --strace's argument formats,
// the restart rules, docs/syscalls.md and `husk syscalls` all read it.

/// How a call is handled.
public enum SyscallHandling {
    /// Stops at the Sentry, which serves it (a handler may still let the host run it after
    /// checking its arguments). The row's filter rules may let some argument values run
    /// natively without a stop.
    case serve(SyscallHandler)
    /// Always runs on the host, never stops; the string says why that is safe.
    case native(String)
    /// Refused by the application filter itself with this errno; never stops.
    case refuse(Errno, String)
    /// Not implemented: stops at the Sentry, fails with ENOSYS and is counted (the
    /// `unimplemented` report). The row's filter rules may still let some forms run natively.
    case unimplemented
}

/// How much of Linux's behaviour the Sentry gives a call (gVisor's support levels).
public enum SupportLevel: Equatable {
    case full
    /// Works for common uses; the note says what differs.
    case partial(String)
    /// Fails (ENOSYS, or the errno of `refuse`); the note says why or what is planned.
    case none(String)

    public var name: String {
        switch self { case .full: "full"; case .partial: "partial"; case .none: "none" }
    }
    public var note: String {
        switch self { case .full: ""; case .partial(let n), .none(let n): n }
    }
}

/// What a call interrupted by a signal does (Linux's -ERESTART* codes, signal(7)).
public enum RestartClass: String, CaseIterable {
    /// -ERESTARTSYS: restarted after a handler with SA_RESTART and after a stop; EINTR after
    /// a handler without SA_RESTART. Linux's rule for most blocking calls.
    case restartSys = "restart"
    /// -ERESTARTNOHAND (and -ERESTART_RESTARTBLOCK): EINTR after any handler, even under
    /// SA_RESTART (timeouts or masks would be wrong on a restart); restarted after a stop.
    case restartNoHandler = "eintr-after-handler"
    /// Ends with EINTR after a handler and is not resumed after a stop either (it returns only
    /// when a handler ran: pause, rt_sigsuspend).
    case noRestart = "eintr"

    /// Whether the interrupted call is issued again.
    func restarts(handlerRuns: Bool, saRestart: Bool, stopped: Bool) -> Bool {
        if handlerRuns { return self == .restartSys && saRestart }
        return stopped && self != .noRestart
    }
}

/// How --strace shows an argument.
public enum SyscallArgFormat: String {
    case int, hex, fd, path, string, openFlags, ptr
}

/// A filter rule of a row without its number: when the conditions hold, the call runs on the
/// host (`.allow`) or is refused with an errno, without a stop.
public struct NativeRule {
    public let verdict: FilterVerdict
    public let conditions: [FilterCondition]
    public let reason: String
    public static func allow(_ reason: String, _ conditions: [FilterCondition] = []) -> NativeRule {
        NativeRule(verdict: .allow, conditions: conditions, reason: reason)
    }
    public static func refuse(_ errno: Errno, _ reason: String, _ conditions: [FilterCondition]) -> NativeRule {
        NativeRule(verdict: .errno(errno.rawValue), conditions: conditions, reason: reason)
    }
    /// The alternatives of `allow` for a call on [arg addr, +arg len) away from the stub's pages.
    public static func allowAwayFromStub(_ reason: String, addr: Int = 0, len: Int = 1, also: [FilterCondition] = []) -> [NativeRule] {
        ApplicationFilter.awayFromStub(addr: addr, len: len).map { allow(reason, also + $0) }
    }
}

/// One syscall: a row of the table.
public struct SyscallEntry {
    public let number: Int
    public let name: String
    public let handling: SyscallHandling
    /// Argument forms the filter answers without a stop (for `.serve` and `.unimplemented`).
    public let filter: [NativeRule]
    public let support: SupportLevel
    public let restart: RestartClass
    /// --strace's argument formats; nil shows six hex values.
    public let args: [SyscallArgFormat]?
    /// Served from a seccomp user notification under --platform unotify: the handler needs only
    /// the task's memory and the Sentry's state, and answers with a value, an errno, a block or
    /// (after a signal) a restart. Only for rows without filter rules.
    public var notify = false

    /// Whether the call can ever stop at the Sentry.
    public var stops: Bool {
        switch handling {
        case .serve, .unimplemented: return true
        case .native, .refuse: return false
        }
    }

    /// The application filter's rules for this call.
    var filterRules: [FilterRule] {
        switch handling {
        case .native(let why): return [FilterRule(nr: number, verdict: .allow, conditions: [], reason: why)]
        case .refuse(let e, let why): return [FilterRule(nr: number, verdict: .errno(e.rawValue), conditions: [], reason: why)]
        case .serve, .unimplemented:
            return filter.map { FilterRule(nr: number, verdict: $0.verdict, conditions: $0.conditions, reason: $0.reason) }
        }
    }
}

/// Collects the rows of the table, one statement per call (a long array literal of closures
/// is slow to type-check).
struct SyscallTableBuilder {
    private(set) var entries: [SyscallEntry] = []

    /// A call the Sentry serves (some argument forms may run natively by `filter`).
    mutating func serve(_ nr: Int, _ name: String, _ handler: @escaping SyscallHandler, _ support: SupportLevel = .full,
                        restart: RestartClass = .restartSys, args: [SyscallArgFormat]? = nil, filter: [NativeRule] = [],
                        notify: Bool = false) {
        precondition(!notify || filter.isEmpty, "a notified call cannot have filter rules: \(name)")
        var e = SyscallEntry(number: nr, name: name, handling: .serve(handler), filter: filter, support: support, restart: restart, args: args)
        e.notify = notify
        add(e)
    }

    /// A call that always runs on the host.
    mutating func native(_ nr: Int, _ name: String, _ why: String, _ support: SupportLevel = .full, restart: RestartClass = .restartSys,
                         args: [SyscallArgFormat]? = nil) {
        add(SyscallEntry(number: nr, name: name, handling: .native(why), filter: [], support: support, restart: restart, args: args))
    }

    /// A call the filter refuses with `errno`.
    mutating func refuse(_ nr: Int, _ name: String, _ errno: Errno, _ why: String, args: [SyscallArgFormat]? = nil) {
        add(SyscallEntry(number: nr, name: name, handling: .refuse(errno, why), filter: [], support: .none(why), restart: .restartSys, args: args))
    }

    /// A call the Sentry does not implement (ENOSYS, counted), except the forms `filter` runs.
    mutating func none(_ nr: Int, _ name: String, _ support: SupportLevel, restart: RestartClass = .restartSys,
                       args: [SyscallArgFormat]? = nil, filter: [NativeRule] = []) {
        add(SyscallEntry(number: nr, name: name, handling: .unimplemented, filter: filter, support: support, restart: restart, args: args))
    }

    private mutating func add(_ e: SyscallEntry) {
        precondition(e.number > (entries.last?.number ?? -1), "syscall table rows out of order at \(e.number)")
        entries.append(e)
    }
}

extension SyscallTable {
    /// One past the highest number a row may have.
    public static let capacity = 512

    /// The rows by number (nil: no such syscall on x86_64).
    nonisolated(unsafe) static let byNumber: [SyscallEntry?] = {
        var v = [SyscallEntry?](repeating: nil, count: capacity)
        for e in entries { v[e.number] = e }
        return v
    }()

    /// The handlers by number, for dispatch.
    nonisolated(unsafe) static let handlers: [SyscallHandler?] = byNumber.map { e in
        if case .serve(let h)? = e?.handling { return h }
        return nil
    }

    public static func entry(_ nr: Int) -> SyscallEntry? {
        nr >= 0 && nr < capacity ? byNumber[nr] : nil
    }

    @inline(__always) public static func handler(_ nr: Int) -> SyscallHandler? {
        nr >= 0 && nr < capacity ? handlers[nr] : nil
    }

    /// The name of syscall `nr` ("syscall_N" when x86_64 has none).
    public static func name(_ nr: Int) -> String { entry(nr)?.name ?? "syscall_\(nr)" }

    /// Whether the row of `nr` is marked `notify` (unotify serves it from the listener).
    @inline(__always) static func notifies(_ nr: Int) -> Bool { nr >= 0 && nr < capacity && notifyRows[nr] }
    nonisolated(unsafe) static let notifyRows: [Bool] = byNumber.map { $0?.notify ?? false }

    /// What a call interrupted by a signal does; an unknown number restarts as most calls do.
    static func restartClass(_ nr: Int) -> RestartClass { entry(nr)?.restart ?? .restartSys }

    /// The application filter: every rule of every row.
    public static let applicationFilter = ApplicationFilter(rules: entries.flatMap(\.filterRules),
                                                            notify: Set(entries.filter(\.notify).map(\.number)))
}
