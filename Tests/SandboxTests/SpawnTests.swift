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
}
