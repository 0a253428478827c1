// `husk pool` (docs/pool.md): a husk run without sandbox-shaping options takes a started
// sandbox from the pool and behaves as a fresh one; the pool replaces what it handed out; runs
// with other options, or a sandbox that died idle, are never served from it; stopping the
// pool, and the end of a pooled run, leave no process or cgroup behind.
import Foundation
import Glibc
import Testing

/// One `husk pool` on a socket of its own, for the husk runs of one test.
final class TestPool {
    let socket: String
    let process: Spawned
    let env: [String]

    init(size: Int) throws {
        socket = FileManager.default.temporaryDirectory.path + "/husk-pool-\(UUID().uuidString.prefix(8)).sock"
        let platform = Husk.testPlatform.map { ["--platform", $0] } ?? []
        process = try Spawned([try Husk.require(), "pool", "--size", String(size), "--socket", socket] + platform)
        env = ProcessInfo.processInfo.environment.filter { $0.key != "HUSK_POOL" }.map { "\($0.key)=\($0.value)" } + ["HUSK_POOL=\(socket)"]
    }

    /// The pool's Sentries waiting for a launch.
    var waiting: [pid_t] {
        let table = ProcessTable()
        return table.role("sentry", below: process.pid).filter { (table.argv[$0] ?? []).contains("--await-launch") }
    }

    /// Waits until `count` sandboxes are ready (a waiting Sentry with its first task).
    func ready(_ count: Int, within seconds: Double = 20) -> Bool {
        waitFor(seconds) {
            let table = ProcessTable()
            return waiting.filter { table.descendants(of: $0).contains { table.argv[$0]?.first == "husk-pooled" } }.count >= count
        }
    }

    func run(_ options: [String], _ argv: [String]) throws -> RunResult {
        try IntegrationTests.run([try Husk.require(), "run"] + options + ["--"] + argv, env: env, timeout: 60)
    }

    /// `PREFIX husk run [OPTIONS] -- /bin/sh -c PROGRAM` in a shell, PREFIX first (ulimit,
    /// nice; it ends with exec), the pool's platform named as the pool's (HUSK_TEST_PLATFORM
    /// applies to husk run's own argv only).
    func run(after prefix: String, options: String = "", _ program: String) throws -> RunResult {
        let platform = Husk.testPlatform.map { "--platform \($0) " } ?? ""
        return try IntegrationTests.run(["/bin/sh", "-c", "\(prefix) \(try Husk.require()) run \(platform)\(options)-- /bin/sh -c \"$0\"", program],
                                        env: env, timeout: 60)
    }

    /// SIGTERM, and the pool's own status once it returned.
    func stop() -> RunResult {
        kill(process.pid, SIGTERM)
        return process.wait(timeout: 20)
    }
}

/// Whether `pid` exists and is not a zombie.
private func isLive(_ pid: pid_t) -> Bool {
    guard let st = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = st.lastIndex(of: ")") else { return false }
    return st[st.index(close, offsetBy: 2)] != "Z"
}

@Suite("Sandbox pool", .serialized)
struct PoolTests {
    @Test("a pooled run gives a fresh run's output and status, and its sandbox is replaced, then removed")
    func pooledRun() throws {
        let pool = try TestPool(size: 1)
        defer { _ = pool.stop() }
        #expect(pool.ready(1), "the pool started no sandbox")
        let taken = try #require(pool.waiting.first)
        let cgroups = SandboxParts.sandboxCgroups(of: taken)
        #expect(!cgroups.isEmpty)
        let script = "echo out $A $(pwd); echo err >&2; exit 3"
        let pooled = try pool.run(["-e", "A=1", "-w", "/tmp"], ["/bin/sh", "-c", script])
        let fresh = try pool.run(["--no-pool", "-e", "A=1", "-w", "/tmp"], ["/bin/sh", "-c", script])
        #expect(pooled.status == 3 && pooled.stdout == "out 1 /tmp\n" && pooled.stderr == "err\n", "\(pooled)")
        #expect(fresh.status == pooled.status && fresh.stdout == pooled.stdout && fresh.stderr == pooled.stderr, "\(fresh)")
        #expect(waitFor(10) { !pool.waiting.contains(taken) }, "the Sentry that ran the program still waits")
        #expect(waitFor(10) { cgroups.allSatisfy { access($0, F_OK) != 0 } }, "the used sandbox's cgroups remain: \(cgroups)")
        #expect(pool.ready(1), "the pool did not replace the sandbox it handed out")
    }

    @Test("a missing program and a missing -w directory are told as by a fresh sandbox")
    func refusals() throws {
        let pool = try TestPool(size: 2)
        defer { _ = pool.stop() }
        #expect(pool.ready(2))
        let missing = try pool.run([], ["/no/such/program"])
        #expect(missing.status == 127 && missing.stderr == "husk: /no/such/program: No such file or directory\n", "\(missing)")
        #expect(pool.ready(2))
        let cwd = try pool.run(["-w", "/no/such/dir"], ["/bin/true"])
        #expect(cwd.status == 125 && cwd.stderr.contains("--cwd /no/such/dir"), "\(cwd)")
    }

