// config.json's linux.seccomp: the container's seccomp profile (podman and containerd pass
// one by default), compiled here with libseccomp as runc compiles it, for the native
// architecture only (the application filter kills any other), and installed by the Sentry as
// the program's own first filter before its first instruction (docs/oci.md, docs/security.md
// "The program's own seccomp filters").

import CHusk
import Glibc
import Platform
import SystemPackage

/// A compiled profile: the BPF program and the SECCOMP_FILTER_FLAG_* bits it asked for.
public struct OCISeccompFilter: Sendable, Equatable {
    public var program: [UInt8]
    public var flags: UInt64
    public init(program: [UInt8], flags: UInt64) { self.program = program; self.flags = flags }
}

enum OCISeccomp {
    /// SCMP_ACT_* as runtime-spec names them (libseccomp's values are the kernel's).
    static func action(_ name: String, errno: UInt32?, defaultErrno: UInt32) throws(HuskError) -> UInt32 {
        switch name {
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return 0
        case "SCMP_ACT_KILL_PROCESS": return 0x8000_0000
        case "SCMP_ACT_TRAP": return 0x0003_0000
        case "SCMP_ACT_ERRNO": return 0x0005_0000 | ((errno ?? defaultErrno) & 0xffff)
        case "SCMP_ACT_TRACE": return 0x7ff0_0000 | ((errno ?? defaultErrno) & 0xffff)
        case "SCMP_ACT_LOG": return 0x7ffc_0000
        case "SCMP_ACT_ALLOW": return 0x7fff_0000
        case "SCMP_ACT_NOTIFY": throw HuskError("config.json: linux.seccomp: SCMP_ACT_NOTIFY is not supported (no seccomp listener reaches the engine)")
        default: throw HuskError("config.json: linux.seccomp: unknown action \(name)")
        }
    }

    static let operators: [String: scmp_compare] = [
        "SCMP_CMP_NE": SCMP_CMP_NE, "SCMP_CMP_LT": SCMP_CMP_LT, "SCMP_CMP_LE": SCMP_CMP_LE, "SCMP_CMP_EQ": SCMP_CMP_EQ,
        "SCMP_CMP_GE": SCMP_CMP_GE, "SCMP_CMP_GT": SCMP_CMP_GT, "SCMP_CMP_MASKED_EQ": SCMP_CMP_MASKED_EQ,
    ]

    static let filterFlags: [String: UInt64] = [
        "SECCOMP_FILTER_FLAG_TSYNC": 0, "SECCOMP_FILTER_FLAG_LOG": 2, "SECCOMP_FILTER_FLAG_SPEC_ALLOW": 4,
    ]

    /// Compiles linux.seccomp. Syscall names this libseccomp does not know are skipped, as runc
    /// skips them; a rule whose arguments name one index twice becomes one rule per argument
    /// (alternatives), as in runc.
    static func compile(_ j: JSON) throws(HuskError) -> OCISeccompFilter {
        func fail(_ what: String) -> HuskError { HuskError("config.json: linux.seccomp: " + what) }
        if let l = j["listenerPath"]?.string, !l.isEmpty { throw fail("listenerPath is not supported (no seccomp listener reaches the engine)") }
        let defaultErrno = UInt32(j["defaultErrnoRet"]?.int64 ?? Int64(EPERM))
        guard let defaultName = j["defaultAction"]?.string else { throw fail("defaultAction is missing") }
        let defaultAction = try action(defaultName, errno: nil, defaultErrno: defaultErrno)
        var flags: UInt64 = 0
        for f in j["flags"]?.array ?? [] {
            guard let name = f.string, let bit = filterFlags[name] else { throw fail("flag \(f.string ?? "?") is not supported") }
            flags |= bit
        }
        guard let ctx = seccomp_init(defaultAction) else { throw fail("libseccomp could not start a filter") }
        defer { seccomp_release(ctx) }
        for s in j["syscalls"]?.array ?? [] {
            let names = (s["names"]?.array ?? []).compactMap(\.string) + (s["name"]?.string.map { [$0] } ?? [])
            guard let actionName = s["action"]?.string else { throw fail("a syscalls entry without an action") }
            let act = try action(actionName, errno: s["errnoRet"]?.int64.map { UInt32(truncatingIfNeeded: $0) }, defaultErrno: defaultErrno)
            var cmps: [scmp_arg_cmp] = []
            for a in s["args"]?.array ?? [] {
                guard let index = a["index"]?.int64, (0..<6).contains(index), let opName = a["op"]?.string, let op = operators[opName] else {
                    throw fail("an argument condition needs an index (0-5) and an op (SCMP_CMP_*)")
                }
                var c = scmp_arg_cmp()
                c.arg = UInt32(index); c.op = op
                c.datum_a = UInt64(bitPattern: a["value"]?.int64 ?? 0)
                c.datum_b = UInt64(bitPattern: a["valueTwo"]?.int64 ?? 0)
                cmps.append(c)
            }
            let sameIndexTwice = Set(cmps.map(\.arg)).count < cmps.count
            let rules: [[scmp_arg_cmp]] = sameIndexTwice ? cmps.map { [$0] } : [cmps]
            for name in names {
                let nr = seccomp_syscall_resolve_name(name)
                if nr < 0 { continue }
                if act == defaultAction { continue }      // libseccomp refuses a rule equal to the default
                for var r in rules {
                    let rc = r.withUnsafeMutableBufferPointer { seccomp_rule_add_array(ctx, act, nr, UInt32($0.count), $0.baseAddress) }
                    if rc < 0 { throw fail("the rule for \(name) cannot be compiled: \(Errno(rawValue: -rc))") }
                }
            }
        }
        do throws(Errno) {
            return OCISeccompFilter(program: try SeccompProgram.export(ctx, name: "husk-oci-seccomp"), flags: flags)
        } catch {
            throw fail("the profile does not compile into one BPF program: \(error)")
        }
    }
}
