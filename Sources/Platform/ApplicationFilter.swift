// The application seccomp filter: the host attack surface of an application task.
// Everything not listed here returns SECCOMP_RET_TRACE and is served by the Sentry.
// The filter is compiled with libseccomp and exported to a BPF program once, before any
// fork, so that the first task's child only has to call seccomp(SET_MODE_FILTER).

import CHusk
import Glibc
import SystemPackage

/// What the filter does with one call.
public enum FilterVerdict: Equatable, Sendable {
    case allow            // runs on the host without a stop
    case trace            // seccomp stop: the Sentry serves it
    case errno(Int32)     // refused by the filter itself
}

struct FilterCondition {
    // No less-than: libseccomp 2.5.4 compiles 64-bit LT/LE wrongly (munmap(0, 512 MiB) passed
    // a `a0 < X && a1 <= X` rule). Below a power of two is a masked compare instead.
    enum Op { case equal, maskedEqual(mask: UInt64), greaterEqual }
    let arg: Int
    let op: Op
    let value: UInt64
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

struct FilterRule {
    let nr: Int
    let verdict: FilterVerdict
    /// All must hold (AND); several rules for one call are alternatives (OR).
    let conditions: [FilterCondition]
    let reason: StaticString
}

public enum ApplicationFilter {
    // x86_64 numbers and flags (LinuxABI is filled by another module; keep these private).
    static let MAP_ANONYMOUS: UInt64 = 0x20
    static let cloneEscapeFlags: [(UInt64, StaticString)] = [
        (0x0080_0000, "CLONE_UNTRACED would escape the tracer"),
        (0x0002_0000, "CLONE_NEWNS"), (0x0200_0000, "CLONE_NEWCGROUP"), (0x0400_0000, "CLONE_NEWUTS"),
        (0x0800_0000, "CLONE_NEWIPC"), (0x1000_0000, "CLONE_NEWUSER"), (0x2000_0000, "CLONE_NEWPID"),
        (0x4000_0000, "CLONE_NEWNET"),
    ]
    // madvise advice values that only affect the caller's own anonymous memory.
    public static let madviseAdvice: [UInt64] = [0 /*NORMAL*/, 1 /*RANDOM*/, 2 /*SEQUENTIAL*/, 3 /*WILLNEED*/,
        4 /*DONTNEED*/, 8 /*FREE*/, 10 /*DONTFORK*/, 11 /*DOFORK*/, 14 /*HUGEPAGE*/, 15 /*NOHUGEPAGE*/,
        16 /*DONTDUMP*/, 17 /*DODUMP*/]
    // arch_prctl: ARCH_SET_GS, ARCH_SET_FS, ARCH_GET_FS, ARCH_GET_GS only.
    static let archPrctlCodes: [UInt64] = [0x1001, 0x1002, 0x1003, 0x1004]

    // MAP_FIXED, MREMAP_FIXED.
    static let MAP_FIXED: UInt64 = 0x10
    public static let MREMAP_FIXED: UInt64 = 0x2
    /// Ranges that start here or above, or start below `lowLimit` and are shorter than it (so
    /// they end below the stub: BPF cannot add), cannot touch the stub's pages. Anything else
    /// stops at the Sentry, which checks the exact range (SysMM).
    static let aboveStub = StubELF.guardEnd
    static let lowLimit = StubELF.guardStart / 2
    static let belowLowLimit = FilterCondition.Op.maskedEqual(mask: ~(lowLimit - 1))

    /// The range conditions under which a call on [arg addr, arg addr + arg len) runs natively.
    static func awayFromStub(addr: Int, len: Int) -> [[FilterCondition]] {
        precondition(lowLimit & (lowLimit - 1) == 0 && 2 * lowLimit <= StubELF.guardStart)
        return [[FilterCondition(arg: addr, op: .greaterEqual, value: aboveStub)],
                [FilterCondition(arg: addr, op: belowLowLimit, value: 0), FilterCondition(arg: len, op: belowLowLimit, value: 0)]]
    }

