// The docker-like options of `husk run` and the top-level commands: each works inside, and each
// bad value is refused before any set-up with exactly one `husk:` line and status 125.
import Foundation
import Glibc
import Testing

/// `husk ARGS...` (no `run` added).
private func huskCommand(_ args: [String], env: [String]? = nil) throws -> RunResult {
    try IntegrationTests.run([try Husk.require()] + args, env: env ?? Husk.defaultEnvironment)
}

/// Status 125, nothing on stdout, exactly one stderr line, starting `husk: ` and holding `needle`.
private func expectRefused(_ r: RunResult, _ needle: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status == 125, "\(r)", sourceLocation: sourceLocation)
    #expect(r.stdout.isEmpty, "\(r)", sourceLocation: sourceLocation)
    let l = lines(r.stderr)
    #expect(l.count == 1 && l[0].hasPrefix("husk: ") && l[0].contains(needle), "\(r)", sourceLocation: sourceLocation)
}

/// A fresh host directory.
private func scratchDirectory() throws -> String {
    var template = Array("/tmp/husk-cli-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return String(cString: try #require(made))
}

@Suite("husk run's docker-like options", .serialized)
struct CLIOptionsTests {
    @Test("husk --version and husk version print one line: husk VERSION")
    func version() throws {
        for args in [["--version"], ["version"]] {
            let r = try huskCommand(args)
            #expect(r.status == 0, "\(r)")
            #expect(r.stderr.isEmpty, "\(r)")
            let l = lines(r.stdout)
            #expect(l.count == 1 && r.stdout.hasPrefix("husk ") && r.stdout.dropFirst(5).first?.isNumber == true, "\(r)")
        }
        #expect(try huskCommand(["--version"]).stdout == (try huskCommand(["version"])).stdout)
        // The commit embedded at build time: 12 hex digits (+ "-dirty"), one this repository has.
        let line = try huskCommand(["version"]).stdout
        let commit = try #require(line.split(separator: "(commit ").last?.split(separator: ")").first.map(String.init), "\(line)")
        let hash = commit.hasSuffix("-dirty") ? String(commit.dropLast(6)) : commit
        #expect(hash.count == 12 && hash.allSatisfy(\.isHexDigit), "\(line)")
        let known = try IntegrationTests.run(["/usr/bin/git", "-C", Husk.packageRoot, "cat-file", "-e", hash + "^{commit}"])
        #expect(known.status == 0, "\(line): \(known)")
    }

    @Test("a mistyped command: one line with a suggestion, 125")
    func didYouMean() throws {
        let r = try huskCommand(["rn", "--", "/bin/true"])
        expectRefused(r, "unknown command 'rn'; did you mean 'run'?")
        #expect(r.stderr == "husk: unknown command 'rn'; did you mean 'run'?\n", "\(r)")
        expectRefused(try huskCommand(["verison"]), "did you mean 'version'?")
        expectRefused(try huskCommand(["frobnicate"]), "unknown command 'frobnicate'")
    }

    @Test("husk syscalls prints docs/syscalls.md; --json one object per syscall")
    func syscalls() throws {
        let r = try huskCommand(["syscalls"])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/syscalls.md")
        #expect(r.stdout == (try String(contentsOf: doc, encoding: .utf8)))
        let j = try huskCommand(["syscalls", "--json"])
        #expect(j.status == 0, "\(j)")
        let rows = try #require(JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 335 + 46)
        #expect(rows.first?["name"] as? String == "read" && rows.first?["handled"] as? String == "Sentry")
        expectRefused(try huskCommand(["syscall"]), "did you mean 'syscalls'?")
    }

    @Test("--platform ptrace runs the program; an unknown or planned platform is one line and 125")
    func platform() throws {
        let r = try Husk.run(["/bin/true"], options: ["--platform", "ptrace"])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r)")
        let echo = try Husk.run(["/bin/echo", "hi"], options: ["--platform", "ptrace"])
        #expect(echo.status == 0 && echo.stdout == "hi\n", "\(echo)")
        expectRefused(try Husk.run(["/bin/true"], options: ["--platform", "bogus"]), "--platform bogus: unknown platform")
        expectRefused(try Husk.run(["/bin/true"], options: ["--platform", "ptrce"]), "did you mean 'ptrace'?")
        expectRefused(try Husk.run(["/bin/true"], options: ["--platform", "systrap"]), "--platform systrap: not available yet")
    }

    @Test("-w is --cwd; a --cwd missing in the sandbox or not a directory is refused in one line")
    func workingDirectory() throws {
        let r = try Husk.run(["/bin/pwd"], options: ["-w", "/tmp"])
        #expect(r.status == 0 && r.stdout == "/tmp\n", "\(r)")
        expectRefused(try Husk.run(["/bin/pwd"], options: ["--cwd", "/nonexistent-husk-dir"]), "/nonexistent-husk-dir")
        expectRefused(try Husk.run(["/bin/pwd"], options: ["-w", "/etc/passwd"]), "/etc/passwd")
        // The sandbox's own view decides: a directory that exists on the host only (the default
        // view's /var holds only its own tmp; the clone itself may sit anywhere, /tmp included).
        let hostOnly = "/var/lib/husk-cwd-test-\(getpid())"
        #expect(mkdir(hostOnly, 0o755) == 0 || errno == EEXIST)
        defer { rmdir(hostOnly) }
        expectRefused(try Husk.run(["/bin/pwd"], options: ["-w", hostOnly]), hostOnly)
    }

    @Test("--user takes a name (and group) from the root view's /etc/passwd and /etc/group")
    func userNames() throws {
        let nobody = try #require(getpwnam("nobody"))
        let uid = nobody.pointee.pw_uid, gid = nobody.pointee.pw_gid
        let r = try Husk.run(["/bin/sh", "-c", "id -u; id -g"], options: ["--user", "nobody"])
        #expect(r.status == 0 && r.stdout == "\(uid)\n\(gid)\n", "\(r)")
        let root = try #require(getgrnam("root")).pointee.gr_gid
        let g = try Husk.run(["/bin/sh", "-c", "id -u; id -g"], options: ["--user", "nobody:root"])
        #expect(g.status == 0 && g.stdout == "\(uid)\n\(root)\n", "\(g)")
        // A bare uid takes its entry's group; one without an entry gets group 0.
        let bare = try Husk.run(["/bin/sh", "-c", "id -u; id -g"], options: ["--user", "\(uid)"])
        #expect(bare.status == 0 && bare.stdout == "\(uid)\n\(gid)\n", "\(bare)")
        let numeric = try Husk.run(["/bin/sh", "-c", "id -u; id -g"], options: ["--user", "4321:99"])
        #expect(numeric.status == 0 && numeric.stdout == "4321\n99\n", "\(numeric)")
        expectRefused(try Husk.run(["/bin/true"], options: ["--user", "no-such-husk-user"]), "no-such-husk-user")
        expectRefused(try Husk.run(["/bin/true"], options: ["--user", "root:no-such-husk-group"]), "no-such-husk-group")
    }

    @Test("--user names come from the --rootfs's /etc, and a symlink there cannot leave it")
    func userNamesInRootfs() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        chmod(dir, 0o755)  // alice must be able to search the root
        try fm.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/etc", withIntermediateDirectories: true)
        try fm.copyItem(atPath: "/bin/busybox", toPath: dir + "/bin/busybox")
        try "root:x:0:0::/root:/bin/sh\nalice:x:4242:4343::/:/bin/sh\n".write(toFile: dir + "/etc/passwd", atomically: false, encoding: .utf8)
        try fm.createSymbolicLink(atPath: dir + "/etc/group", withDestinationPath: "/etc/passwd")
        let r = try Husk.run(["/bin/busybox", "sh", "-c", "/bin/busybox id -u; /bin/busybox id -g"],
                             options: ["--rootfs", dir, "--user", "alice"])
        #expect(r.status == 0 && r.stdout == "4242\n4343\n", "\(r)")
        // The host has a user nobody; this root view has not.
        expectRefused(try Husk.run(["/bin/busybox", "true"], options: ["--rootfs", dir, "--user", "nobody"]), "nobody")
        // etc/group -> /etc/passwd resolves inside the rootfs (its passwd lines read as groups:
        // "alice" is gid 4242 there), not to the host's /etc/passwd (which has no alice).
        let viaLink = try Husk.run(["/bin/busybox", "sh", "-c", "/bin/busybox id -g"], options: ["--rootfs", dir, "--user", "alice:alice"])
        #expect(viaLink.status == 0 && viaLink.stdout == "4242\n", "\(viaLink)")
    }

    @Test("--env-file: KEY=VALUE lines, comments, blanks, a bare KEY from the host; -e wins")
    func envFile() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "# a comment\n\nA=1\n  B=two words\nC=\"q\"\nHUSK_FROM_HOST\nHUSK_UNSET_ON_HOST\nD=\nE=x=y\n"
            .write(toFile: dir + "/env", atomically: false, encoding: .utf8)
        let r = try IntegrationTests.run([try Husk.require(), "run", "--env-file", dir + "/env", "-e", "A=override", "--", "/usr/bin/env"],
                                         env: Husk.defaultEnvironment + ["HUSK_FROM_HOST=hosted"])
        #expect(r.status == 0, "\(r)")
        let vars = Set(lines(r.stdout).map(String.init))
        for v in ["A=override", "B=two words", "C=\"q\"", "HUSK_FROM_HOST=hosted", "D=", "E=x=y"] {
            #expect(vars.contains(v), "\(v): \(r)")
        }
        #expect(!r.stdout.contains("HUSK_UNSET_ON_HOST") && !r.stdout.contains("comment"), "\(r)")
        expectRefused(try Husk.run(["/bin/true"], options: ["--env-file", dir + "/missing"]), dir + "/missing")
        try "GOOD=1\nBAD KEY=2\n".write(toFile: dir + "/bad", atomically: false, encoding: .utf8)
        expectRefused(try Husk.run(["/bin/true"], options: ["--env-file", dir + "/bad"]), "line 2")
        try "=value\n".write(toFile: dir + "/bad2", atomically: false, encoding: .utf8)
        expectRefused(try Husk.run(["/bin/true"], options: ["--env-file", dir + "/bad2"]), "line 1")
    }

    @Test("--hostname sets what uname, hostname and /proc show inside; 1 to 64 bytes")
    func hostname() throws {
        let r = try Husk.run(["/bin/sh", "-c", "hostname; uname -n; cat /proc/sys/kernel/hostname"], options: ["--hostname", "box-1"])
        #expect(r.status == 0 && r.stdout == "box-1\nbox-1\nbox-1\n", "\(r)")
        let long = String(repeating: "h", count: 64)
        let max = try Husk.run(["/bin/hostname"], options: ["--hostname", long])
        #expect(max.status == 0 && max.stdout == long + "\n", "\(max)")
        expectRefused(try Husk.run(["/bin/true"], options: ["--hostname", long + "h"]), "--hostname")
        expectRefused(try Husk.run(["/bin/true"], options: ["--hostname", ""]), "--hostname")
    }

    @Test("sethostname and setdomainname change the sandbox's UTS names only; an unprivileged user gets EPERM")
    func utsNames() throws {
        let script = """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        print(libc.sethostname(b"inner", 5), libc.setdomainname(b"example.org", 11))
        print(os.uname().nodename, open("/proc/sys/kernel/domainname").read().strip())
        os.setuid(65534)
        print(libc.setdomainname(b"x", 1), ctypes.get_errno() == 1)
        """
        let r = try Husk.run(["/usr/bin/python3", "-c", script])
        #expect(r.status == 0 && r.stdout == "0 0\ninner example.org\n-1 True\n", "\(r)")
        var host = utsname()
        uname(&host)
        let hostName = withUnsafeBytes(of: &host.nodename) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #expect(hostName != "inner")
    }

    @Test("--read-only is --rootfs-readonly")
    func readOnly() throws {
        let rw = try Husk.run(["/bin/sh", "-c", "echo x > /husk-new-file && cat /husk-new-file"])
        #expect(rw.status == 0 && rw.stdout == "x\n", "\(rw)")
        let ro = try Husk.run(["/bin/sh", "-c", "echo x > /husk-new-file"], options: ["--read-only"])
        #expect(ro.status != 0 && ro.stderr.contains("Read-only file system"), "\(ro)")
    }

    @Test("--tmpfs mounts an extra tmpfs with its size and mode; bad specs are refused")
    func tmpfs() throws {
        let r = try Husk.run(["/bin/sh", "-c", """
            stat -c '%a' /scratch /data; grep -E ' /(scratch|data) ' /proc/mounts | cut -d' ' -f2-4; \
            echo hi > /data/f && cat /data/f; \
            dd if=/dev/zero of=/scratch/big bs=64k count=32 2>/dev/null; echo "dd $?"; \
            test "$(stat -c %s /scratch/big)" -le 1048576 && echo capped
            """], options: ["--tmpfs", "/scratch:size=1m,mode=700", "--tmpfs", "/data", "--read-only"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == """
            700
            1777
            /scratch tmpfs rw,nosuid,nodev,size=1024k
            /data tmpfs rw,nosuid,nodev
            hi
            dd 1
            capped

            """, "\(r)")
        let cwd = try Husk.run(["/bin/pwd"], options: ["--tmpfs", "/husk-scratch", "-w", "/husk-scratch"])
        #expect(cwd.status == 0 && cwd.stdout == "/husk-scratch\n", "\(cwd)")
        expectRefused(try Husk.run(["/bin/true"], options: ["--tmpfs", "/etc/passwd"]), "Not a directory")
        expectRefused(try Husk.run(["/bin/true"], options: ["--tmpfs", "/x:noexec"]), "noexec")
        expectRefused(try Husk.run(["/bin/true"], options: ["--tmpfs", "/x:size=lots"]), "size=lots")
        expectRefused(try Husk.run(["/bin/true"], options: ["--tmpfs", "relative"]), "relative")
    }

    @Test("a device volume, a missing volume and a duplicate target are refused in one line")
    func volumeRefusals() throws {
        expectRefused(try Husk.run(["/bin/true"], options: ["-v", "/dev/null:/p"]), "neither a directory nor a regular file")
        expectRefused(try Husk.run(["/bin/true"], options: ["-v", "/nonexistent-husk-vol:/p"]), "/nonexistent-husk-vol")
        expectRefused(try Husk.run(["/bin/true"], options: ["-v", "/tmp:/a", "-v", "/etc:/a/"]), "already the target")
        expectRefused(try Husk.run(["/bin/true"], options: ["-v", "/tmp:/a", "--tmpfs", "/a"]), "already the target")
    }

    @Test("sizes with fractions and either case; limits the sandbox cannot honour are one sentence")
    func limitValues() throws {
        let r = try Husk.run(["/bin/sh", "-c", "grep MemTotal /proc/meminfo"], options: ["--memory", "1.5g"])
        #expect(r.status == 0 && r.stdout.contains("1572864 kB"), "\(r)")
        let upper = try Husk.run(["/bin/sh", "-c", "grep MemTotal /proc/meminfo"], options: ["--memory", "512M"])
        #expect(upper.status == 0 && upper.stdout.contains("524288 kB"), "\(upper)")
        expectRefused(try Husk.run(["/bin/true"], options: ["--memory", "3m"]), "--memory 3m: too small; the sandbox needs at least 4m")
        // The measured minimum runs a small program; a bigger one ends with one OOM line.
        let least = try Husk.run(["/bin/sh", "-c", "ls / > /dev/null && echo ok"], options: ["--memory", "4m"])
        #expect(least.status == 0 && least.stdout == "ok\n" && least.stderr.isEmpty, "\(least)")
        let big = try Husk.run(["/usr/bin/python3", "-c", "import json, sqlite3; print(len(bytearray(64 << 20)))"], options: ["--memory", "4m"])
        #expect(big.status != 0 && big.stdout.isEmpty, "\(big)")
        let l = lines(big.stderr)
        #expect(l.count == 1 && l[0].hasPrefix("husk: memory limit of 4 MiB reached: the kernel killed "), "\(big)")
        let cpus = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        expectRefused(try Husk.run(["/bin/true"], options: ["--cpus", "\(cpus + 1)"]), "\(cpus) CPU")
        expectRefused(try Husk.run(["/bin/true"], options: ["--cpuset-cpus", "\(cpus + 3)"]), "no CPU \(cpus + 3)")
    }
}

