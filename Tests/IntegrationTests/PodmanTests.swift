// podman with `--runtime` pointing at the built husk (docs/oci.md): an image imported from a
// tarball the test makes (busybox-static), run with podman's own state under /tmp so that the
// machine's podman is not touched. scripts/setup.sh installs podman; without it the suite is
// skipped with one line saying so.

import Foundation
import Glibc
import Testing

/// A private podman: its own --root/--runroot, cgroupfs, file events, vfs storage, and an image
/// of busybox-static imported from a tarball.
final class PrivatePodman {
    let dir: String
    let image: String
    let husk: String

    static var installed: Bool { access("/usr/bin/podman", X_OK) == 0 && access("/usr/bin/conmon", X_OK) == 0 }

    init() throws {
        husk = try Husk.require()
        var template = Array("/tmp/husk-podman-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        dir = String(cString: try #require(made))
        image = "husk-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fm = FileManager.default
        let rootfs = dir + "/rootfs"
        for d in ["bin", "etc", "tmp", "proc", "dev", "sys", "root", "home/user"] {
            try fm.createDirectory(atPath: rootfs + "/" + d, withIntermediateDirectories: true)
        }
        try fm.copyItem(atPath: "/bin/busybox", toPath: rootfs + "/bin/busybox")
        for tool in ["sh", "echo", "cat", "sleep", "id", "ls", "pwd", "grep", "true", "env", "hostname"] {
            try fm.createSymbolicLink(atPath: rootfs + "/bin/" + tool, withDestinationPath: "busybox")
        }
        try "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n".write(toFile: rootfs + "/etc/passwd", atomically: false, encoding: .utf8)
        try "root:x:0:\nuser:x:1000:\n".write(toFile: rootfs + "/etc/group", atomically: false, encoding: .utf8)
        let tar = try IntegrationTests.run(["/bin/tar", "-C", rootfs, "-cf", dir + "/rootfs.tar", "."])
        guard tar.status == 0 else { throw SpawnError(description: "tar: \(tar)") }
        let imported = try podman(["import", dir + "/rootfs.tar", image], timeout: 120)
        guard imported.status == 0 else { throw SpawnError(description: "podman import: \(imported)") }
    }

    /// podman with the private state; `runtime` nil: podman's default runtime (crun). Its
    /// containers (and conmon) go below the test's own cgroup, not podman's /libpod_parent.
    func podman(_ args: [String], runtime: String? = "husk", timeout: Double = 60) throws -> RunResult {
        var argv = ["/usr/bin/podman", "--root", dir + "/storage", "--runroot", dir + "/run", "--cgroup-manager", "cgroupfs",
                    "--events-backend", "file", "--storage-driver", "vfs", "--tmpdir", dir + "/tmp"]
        if let runtime { argv += ["--runtime", runtime == "husk" ? husk : runtime] }
        var rest = args
        if let verb = rest.first, verb == "run" || verb == "create" { rest.insert(contentsOf: ["--cgroup-parent", cgroupParent], at: 1) }
        return try IntegrationTests.run(argv + rest, timeout: timeout)
    }

    /// `--cgroup-parent` of the containers: below this process's memory cgroup (the only
    /// controller where it is not at the root here), the same path in the other hierarchies.
    lazy var cgroupParent: String = {
        let own = ((try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? "")
            .split(separator: "\n").first { $0.split(separator: ":").dropFirst().first == "memory" }
            .flatMap { $0.split(separator: ":", maxSplits: 2).last.map(String.init) } ?? "/"
        return (own == "/" ? "" : own) + "/husk-podman-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }()

    /// Removes what podman left of `cgroupParent` (empty directories, deepest first).
    func removeCgroups() {
        for controller in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] {
            let top = "/sys/fs/cgroup/" + controller + cgroupParent
            guard access(top, F_OK) == 0 else { continue }
            let sub = (FileManager.default.subpaths(atPath: top) ?? []).map { top + "/" + $0 }
                .filter { var st = stat(); return stat($0, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR }
            for d in sub.sorted(by: { $0.count > $1.count }) + [top] { rmdir(d) }
        }
    }

    /// `podman run --rm --network none IMAGE argv...` on husk.
    func run(_ argv: [String], options: [String] = []) throws -> RunResult {
        try podman(["run", "--rm", "--network", "none"] + options + [image] + argv)
    }

    deinit {
        _ = try? podman(["rm", "--all", "--force", "--time", "0"])
        _ = try? podman(["rmi", "--force", image])
        removeCgroups()
        // The vfs storage holds read-only copies; podman's own `system reset` would ask first.
        _ = try? IntegrationTests.run(["/bin/rm", "-rf", dir], timeout: 60)
    }
}

@Suite(.serialized, .enabled(if: PrivatePodman.installed, "podman is not installed (scripts/setup.sh installs it)"))
struct PodmanTests {
    @Test("podman run --rm prints, its exit status comes back; -e, -w, --user, -v, --memory and the default seccomp profile reach the program")
    func runOptions() throws {
        let p = try PrivatePodman()
        let hi = try p.run(["echo", "hi"])
        #expect(hi.status == 0 && hi.stdout == "hi\n", "\(hi)")
        let seven = try p.run(["sh", "-c", "exit 7"])
        #expect(seven.status == 7, "\(seven)")
        let vol = p.dir + "/vol"
        try FileManager.default.createDirectory(atPath: vol, withIntermediateDirectories: true)
        try "from-host\n".write(toFile: vol + "/in", atomically: false, encoding: .utf8)
        let r = try p.run(["sh", "-c", "echo $FOO; pwd; id; cat /data/in; echo from-container > /data/out; grep MemTotal /proc/meminfo; cat /etc/hostname"],
                          options: ["-e", "FOO=bar", "-w", "/tmp", "--user", "0:0", "-v", vol + ":/data", "--memory", "64m", "--hostname", "box"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == "bar\n/tmp\nuid=0(root) gid=0(root) groups=0(root)\nfrom-host\nMemTotal:          65536 kB\nbox", "\(r)")
        #expect((try? String(contentsOfFile: vol + "/out", encoding: .utf8)) == "from-container\n")
        let user = try p.run(["id"], options: ["--user", "user"])
        #expect(user.status == 0 && user.stdout.hasPrefix("uid=1000(user) gid=1000(user)"), "\(user)")
        // podman maps husk create's one line as it maps runc's: not found 127, not executable 126.
        let missing = try p.run(["/bin/nosuch"])
        #expect(missing.status == 127 && missing.stderr.contains("husk: /bin/nosuch: No such file or directory"), "\(missing)")
        let notExecutable = try p.run(["/etc/passwd"])
        #expect(notExecutable.status == 126, "\(notExecutable)")
        // podman's default seccomp profile (config.json's linux.seccomp) is the program's own
        // filter, as under runc; --security-opt seccomp=unconfined passes none.
        let profiled = try p.run(["sh", "-c", "grep ^Seccomp: /proc/self/status; mkdir /tmp/ok && echo mkdir ok"])
        #expect(profiled.stdout == "Seccomp:\t2\nmkdir ok\n", "\(profiled)")
        let unconfined = try p.run(["grep", "^Seccomp:", "/proc/self/status"], options: ["--security-opt", "seccomp=unconfined"])
        #expect(unconfined.stdout == "Seccomp:\t0\n", "\(unconfined)")
    }

    @Test("podman run -d, then podman ps shows it, podman pause and unpause, podman update sets its memory limit, podman stop ends it (exit 143), podman rm removes it")
    func detached() throws {
        let p = try PrivatePodman()
        let name = "husk-d-\(getpid())"
        let started = try p.podman(["run", "-d", "--network", "none", "--name", name, p.image, "sleep", "100"])
        #expect(started.status == 0, "\(started)")
        let ps = try p.podman(["ps", "--format", "{{.Names}} {{.Status}}"])
        #expect(ps.stdout.contains("\(name) Up"), "\(ps)")
        // podman pause and unpause: husk pause/resume freeze and thaw the sandbox.
        let paused = try p.podman(["pause", name])
        #expect(paused.status == 0, "\(paused)")
        let pausedState = try p.podman(["inspect", "--format", "{{.State.Status}}", name])
        #expect(pausedState.stdout == "paused\n", "\(pausedState)")
        let unpaused = try p.podman(["unpause", name])
        #expect(unpaused.status == 0, "\(unpaused)")
        let runningState = try p.podman(["inspect", "--format", "{{.State.Status}}", name])
        #expect(runningState.stdout == "running\n", "\(runningState)")
        // podman update: husk update --resources with the new limits.
        let updated = try p.podman(["update", "--memory", "80m", name])
        #expect(updated.status == 0, "\(updated)")
        let shim = pid_t(try p.podman(["inspect", "--format", "{{.State.Pid}}", name]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        let limit = sentryOfShim(shim).flatMap { cgroupFile(of: $0, "memory", "memory.limit_in_bytes") }
        #expect(limit == "\(80 << 20)", "memory.limit_in_bytes: \(limit ?? "none")")
        let stopped = try p.podman(["stop", "--time", "5", name], timeout: 30)
        #expect(stopped.status == 0, "\(stopped)")
        let inspect = try p.podman(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name])
        #expect(inspect.stdout == "exited 143\n", "\(inspect)")
        let removed = try p.podman(["rm", name])
        #expect(removed.status == 0, "\(removed)")
        let all = try p.podman(["ps", "--all", "--format", "{{.Names}}"])
        #expect(!all.stdout.contains(name), "\(all)")
    }

    @Test("podman's default bridge network: the Sentry joins the namespace podman made (linux.namespaces path), the container has eth0 and reaches a server on the host through the bridge")
    func bridgeNetwork() throws {
        let p = try PrivatePodman()
        let www = p.dir + "/www"
        try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
        try "hello through the bridge\n".write(toFile: www + "/hello.txt", atomically: false, encoding: .utf8)
        let port = 20_000 + Int(getpid() % 20_000)
        let server = try Spawned(["/usr/bin/python3", "-m", "http.server", String(port), "--bind", "0.0.0.0", "--directory", www])
        defer { kill(server.pid, SIGTERM); _ = server.wait(timeout: 10) }
        usleep(500_000)
        let r = try p.podman(["run", "--rm", p.image, "sh", "-c",
                              "busybox ip -o -4 addr show eth0 | busybox awk '{print $2}'; gw=$(busybox ip route | busybox awk '/default/ {print $3}'); busybox wget -q -O - http://$gw:\(port)/hello.txt"],
                             timeout: 90)
        #expect(r.status == 0 && r.stdout == "eth0\nhello through the bridge\n", "\(r)")
    }

    @Test("podman exec: a process beside the container's, with its output and exit status, -i stdin, --user -e -w, 127 for a missing program, -d, and -it under a pty")
    func exec() throws {
        let p = try PrivatePodman()
        let name = "husk-x-\(getpid())"
        let started = try p.podman(["run", "-d", "--network", "none", "--name", name, p.image, "sleep", "100"])
        #expect(started.status == 0, "\(started)")
        defer { _ = try? p.podman(["rm", "--force", "--time", "0", name], timeout: 30) }
        let plain = try p.podman(["exec", name, "sh", "-c", "echo hi from exec; exit 4"])
        #expect(plain.status == 4 && plain.stdout == "hi from exec\n", "\(plain)")
        let podman = (["/usr/bin/podman", "--root", p.dir + "/storage", "--runroot", p.dir + "/run", "--cgroup-manager", "cgroupfs",
                       "--events-backend", "file", "--storage-driver", "vfs", "--tmpdir", p.dir + "/tmp", "--runtime", p.husk])
            .joined(separator: " ")
        let piped = try IntegrationTests.run(["/bin/sh", "-c", "echo typed | \(podman) exec -i \(name) cat"], timeout: 60)
        #expect(piped.status == 0 && piped.stdout == "typed\n", "\(piped)")
        let flags = try p.podman(["exec", "--user", "1000", "-e", "X=y", "-w", "/tmp", name, "sh", "-c", "id -un; echo $X; pwd"])
        #expect(flags.status == 0 && flags.stdout == "user\ny\n/tmp\n", "\(flags)")
        let missing = try p.podman(["exec", name, "/nosuch"])
        #expect(missing.status == 127, "\(missing)")
        let detached = try p.podman(["exec", "-d", name, "sh", "-c", "echo done > /tmp/d"])
        #expect(detached.status == 0, "\(detached)")
        var done = false
        for _ in 0..<100 where !done {
            done = (try? p.podman(["exec", name, "cat", "/tmp/d"]))?.stdout == "done\n"
            if !done { usleep(100_000) }
        }
        #expect(done, "the detached exec ran")
        let tty = try IntegrationTests.run(["/bin/bash", "-c", "timeout 60 script -qec \"stty cols 91 rows 33; \(podman) exec -it \(name) sh -c 'read x; echo got \\$x; tty; stty size; exit 5'\" /dev/null < <(sleep 1; printf 'hello\\n'; sleep 30); echo status=$?"], timeout: 90)
        let out = tty.stdout.replacingOccurrences(of: "\r", with: "")
        #expect(out.contains("got hello\n/dev/pts/0\n33 91\n") && out.hasSuffix("status=5\n"), "\(tty)")
    }

    @Test("podman run -it: the program's terminal is the Sentry's console, reached through the pty husk create sends over --console-socket")
    func interactiveTerminal() throws {
        let p = try PrivatePodman()
        // script(1) gives podman a terminal; the input is typed before podman attaches and waits in it.
        let podman = (["/usr/bin/podman", "--root", p.dir + "/storage", "--runroot", p.dir + "/run", "--cgroup-manager", "cgroupfs",
                       "--events-backend", "file", "--storage-driver", "vfs", "--tmpdir", p.dir + "/tmp", "--runtime", p.husk,
                       "run", "--cgroup-parent", p.cgroupParent, "-it", "--rm", "--network", "none", p.image, "sh", "-c", "'read x; echo got \\$x; tty; stty size; exit 5'"]).joined(separator: " ")
        let r = try IntegrationTests.run(["/bin/bash", "-c", "stty cols 91 rows 33 2>/dev/null; timeout 60 script -qec \"stty cols 91 rows 33; \(podman)\" /dev/null < <(printf 'hello\\n'; sleep 30); echo status=$?"], timeout: 90)
        let out = r.stdout.replacingOccurrences(of: "\r", with: "")
        #expect(out.contains("got hello\n/dev/pts/0\n33 91\n"), "\(r)")
        #expect(out.hasSuffix("status=5\n"), "\(r)")
    }
}

@Suite(.serialized, .enabled(if: PrivatePodman.installed && access("/usr/bin/containerd", X_OK) == 0 && access("/usr/bin/ctr", X_OK) == 0,
                             "podman or containerd is not installed (scripts/setup.sh installs them)"))
struct ContainerdTests {
    @Test("containerd: ctr run --runc-binary husk runs the same image (exported by podman), output and exit status come back; a detached task: ctr task ps, exec (with and without a terminal), pause, resume, kill, delete")
    func ctrRun() throws {
        let p = try PrivatePodman()
        let base = p.dir + "/containerd"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let config = """
            version = 2
            root = "\(base)/root"
            state = "\(base)/state"
            [grpc]
              address = "\(base)/containerd.sock"
            """
        try config.write(toFile: base + "/config.toml", atomically: false, encoding: .utf8)
        let daemon = try Spawned(["/usr/bin/containerd", "--config", base + "/config.toml"])
        defer { kill(daemon.pid, SIGTERM); _ = daemon.wait(timeout: 20) }
        let namespace = "husk-test-\(getpid())"
        let ctr = ["/usr/bin/ctr", "--address", base + "/containerd.sock", "--namespace", namespace]
        var up = false
        for _ in 0..<100 where !up {
            up = (try? IntegrationTests.run(ctr + ["version"], timeout: 10))?.status == 0
            if !up { usleep(100_000) }
        }
        #expect(up, "containerd did not start")
        let saved = try p.podman(["save", "--format", "oci-archive", "-o", base + "/image.tar", p.image], runtime: nil, timeout: 120)
        #expect(saved.status == 0, "\(saved)")
        let imported = try IntegrationTests.run(ctr + ["image", "import", base + "/image.tar"], timeout: 120)
        #expect(imported.status == 0, "\(imported)")
        let ref = "localhost/\(p.image):latest"
        let run = try IntegrationTests.run(ctr + ["run", "--runc-binary", p.husk, "--rm", ref, "c-\(getpid())", "sh", "-c", "echo hi from ctr; exit 4"], timeout: 60)
        #expect(run.status == 4 && run.stdout == "hi from ctr\n", "\(run)")
        // A detached task: ctr task ps (the shim's `husk ps --format json`), pause and resume,
        // kill and delete.
        let task = "d-\(getpid())"
        let detached = try IntegrationTests.run(ctr + ["run", "--runc-binary", p.husk, "-d", ref, task, "sleep", "100"], timeout: 60)
        #expect(detached.status == 0, "\(detached)")
        let ps = try IntegrationTests.run(ctr + ["task", "ps", task], timeout: 30)
        let pids = ps.stdout.split(separator: "\n").dropFirst().compactMap { $0.split(separator: " ").first.flatMap { Int32($0) } }
        #expect(ps.status == 0 && !pids.isEmpty, "\(ps)")
        for pid in pids {
            let cmdline = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            #expect(cmdline.hasPrefix("sleep\0100"), "a pid of the task: \(pid) \(cmdline)")
        }
        // ctr task exec: the shim's `husk exec --detach --process`, its output and exit status.
        let exec = try IntegrationTests.run(ctr + ["task", "exec", "--exec-id", "e1", task, "sh", "-c", "echo hi from ctr exec; exit 6"], timeout: 60)
        #expect(exec.status == 6 && exec.stdout == "hi from ctr exec\n", "\(exec)")
        // With a terminal (the shim's console socket): script(1) gives ctr one.
        let ctrLine = (ctr + ["task", "exec", "-t", "--exec-id", "e2", task, "sh", "-c", "'ls -l /proc/self/fd/0; exit 7'"]).joined(separator: " ")
        let tty = try IntegrationTests.run(["/usr/bin/script", "-qec", ctrLine, "/dev/null"], timeout: 60)
        #expect(tty.stdout.contains("/dev/pts/") && tty.status == 7, "\(tty)")
        let paused = try IntegrationTests.run(ctr + ["task", "pause", task], timeout: 30)
        let listed = try IntegrationTests.run(ctr + ["task", "ls"], timeout: 30)
        #expect(paused.status == 0 && listed.stdout.contains("PAUSED"), "\(paused)\n\(listed)")
        let resumed = try IntegrationTests.run(ctr + ["task", "resume", task], timeout: 30)
        #expect(resumed.status == 0, "\(resumed)")
        let killed = try IntegrationTests.run(ctr + ["task", "kill", "--signal", "SIGKILL", task], timeout: 30)
        #expect(killed.status == 0, "\(killed)")
        var gone = false
        for _ in 0..<100 where !gone {
            gone = (try? IntegrationTests.run(ctr + ["task", "delete", task], timeout: 30))?.status == 0
            if !gone { usleep(100_000) }
        }
        #expect(gone, "the killed task is deleted")
        _ = try? IntegrationTests.run(ctr + ["container", "rm", task], timeout: 30)
        _ = try? IntegrationTests.run(ctr + ["image", "rm", ref], timeout: 30)
        _ = try? IntegrationTests.run(["/bin/rm", "-rf", "/run/containerd/runc/" + namespace], timeout: 30)
    }
}
