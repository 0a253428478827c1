// Teardown: SIGKILL of husk run mid-run, or a crash (SIGKILL) of the Sentry or the Gofer, ends
// every process of the sandbox and removes its cgroups, with no host mount left behind; 20
// sandboxes started at once and killed leave nothing behind.
import Foundation
import Glibc
import Testing

/// What a sandbox consists of, found below husk run: the monitor (a fork of husk run named
/// "husk monitor"), the Sentry and the Gofer by their command lines, the tasks below the
/// Sentry, and the sandbox's cgroup directories from the Sentry's /proc/PID/cgroup.
struct SandboxParts {
    var monitor: pid_t = 0, sentry: pid_t = 0, gofer: pid_t = 0, tasks: [pid_t] = []
    var cgroups: [String] = []
    var complete: Bool { monitor > 0 && sentry > 0 && gofer > 0 && !tasks.isEmpty && !cgroups.isEmpty }

    static func find(below husk: pid_t, in table: ProcessTable) -> SandboxParts {
        var p = SandboxParts()
        p.monitor = table.descendants(of: husk).first { table.comm[$0] == "husk monitor" } ?? 0
        p.sentry = table.role("sentry", below: husk).first ?? 0
        p.gofer = table.role("gofer", below: husk).first ?? 0
        if p.sentry > 0 {
            p.tasks = table.descendants(of: p.sentry)
            p.cgroups = sandboxCgroups(of: p.sentry)
        }
        return p
    }

    /// The `.../husk/<id>` directories a process is in, one per hierarchy that exists.
    static func sandboxCgroups(of pid: pid_t) -> [String] {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? ""
        var dirs: [String] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard f.count == 3, f[2].contains("/husk/") else { continue }
            let names = f[1].isEmpty ? ["unified"] : [String(f[1])] + f[1].split(separator: ",").map(String.init)
            let candidates: [String] = names.map { name in "/sys/fs/cgroup/" + name + String(f[2]) }
            if let d = candidates.first(where: { access($0, F_OK) == 0 }), !dirs.contains(d) { dirs.append(d) }
        }
        return dirs
    }

    /// Every pid gone (or a zombie nobody of ours will reap) and every cgroup directory removed.
    func leftovers() -> [String] {
        var out: [String] = []
        for pid in [monitor, sentry, gofer] + tasks where pid > 0 {
            if let st = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
               let close = st.lastIndex(of: ")"), st[st.index(close, offsetBy: 2)] != "Z" {
                out.append("process \(pid) lives")
            }
        }
        for d in cgroups where access(d, F_OK) == 0 { out.append("cgroup \(d) remains") }
        return out
    }
}

func waitFor(_ seconds: Double, _ done: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline { if done() { return true }; usleep(20_000) }
    return done()
}

@Suite("Teardown", .serialized)
struct TeardownTests {
    func start(_ n: Int) throws -> [(Spawned, SandboxParts)] {
        let husk = try Husk.require()
        let runs = try (0..<n).map { _ in try Spawned([husk, "run", "--", "/bin/sleep", "60"], env: Husk.defaultEnvironment) }
        var parts = Array(repeating: SandboxParts(), count: n)
        _ = waitFor(30) {
            let table = ProcessTable()
            for (i, r) in runs.enumerated() where !parts[i].complete { parts[i] = SandboxParts.find(below: r.pid, in: table) }
            return parts.allSatisfy(\.complete)
        }
        return Array(zip(runs, parts))
    }

    @Test("SIGKILL of husk run mid-run: Sentry, Gofer, tasks and monitor end, cgroups are removed")
    func killHuskRun() throws {
        let all = try start(1)
        let (run, parts) = all[0]
        #expect(parts.complete, "sandbox seen: \(parts)")
        kill(run.pid, SIGKILL)
        _ = run.wait(timeout: 10)
        #expect(waitFor(10) { parts.leftovers().isEmpty }, "left behind: \(parts.leftovers())")
    }

