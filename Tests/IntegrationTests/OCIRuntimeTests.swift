// The OCI runtime command line (docs/oci.md) driven directly, as an engine would: a bundle
// with a busybox rootfs and a config.json the test writes, then create/start/state/kill/delete
// under a private --root. The podman tests (PodmanTests.swift) drive the same through podman.

import Foundation
import Glibc
import Testing

/// A bundle directory: rootfs/ with busybox-static, a volume directory, and config.json.
struct OCIBundle {
    let dir: String
    var root: String { dir + "/state" }
    var volume: String { dir + "/vol" }

    init() throws {
        var template = Array("/tmp/husk-oci-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        dir = String(cString: try #require(made))
        let fm = FileManager.default
        for d in ["rootfs/bin", "rootfs/etc", "rootfs/tmp", "rootfs/proc", "rootfs/dev", "rootfs/sys", "vol"] {
            try fm.createDirectory(atPath: dir + "/" + d, withIntermediateDirectories: true)
        }
        try fm.copyItem(atPath: "/bin/busybox", toPath: dir + "/rootfs/bin/busybox")
        for tool in ["sh", "echo", "cat", "sleep", "id", "ls", "pwd", "hostname", "grep", "trap", "true", "wc", "tty"] {
            try? fm.createSymbolicLink(atPath: dir + "/rootfs/bin/" + tool, withDestinationPath: "busybox")
        }
        try "root:x:0:0:root:/root:/bin/sh\n".write(toFile: dir + "/rootfs/etc/passwd", atomically: false, encoding: .utf8)
        try "root:x:0:\n".write(toFile: dir + "/rootfs/etc/group", atomically: false, encoding: .utf8)
    }

    func remove() {
        // A container left behind by a failed test: ended and its state removed before the files go.
        if let ids = try? FileManager.default.contentsOfDirectory(atPath: root), let husk = try? Husk.require() {
            for id in ids { _ = try? IntegrationTests.run([husk, "--root", root, "delete", "--force", id], timeout: 20) }
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Writes config.json running `script` under sh, with `extra` merged into the top level.
    func configure(_ script: String, mounts: [[String: Any]] = [], process: [String: Any] = [:], extra: [String: Any] = [:]) throws {
        var proc: [String: Any] = ["args": ["sh", "-c", script], "env": ["PATH=/bin", "GREETING=hello"], "cwd": "/",
                                   "user": ["uid": 0, "gid": 0]]
        for (k, v) in process { proc[k] = v }
        var config: [String: Any] = [
            "ociVersion": "1.0.2", "process": proc, "root": ["path": "rootfs", "readonly": false], "hostname": "box",
            "mounts": [["destination": "/proc", "type": "proc", "source": "proc"],
                       ["destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755", "size=65536k"]],
                       ["destination": "/data", "type": "bind", "source": volume, "options": ["rbind", "rw"]]] + mounts,
            "linux": ["namespaces": [["type": "pid"], ["type": "network"], ["type": "ipc"], ["type": "uts"], ["type": "mount"]]],
        ]
        // The ptrace pass of scripts/test.sh runs these containers on ptrace too.
        if let platform = Husk.testPlatform { config["annotations"] = ["dev.husk.platform": platform] }
        for (k, v) in extra { config[k] = v }
        let data = try JSONSerialization.data(withJSONObject: config)
        try data.write(to: URL(fileURLWithPath: dir + "/config.json"))
    }

    func husk(_ args: [String], timeout: Double = 30) throws -> RunResult {
        try IntegrationTests.run([try Husk.require(), "--root", root] + args, timeout: timeout)
    }

    func state(_ id: String) throws -> [String: Any] {
        let r = try husk(["state", id])
        #expect(r.status == 0, "\(r)")
        return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
    }

    func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    /// Polls until the state says stopped (at most `seconds`).
    func waitStopped(_ id: String, seconds: Double = 20) throws -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try state(id)["status"] as? String == "stopped" { return true }
            usleep(50_000)
        }
        return false
    }
}