    @Test("the program gets husk run's rlimits and nice, not the pool's")
    func husksLimits() throws {
        let pool = try TestPool(size: 1)
        defer { _ = pool.stop() }
        #expect(pool.ready(1))
        let taken = try #require(pool.waiting.first)
        let r = try pool.run(after: "ulimit -S -n 700 && exec nice -n 5", "ulimit -n; nice")
        #expect(r.status == 0 && r.stdout == "700\n5\n", "\(r)")
        #expect(waitFor(10) { !pool.waiting.contains(taken) }, "the run did not take the pooled sandbox")

        // The host schedules the program at husk run's nice too (the pool runs at 0).
        #expect(pool.ready(1))
        let next = try #require(pool.waiting.first)
        let husk = try Husk.require()
        let platform = Husk.testPlatform.map { "--platform \($0) " } ?? ""
        let run = try Spawned(["/bin/sh", "-c", "exec nice -n 7 \(husk) run \(platform)-- /bin/sleep 3"], env: pool.env)
        defer { _ = run.wait(timeout: 20) }
        func hostNice() -> Int? {
            guard let task = ProcessTable().descendants(of: next).first,   // the first task: the Sentry's only child
                  let stat = try? String(contentsOfFile: "/proc/\(task)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
            return Int(stat[stat.index(close, offsetBy: 2)...].split(separator: " ")[16])
        }
        #expect(waitFor(10) { hostNice() == 7 }, "the program's host nice: \(String(describing: hostNice()))")
    }

    @Test("the limits the host enforces are husk run's too: CPU time ends a pooled loop, the address space stops an allocation")
    func hostEnforcedLimits() throws {
        let pool = try TestPool(size: 1)
        defer { _ = pool.stop() }
        #expect(pool.ready(1))
        let taken = try #require(pool.waiting.first)
        // The pool runs unlimited; husk run's CPU limit of 1 s (soft and hard: init ignores
        // SIGXCPU, as a container's does, and the hard limit's SIGKILL ends it) and 300 MB of
        // address space must hold in the pooled sandbox as in a fresh one.
        let program = "ulimit -t; python3 -c 'bytearray(400 << 20)' 2>&1 | tail -1; while :; do :; done"
        let r = try pool.run(after: "ulimit -t 1 && ulimit -S -v 300000 && exec", options: "--timeout 30s ", program)
        #expect(r.status == 137 && r.stdout == "1\nMemoryError\n", "\(r)")
        #expect(waitFor(10) { !pool.waiting.contains(taken) }, "the run did not take the pooled sandbox")
    }

    @Test("a pooled program's arguments arrive byte for byte")
    func argumentBytes() throws {
        let pool = try TestPool(size: 1)
        defer { _ = pool.stop() }
        #expect(pool.ready(1))
        let taken = try #require(pool.waiting.first)
        // No option on the default platform: the pool is asked before any parsing.
        let r = try CLITests.argumentBytes(Husk.testPlatform.map { "--platform \($0)" } ?? "", env: pool.env)
        #expect(r.status == 0 && r.stdout == CLITests.argumentBytesOutput, "\(r)")
        #expect(waitFor(10) { !pool.waiting.contains(taken) }, "the run did not take the pooled sandbox")
    }

    @Test("a run with options that shape the sandbox starts its own and leaves the pool's alone")
    func shapedRunsAreNotPooled() throws {
        let pool = try TestPool(size: 1)
        defer { _ = pool.stop() }
        #expect(pool.ready(1))
        let before = pool.waiting
        let r = try pool.run(["--hostname", "elsewhere"], ["/bin/hostname"])
        #expect(r.status == 0 && r.stdout == "elsewhere\n", "\(r)")
        #expect(pool.waiting == before, "a shaped run took a pooled sandbox")
    }

    @Test("a ready sandbox killed while idle is never handed out; the run still works")
    func deadSandboxSkipped() throws {
        let pool = try TestPool(size: 1)
        defer { _ = pool.stop() }
        #expect(pool.ready(1))
        let victim = try #require(pool.waiting.first)
        kill(victim, SIGKILL)
        #expect(waitFor(5) { !pool.waiting.contains(victim) })
        let r = try pool.run([], ["/bin/echo", "still"])
        #expect(r.status == 0 && r.stdout == "still\n", "\(r)")
    }

    @Test("stopping the pool ends its unused sandboxes and removes their cgroups")
    func stopCleansUp() throws {
        let pool = try TestPool(size: 2)
        #expect(pool.ready(2))
        let table = ProcessTable()
        let parts = pool.waiting.flatMap { [$0] + table.descendants(of: $0) } + table.role("gofer", below: pool.process.pid)
        let cgroups = pool.waiting.flatMap { SandboxParts.sandboxCgroups(of: $0) }
        #expect(parts.count >= 4 && cgroups.count >= 2)
        let end = pool.stop()
        #expect(end.status == 0 && !end.timedOut, "\(end)")
        #expect(access(pool.socket, F_OK) != 0, "the socket file remains")
        #expect(waitFor(10) { parts.allSatisfy { !isLive($0) } }, "a part of an unused sandbox lives on")
        #expect(cgroups.allSatisfy { access($0, F_OK) != 0 }, "cgroups remain: \(cgroups)")
    }

    @Test("a socket that cannot be made ends the pool in one line")
    func badSocket() throws {
        let path = "/nonexistent-\(getpid())/pool.sock"
        let r = try IntegrationTests.run([try Husk.require(), "pool", "--socket", path], timeout: 30)
        #expect(r.status == 125 && r.stderr == "husk: pool: --socket \(path): No such file or directory\n", "\(r)")
    }

    @Test("a second pool on a live socket is refused in one line")
    func secondPoolRefused() throws {
        let pool = try TestPool(size: 1)
        defer { _ = pool.stop() }
        #expect(pool.ready(1))
        let second = try IntegrationTests.run([try Husk.require(), "pool", "--socket", pool.socket], timeout: 20)
        #expect(second.status == 125 && second.stderr == "husk: pool: a pool already serves \(pool.socket)\n", "\(second)")
    }
}