/// Refused invocations of husk (the words after `husk`): each must end with exactly one
/// `husk:` line naming the problem and a nonzero status, whichever part notices it (the parser,
/// husk run's checks, the cgroup, the Gofer, the Sentry in the sandbox's own view).
private let refusedInvocations: [(args: [String], needle: String)] = {
    let cpus = sysconf(Int32(_SC_NPROCESSORS_ONLN))
    let t = ["--", "/bin/true"]
    return [
        (["rnu"] + t, "did you mean 'run'?"),
        (["sycalls"], "did you mean 'syscalls'?"),
        (["run"], "no program given"),
        (["run", "--bogus"] + t, "--bogus"),
        (["run", "--memory"], "--memory"),
        (["syscalls", "--bogus"], "--bogus"),
        (["run", "--memory", "lots"] + t, "--memory lots: not a size"),
        (["run", "--memory", "1.5x"] + t, "not a size"),
        (["run", "--memory", "100k"] + t, "too small"),
        (["run", "--pids", "0"] + t, "--pids 0"),
        (["run", "--cpus", "0"] + t, "--cpus 0"),
        (["run", "--cpus", "\(cpus + 1)"] + t, "this machine has \(cpus) CPU"),
        (["run", "--cpu-shares", "1"] + t, "--cpu-shares 1"),
        (["run", "--cpuset-cpus", "5-3"] + t, "--cpuset-cpus 5-3"),
        (["run", "--cpuset-cpus", "\(cpus + 3)"] + t, "no CPU \(cpus + 3) on this machine"),
        (["run", "--device-read-bps", "/dev/null:1m"] + t, "not a block device"),
        (["run", "--device-write-iops", "254:0:fast"] + t, "fast"),
        (["run", "--no-cgroup", "--memory", "64m"] + t, "--no-cgroup"),
        (["run", "--timeout", "soon"] + t, "--timeout soon"),
        (["run", "--rootfs", "/nonexistent-husk-root"] + t, "/nonexistent-husk-root"),
        (["run", "--cwd", "relative"] + t, "--cwd relative"),
        (["run", "-w", "/nonexistent-husk-dir"] + t, "/nonexistent-husk-dir"),
        (["run", "-w", "/etc/passwd"] + t, "/etc/passwd"),
        (["run", "--hostname", ""] + t, "--hostname"),
        (["run", "--network", "bridge"] + t, "--network bridge"),
        (["run", "--platform", "ptrce"] + t, "did you mean 'ptrace'?"),
        (["run", "-v", "relative:/x"] + t, "-v relative:/x"),
        (["run", "-v", "/nonexistent-husk-vol:/x"] + t, "/nonexistent-husk-vol"),
        (["run", "-v", "/tmp:/x", "-v", "/etc:/x"] + t, "already the target"),
        (["run", "-v", "/etc/passwd:/etc"] + t, "volume target /etc"),
        (["run", "--tmpfs", "/x:noexec"] + t, "noexec"),
        (["run", "--tmpfs", "/etc/passwd"] + t, "--tmpfs /etc/passwd"),
        (["run", "--env-file", "/nonexistent-husk-env"] + t, "/nonexistent-husk-env"),
        (["run", "-e", "=x"] + t, "-e =x"),
        (["run", "--user", "no-such-husk-user"] + t, "no-such-husk-user"),
        (["run", "--user", "1:2:3"] + t, "--user 1:2:3"),
        (["run", "--stats-json", "/nonexistent-husk-dir/s.json"] + t, "/nonexistent-husk-dir/s.json"),
        (["run", "--", "/nonexistent-husk-program"], "/nonexistent-husk-program"),
    ]
}()