/// The Sentry of an OCI container: the shim's child whose argv is `husk sentry ...`.
func sentryOfShim(_ shim: pid_t) -> pid_t? {
    let children = (try? String(contentsOfFile: "/proc/\(shim)/task/\(shim)/children", encoding: .utf8)) ?? ""
    return children.split(separator: " ").compactMap { pid_t($0) }.first {
        ((try? String(contentsOfFile: "/proc/\($0)/cmdline", encoding: .utf8)) ?? "").hasPrefix("husk\0sentry")
    }
}

/// A cgroup file of the v1 `controller` hierarchy's directory that process `pid` is in, trimmed.
func cgroupFile(of pid: pid_t, _ controller: String, _ name: String) -> String? {
    let line = ((try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? "").split(separator: "\n")
        .first { $0.split(separator: ":").dropFirst().first.map { $0.split(separator: ",").contains(Substring(controller)) } == true }
    guard let path = line?.split(separator: ":", maxSplits: 2).last else { return nil }
    return (try? String(contentsOfFile: "/sys/fs/cgroup/\(controller)\(path)/\(name)", encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite(.serialized) struct OCIRuntimeTests {
    @Test("create holds the program before its first instruction; start runs it; state follows; delete removes the state")
    func createStartStateDelete() throws {
        let b = try OCIBundle()
        defer { b.remove() }
        try b.configure("echo \"$GREETING from $(hostname)\" > /data/out; id >> /data/out; pwd >> /data/out; exit 3",
                        process: ["cwd": "/tmp"])
        let created = try b.husk(["create", "--bundle", b.dir, "--pid-file", b.dir + "/pid", "c1"])
        #expect(created.status == 0, "\(created)")
        let s = try b.state("c1")
        #expect(s["status"] as? String == "created")
        #expect(s["id"] as? String == "c1")
        #expect(s["bundle"] as? String == b.dir)
        let pid = s["pid"] as? Int ?? -1
        #expect(pid > 0 && b.read(b.dir + "/pid") == "\(pid)")
        #expect(kill(pid_t(pid), 0) == 0, "the pid engines watch is alive")
        usleep(300_000)
        #expect(b.read(b.volume + "/out") == nil, "the program ran before start")
        let started = try b.husk(["start", "c1"])
        #expect(started.status == 0, "\(started)")
        #expect(try b.waitStopped("c1"))
        #expect(b.read(b.volume + "/out") == "hello from box\nuid=0(root) gid=0(root)\n/tmp\n")
        #expect(try b.state("c1")["pid"] == nil, "the spec's state has no pid once stopped")
        let record = b.read(b.root + "/c1/state.json") ?? ""
        #expect(record.contains("\"exitStatus\":3"), "\(record)")
        #expect(try b.husk(["start", "c1"]).status == 1, "a stopped container cannot start")
        let deleted = try b.husk(["delete", "c1"])
        #expect(deleted.status == 0, "\(deleted)")
        #expect(access(b.root + "/c1", F_OK) != 0)
        let gone = try b.husk(["state", "c1"])
        #expect(gone.status == 1 && gone.stderr == "husk: container c1 does not exist\n", "\(gone)")
    }

    @Test("exec starts a process beside init: output, stdin and exit status come back; -e, --cwd, --user and --process; not found is 127; -d writes --pid-file; kill --all and a signal to husk exec reach it; ps never lists the holder")
    func execBesideInit() throws {
        let b = try OCIBundle()
        defer { b.remove() }
        try b.configure("trap '' USR1; echo $$ > /data/init; exec sleep 100")
        #expect(try b.husk(["create", "--bundle", b.dir, "x1"]).status == 0)
        let early = try b.husk(["exec", "x1", "true"])
        #expect(early.status == 1 && early.stderr.contains("created"), "exec before start: \(early)")
        #expect(try b.husk(["start", "x1"]).status == 0)
        let end = Date().addingTimeInterval(10)
        while b.read(b.volume + "/init") == nil && Date() < end { usleep(20_000) }

        let r = try b.husk(["exec", "x1", "sh", "-c", "echo out $GREETING $$; echo err >&2; exit 7"])
        #expect(r.status == 7 && r.stderr == "err\n", "\(r)")
        let words = r.stdout.split(separator: " ")
        #expect(words.count == 3 && words[0] == "out" && words[1] == "hello" && words[2] != "1\n", "a new process, not init: \(r)")
        let husk = try Husk.require()
        let piped = try IntegrationTests.run(["/bin/sh", "-c", "printf 'one\\ntwo\\n' | \(husk) --root \(b.root) exec x1 wc -l"])
        #expect(piped.status == 0 && piped.stdout.trimmingCharacters(in: .whitespaces) == "2\n", "stdin reaches it and ends: \(piped)")
        let flags = try b.husk(["exec", "--user", "1000:100", "--env", "GREETING=bye", "-e", "NEW=1", "--cwd", "/tmp", "x1",
                                "sh", "-c", "id -u; id -g; echo $GREETING $NEW; pwd"])
        #expect(flags.status == 0 && flags.stdout == "1000\n100\nbye 1\n/tmp\n", "\(flags)")
        let process: [String: Any] = ["args": ["sh", "-c", "echo from process $ONLY; grep CapEff /proc/self/status"], "env": ["PATH=/bin", "ONLY=this"],
                                      "cwd": "/", "user": ["uid": 0, "gid": 0],
                                      "capabilities": ["bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]]]
        try JSONSerialization.data(withJSONObject: process).write(to: URL(fileURLWithPath: b.dir + "/process.json"))
        let viaFile = try b.husk(["exec", "--process", b.dir + "/process.json", "x1"])
        #expect(viaFile.status == 0 && viaFile.stdout == "from process this\nCapEff:\t0000000000000020\n", "\(viaFile)")
        let missing = try b.husk(["exec", "x1", "/bin/nosuch"])
        #expect(missing.status == 127 && missing.stderr == "husk: /bin/nosuch: No such file or directory\n", "\(missing)")
        #expect(try b.husk(["exec", "x1"]).status == 1, "no command")

        // Each session's fds leave the Sentry with it: pipes, and a terminal's under -t.
        let sentry = sentryOfShim(pid_t(try b.state("x1")["pid"] as? Int ?? -1))
        func sentryFDs() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(sentry ?? -1)/fd"))?.count ?? -1 }
        let fdsBefore = sentryFDs()
        for _ in 0..<3 { _ = try b.husk(["exec", "x1", "true"]) }
        let tty = try IntegrationTests.run(["/usr/bin/script", "-qec", "\(husk) --root \(b.root) exec -t x1 tty", "/dev/null"])
        #expect(tty.stdout.contains("/dev/pts/"), "\(tty)")
        #expect(sentry != nil && fdsBefore > 0 && sentryFDs() == fdsBefore, "the Sentry's fds: \(fdsBefore) before, \(sentryFDs()) after")

        // Only init (sleep) is the container's: the holder exec'd processes are cloned from is not listed.
        let ps = try b.husk(["ps", "--format", "json", "x1"])
        let pids = (try? JSONSerialization.jsonObject(with: Data(ps.stdout.utf8))) as? [Int] ?? []
        #expect(pids.count == 1, "\(ps)")
        // The program cannot reach the holder (pid 2, cloned from init before anything else):
        // no signal, no /proc entry; exec works after the try.
        let aim = try b.husk(["exec", "x1", "sh", "-c", "kill -9 2; ls -d /proc/2 2>/dev/null; echo done"])
        #expect(aim.stdout == "done\n" && aim.stderr.contains("No such process"), "\(aim)")
        #expect(try b.husk(["exec", "x1", "true"]).status == 0, "exec after a try at the holder")

        let detached = try b.husk(["exec", "-d", "--pid-file", b.dir + "/exec.pid", "x1", "sh", "-c", "sleep 0.5; echo detached > /data/d"])
        #expect(detached.status == 0, "\(detached)")
        let waiter = Int32(b.read(b.dir + "/exec.pid") ?? "") ?? -1
        #expect(waiter > 0 && kill(waiter, 0) == 0, "the pid file names a live process that waits for it")
        let dEnd = Date().addingTimeInterval(10)
        while (b.read(b.volume + "/d") == nil || kill(waiter, 0) == 0) && Date() < dEnd { usleep(20_000) }
        #expect(b.read(b.volume + "/d") == "detached\n")
        #expect(kill(waiter, 0) != 0, "the waiter left once the process exited")

        // kill --all reaches exec'd processes (init ignores SIGUSR1 and stays).
        let victim = try Spawned([husk, "--root", b.root, "exec", "x1", "sleep", "100"])
        usleep(500_000)
        #expect(try b.husk(["kill", "--all", "x1", "USR1"]).status == 0)
        let v = victim.wait(timeout: 10)
        #expect(v.status == 128 + SIGUSR1, "\(v)")
        // A signal to husk exec is forwarded to its process.
        let forwarded = try Spawned([husk, "--root", b.root, "exec", "x1", "sleep", "100"])
        usleep(500_000)
        kill(forwarded.pid, SIGTERM)
        let f = forwarded.wait(timeout: 10)
        #expect(f.status == 128 + SIGTERM, "\(f)")
        #expect(try b.state("x1")["status"] as? String == "running", "init outlives its exec'd processes")

        #expect(try b.husk(["pause", "x1"]).status == 0)
        let paused = try b.husk(["exec", "x1", "true"])
        #expect(paused.status == 1 && paused.stderr.contains("paused"), "\(paused)")
        #expect(try b.husk(["delete", "--force", "x1"], timeout: 20).status == 0)
    }

    @Test("update writes new limits into the running container's cgroups (flags and --resources on stdin); unsupported ones are one line")
    func updateLimits() throws {
        let b = try OCIBundle()
        defer { b.remove() }
        try b.configure("sleep 100")
        #expect(try b.husk(["create", "--bundle", b.dir, "u1"]).status == 0)
        #expect(try b.husk(["start", "u1"]).status == 0)
        // The sandbox's cgroups are the Sentry's (a child of the shim).
        let sentry = try #require(sentryOfShim(pid_t(try b.state("u1")["pid"] as? Int ?? -1)))
        func file(_ controller: String, _ name: String) -> String? { cgroupFile(of: sentry, controller, name) }
        let flags = try b.husk(["update", "--memory", "64m", "--pids-limit", "77", "u1"])
        #expect(flags.status == 0, "\(flags)")
        #expect(file("memory", "memory.limit_in_bytes") == "\(64 << 20)")
        #expect(file("pids", "pids.max") == "77")
        let husk = try Husk.require()
        let piped = try IntegrationTests.run(["/bin/sh", "-c", "echo '{\"memory\": {\"limit\": 100663296}, \"cpu\": {\"shares\": 512}}' | \(husk) --root \(b.root) update --resources - u1"])
        #expect(piped.status == 0, "\(piped)")
        #expect(file("memory", "memory.limit_in_bytes") == "\(96 << 20)")
        #expect(file("cpu", "cpu.shares") == "512")
        let weight = try b.husk(["update", "--blkio-weight", "100", "u1"])
        #expect(weight.status == 1 && weight.stderr == "husk: --blkio-weight is not supported by husk update\n", "\(weight)")
        #expect(try b.husk(["update", "--memory", "64m", "nosuch"]).status == 1)
        #expect(try b.husk(["delete", "--force", "u1"], timeout: 20).status == 0)
    }

    @Test("kill delivers a named or numbered signal to the program's init; --all reaches every process; delete needs --force while it runs")
    func killAndDelete() throws {
        let b = try OCIBundle()
        defer { b.remove() }
        try b.configure("trap 'echo got USR1 >> /data/sig' USR1; sleep 100 & wait; sleep 100 & wait")
        #expect(try b.husk(["create", "--bundle", b.dir, "k1"]).status == 0)
        #expect(try b.husk(["start", "k1"]).status == 0)
        #expect(try b.state("k1")["status"] as? String == "running")
        usleep(300_000)
        let usr1 = try b.husk(["kill", "k1", "USR1"])
        #expect(usr1.status == 0, "\(usr1)")
        let end = Date().addingTimeInterval(10)
        // `>>` creates the file before echo writes to it: wait for the line, not the file.
        while !(b.read(b.volume + "/sig") ?? "").hasSuffix("\n") && Date() < end { usleep(50_000) }
        #expect(b.read(b.volume + "/sig") == "got USR1\n")
        #expect(try b.state("k1")["status"] as? String == "running", "a handled signal does not end init")
        let refused = try b.husk(["delete", "k1"])
        #expect(refused.status == 1 && refused.stderr.contains("not stopped"), "\(refused)")
        #expect(try b.husk(["kill", "k1", "NOSUCH"]).status == 1)
        let all = try b.husk(["kill", "--all", "k1", "9"])
        #expect(all.status == 0, "\(all)")
        #expect(try b.waitStopped("k1"))
        #expect((b.read(b.root + "/k1/state.json") ?? "").contains("\"exitStatus\":137"))
        #expect(try b.husk(["kill", "k1", "TERM"]).status == 1, "a stopped container cannot be signalled")

        // SIGTERM to an init without a handler ends it (the Sentry carries out the default action).
        try b.configure("sleep 100")
        #expect(try b.husk(["create", "--bundle", b.dir, "k2"]).status == 0)
        #expect(try b.husk(["start", "k2"]).status == 0)
        #expect(try b.husk(["kill", "k2", "SIGTERM"]).status == 0)
        #expect(try b.waitStopped("k2"))
        #expect((b.read(b.root + "/k2/state.json") ?? "").contains("\"exitStatus\":143"))

        // A created container killed before start never runs; delete --force of a live one.
        try b.configure("echo ran > /data/ran")
        #expect(try b.husk(["create", "--bundle", b.dir, "k3"]).status == 0)
        #expect(try b.husk(["kill", "k3", "KILL"]).status == 0)
        #expect(try b.waitStopped("k3"))
        #expect(b.read(b.volume + "/ran") == nil)
        try b.configure("sleep 100")
        #expect(try b.husk(["create", "--bundle", b.dir, "k4"]).status == 0)
        let pid = try b.state("k4")["pid"] as? Int ?? -1
        #expect(try b.husk(["start", "k4"]).status == 0)
        #expect(try b.husk(["delete", "--force", "k4"]).status == 0)
        #expect(access(b.root + "/k4", F_OK) != 0)
        let shimState = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: ")").last?.dropFirst().first
        #expect(shimState == nil || shimState == "Z", "delete --force ended the shim")
        for id in ["k1", "k2", "k3"] { #expect(try b.husk(["delete", id]).status == 0) }
    }

    @Test("ps lists the container's host pids (json and table, never the Gofer or the Sentry); pause freezes it and says paused; resume thaws it; delete --force ends a paused one")
    func psPauseResume() throws {
        let b = try OCIBundle()
        defer { b.remove() }
        try b.configure("while true; do echo x >> /data/ticks; sleep 0.05; done")
        #expect(try b.husk(["create", "--bundle", b.dir, "p1"]).status == 0)
        let early = try b.husk(["pause", "p1"])
        #expect(early.status == 1 && early.stderr.contains("created, not running"), "a created container cannot be paused: \(early)")
        #expect(try b.husk(["start", "p1"]).status == 0)
        func ticks() -> Int { (b.read(b.volume + "/ticks") ?? "").split(separator: "\n").count }
        let end = Date().addingTimeInterval(10)
        while ticks() < 3 && Date() < end { usleep(50_000) }

        let json = try b.husk(["ps", "--format", "json", "p1"])
        #expect(json.status == 0, "\(json)")
        let pids = (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [Int] ?? []
        // A task's host argv is its program's (the Sentry passes it to the stub's exec).
        let cmdlines = pids.map { (try? String(contentsOfFile: "/proc/\($0)/cmdline", encoding: .utf8)) ?? "" }
        #expect(cmdlines.contains { $0.hasPrefix("sh\0-c\0while true") }, "the container's shell: \(pids) \(cmdlines)")
        #expect(!cmdlines.contains { $0.hasPrefix("husk") }, "no part of husk is listed: \(cmdlines)")
        let table = try b.husk(["ps", "p1"])
        let rows = table.stdout.split(separator: "\n")
        // The loop's short-lived sleeps come and go between the two calls: the shell stays.
        let shell = zip(pids, cmdlines).first { $0.1.hasPrefix("sh\0-c\0while true") }?.0
        let tablePids = rows.dropFirst().compactMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } }
        #expect(table.status == 0 && rows.first?.contains("PID") == true && shell.map { tablePids.contains($0) } == true, "\(table)")
        #expect(try b.husk(["ps", "--format", "yaml", "p1"]).status == 1)

        #expect(try b.husk(["pause", "p1"]).status == 0)
        #expect(try b.state("p1")["status"] as? String == "paused")
        let frozenAt = ticks()
        usleep(400_000)
        #expect(ticks() == frozenAt, "nothing runs while paused")
        let again = try b.husk(["pause", "p1"])
        #expect(again.status == 1 && again.stderr.contains("paused, not running"), "\(again)")
        #expect(try b.husk(["resume", "p1"]).status == 0)
        #expect(try b.state("p1")["status"] as? String == "running")
        let resumed = Date().addingTimeInterval(10)
        while ticks() <= frozenAt && Date() < resumed { usleep(50_000) }
        #expect(ticks() > frozenAt, "it runs again after resume")
        #expect(try b.husk(["resume", "p1"]).status == 1, "resume of a running container")

        #expect(try b.husk(["pause", "p1"]).status == 0)
        #expect(try b.husk(["delete", "--force", "p1"], timeout: 20).status == 0, "a paused container is deleted")
        #expect(access(b.root + "/p1", F_OK) != 0)
        for pid in pids { #expect(kill(pid_t(pid), 0) != 0, "process \(pid) is gone") }
    }

    @Test("linux.seccomp: the profile is the program's own first filter (its errno for a denied call, Seccomp: 2 in /proc); a listener or SCMP_ACT_NOTIFY is refused in one line")
    func seccompProfile() throws {
        let b = try OCIBundle()
        defer { b.remove() }
        let profile: [String: Any] = [
            "defaultAction": "SCMP_ACT_ALLOW",
            "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [["names": ["mkdir", "mkdirat", "no_such_call"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13],
                         ["names": ["uname"], "action": "SCMP_ACT_ERRNO", "args": [["index": 0, "value": 0, "op": "SCMP_CMP_EQ"]]]],
        ]
        try b.configure("mkdir /tmp/d; echo mkdir=$?; grep ^Seccomp: /proc/self/status; ls -d /tmp", extra: ["linux": [
            "namespaces": [["type": "pid"], ["type": "network"], ["type": "ipc"], ["type": "uts"], ["type": "mount"]],
            "seccomp": profile]])
        let run = try b.husk(["run", "--bundle", b.dir, "s2"])
        #expect(run.stdout == "mkdir=1\nSeccomp:\t2\n/tmp\n" && run.stderr.contains("Permission denied"), "\(run)")

        var notify = profile
        notify["syscalls"] = [["names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"]]
        try b.configure("true", extra: ["linux": ["seccomp": notify]])
        let refused = try b.husk(["create", "--bundle", b.dir, "s3"])
        #expect(refused.status == 1 && refused.stderr.contains("SCMP_ACT_NOTIFY is not supported"), "\(refused)")
        var listener = profile
        listener["listenerPath"] = "/run/listener.sock"
        try b.configure("true", extra: ["linux": ["seccomp": listener]])
        let noListener = try b.husk(["create", "--bundle", b.dir, "s4"])
        #expect(noListener.status == 1 && noListener.stderr.contains("listenerPath is not supported"), "\(noListener)")
    }

    @Test("hooks run on the host with the state on stdin: prestart and createRuntime at create, poststart at start, poststop at delete")
    func hooks() throws {
        let b = try OCIBundle()
        defer { b.remove() }
        func hook(_ name: String) -> [String: Any] {
            ["path": "/bin/sh", "args": ["sh", "-c", "cat > \(b.dir)/\(name).json"]]
        }
        try b.configure("true", extra: ["hooks": ["prestart": [hook("prestart")], "createRuntime": [hook("createRuntime")],
                                                  "poststart": [hook("poststart")], "poststop": [hook("poststop")]]])
        #expect(try b.husk(["create", "--bundle", b.dir, "h1"]).status == 0)
        for name in ["prestart", "createRuntime"] {
            let s = (try? JSONSerialization.jsonObject(with: Data((b.read(b.dir + "/\(name).json") ?? "").utf8))) as? [String: Any]
            #expect(s?["id"] as? String == "h1" && s?["status"] as? String == "created", "\(name): \(String(describing: s))")
        }
        #expect(b.read(b.dir + "/poststart.json") == nil)
        #expect(try b.husk(["start", "h1"]).status == 0)
        #expect((b.read(b.dir + "/poststart.json") ?? "").contains("\"id\":\"h1\""))
        #expect(try b.waitStopped("h1"))
        #expect(try b.husk(["delete", "h1"]).status == 0)
        #expect((b.read(b.dir + "/poststop.json") ?? "").contains("\"status\":\"stopped\""))

        // A failing createRuntime hook fails create and leaves nothing behind.
        try b.configure("true", extra: ["hooks": ["createRuntime": [["path": "/bin/false"]]]])
        let failed = try b.husk(["create", "--bundle", b.dir, "h2"])
        #expect(failed.status == 1 && failed.stderr.contains("createRuntime hook /bin/false"), "\(failed)")
        #expect(access(b.root + "/h2", F_OK) != 0)
    }

    @Test("config.json: file binds are read-only snapshots, maskedPaths hide, readonlyPaths refuse changes (EROFS) and still read, rlimits, groups and capabilities reach the program")
    func configMapping() throws {
        let b = try OCIBundle()
        defer { b.remove() }
        try "10.0.0.1 db\n".write(toFile: b.dir + "/hosts", atomically: false, encoding: .utf8)
        try b.configure("cat /etc/hosts; echo x > /etc/hosts || echo refused; (echo new > /data/ro/new) 2>&1 | grep -c 'Read-only'; cat /data/ro/kept; touch /data/ro/kept 2>&1 | grep -c 'Read-only'; cat /proc/sys/fs/pipe-max-size; grep -c ' /data/ro .* ro' /proc/mounts; echo rw > /data/rw; cat /data/rw; ls /proc/meminfo && cat /proc/meminfo | wc -c; ls -d /proc/sys/kernel && ls /proc/sys/kernel | wc -l; ulimit -n; ulimit -Hn; id; grep CapBnd /proc/self/status",
                        mounts: [["destination": "/etc/hosts", "type": "bind", "source": b.dir + "/hosts", "options": ["bind", "ro"]]],
                        process: ["rlimits": [["type": "RLIMIT_NOFILE", "soft": 512, "hard": 768]],
                                  "user": ["uid": 0, "gid": 0, "additionalGids": [7, 9]],
                                  "capabilities": ["bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_CHOWN", "CAP_KILL"],
                                                   "permitted": ["CAP_CHOWN", "CAP_KILL"]]],
                        extra: ["linux": ["namespaces": [["type": "pid"], ["type": "network"]], "maskedPaths": ["/proc/meminfo", "/proc/sys/kernel", "/proc/nosuch"],
                                          "readonlyPaths": ["/data/ro", "/proc/sys", "/nosuch"]]])
        try FileManager.default.createDirectory(atPath: b.volume + "/ro", withIntermediateDirectories: true)
        try "kept\n".write(toFile: b.volume + "/ro/kept", atomically: false, encoding: .utf8)
        let r = try b.husk(["run", "--bundle", b.dir, "m1"])
        #expect(r.status == 0, "\(r)")
        #expect(access(b.volume + "/ro/new", F_OK) != 0, "nothing was created below a read-only path")
        #expect(r.stdout == "10.0.0.1 db\nrefused\n1\nkept\n1\n1048576\n1\nrw\n/proc/meminfo\n0\n/proc/sys/kernel\n0\n512\n768\nuid=0(root) gid=0(root) groups=7,9\nCapBnd:\t0000000000000021\n", "\(r)")
        #expect(access(b.root + "/m1", F_OK) != 0, "run without --detach deletes the container")
    }

    @Test("refusals are one line: malformed JSON, an unsupported mount, joining a namespace, --systemd-cgroup; --log-format json writes runc's record")
    func refusals() throws {
        let b = try OCIBundle()
        defer { b.remove() }
        try "{\"ociVersion\": \"1.0.2\", \"process\": ".write(toFile: b.dir + "/config.json", atomically: false, encoding: .utf8)
        let bad = try b.husk(["create", "--bundle", b.dir, "r1"])
        #expect(bad.status == 1 && bad.stderr.hasPrefix("husk: config.json: malformed JSON") && bad.stderr.split(separator: "\n").count == 1, "\(bad)")
        #expect(access(b.root + "/r1", F_OK) != 0)
        try b.configure("true", mounts: [["destination": "/mnt", "type": "nfs", "source": "server:/x"]])
        let nfs = try b.husk(["create", "--bundle", b.dir, "r2"])
        #expect(nfs.stderr == "husk: config.json: mounts: nfs at /mnt is not supported\n", "\(nfs)")
        try b.configure("true", extra: ["linux": ["namespaces": [["type": "ipc", "path": "/proc/1/ns/ipc"]]]])
        let join = try b.husk(["create", "--bundle", b.dir, "r3"])
        #expect(join.status == 1 && join.stderr.contains("joining the ipc namespace at /proc/1/ns/ipc is not supported"), "\(join)")
        // A network namespace is joined by path: one that is not there, or not a namespace, is one line.
        try b.configure("true", extra: ["linux": ["namespaces": [["type": "network", "path": "/run/netns/husk-nosuch"]]]])
        let nosuch = try b.husk(["create", "--bundle", b.dir, "r5"])
        #expect(nosuch.status == 1 && nosuch.stderr.contains("network namespace /run/netns/husk-nosuch: No such file or directory"), "\(nosuch)")
        try b.configure("true", extra: ["linux": ["namespaces": [["type": "network", "path": "/proc/self/ns/pid"]]]])
        let notNet = try b.husk(["create", "--bundle", b.dir, "r6"])
        #expect(notNet.status == 1 && notNet.stderr.contains("not a network namespace file"), "\(notNet)")
        let systemd = try IntegrationTests.run([try Husk.require(), "--systemd-cgroup", "create", "--bundle", b.dir, "r4"])
        #expect(systemd.status == 1 && systemd.stderr.hasPrefix("husk: --systemd-cgroup is not supported"), "\(systemd)")
        let log = b.dir + "/log.json"
        let missing = try b.husk(["--log", log, "--log-format", "json", "kill", "nosuch", "KILL"])
        #expect(missing.status == 1)
        let record = (try? JSONSerialization.jsonObject(with: Data((b.read(log) ?? "").utf8))) as? [String: Any]
        #expect(record?["level"] as? String == "error" && record?["msg"] as? String == "container nosuch does not exist", "\(String(describing: b.read(log)))")
        #expect((record?["time"] as? String)?.hasSuffix("Z") == true)
        let features = try b.husk(["features"])
        let f = (try? JSONSerialization.jsonObject(with: Data(features.stdout.utf8))) as? [String: Any]
        #expect(f?["ociVersionMax"] as? String == "1.1.0" && (f?["hooks"] as? [String])?.contains("poststop") == true, "\(features)")
        // husk run -- PROGRAM keeps its meaning beside runc's run.
        let plain = try Husk.run(["/bin/echo", "plain"])
        #expect(plain.stdout == "plain\n")
    }
}
