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
    enum Op { case equal, maskedEqual(mask: UInt64) }
    let arg: Int
    let op: Op
    let value: UInt64
    func matches(_ args: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)) -> Bool {
        let a: UInt64
        switch arg { case 0: a = args.0; case 1: a = args.1; case 2: a = args.2; case 3: a = args.3; case 4: a = args.4; default: a = args.5 }
        switch op {
        case .equal: return a == value
        case .maskedEqual(let mask): return a & mask == value
        }
    }
}

struct FilterRule {
    let nr: Int
    let verdict: FilterVerdict
    let condition: FilterCondition?
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
    static let madviseAdvice: [UInt64] = [0 /*NORMAL*/, 1 /*RANDOM*/, 2 /*SEQUENTIAL*/, 3 /*WILLNEED*/,
        4 /*DONTNEED*/, 8 /*FREE*/, 10 /*DONTFORK*/, 11 /*DOFORK*/, 14 /*HUGEPAGE*/, 15 /*NOHUGEPAGE*/,
        16 /*DONTDUMP*/, 17 /*DODUMP*/]
    // arch_prctl: ARCH_SET_GS, ARCH_SET_FS, ARCH_GET_FS, ARCH_GET_GS only.
    static let archPrctlCodes: [UInt64] = [0x1001, 0x1002, 0x1003, 0x1004]

    /// The allow list, one line per call with the reason it may run on the host.
    static let rules: [FilterRule] = {
        func allow(_ nr: Int, _ reason: StaticString) -> FilterRule { FilterRule(nr: nr, verdict: .allow, condition: nil, reason: reason) }
        var r: [FilterRule] = [
            FilterRule(nr: 9, verdict: .allow, condition: FilterCondition(arg: 3, op: .maskedEqual(mask: MAP_ANONYMOUS), value: MAP_ANONYMOUS),
                       reason: "mmap: anonymous memory only; file mappings are served (fd installed, rewritten)"),
            allow(11, "munmap: own address space"),
            allow(10, "mprotect: own address space (read-only fds are installed for shared maps)"),
            allow(12, "brk: own heap"),
            allow(25, "mremap: own address space"),
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
            r.append(FilterRule(nr: 28, verdict: .allow, condition: FilterCondition(arg: 2, op: .equal, value: advice),
                                reason: "madvise: advice on own anonymous memory"))
        }
        for code in archPrctlCodes {
            r.append(FilterRule(nr: 158, verdict: .allow, condition: FilterCondition(arg: 0, op: .equal, value: code),
                                reason: "arch_prctl: FS/GS base of the own thread"))
        }
        // clone/fork/vfork are traced (the Sentry checks, then runs them natively); the filter
        // refuses outright the flags that would escape tracing or create namespaces.
        for (flag, why) in cloneEscapeFlags {
            r.append(FilterRule(nr: 56, verdict: .errno(EPERM), condition: FilterCondition(arg: 0, op: .maskedEqual(mask: flag), value: flag), reason: why))
        }
        return r
    }()

    /// What the filter does with a call (the same table the BPF program is built from).
    public static func verdict(nr: Int, args: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)) -> FilterVerdict {
        var allowed = false
        for rule in rules where rule.nr == nr {
            if let c = rule.condition, !c.matches(args) { continue }
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
            if let c = rule.condition {
                var cmp = scmp_arg_cmp()
                cmp.arg = UInt32(c.arg)
                switch c.op {
                case .equal: cmp.op = SCMP_CMP_EQ; cmp.datum_a = c.value; cmp.datum_b = 0
                case .maskedEqual(let mask): cmp.op = SCMP_CMP_MASKED_EQ; cmp.datum_a = mask; cmp.datum_b = c.value
                }
                rc = seccomp_rule_add_array(ctx, action, Int32(rule.nr), 1, &cmp)
            } else {
                rc = seccomp_rule_add_array(ctx, action, Int32(rule.nr), 0, nil)
            }
            if rc < 0 { throw Errno(rawValue: -rc) }
        }
        return try SeccompProgram.export(ctx, name: "husk-filter")
    }
}