@Suite("cgroup refusals are sentences", .serialized)
struct CgroupRefusalTests {
    /// husk run started inside fresh v1 cpuset and cpu cgroups (its "own" cgroup there):
    /// CPU 0 only, and a fifth of a CPU. Its limits must fit inside them.
    private func inNarrowCgroups(_ options: [String]) throws -> RunResult {
        let cpuset = "/sys/fs/cgroup/cpuset/husk-cli-test-\(getpid())", cpu = "/sys/fs/cgroup/cpu/husk-cli-test-\(getpid())"
        try #require(access("/sys/fs/cgroup/cpuset/cgroup.procs", F_OK) == 0 && access("/sys/fs/cgroup/cpu/cgroup.procs", F_OK) == 0,
                     "this test needs the v1 cpuset and cpu hierarchies (as on the development VM)")
        try #require(sysconf(Int32(_SC_NPROCESSORS_ONLN)) >= 2, "needs two CPUs")
        for d in [cpuset, cpu] { #expect(mkdir(d, 0o755) == 0 || errno == EEXIST) }
        defer {
            // husk run leaves its `husk` directory (the monitor removes the sandbox's own, maybe later).
            for _ in 0..<100 {
                for d in [cpuset, cpu] { rmdir(d + "/husk"); rmdir(d) }
                if access(cpuset, F_OK) != 0 && access(cpu, F_OK) != 0 { break }
                usleep(50_000)
            }
        }
        let mems = try String(contentsOfFile: "/sys/fs/cgroup/cpuset/cpuset.mems", encoding: .utf8)
        try "0".write(toFile: cpuset + "/cpuset.cpus", atomically: false, encoding: .utf8)
        try mems.write(toFile: cpuset + "/cpuset.mems", atomically: false, encoding: .utf8)
        try "20000".write(toFile: cpu + "/cpu.cfs_quota_us", atomically: false, encoding: .utf8)
        let husk = try Husk.require()
        return try IntegrationTests.run(["/bin/sh", "-c", "echo $$ > \(cpuset)/cgroup.procs && echo $$ > \(cpu)/cgroup.procs && exec \"$0\" \"$@\"",
                                         husk, "run"] + options + ["--", "/bin/true"], env: Husk.defaultEnvironment)
    }

