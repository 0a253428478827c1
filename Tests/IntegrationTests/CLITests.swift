// husk run's own exit statuses and messages: 127 not found, 126 not executable, 125 husk failed.
import Glibc
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

    /// Runs `husk run OPTIONS -- sh` with arguments that are no UTF-8 (made by the outer sh's
    /// printf, which Swift's [String] argv could not carry); the sandboxed sh prints each as hex.
    static func argumentBytes(_ options: String, env: [String] = Husk.defaultEnvironment) throws -> RunResult {
        let husk = try Husk.require()
        let inner = #"for a; do printf %s "$a" | od -An -tx1; done"#
        return try IntegrationTests.run(["/bin/sh", "-c", #"exec "$0" run \#(options) -- /bin/sh -c "$1" sh "$(printf 'a\377b')" "$(printf 'caf\351')" "$(printf '\364\217\277\200')" "$(printf '\300\257')" "é""#,
                                         husk, inner], env: env, timeout: 60)
    }
    static let argumentBytesOutput = " 61 ff 62\n 63 61 66 e9\n f4 8f bf 80\n c0 af\n c3 a9\n"

    @Test("the program's arguments arrive byte for byte: invalid UTF-8, Latin-1, the escape range")
    func argumentsAreBytes() throws {
        let r = try Self.argumentBytes(Husk.testPlatform.map { "--platform \($0) -e A=1" } ?? "-e A=1")
        #expect(r.status == 0 && r.stdout == Self.argumentBytesOutput, "\(r)")
    }

    @Test("100,000 program arguments reach the program (the parser sees only the first), with or without options")
    func manyArguments() throws {
        let many = (1...100_000).map(String.init)
        let script = #"echo $# "$1" "${100000}" ${A-}"#
        let plain = try Husk.run(["/bin/sh", "-c", script, "sh"] + many, timeout: 60)
        #expect(plain.status == 0 && plain.stdout == "100000 1 100000\n", "\(plain.status) \(plain.stderr)")
        let withOptions = try Husk.run(["/bin/sh", "-c", script, "sh"] + many, options: ["-e", "A=x", "-w", "/tmp"], timeout: 60)
        #expect(withOptions.status == 0 && withOptions.stdout == "100000 1 100000 x\n", "\(withOptions.status) \(withOptions.stderr)")
    }

    @Test("exit status of the program is passed through")
    func exitStatus() throws {
        let husk = try Husk.run(["/bin/sh", "-c", "exit 42"])
        #expect(husk.status == 42, "\(husk)")
        // The inner shell is not the sandbox's init, so its own SIGTERM kills it as natively.
        let killed = try Husk.run(["/bin/sh", "-c", "/bin/sh -c 'kill -TERM $$'; exit $?"])
        #expect(killed.status == 128 + 15, "\(killed)")
    }

    @Test("a SIGTERM or SIGINT to husk run ends a program whose init has no handler, as by that signal")
    func forwardedSignalTakesDefaultAction() throws {
        for (sig, name) in [(SIGTERM, "TERM"), (SIGINT, "INT"), (SIGHUP, "HUP")] {
            let husk = try Spawned([try Husk.require(), "run", "--", "/bin/sleep", "30"], env: Husk.defaultEnvironment)
            usleep(400_000)
            kill(husk.pid, sig)
            let r = husk.wait(timeout: 20)
            #expect(!r.timedOut && r.status == 128 + Int32(sig), "SIG\(name): \(r)")
        }
    }

    @Test("a forwarded signal reaches an init that handles it")
    func forwardedSignalReachesHandler() throws {
        let husk = try Spawned([try Husk.require(), "run", "--", "/bin/sh", "-c",
                                "trap 'echo caught; exit 7' TERM; while :; do sleep 0.05; done"], env: Husk.defaultEnvironment)
        usleep(500_000)
        kill(husk.pid, SIGTERM)
        let r = husk.wait(timeout: 20)
        #expect(r.status == 7 && r.stdout == "caught\n", "\(r)")
    }
}
