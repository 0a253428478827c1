// The parts start with the BPF this build's libseccomp makes of the filters fixed by the source,
// kept in source (PrecompiledFilterData.swift): each must equal a fresh compile, or the data is
// stale.
import CHusk
import Foundation
import Glibc
import LinuxABI
import Platform
import Sentry
import Testing
@testable import Sandbox

@Suite("precompiled filters")
struct PrecompiledFiltersTests {
    /// The generated literals, by name, decoded.
    static let stored: [String: [UInt8]?] = [
        "applicationPtrace": PrecompiledFilters.decode(PrecompiledFilterData.applicationPtrace),
        "applicationUnotify": PrecompiledFilters.decode(PrecompiledFilterData.applicationUnotify),
        "sentry": PrecompiledFilters.decode(PrecompiledFilterData.sentry),
        "goferReadOnly": PrecompiledFilters.decode(PrecompiledFilterData.goferReadOnly),
        "goferWritable": PrecompiledFilters.decode(PrecompiledFilterData.goferWritable),
        "goferReadOnlyHostUDS": PrecompiledFilters.decode(PrecompiledFilterData.goferReadOnlyHostUDS),
        "goferWritableHostUDS": PrecompiledFilters.decode(PrecompiledFilterData.goferWritableHostUDS),
    ]

    @Test("the precompiled programs are what libseccomp compiles from today's rules (HUSK_REGENERATE_FILTERS=1 rewrites them)")
    func upToDate() throws {
        let fresh = try PrecompiledFilters.compiledNow()
        if ProcessInfo.processInfo.environment["HUSK_REGENERATE_FILTERS"] == "1" {
            let path = String(#filePath.split(separator: "/").dropLast(3).map { "/" + $0 }.joined()) + "/Sources/Sandbox/Confine/PrecompiledFilterData.swift"
            try PrecompiledFilters.dataSource(fresh).write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        #expect(fresh.count == Self.stored.count)
        for (name, program) in fresh { #expect(Self.stored[name] == program, "\(name) is stale") }
    }

    @Test("the generated source decodes back to the same programs, in order")
    func roundTrip() throws {
        let fresh = try PrecompiledFilters.compiledNow()
        let parts = PrecompiledFilters.dataSource(fresh).components(separatedBy: "\"\"\"")
        #expect(parts.count == 2 * fresh.count + 1)
        for (i, p) in fresh.enumerated() { #expect(PrecompiledFilters.decode(parts[2 * i + 1]) == p.program, "\(p.name)") }
    }

    @Test("malformed data is refused, so the filter is compiled instead", arguments: ["", "0", "00112233445566", "001122334455667g", "0011223344556677 00"])
    func malformed(_ hex: String) {
        #expect(PrecompiledFilters.decode(hex) == nil)
    }

    @Test("the parts take the precompiled programs: the program's filter, the Sentry's, the Gofer's variants")
    func taken() throws {
        PrecompiledFilters.adopt()
        let fresh = Dictionary(uniqueKeysWithValues: try PrecompiledFilters.compiledNow().map { ($0.name, $0.program) })
        #expect(try SyscallTable.applicationFilter.compile(userNotify: true) == fresh["applicationUnotify"])
        #expect(try SyscallTable.applicationFilter.compile(userNotify: false) == fresh["applicationPtrace"])
        #expect(PrecompiledFilters.sentry == fresh["sentry"])
        #expect(PrecompiledFilters.gofer(writable: true, hostUDS: false) == fresh["goferWritable"])
        #expect(PrecompiledFilters.gofer(writable: false, hostUDS: true) == fresh["goferReadOnlyHostUDS"])
    }
}

@Suite("the Sentry's own-pid filter")
struct OwnPidFilterTests {
    /// kcmp in a forked child under ownPidProgram(pid): its result (-EPERM when refused).
    func kcmp(program pid: pid_t, pid1: Int) -> Int {
        let program = SentryConfinement.ownPidProgram(pid)
        let nr = syscallNumber(named: "kcmp")!
        return program.withUnsafeBytes { p in Int(chusk_confine_probe(p.baseAddress, Int32(p.count / 8), "probe", nr, pid1, pid1, 0)) }
    }

    @Test("kcmp with pid1 other than the given pid is refused, with it allowed; other calls pass")
    func kcmpPid() {
        let me = getpid()
        // The probe's child runs kcmp(pid1, pid1, KCMP_FILE, 0, 0): allowed, it reaches the
        // kernel (which compares fd 0 of ours with itself: 0, or an errno that is not EPERM).
        #expect(kcmp(program: me, pid1: Int(me)) != -Int(EPERM))
        #expect(kcmp(program: me, pid1: Int(me) + 1) == -Int(EPERM))
        #expect(kcmp(program: me, pid1: Int(me) | 1 << 32) == -Int(EPERM), "the high word counts")
        let program = SentryConfinement.ownPidProgram(me)
        let getppid = syscallNumber(named: "getppid")!
        let r = program.withUnsafeBytes { p in Int(chusk_confine_probe(p.baseAddress, Int32(p.count / 8), "probe", getppid, 0, 0, 0)) }
        #expect(r == Int(me))
    }

    @Test("the Sentry's main filter leaves kcmp's pid to the own-pid filter, and still checks its kind")
    func mainFilter() {
        let sentry = SentryConfinement.filter
        let kcmp = Int32(syscallNumber(named: "kcmp")!)
        #expect(sentry.allows(nr: kcmp, args: [UInt64(getpid()), 42, 0, 3, 4]))
        #expect(!sentry.allows(nr: kcmp, args: [UInt64(getpid()), 42, 1 /* KCMP_VM */, 0, 0]), "kcmp of another kind")
    }
}
