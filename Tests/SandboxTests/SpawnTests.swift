import CHusk
import Glibc
import Testing
@testable import Sandbox

@Suite("chusk_spawn", SharedChildren())
struct SpawnTests {
    func binary(_ path: String) throws -> PartsExecutable {
        let fd = open(path, Int32(CHUSK_SB_O_PATH) | O_CLOEXEC)
        try #require(fd >= 0)
        return PartsExecutable(fd: fd, path: path)
    }

    @Test("a held child keeps no fd but its own: the parent still sees EOF on other pipes")
    func heldChildDropsOtherFds() throws {
        let sh = try binary("/bin/sh")
        defer { close(sh.fd) }
        let p = try makePipe()
        var child = try PendingChild.spawn(sh, argv: ["sh", "-c", "exit 0"], fds: [])
        close(p.write)
        var pfd = pollfd(fd: p.read, events: Int16(POLLIN), revents: 0)
        let ready = poll(&pfd, 1, 2000)
        #expect(ready == 1, "EOF on the pipe while the child is held")
        close(p.read)
        child.abandon()
    }

    @Test("the fd map installs exactly the given fds and exec failures are reported")
    func fdMapAndExec() throws {
        let sh = try binary("/bin/sh")
        defer { close(sh.fd) }
        let out = try makePipe()
        // fd 5 in the child is our pipe; the script writes which of fds 3..9 are open.
        var child = try PendingChild.spawn(sh, argv: ["sh", "-c", "for i in 3 4 5 6 7 8 9; do [ -e /proc/self/fd/$i ] && printf $i; done >&5"],
                                           fds: [(out.write, 5)])
        try child.release()
        close(out.write)
        var buf = [UInt8](repeating: 0, count: 64)
        let n = read(out.read, &buf, 64)
        close(out.read)
        var st: Int32 = 0
        _ = waitpid(child.pid, &st, 0)
        #expect(n > 0 && String(decoding: buf[0..<max(n, 0)], as: UTF8.self) == "5")

        let notExec = try binary("/etc/hostname")
        defer { close(notExec.fd) }
        var bad = try PendingChild.spawn(notExec, argv: ["x"], fds: [])
        #expect(throws: HuskError.self) { try bad.release() }
        _ = waitpid(bad.pid, &st, 0)
    }

    @Test("a CHUSK_JOIN_CGROUP entry moves the released child into that cgroup before it execs, and is not installed")
    func joinsCgroupItself() throws {
        guard geteuid() == 0 else { return }
        // A cgroup of our own below this process's pids cgroup (v1 here; skipped without one).
        let plan = CgroupSet.planForSelf(id: newSandboxID(), wanted: ["pids"]).filter { $0.version == .v1 }
        guard !plan.isEmpty else { return }
        let set = try CgroupSet.create(plan)
        defer { CgroupSet.killAndRemove(set.directories) }
        let joins = try set.openSelfJoinFiles()
        defer { for fd in joins { close(fd) } }
        let sh = try binary("/bin/sh")
        defer { close(sh.fd) }
        let out = try makePipe()
        // The child reports its pids cgroup and which of fds 3..9 it holds.
        var child = try PendingChild.spawn(sh, argv: ["sh", "-c", "grep :pids: /proc/self/cgroup >&5; for i in 3 4 6 7 8 9; do [ -e /proc/self/fd/$i ] && echo fd$i >&5; done"],
                                           fds: [(out.write, 5)] + joins.map { ($0, Int32(CHUSK_JOIN_CGROUP)) })
        try child.release()
        close(out.write)
        var text = ""
        var buf = [UInt8](repeating: 0, count: 512)
        while true { let n = read(out.read, &buf, buf.count); if n <= 0 { break }; text += String(decoding: buf[0..<n], as: UTF8.self) }
        close(out.read)
        var st: Int32 = 0
        _ = waitpid(child.pid, &st, 0)
        let id = String(set.directories[0].split(separator: "/").last!)
        #expect(text.hasSuffix("/husk/\(id)\n"), "\(text)")
        #expect(text.split(separator: "\n").count == 1, "no extra fd: \(text)")
    }

    @Test("a CHUSK_JOIN_CGROUP fd the kernel refuses fails the child's start")
    func joinFailureReported() throws {
        let sh = try binary("/bin/sh")
        defer { close(sh.fd) }
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)   // not writable: EBADF
        defer { close(devNull) }
        var child = try PendingChild.spawn(sh, argv: ["sh", "-c", "exit 0"], fds: [(devNull, Int32(CHUSK_JOIN_CGROUP))])
        let error = #expect(throws: HuskError.self) { try child.release() }
        #expect(error?.message.hasPrefix("cannot move the sandbox into its cgroup: ") == true, "\(String(describing: error?.message))")
        var st: Int32 = 0
        _ = waitpid(child.pid, &st, 0)
        #expect(chusk_wifexited(st) != 0 && chusk_wexitstatus(st) == 125)
    }
}