    @Test("a CPU outside husk run's own cpuset, a quota above its own: one sentence each, 125")
    func narrowerAncestors() throws {
        let cpus = try inNarrowCgroups(["--cpuset-cpus", "1"])
        expectRefused(cpus, "--cpuset-cpus 1: husk run's cgroup may only use CPUs 0")
        let quota = try inNarrowCgroups(["--cpus", "1"])
        expectRefused(quota, "--cpus 1: more CPU time than husk run's cgroup")
        let fits = try inNarrowCgroups(["--cpuset-cpus", "0", "--cpus", "0.1"])
        #expect(fits.status == 0 && fits.stderr.isEmpty, "\(fits)")
    }
}

@Suite("every refused invocation is one husk: line", .serialized)
struct RefusedInvocationTests {
    @Test("one husk: line naming the problem, nothing on stdout, a nonzero status", arguments: refusedInvocations.indices)
    func oneLine(_ i: Int) throws {
        let (args, needle) = refusedInvocations[i]
        let r = try huskCommand(args)
        #expect(r.status != 0, "\(args): \(r)")
        #expect(r.stdout.isEmpty, "\(args): \(r)")
        let l = lines(r.stderr)
        #expect(l.count == 1 && l[0].hasPrefix("husk: ") && l[0].contains(needle), "\(args): \(r)")
    }
}

