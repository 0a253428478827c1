// Stopping a sandbox with signals to husk run: SIGINT/SIGTERM/SIGHUP are forwarded; a program
// that ignores SIGTERM is killed 5 s after it, a second SIGINT kills at once, each with one line
// on stderr and 128+N; a program that handles the signal is left to end as it chooses.
import Foundation
import Glibc
import Testing

@Suite("Stop", .serialized)
struct StopTests {
    static let ignoring = "trap '' TERM INT; sleep 100"

    /// husk run of `sh -c script`, once its `sleep` task runs (the traps before it are set).
    func start(_ script: String) throws -> (Spawned, SandboxParts) {
        let husk = try Husk.require()
        let run = try Spawned([husk, "run", "--", "/bin/sh", "-c", script], env: Husk.defaultEnvironment)
        var parts = SandboxParts()
        let running = waitFor(30) {
            let table = ProcessTable()
            parts = SandboxParts.find(below: run.pid, in: table)
            return parts.complete && parts.tasks.contains { table.argv[$0]?.first?.hasSuffix("sleep") == true }
        }
        #expect(running, "the program runs: \(parts)")
        return (run, parts)
    }

    func alive(_ pid: pid_t) -> Bool {
        var st: Int32 = 0
        return waitpid(pid, &st, WNOHANG) == 0
    }

    @Test("a program ignoring SIGTERM is killed 5 s after one SIGTERM: 143, one line, nothing left")
    func ignoredSigterm() throws {
        let (run, parts) = try start(Self.ignoring)
        let sent = Date()
        kill(run.pid, SIGTERM)
        // The trap holds: the forwarded signal does not end the program.
        usleep(3_000_000)
        #expect(alive(run.pid), "the program ignores the forwarded SIGTERM")
        let r = run.wait(timeout: 10)
        let elapsed = Date().timeIntervalSince(sent)
        #expect(!r.timedOut && r.status == 143, "\(r)")
        #expect(r.stderr == "husk: sandbox did not stop within 5s of SIGTERM; killed\n", "\(r)")
        #expect(elapsed >= 4.9 && elapsed < 6.5, "ended \(elapsed) s after the SIGTERM")
        #expect(waitFor(10) { parts.leftovers().isEmpty }, "left behind: \(parts.leftovers())")
    }

    @Test("a second SIGINT kills at once: 130, one line, nothing left")
    func secondSigint() throws {
        let (run, parts) = try start(Self.ignoring)
        kill(run.pid, SIGINT)
        usleep(1_000_000)
        #expect(alive(run.pid), "the program ignores the forwarded SIGINT")
        let second = Date()
        kill(run.pid, SIGINT)
        let r = run.wait(timeout: 10)
        let elapsed = Date().timeIntervalSince(second)
        #expect(!r.timedOut && r.status == 130, "\(r)")
        #expect(r.stderr == "husk: second SIGINT; killed\n", "\(r)")
        #expect(elapsed < 1.5, "ended \(elapsed) s after the second SIGINT")
        #expect(waitFor(10) { parts.leftovers().isEmpty }, "left behind: \(parts.leftovers())")
    }

    @Test("SIGINT after SIGTERM kills at once with the second signal's status")
    func sigintAfterSigterm() throws {
        let (run, parts) = try start(Self.ignoring)
        kill(run.pid, SIGTERM)
        usleep(500_000)
        kill(run.pid, SIGINT)
        let r = run.wait(timeout: 10)
        #expect(!r.timedOut && r.status == 130, "\(r)")
        #expect(r.stderr == "husk: SIGINT after SIGTERM; killed\n", "\(r)")
        #expect(waitFor(10) { parts.leftovers().isEmpty }, "left behind: \(parts.leftovers())")
    }

    @Test("a program that handles SIGTERM ends as it chooses; one without a handler dies of it (143)")
    func handledSigterm() throws {
        let (run, parts) = try start("trap 'echo bye; exit 7' TERM; sleep 100 & wait")
        let sent = Date()
        kill(run.pid, SIGTERM)
        let r = run.wait(timeout: 10)
        #expect(!r.timedOut && r.status == 7 && r.stdout == "bye\n" && r.stderr.isEmpty, "\(r)")
        #expect(Date().timeIntervalSince(sent) < 3, "ended at once")
        #expect(waitFor(10) { parts.leftovers().isEmpty }, "left behind: \(parts.leftovers())")

        let (plain, _) = try start("exec sleep 100")
        kill(plain.pid, SIGTERM)
        let p = plain.wait(timeout: 10)
        #expect(!p.timedOut && p.status == 143 && p.stderr.isEmpty, "\(p)")
    }

    @Test("SIGHUP is only forwarded: a program that handles it runs on past 5 s")
    func sighupForwardedOnly() throws {
        let (run, _) = try start("trap 'echo hup' HUP; for i in 1 2 3 4 5 6 7; do sleep 1; done; echo done")
        kill(run.pid, SIGHUP)
        let r = run.wait(timeout: 20)
        #expect(!r.timedOut && r.status == 0 && r.stdout == "hup\ndone\n" && r.stderr.isEmpty, "\(r)")
    }
}
