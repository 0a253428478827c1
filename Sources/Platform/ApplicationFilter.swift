// The application seccomp filter: the host attack surface of an application task.
// The rules come from the Sentry's syscall table (Sources/Sentry/Syscalls/SyscallTable.swift):
// a call with no rule, or whose rules do not match, returns SECCOMP_RET_TRACE and is served by
// the Sentry. Compiled for the unotify platform, the calls of `notify` (rows marked `notify`,
// whose handlers need only the task's memory) return SECCOMP_RET_USER_NOTIF instead. The filter is compiled with libseccomp and exported to a BPF program once, before
// any fork, so that the first task's child only has to call seccomp(SET_MODE_FILTER).

import CHusk
import Glibc
import SystemPackage

/// What the filter does with one call.
public enum FilterVerdict: Equatable, Sendable {
    case allow            // runs on the host without a stop
    case trace            // seccomp stop: the Sentry serves it
    case notify           // seccomp user notification: the Sentry serves it from the listener
    case errno(Int32)     // refused by the filter itself
}

/// One comparison of a syscall argument.
public struct FilterCondition: Sendable {
    // No less-than: libseccomp 2.5.4 compiles 64-bit LT/LE wrongly (munmap(0, 512 MiB) passed
    // a `a0 < X && a1 <= X` rule). Below a power of two is a masked compare instead.
    public enum Op: Sendable { case equal, maskedEqual(mask: UInt64), greaterEqual }
    public let arg: Int
    public let op: Op
    public let value: UInt64
    public init(arg: Int, op: Op, value: UInt64) {
        precondition(arg >= 0 && arg < 6)
        self.arg = arg; self.op = op; self.value = value
    }
    /// Argument `arg` equals `value`.
    public static func arg(_ i: Int, equals value: UInt64) -> FilterCondition { FilterCondition(arg: i, op: .equal, value: value) }
    /// The bits `mask` of argument `arg` are exactly `value`.
    public static func arg(_ i: Int, masked mask: UInt64, equals value: UInt64) -> FilterCondition {
        FilterCondition(arg: i, op: .maskedEqual(mask: mask), value: value)
    }
    /// Argument `arg` is at least `value` (unsigned).
    public static func arg(_ i: Int, atLeast value: UInt64) -> FilterCondition { FilterCondition(arg: i, op: .greaterEqual, value: value) }

    func matches(_ args: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)) -> Bool {
        let a: UInt64
        switch arg { case 0: a = args.0; case 1: a = args.1; case 2: a = args.2; case 3: a = args.3; case 4: a = args.4; default: a = args.5 }
        switch op {
        case .equal: return a == value
        case .maskedEqual(let mask): return a & mask == value
        case .greaterEqual: return a >= value
        }
    }
}

/// One line of the filter: when all conditions hold (AND), the verdict applies. Several rules
/// for one call are alternatives (OR); an errno rule wins over an allow rule.
public struct FilterRule: Sendable {
    public let nr: Int
    public let verdict: FilterVerdict
    public let conditions: [FilterCondition]
    /// Why the host may run (or must refuse) the call: shown in docs/syscalls.md.
    public let reason: String
    public init(nr: Int, verdict: FilterVerdict, conditions: [FilterCondition], reason: String) {
        self.nr = nr; self.verdict = verdict; self.conditions = conditions; self.reason = reason
    }
}

/// The compiled-once allow list of the application tasks.
public struct ApplicationFilter: Sendable {
    public let rules: [FilterRule]
    /// The calls that the unotify platform's filter sends to the listener. None has a rule:
    /// they always reach the Sentry (`init` drops a number that has one).
    public let notify: Set<Int>
    /// The programs `compile` made, by mode: the Sentry compiles while it waits for its go at
    /// start-up (`prepare`), so that making the platform later costs nothing.
    private let compiled = CompiledPrograms()
    public init(rules: [FilterRule], notify: Set<Int> = []) {
        self.rules = rules
        let ruled = Set(rules.map(\.nr))
        self.notify = notify.subtracting(ruled)
    }

