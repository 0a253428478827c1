// The Syscalls compatibility suite (Syscalls/run) passes against husk.
import Testing

@Suite("Syscalls suite", .serialized)
struct SyscallsSuiteTests {
    @Test("Syscalls/run reports 0 failed")
    func suitePasses() throws {
        let husk = try Husk.require()
        let result = try run(["/usr/bin/env", "HUSK=\(husk)", "\(Husk.packageRoot)/Syscalls/run"], timeout: 1200)
        let last = lines(result.stdout).last.map(String.init) ?? ""
        #expect(last.hasSuffix(" 0 failed") || last.contains(" 0 failed,"), "Syscalls/run:\n\(result)")
        #expect(last.range(of: #"^\d+ passed, \d+ failed(, \d+ skipped)?$"#, options: .regularExpression) != nil,
                "summary line: \(last)")
        #expect(result.status == 0, "Syscalls/run:\n\(result)")
    }
}