    /// The host's mount table (the parts mount only in their own mount namespaces), without
    /// what the podman and containerd tests running beside these mount for their containers
    /// (their state lives under /tmp/husk-podman-*) or podman's network namespaces.
    static func hostMounts() -> Set<String> {
        Set(((try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            .filter { !$0.contains("/husk-podman-") && !$0.contains(" /run/netns/") })
    }

    /// Kills one part of a running sandbox; the rest must go, husk run must say so in one line.
    func crash(_ part: (SandboxParts) -> pid_t, _ name: String) throws {
        let mountsBefore = Self.hostMounts()
        let all = try start(1)
        let (run, parts) = all[0]
        #expect(parts.complete, "sandbox seen: \(parts)")
        // Once the program runs (its host argv shows sleep), the Sentry is idle: the crash is
        // not seen first as a failed file request of the program's exec.
        let running = waitFor(20) {
            let table = ProcessTable()
            return parts.tasks.contains { table.argv[$0]?.first == "/bin/sleep" }
                || table.descendants(of: parts.sentry).contains { table.argv[$0]?.first == "/bin/sleep" }
        }
        #expect(running, "the program runs")
        kill(part(parts), SIGKILL)
        let r = run.wait(timeout: 15)
        #expect(!r.timedOut && r.status == 125, "\(r)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("husk: \(name) died: killed by signal 9"), "\(r)")
        #expect(waitFor(10) { parts.leftovers().isEmpty }, "left behind: \(parts.leftovers())")
        let added = Self.hostMounts().subtracting(mountsBefore)
        #expect(added.isEmpty, "host mounts left: \(added)")
    }

    @Test("a crash of the Sentry (SIGKILL) ends the tasks, Gofer and monitor, removes the cgroups")
    func sentryCrash() throws { try crash({ $0.sentry }, "sentry") }

    @Test("a crash of the Gofer (SIGKILL) ends the Sentry, the tasks and the monitor, removes the cgroups")
    func goferCrash() throws { try crash({ $0.gofer }, "gofer") }

    @Test("20 sandboxes started at once and killed leave no process and no cgroup")
    func twentySandboxes() throws {
        let all = try start(20)
        #expect(all.allSatisfy { $0.1.complete }, "all 20 sandboxes seen running")
        for (run, _) in all { kill(run.pid, SIGKILL) }
        for (run, _) in all { _ = run.wait(timeout: 10) }
        let ok = waitFor(20) { all.allSatisfy { $0.1.leftovers().isEmpty } }
        #expect(ok, "left behind: \(all.flatMap { $0.1.leftovers() })")
    }
    @Test("what a killed monitor left (an empty sandbox cgroup over a minute old) goes with the next sandbox's clean-up; a fresh empty one stays")
    func staleCgroupsSwept() throws {
        let all = try start(1)
        let (run, parts) = try #require(all.first)
        #expect(parts.complete)
        // Beside this sandbox's directories: one a monitor killed mid-clean-up would leave
        // (empty, two minutes old) and one of a sandbox being set up (empty, just made).
        var stale: [String] = [], fresh: [String] = []
        for d in parts.cgroups {
            let parent = String(d[..<d.lastIndex(of: "/")!])
            let s = parent + "/aaaaaaaaaaa\(getpid() % 10)", f = parent + "/bbbbbbbbbbb\(getpid() % 10)"
            guard mkdir(s, 0o755) == 0, mkdir(f, 0o755) == 0 else { continue }
            var old = [timespec(tv_sec: time(nil) - 120, tv_nsec: 0), timespec(tv_sec: time(nil) - 120, tv_nsec: 0)]
            _ = utimensat(AT_FDCWD, s, &old, 0)
            stale.append(s); fresh.append(f)
        }
        defer { for f in fresh + stale { rmdir(f) } }
        #expect(!stale.isEmpty)
        kill(run.pid, SIGTERM)
        _ = run.wait(timeout: 20)
        #expect(waitFor(20) { parts.leftovers().isEmpty && stale.allSatisfy { access($0, F_OK) != 0 } },
                "left: \(parts.leftovers()) \(stale.filter { access($0, F_OK) == 0 })")
        #expect(fresh.allSatisfy { access($0, F_OK) == 0 }, "a fresh empty directory is kept")
    }
}
