// The seccomp filters of the Sentry and the Gofer: a table of allowed host syscalls, each with
// the reason it is needed, compiled with libseccomp. Anything else is refused with EPERM and
// logged (SECCOMP_RET_TRAP + a SIGSYS handler that writes one line and returns -EPERM), so a
// call a part needs but the table forgot shows up in its log instead of as a silent death.
// A foreign architecture (int 0x80, x32) kills the process.

import CHusk
import Glibc
import LinuxABI
import Platform
import SystemPackage

/// One allowed host syscall, optionally only for some argument values.
public struct HostSyscallRule: Sendable {
    public enum Check: Sendable, Equatable {
        /// argument `arg` == value
        case equal(arg: Int, value: UInt64)
        /// argument `arg` & mask == value
        case masked(arg: Int, mask: UInt64, value: UInt64)
        /// argument `arg` != value
        case notEqual(arg: Int, value: UInt64)
    }
    public let name: String
    public let nr: Int32
    /// All checks must hold (AND); several rules for one syscall are alternatives (OR).
    public let checks: [Check]
    public let reason: String
    public init(_ name: String, _ nr: Int32, _ reason: String, checks: [Check] = []) {
        self.name = name; self.nr = nr; self.reason = reason; self.checks = checks
    }
}

/// A part's host filter: its rules and the capabilities it keeps.
public struct HostFilter: Sendable {
    public let part: String
    public let rules: [HostSyscallRule]

    /// The distinct syscalls the filter admits (a syscall with argument checks counts once).
    public var allowedSyscalls: [String] {
        var seen: Set<String> = []
        return rules.compactMap { seen.insert($0.name).inserted ? $0.name : nil }
    }

    /// Whether a call passes (the same table the BPF program is built from).
    public func allows(nr: Int32, args: [UInt64]) -> Bool {
        rules.contains { r in
            r.nr == nr && r.checks.allSatisfy { c in
                switch c {
                case let .equal(arg, value): return args.count > arg && args[arg] == value
                case let .masked(arg, mask, value): return args.count > arg && args[arg] & mask == value
                case let .notEqual(arg, value): return args.count > arg && args[arg] != value
                }
            }
        }
    }

    /// The BPF program (struct sock_filter, 8 bytes each).
    public func compile() throws(Errno) -> [UInt8] {
        guard let ctx = seccomp_init(chusk_scmp_act_trap()) else { throw Errno.noMemory }
        defer { seccomp_release(ctx) }
        var rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, chusk_scmp_act_kill_process())
        if rc < 0 { throw Errno(rawValue: -rc) }
        for rule in rules {
            var cmps: [scmp_arg_cmp] = rule.checks.map { c in
                var cmp = scmp_arg_cmp()
                switch c {
                case let .equal(arg, value):
                    cmp.arg = UInt32(arg); cmp.op = SCMP_CMP_EQ; cmp.datum_a = value; cmp.datum_b = 0
                case let .masked(arg, mask, value):
                    cmp.arg = UInt32(arg); cmp.op = SCMP_CMP_MASKED_EQ; cmp.datum_a = mask; cmp.datum_b = value
                case let .notEqual(arg, value):
                    cmp.arg = UInt32(arg); cmp.op = SCMP_CMP_NE; cmp.datum_a = value; cmp.datum_b = 0
                }
                return cmp
            }
            rc = cmps.withUnsafeMutableBufferPointer { b in
                seccomp_rule_add_array(ctx, chusk_scmp_act_allow(), rule.nr, UInt32(b.count), b.count == 0 ? nil : b.baseAddress)
            }
            if rc < 0 { throw Errno(rawValue: -rc) }
        }
        return try SeccompProgram.export(ctx, name: "husk-host-filter")
    }

    /// Installs the SIGSYS logger and loads a compiled program into the calling process (every
    /// thread). `who` names the part in the log line.
    public static func load(_ program: [UInt8], who: StaticString) throws(Errno) {
        try load([program], who: who)
    }

    /// The same for several programs, loaded in order (the kernel runs them all and takes the
    /// strictest answer; each must leave seccomp(2) to the ones after it).
    public static func load(_ programs: [[UInt8]], who: StaticString) throws(Errno) {
        let name = UnsafeRawPointer(who.utf8Start).assumingMemoryBound(to: CChar.self)
        // The handler may not allocate: the name table is built here, once, and kept.
        let names = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: syscallNames.count)
        for (i, n) in syscallNames.enumerated() { names[i] = UnsafePointer(strdup(n)) }
        var rc = chusk_confine_sigsys_logger_named(name, names, Int32(syscallNames.count))
        if rc < 0 { throw Errno(rawValue: -rc) }
        for program in programs {
            rc = program.withUnsafeBytes { chusk_confine_load_filter($0.baseAddress, Int32($0.count / 8), 1) }
            if rc < 0 { throw Errno(rawValue: -rc) }
        }
    }

    /// The table as Markdown rows (docs/security.md carries the same list).
    public var markdownTable: String {
        var out = "| syscall | reason |\n|---|---|\n"
        var merged: [(String, [String])] = []
        for r in rules {
            if let i = merged.firstIndex(where: { $0.0 == r.name }) {
                if !merged[i].1.contains(r.reason) { merged[i].1.append(r.reason) }
            } else { merged.append((r.name, [r.reason])) }
        }
        for (name, reasons) in merged { out += "| `\(name)` | \(reasons.joined(separator: "; ")) |\n" }
        return out
    }
}

/// Capabilities by number (linux/capability.h).
public enum Capability {
    public static let chown: UInt64 = 1 << 0
    public static let dacOverride: UInt64 = 1 << 1
    public static let dacReadSearch: UInt64 = 1 << 2
    public static let fowner: UInt64 = 1 << 3
    public static let fsetid: UInt64 = 1 << 4
    public static let sysPtrace: UInt64 = 1 << 19
    public static let mknod: UInt64 = 1 << 27

    /// Keeps only `keep` in every set of the calling thread, bounding set included.
    public static func restrict(to keep: UInt64) throws(Errno) {
        let rc = chusk_confine_capabilities(keep)
        if rc < 0 { throw Errno(rawValue: -rc) }
    }
}