    /// The allow list, one line per call with the reason it may run on the host.
    static let rules: [FilterRule] = {
        func allow(_ nr: Int, _ reason: StaticString, _ conditions: [FilterCondition] = []) -> FilterRule {
            FilterRule(nr: nr, verdict: .allow, conditions: conditions, reason: reason)
        }
        func allowAway(_ nr: Int, _ reason: StaticString, addr: Int = 0, len: Int = 1, also: [FilterCondition] = []) -> [FilterRule] {
            awayFromStub(addr: addr, len: len).map { allow(nr, reason, also + $0) }
        }
        let anonymous = FilterCondition(arg: 3, op: .maskedEqual(mask: MAP_ANONYMOUS), value: MAP_ANONYMOUS)
        var r: [FilterRule] = [
            allow(9, "mmap: anonymous, not MAP_FIXED (the kernel never replaces a mapping for it)",
                  [FilterCondition(arg: 3, op: .maskedEqual(mask: MAP_ANONYMOUS | MAP_FIXED), value: MAP_ANONYMOUS)]),
        ]
        r += allowAway(9, "mmap: anonymous MAP_FIXED away from the stub; file mappings are served", also: [anonymous])
        r += allowAway(11, "munmap: own address space, away from the stub")
        r += allowAway(10, "mprotect: own address space, away from the stub (read-only fds are installed for shared maps)")
        r += [
            // mremap: the old range away from the stub, and the new one too when MREMAP_FIXED
            // places it (otherwise the kernel only moves into free space).
            allow(25, "mremap: old range above the stub, not MREMAP_FIXED",
                  [FilterCondition(arg: 0, op: .greaterEqual, value: aboveStub), FilterCondition(arg: 3, op: .maskedEqual(mask: MREMAP_FIXED), value: 0)]),
            // (Disjoint on arg 3: libseccomp 2.5.4 never finishes merging the overlapping form.)
            allow(25, "mremap: old and new range above the stub",
                  [FilterCondition(arg: 0, op: .greaterEqual, value: aboveStub), FilterCondition(arg: 3, op: .maskedEqual(mask: MREMAP_FIXED), value: MREMAP_FIXED),
                   FilterCondition(arg: 4, op: .greaterEqual, value: aboveStub)]),
            allow(12, "brk: own heap (it starts after the stub's image and never shrinks below that)"),
            allow(202, "futex: own memory words (moving it into the Sentry is a later option)"),
            allow(24, "sched_yield: no object"),
            allow(35, "nanosleep: own clock, interruptible by the Sentry's tgkill"),
            allow(230, "clock_nanosleep: same"),
            allow(228, "clock_gettime: clocks (the vDSO usually serves it)"),
            allow(229, "clock_getres: clocks"),
            allow(96, "gettimeofday: clocks"),
            allow(201, "time: clocks"),
            allow(15, "rt_sigreturn: own registers"),
            allow(14, "rt_sigprocmask: own mask"),
            allow(131, "sigaltstack: own stack"),
            allow(218, "set_tid_address: own memory"),
            allow(273, "set_robust_list: own memory"),
            allow(274, "get_robust_list: only tasks of the nested PID namespace"),
            allow(334, "rseq: own memory"),
            allow(219, "restart_syscall: resumes an interrupted native call"),
            allow(39, "getpid: the nested PID namespace gives the right number"),
            allow(186, "gettid: same"),
            allow(110, "getppid: same"),
            allow(61, "wait4: reaps within the nested PID namespace; host is the truth for exits"),
            allow(247, "waitid: same"),
            allow(109, "setpgid: process groups live in the nested PID namespace"),
            allow(112, "setsid: same"),
            allow(121, "getpgid: same"),
            allow(124, "getsid: same"),
            allow(111, "getpgrp: same"),
            allow(60, "exit: observed through PTRACE_EVENT_EXIT"),
            allow(231, "exit_group: same"),
        ]
        for advice in madviseAdvice {
            r += allowAway(28, "madvise: advice on own anonymous memory, away from the stub",
                           also: [FilterCondition(arg: 2, op: .equal, value: advice)])
        }
        for code in archPrctlCodes {
            r.append(allow(158, "arch_prctl: FS/GS base of the own thread", [FilterCondition(arg: 0, op: .equal, value: code)]))
        }
        // clone/fork/vfork are traced (the Sentry checks, then runs them natively); the filter
        // refuses outright the flags that would escape tracing or create namespaces.
        for (flag, why) in cloneEscapeFlags {
            r.append(FilterRule(nr: 56, verdict: .errno(EPERM), conditions: [FilterCondition(arg: 0, op: .maskedEqual(mask: flag), value: flag)], reason: why))
        }
        return r
    }()

    /// Whether [address, address + length) touches the stub's pages (the exact check the
    /// Sentry makes for the calls the filter's coarse range test sent to it).
    public static func touchesStub(_ address: UInt64, _ length: UInt64) -> Bool {
        guard length > 0 else { return false }
        // A range that wraps is refused by the kernel before it changes anything; one that
        // wraps from below the stub's end is still counted as touching it.
        let (end, overflow) = address.addingReportingOverflow(length)
        return address < StubELF.guardEnd && (overflow || end > StubELF.guardStart)
    }

    /// What the filter does with a call (the same table the BPF program is built from).
    public static func verdict(nr: Int, args: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)) -> FilterVerdict {
        var allowed = false
        for rule in rules where rule.nr == nr {
            if !rule.conditions.allSatisfy({ $0.matches(args) }) { continue }
            if case .errno = rule.verdict { return rule.verdict }
            allowed = true
        }
        return allowed ? .allow : .trace
    }

    /// Compiles the filter and returns the BPF program (an array of `struct sock_filter`, 8
    /// bytes each). Native architecture only: anything else (int 0x80, x32) kills the process.
    public static func compile() throws(Errno) -> [UInt8] {
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
        return try SeccompProgram.export(ctx, name: "husk-filter")
    }
}