@Suite("start-up log, completion and the man page", .serialized)
struct StartupCLITests {
    @Test("--debug-timing: one timing line per step of husk run and of each part; off by default")
    func debugTiming() throws {
        let r = try Husk.run(["/bin/true"], options: ["--debug-timing"])
        #expect(r.status == 0, "\(r)")
        let l = lines(r.stderr)
        #expect(!l.isEmpty && l.allSatisfy { $0.hasPrefix("husk: timing: ") }, "\(r)")
        for (part, step) in [("run", "command line parsed"), ("run", "gofer ready"), ("monitor", "forked"), ("gofer", "confined"),
                             ("sentry", "jail entered"), ("sentry", "program exited"), ("run", "sentry exited")] {
            #expect(l.contains { $0.contains(" \(part) ") && $0.contains(step) }, "\(part) \(step): \(r)")
        }
        let env = try IntegrationTests.run([try Husk.require(), "run", "--", "/bin/true"],
                                           env: Husk.defaultEnvironment + ["HUSK_DEBUG_TIMING=1"])
        #expect(env.status == 0 && env.stderr.contains("husk: timing: sentry"), "\(env)")
        let off = try Husk.run(["/bin/true"])
        #expect(off.stderr.isEmpty, "\(off)")
    }

    @Test("bash completion generated from the argument parser knows run's options")
    func completion() throws {
        let r = try IntegrationTests.run([try Husk.require(), "--generate-completion-script", "bash"], env: Husk.defaultEnvironment)
        #expect(r.status == 0, "\(r)")
        for word in ["run", "--stats", "--debug-timing", "--tmpfs", "--env-file", "--read-only"] {
            #expect(r.stdout.contains(word), "\(word)")
        }
    }

    @Test("the parser's help dump (what generate-manual turns into husk(1)) has every command")
    func manualSource() throws {
        let r = try IntegrationTests.run([try Husk.require(), "--experimental-dump-help"], env: Husk.defaultEnvironment)
        #expect(r.status == 0, "\(r)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let command = try #require(o["command"] as? [String: Any])
        let subs = (command["subcommands"] as? [[String: Any]] ?? []).compactMap { $0["commandName"] as? String }
        #expect(Set(subs).isSuperset(of: ["run", "syscalls", "version"]), "\(subs)")
    }
}