    /// Compiles the program of one mode ahead of its use (an error is left for `compile`).
    public func prepare(userNotify: Bool) { _ = try? compile(userNotify: userNotify) }

    /// Takes `program` as this filter's compiled form for `userNotify`: the build's own
    /// compile of it (PrecompiledFilters, kept equal to `compile` by a test), so that a start
    /// spends no time in libseccomp.
    public func adopt(_ program: [UInt8], userNotify: Bool) {
        compiled.programs[userNotify] = program
    }

    final class CompiledPrograms: @unchecked Sendable {
        // One thread (the Sentry's) uses a filter; tests that share one only read.
        var programs: [Bool: [UInt8]] = [:]
    }

    // MAP_FIXED, MREMAP_FIXED (x86_64 values; LinuxABI's flags are the Sentry's to use).
    static let MAP_FIXED: UInt64 = 0x10
    public static let MREMAP_FIXED: UInt64 = 0x2
    /// Ranges that start here or above, or start below `lowLimit` and are shorter than it (so
    /// they end below the stub: BPF cannot add), cannot touch the stub's pages. Anything else
    /// stops at the Sentry, which checks the exact range (SysMM).
    public static let aboveStub = StubELF.guardEnd
    static let lowLimit = StubELF.guardStart / 2
    static let belowLowLimit = FilterCondition.Op.maskedEqual(mask: ~(lowLimit - 1))

    /// The range conditions under which a call on [arg addr, arg addr + arg len) runs natively:
    /// alternatives, each to be combined with the call's other conditions.
    public static func awayFromStub(addr: Int, len: Int) -> [[FilterCondition]] {
        precondition(lowLimit & (lowLimit - 1) == 0 && 2 * lowLimit <= StubELF.guardStart)
        return [[FilterCondition(arg: addr, op: .greaterEqual, value: aboveStub)],
                [FilterCondition(arg: addr, op: belowLowLimit, value: 0), FilterCondition(arg: len, op: belowLowLimit, value: 0)]]
    }

    /// Whether [address, address + length) touches the stub's pages (the exact check the
    /// Sentry makes for the calls the filter's coarse range test sent to it).
    public static func touchesStub(_ address: UInt64, _ length: UInt64) -> Bool {
        guard length > 0 else { return false }
        // A range that wraps is refused by the kernel before it changes anything; one that
        // wraps from below the stub's end is still counted as touching it.
        let (end, overflow) = address.addingReportingOverflow(length)
        return address < StubELF.guardEnd && (overflow || end > StubELF.guardStart)
    }

