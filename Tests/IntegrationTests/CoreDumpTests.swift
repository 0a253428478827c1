// Core dumps in a real sandbox: a process killed by a core signal reports WCOREDUMP to its
// parent when its (sandbox) RLIMIT_CORE allows, so the shell says "(core dumped)"; the host
// never dumps a task's core (the tasks' host RLIMIT_CORE is 1, the kernel's "no dump").

import Foundation
import Glibc
import Testing

@Suite struct CoreDumpTests {
    @Test("the shell reports (core dumped) only when RLIMIT_CORE is nonzero")
    func shellMessage() throws {
        let script = """
            ulimit -c unlimited; sh -c 'kill -SEGV $$'; echo "status=$?"
            sh -c 'kill -TERM $$'; echo "status=$?"
            ulimit -c 0; sh -c 'kill -ABRT $$'; echo "status=$?"
            """
        let r = try Husk.run(["/bin/sh", "-c", script])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == "status=139\nstatus=143\nstatus=134\n", "\(r)")
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("Segmentation fault") && $0.hasSuffix("(core dumped)") }, "\(r)")
        #expect(lines.contains { $0.hasPrefix("Aborted") && !$0.contains("core dumped") }, "\(r)")
    }

    @Test("the tasks' host RLIMIT_CORE is 1, whatever the program sets")
    func hostLimit() throws {
        let marker = "2.\(getpid() % 1000)7"
        let husk = try Husk.require()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: husk)
        child.arguments = ["run", "--", "/bin/sh", "-c", "ulimit -c unlimited; exec /bin/sleep \(marker)"]
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        defer { child.terminate(); child.waitUntilExit() }
        var limits: String? = nil
        for _ in 0..<100 where limits == nil {
            usleep(50_000)
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int(entry) != nil {
                guard let cmd = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                      String(decoding: cmd, as: UTF8.self) == "/bin/sleep\0\(marker)\0" else { continue }
                limits = (try? String(contentsOfFile: "/proc/\(entry)/limits", encoding: .utf8))?
                    .split(separator: "\n").first { $0.hasPrefix("Max core file size") }.map(String.init)
            }
        }
        let fields = limits?.split(separator: " ", omittingEmptySubsequences: true) ?? []
        #expect(fields.count >= 6 && fields[4] == "1" && fields[5] == "1", "host limits of the task: \(limits ?? "not found")")
    }
}
