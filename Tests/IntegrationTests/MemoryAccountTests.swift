// What the Sentry holds for the program (pipe pages, tmpfs pages, inotify queues…) is charged
// to the sandbox's memory account, capped below --memory: a program that asks for too much
// gets ENOMEM, ENOSPC or an overflowed queue, as Linux would answer, instead of the Sentry
// being OOM-killed (status 125). And the OOM killer prefers the program's tasks.
import Foundation
import Glibc
import Testing

@Suite("Memory account", .serialized)
struct MemoryAccountTests {
    /// Runs an escape.c mode under --memory 64m and checks the sandbox ended the normal way.
    func survive(_ mode: String) throws -> RunResult {
        let escape = try EscapeFixture.require()
        let r = try Husk.run([escape, mode], options: ["--memory", "64m"], timeout: 180)
        #expect(r.status == 0, "the program's own status, not 125 (Sentry killed) or 137: \(r)")
        #expect(!r.stderr.contains("sentry died") && !r.stderr.contains("memory limit of 64 MiB reached"), "\(r)")
        #expect(r.stdout.hasPrefix("held \(mode):"), "\(r)")
        return r
    }

    @Test("pipes grown to 1 MiB and filled, never read, under --memory 64m: a write fails with ENOMEM, the program exits")
    func pipes() throws {
        let r = try survive("pipes")
        #expect(r.stdout.contains("then write failed: ENOMEM"), "\(r)")
    }

    @Test("files on every tmpfs mount under --memory 64m: one account, ENOSPC, space back after unlink")
    func tmpfs() throws {
        let r = try survive("tmpfs")
        #expect(r.stdout.contains("ENOSPC"), "\(r)")
    }

    @Test("128 inotify instances (then EMFILE) with unread queues under --memory 64m: IN_Q_OVERFLOW")
    func inotify() throws {
        let r = try survive("inotify")
        #expect(r.stdout.contains("128 instances (then EMFILE)") && r.stdout.contains("IN_Q_OVERFLOW"), "\(r)")
    }

    @Test("a million files open under --memory 64m (RLIMIT_NOFILE raised): open fails with ENOMEM")
    func files() throws {
        let r = try survive("files")
        #expect(r.stdout.contains("raised to 2^20") && r.stdout.contains("then open failed: ENOMEM"), "\(r)")
    }

    @Test("oom_score_adj: the program's tasks 1000; the Sentry and the Gofer never above 0 (-900 when husk run may lower it)")
    func oomScores() throws {
        let husk = try Husk.require()
        let run = try Spawned([husk, "run", "--memory", "256m", "--", "/bin/sh", "-c", "sleep 60 & sleep 60"], env: Husk.defaultEnvironment)
        var parts = SandboxParts()
        _ = waitFor(30) { parts = SandboxParts.find(below: run.pid, in: ProcessTable()); return parts.complete && parts.tasks.count >= 2 }
        func score(_ pid: pid_t) -> Int? {
            (try? String(contentsOfFile: "/proc/\(pid)/oom_score_adj", encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        let tasks = parts.tasks.map { score($0) }
        let sentry = score(parts.sentry), gofer = score(parts.gofer)
        kill(run.pid, SIGTERM)
        let r = run.wait(timeout: 20)
        #expect(parts.complete, "sandbox seen: \(parts) \(r)")
        #expect(!tasks.isEmpty && tasks.allSatisfy { $0 == 1000 }, "tasks (the shell and its child): \(tasks)")
        // Lowering below 0 needs CAP_SYS_RESOURCE, which this VM's root lacks: then they stay 0.
        let lowered = Self.hasSysResource ? -900 : 0
        #expect(sentry == lowered && gofer == lowered, "sentry \(sentry ?? -1), gofer \(gofer ?? -1)")
    }

    /// Whether this process has CAP_SYS_RESOURCE (bit 24 of CapEff).
    static var hasSysResource: Bool {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("CapEff:") }),
              let caps = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
        return caps & (1 << 24) != 0
    }
}