    /// What the filter does with a call (the same rules the BPF program is built from), as
    /// compiled with `userNotify` or not.
    public func verdict(nr: Int, args: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64), userNotify: Bool = false) -> FilterVerdict {
        var allowed = false
        for rule in rules where rule.nr == nr {
            if !rule.conditions.allSatisfy({ $0.matches(args) }) { continue }
            if case .errno = rule.verdict { return rule.verdict }
            allowed = true
        }
        return allowed ? .allow : userNotify && notify.contains(nr) ? .notify : .trace
    }

    /// Compiles the filter and returns the BPF program (an array of `struct sock_filter`, 8
    /// bytes each). Native architecture only: anything else (int 0x80, x32) kills the process.
    /// With `userNotify`, the calls of `notify` return SECCOMP_RET_USER_NOTIF (the unotify
    /// platform), except when made from the stub's injection gadget: there the Sentry waits
    /// for the injected call's ptrace stops and must not be asked through the listener. The
    /// program is then a prefix that tests the instruction pointer and jumps to one of two
    /// whole programs: the notifying one, or the plain one for the gadget. A program that
    /// jumps to the gadget itself only gets the ptrace path for its calls.
    public func compile(userNotify: Bool = false) throws(Errno) -> [UInt8] {
        if let done = compiled.programs[userNotify] { return done }
        let program: [UInt8]
        if userNotify {
            let notifying = try compileProgram(userNotify: true)
            let plain = try compileProgram(userNotify: false)
            program = try Self.splice(byInstructionPointer: StubELF.gadgetAddress + 2, matching: plain, other: notifying)
        } else {
            program = try compileProgram(userNotify: false)
        }
        compiled.programs[userNotify] = program
        return program
    }

    /// BPF that runs `matching` for a call whose seccomp_data.instruction_pointer is `ip`, and
    /// `other` for any other (both whole programs, which end in returns; jumps are relative).
    public static func splice(byInstructionPointer ip: UInt64, matching: [UInt8], other: [UInt8]) throws(Errno) -> [UInt8] {
        let insn = BPF.instruction, ldAbs = BPF.ldAbsW, jeq = BPF.jeqK, ja = BPF.ja
        let prefix = insn(ldAbs, 0, 0, 8)                       // 0: A = ip (low word)
            + insn(jeq, 0, 2, UInt32(truncatingIfNeeded: ip))   // 1: low matches? 2 : 4
            + insn(ldAbs, 0, 0, 12)                             // 2: A = ip (high word)
            + insn(jeq, 1, 0, UInt32(truncatingIfNeeded: ip >> 32)) // 3: matches? 5 : 4
            + insn(ja, 0, 0, 1)                                 // 4: -> 6, `other`
            + insn(ja, 0, 0, UInt32(other.count / 8))           // 5: -> 6 + other, `matching`
        let program = prefix + other + matching
        guard program.count / 8 <= 4096 else { throw .argListTooLong }
        return program
    }

    private func compileProgram(userNotify: Bool) throws(Errno) -> [UInt8] {
        guard let ctx = seccomp_init(chusk_scmp_act_trace(0)) else { throw Errno.noMemory }
        defer { seccomp_release(ctx) }
        var rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, chusk_scmp_act_kill_process())
        if rc < 0 { throw Errno(rawValue: -rc) }
        for rule in rules {
            let action: UInt32
            switch rule.verdict {
            case .allow: action = chusk_scmp_act_allow()
            case .trace: action = chusk_scmp_act_trace(0)
            case .errno(let e): action = chusk_scmp_act_errno(UInt16(e))
            case .notify: action = chusk_scmp_act_notify()
            }
            var cmps = rule.conditions.map { c -> scmp_arg_cmp in
                var cmp = scmp_arg_cmp()
                cmp.arg = UInt32(c.arg)
                cmp.datum_a = c.value; cmp.datum_b = 0
                switch c.op {
                case .equal: cmp.op = SCMP_CMP_EQ
                case .maskedEqual(let mask): cmp.op = SCMP_CMP_MASKED_EQ; cmp.datum_a = mask; cmp.datum_b = c.value
                case .greaterEqual: cmp.op = SCMP_CMP_GE
                }
                return cmp
            }
            rc = cmps.withUnsafeMutableBufferPointer { seccomp_rule_add_array(ctx, action, Int32(rule.nr), UInt32($0.count), $0.baseAddress) }
            if rc < 0 { throw Errno(rawValue: -rc) }
        }
        if userNotify {
            for nr in notify.sorted() {
                rc = seccomp_rule_add_array(ctx, chusk_scmp_act_notify(), Int32(nr), 0, nil)
                if rc < 0 { throw Errno(rawValue: -rc) }
            }
        }
        return try SeccompProgram.export(ctx, name: "husk-filter")
    }
}

/// Classic BPF, for the few programs written by hand (the rest is libseccomp's).
public enum BPF {
    public static let ldAbsW: UInt16 = 0x20   // BPF_LD | BPF_W | BPF_ABS
    public static let jeqK: UInt16 = 0x15     // BPF_JMP | BPF_JEQ | BPF_K
    public static let ja: UInt16 = 0x05       // BPF_JMP | BPF_JA
    public static let retK: UInt16 = 0x06     // BPF_RET | BPF_K

    /// One `struct sock_filter` (8 bytes, little-endian); jumps are relative to the next one.
    public static func instruction(_ code: UInt16, _ jt: UInt8, _ jf: UInt8, _ k: UInt32) -> [UInt8] {
        withUnsafeBytes(of: code.littleEndian) { Array($0) } + [jt, jf] + withUnsafeBytes(of: k.littleEndian) { Array($0) }
    }
}
