// Rootless mode: husk run started by an unprivileged host user (husk-rootless, created here if
// missing; nobody if useradd is not available) clones the Gofer and the Sentry each into a
// user namespace mapping that user to its root. Without a delegated cgroup it needs
// --no-cgroup; without it (or with a limit flag) it refuses in one line, status 125.
import Foundation
import Glibc
import Testing

/// The unprivileged user and a copy of husk it can execute (the build tree may not be reachable).
struct RootlessUser {
    let uid: uid_t
    let gid: gid_t
    let husk: String

    static func make() throws -> RootlessUser {
        let built = try Husk.require()
        if getpwnam("husk-rootless") == nil {
            _ = try run(["/usr/sbin/useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "husk-rootless"], timeout: 30)
        }
        var uid: uid_t = 65534, gid: gid_t = 65534
        if let pw = getpwnam("husk-rootless") { uid = pw.pointee.pw_uid; gid = pw.pointee.pw_gid }
        var template = Array("/tmp/husk-rootless-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw SpawnError(description: "mkdtemp: \(errno)") }
        let path = String(cString: dir)
        chmod(path, 0o755)
        let husk = path + "/husk"
        // Copied by cp, not in this process: a thread of the test process forking while this
        // process held the copy open for writing would make its exec fail with ETXTBSY.
        // husk-parts (the Sentry, Gofer and monitor) goes beside it, as an install puts it.
        let copy = try run(["/bin/cp", built, built + "-parts", path + "/"], timeout: 60)
        guard copy.status == 0 else { throw SpawnError(description: "cp husk husk-parts: \(copy)") }
        chmod(husk, 0o755)
        chmod(husk + "-parts", 0o755)
        return RootlessUser(uid: uid, gid: gid, husk: husk)
    }

    var setpriv: [String] {
        ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--"]
    }

    /// `husk ARGS` as this user, from / (the test's cwd may not be reachable).
    func husk(_ args: [String], timeout: Double = 60) throws -> RunResult {
        try run(setpriv + [husk] + args, env: Husk.defaultEnvironment, timeout: timeout)
    }

    func remove() {
        unlink(husk)
        unlink(husk + "-parts")
        rmdir(String(husk.dropLast("/husk".count)))
    }
}

@Suite("Rootless", .serialized)
struct RootlessTests {
    init() { _ = chdir("/") }

    @Test("rootless --no-cgroup: /bin/echo hello prints hello, status 0, nothing on stderr")
    func echo() throws {
        let u = try RootlessUser.make()
        defer { u.remove() }
        #expect(u.uid != 0)
        let r = try u.husk(["run", "--no-cgroup", "--", "/bin/echo", "hello"])
        #expect(r.status == 0 && r.stdout == "hello\n" && r.stderr.isEmpty, "\(r)")
    }

    @Test("rootless --no-cgroup: the program is root (uid 0) of the sandbox and reads the host's /etc/os-release")
    func rootInside() throws {
        let u = try RootlessUser.make()
        defer { u.remove() }
        let r = try u.husk(["run", "--no-cgroup", "--", "/bin/sh", "-c", "id -u; id -g; cat /etc/os-release | head -1"])
        let first = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8))?.split(separator: "\n").first.map(String.init) ?? "?"
        #expect(r.status == 0 && r.stdout == "0\n0\n\(first)\n", "\(r)")
    }

    @Test("rootless --no-cgroup: a read-write volume the user owns is written as that user on the host")
    func volumeWrite() throws {
        let u = try RootlessUser.make()
        defer { u.remove() }
        var template = Array("/tmp/husk-rootless-vol-XXXXXX".utf8CString)
        guard let d = mkdtemp(&template) else { throw SpawnError(description: "mkdtemp") }
        let dir = String(cString: d)
        defer { unlink(dir + "/f"); rmdir(dir) }
        chown(dir, u.uid, u.gid)
        let r = try u.husk(["run", "--no-cgroup", "-v", "\(dir):/data", "--", "/bin/sh", "-c", "echo hi > /data/f && stat -c %u:%g /data/f"])
        #expect(r.status == 0 && r.stdout == "0:0\n", "\(r)")
        var st = stat()
        #expect(stat(dir + "/f", &st) == 0 && st.st_uid == u.uid && st.st_gid == u.gid)
    }

    @Test("rootless without --no-cgroup and no delegated cgroup: status 125, one line naming the user and --no-cgroup")
    func noDelegatedCgroup() throws {
        let u = try RootlessUser.make()
        defer { u.remove() }
        let r = try u.husk(["run", "--", "/bin/true"])
        #expect(r.status == 125 && r.stdout.isEmpty, "\(r)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("husk: no delegated cgroup for ") && lines[0].contains("--no-cgroup"), "\(r)")
    }

    @Test("rootless with --memory and no delegated cgroup: status 125, one line saying limits need root or a delegated cgroup")
    func limitsNeedCgroup() throws {
        let u = try RootlessUser.make()
        defer { u.remove() }
        let r = try u.husk(["run", "--memory", "64m", "--", "/bin/true"])
        #expect(r.status == 125 && r.stdout.isEmpty, "\(r)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("husk: no delegated cgroup for ")
                && lines[0].contains("resource limits need root or a delegated cgroup"), "\(r)")
        let both = try u.husk(["run", "--no-cgroup", "--pids", "10", "--", "/bin/true"])
        #expect(both.status == 125 && both.stderr.split(separator: "\n").count == 1 && both.stderr.hasPrefix("husk: --no-cgroup"), "\(both)")
    }

    @Test("rootless: the Sentry and the Gofer each run in a user namespace mapping the user to 0; SIGKILL of husk run leaves no process")
    func killLeavesNothing() throws {
        let u = try RootlessUser.make()
        defer { u.remove() }
        let spawned = try Spawned(u.setpriv + [u.husk, "run", "--no-cgroup", "--", "/bin/sleep", "30"], env: Husk.defaultEnvironment)
        var parts = SandboxParts()
        _ = waitFor(30) {
            parts = SandboxParts.find(below: spawned.pid, in: ProcessTable())
            return parts.monitor > 0 && parts.sentry > 0 && parts.gofer > 0 && !parts.tasks.isEmpty
        }
        #expect(parts.monitor > 0 && parts.sentry > 0 && parts.gofer > 0 && !parts.tasks.isEmpty && parts.cgroups.isEmpty, "\(parts)")
        for pid in [parts.sentry, parts.gofer] where pid > 0 {
            let map = (try? String(contentsOfFile: "/proc/\(pid)/uid_map", encoding: .utf8)) ?? ""
            #expect(map.split(whereSeparator: { $0 == " " || $0 == "\n" }) == ["0", "\(u.uid)", "1"], "uid_map of \(pid): \(map)")
            let gmap = (try? String(contentsOfFile: "/proc/\(pid)/gid_map", encoding: .utf8)) ?? ""
            #expect(gmap.split(whereSeparator: { $0 == " " || $0 == "\n" }) == ["0", "\(u.gid)", "1"], "gid_map of \(pid): \(gmap)")
            var own = stat(), host = stat()
            #expect(stat("/proc/\(pid)/ns/user", &own) == 0 && stat("/proc/self/ns/user", &host) == 0 && own.st_ino != host.st_ino)
        }
        kill(spawned.pid, SIGKILL)
        _ = spawned.wait(timeout: 10)
        #expect(waitFor(10) { parts.leftovers().isEmpty }, "left behind: \(parts.leftovers())")
    }
}
