// husk run's own exit statuses and messages: 127 not found, 126 not executable, 125 husk failed.
import Testing

/// The non-empty lines of a text.
func lines(_ text: String) -> [Substring] {
    text.split(separator: "\n", omittingEmptySubsequences: true)
}

@Suite("husk run exit statuses", .serialized)
struct CLITests {
    @Test("missing program: 127 and a one-line message")
    func missingProgram() throws {
        let husk = try Husk.run(["/nonexistent"])
        #expect(husk.status == 127, "\(husk)")
        #expect(husk.stdout.isEmpty)
        #expect(lines(husk.stderr).count == 1, "\(husk)")
        #expect(husk.stderr.contains("/nonexistent"), "\(husk)")
        // The same status natively under a shell.
        let native = try Husk.runNative(["/bin/sh", "-c", "/nonexistent"])
        #expect(native.status == 127)
    }

    @Test("program not executable: 126 and a one-line message")
    func notExecutable() throws {
        let husk = try Husk.run(["/etc/passwd"])
        #expect(husk.status == 126, "\(husk)")
        #expect(husk.stdout.isEmpty)
        #expect(lines(husk.stderr).count == 1, "\(husk)")
        let native = try Husk.runNative(["/bin/sh", "-c", "/etc/passwd"])
        #expect(native.status == 126)
    }

    @Test("unknown flag: 125 and a husk: message naming it", arguments: [
        ["--bogus"],
        ["--bogus", "--", "/bin/true"],
    ])
    func bogusFlag(_ args: [String]) throws {
        let husk = try IntegrationTests.run([try Husk.require(), "run"] + args)
        #expect(husk.status == 125, "\(husk)")
        #expect(husk.stdout.isEmpty, "\(husk)")
        #expect(lines(husk.stderr).contains { $0.hasPrefix("husk:") }, "\(husk)")
        if args.count > 1 {
            #expect(husk.stderr.contains("--bogus"), "\(husk)")
        }
    }

    @Test("missing --rootfs: 125 and a husk: message")
    func missingRootfs() throws {
        let husk = try Husk.run(["/bin/true"], options: ["--rootfs", "/nonexistent"])
        #expect(husk.status == 125, "\(husk)")
        #expect(lines(husk.stderr).contains { $0.hasPrefix("husk:") }, "\(husk)")
    }

    @Test("exit status of the program is passed through")
    func exitStatus() throws {
        let husk = try Husk.run(["/bin/sh", "-c", "exit 42"])
        #expect(husk.status == 42, "\(husk)")
        let killed = try Husk.run(["/bin/sh", "-c", "kill -TERM $$"])
        #expect(killed.status == 128 + 15, "\(killed)")
    }
}
