// The Sentry starts with the BPF this build's libseccomp makes of the program's filter, kept in
// source (PrecompiledFilterData.swift): each must equal a fresh compile, or the data is stale.
import Foundation
import Platform
import Sentry
import Testing
@testable import Sandbox

@Suite("precompiled filters")
struct PrecompiledFiltersTests {
    /// Fresh compiles, never a cached program (a test may have adopted the precompiled ones).
    func fresh() throws -> (ptrace: [UInt8], unotify: [UInt8]) {
        let table = SyscallTable.applicationFilter
        let app = ApplicationFilter(rules: table.rules, notify: table.notify)
        return (try app.compile(userNotify: false), try app.compile(userNotify: true))
    }

    @Test("the precompiled programs are what libseccomp compiles from today's rules (HUSK_REGENERATE_FILTERS=1 rewrites them)")
    func upToDate() throws {
        let f = try fresh()
        if ProcessInfo.processInfo.environment["HUSK_REGENERATE_FILTERS"] == "1" {
            let path = String(#filePath.split(separator: "/").dropLast(3).map { "/" + $0 }.joined()) + "/Sources/Sandbox/Confine/PrecompiledFilterData.swift"
            try PrecompiledFilters.dataSource(applicationPtrace: f.ptrace, applicationUnotify: f.unotify)
                .write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        #expect(PrecompiledFilters.decode(PrecompiledFilterData.applicationPtrace) == f.ptrace)
        #expect(PrecompiledFilters.decode(PrecompiledFilterData.applicationUnotify) == f.unotify)
    }

    @Test("the generated source decodes back to the same programs")
    func roundTrip() throws {
        let f = try fresh()
        let src = PrecompiledFilters.dataSource(applicationPtrace: f.ptrace, applicationUnotify: f.unotify)
        // The two literals, in order: the text between each pair of triple quotes.
        let parts = src.components(separatedBy: "\"\"\"")
        #expect(parts.count == 5)
        #expect(PrecompiledFilters.decode(parts[1]) == f.ptrace)
        #expect(PrecompiledFilters.decode(parts[3]) == f.unotify)
    }

    @Test("malformed data is refused, so the filter is compiled instead", arguments: ["", "0", "00112233445566", "001122334455667g", "0011223344556677 00"])
    func malformed(_ hex: String) {
        #expect(PrecompiledFilters.decode(hex) == nil)
    }

    @Test("adopting makes the filter's compiled forms the precompiled ones")
    func adopt() throws {
        PrecompiledFilters.adopt()
        let f = try fresh()
        #expect(try SyscallTable.applicationFilter.compile(userNotify: true) == f.unotify)
        #expect(try SyscallTable.applicationFilter.compile(userNotify: false) == f.ptrace)
    }
}
