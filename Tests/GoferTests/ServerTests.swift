// A Gofer serving a temporary tree, driven through GoferClient and raw messages.

import CHusk
import Glibc
import Gofer
import GoferProtocol
import SystemPackage
import Testing

/// A tree:  a/b/c/file.txt, hello.txt, rel -> ../../../../etc/passwd, abs -> /etc/shadow,
/// dirlink -> /etc, fifo, null (char 1,3), big/ (filled by the test that needs it).
func makeTree(_ tag: String) throws -> String {
    let root = try makeTempDir(tag)
    try makeDir(root + "/a"); try makeDir(root + "/a/b"); try makeDir(root + "/a/b/c")
    try writeFile(root + "/a/b/c/file.txt", b("deep file\n"))
    try writeFile(root + "/hello.txt", b("hello, gofer\n"))
    try makeSymlink("../../../../etc/passwd", root + "/rel")
    try makeSymlink("/etc/shadow", root + "/abs")
    try makeSymlink("/etc", root + "/dirlink")
    guard mkfifo(root + "/fifo", 0o644) == 0 else { throw TestFailure("mkfifo") }
    guard mknod(root + "/null", S_IFCHR | 0o666, makedev(1, 3)) == 0 else { throw TestFailure("mknod") }
    return root
}

func errnoOf(_ body: () throws -> Void) -> Int32 {
    do { try body(); return 0 } catch let e as Errno { return e.rawValue } catch { return -1 }
}

/// glibc's makedev (a macro, not imported).
func makedev(_ major: UInt64, _ minor: UInt64) -> dev_t {
    dev_t(((major & 0xFFFF_F000) << 32) | ((major & 0xFFF) << 8) | ((minor & 0xFFFF_FF00) << 12) | (minor & 0xFF))
}

@Suite(.serialized) struct ServerTests {
    @Test func multiNameWalkWithStats() throws {
        let root = try makeTree("walk")
        defer { removeTree(root) }
        let fx = try Fixture(root: root)
        let (r, rootAttr) = try fx.client.attach()
        #expect(rootAttr.isDirectory)
        #expect(rootAttr.ino == UInt64(lstatOf(root)?.st_ino ?? 0))
        let walked = try fx.client.walk(r, [b("a"), b("b"), b("c"), b("file.txt")])
        #expect(walked.count == 4)
        let paths = ["/a", "/a/b", "/a/b/c", "/a/b/c/file.txt"]
        for (i, p) in paths.enumerated() where i < walked.count {
            #expect(walked[i].1.ino == UInt64(lstatOf(root + p)?.st_ino ?? 0))
        }
        #expect(walked.count == 4 && walked[3].1.isRegular && walked[3].1.size == 10)
        #expect(walked.count == 4 && walked[0].1.isDirectory && walked[2].1.isDirectory)
        // Stops at the first missing name; a missing first name is ENOENT.
        let partial = try fx.client.walk(r, [b("a"), b("missing"), b("c")])
        #expect(partial.count == 1)
        #expect(errnoOf { _ = try fx.client.walk(r, [b("missing")]) } == ENOENT)
        // Through a regular file: stops there.
        #expect(try fx.client.walk(r, [b("hello.txt"), b("x")]).count == 1)
        // stat of a handle agrees with the walk.
        if let last = walked.last { #expect(try fx.client.stat(last.0) == last.1) }
        #expect(fx.stop() == 0)  // the peer closed: goferMain returns 0
    }

    @Test func openGivesTheFileBytes() throws {
        let root = try makeTree("open")
        defer { removeTree(root) }
        let fx = try Fixture(root: root)
        let (r, _) = try fx.client.attach()
        let deep = try fx.client.walk(r, [b("a"), b("b"), b("c"), b("file.txt")])
        guard let file = deep.last else { throw TestFailure("walk") }
        let fd = try fx.client.open(file.0, flags: O_RDONLY)
        #expect(readAll(fd: fd) == b("deep file\n"))
        _ = close(fd)
        // A directory opens read-only only.
        let dfd = try fx.client.open(r, flags: O_RDONLY | O_DIRECTORY)
        #expect(dfd >= 0)
        _ = close(dfd)
        #expect(errnoOf { _ = try fx.client.open(r, flags: O_RDWR) } == EISDIR)
        #expect(errnoOf { _ = try fx.client.open(file.0, flags: O_RDONLY | O_DIRECTORY) } == ENOTDIR)
        #expect(errnoOf { _ = try fx.client.open(file.0, flags: O_RDONLY | O_CREAT) } == EINVAL)
        // Writing through a donated fd reaches the host file; O_TRUNC truncates.
        let wfd = try fx.client.open(file.0, flags: O_WRONLY | O_TRUNC)
        _ = b("new").withUnsafeBytes { write(wfd, $0.baseAddress, $0.count) }
        _ = close(wfd)
        #expect(readFile(root + "/a/b/c/file.txt") == b("new"))
        // Unknown handle.
        #expect(errnoOf { _ = try fx.client.open(999_999, flags: O_RDONLY) } == EBADF)
    }

    @Test func getdentsOfTenThousandEntries() throws {
        let root = try makeTree("dents")
        defer { removeTree(root) }
        try makeDir(root + "/big")
        var expected = Set<[UInt8]>()
        for i in 0..<10_000 {
            var name = "entry-\(i)"
            name += String(repeating: "x", count: i % 40)  // varied lengths
            let fd = open(root + "/big/" + name, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw TestFailure("create \(name)") }
            _ = close(fd)
            expected.insert(b(name))
        }
        let fx = try Fixture(root: root)
        let (r, _) = try fx.client.attach()
        guard let big = try fx.client.walk(r, [b("big")]).first else { throw TestFailure("walk big") }
        let ents = try fx.client.getdents(big.0)
        #expect(ents.count == 10_000)
        #expect(Set(ents.map(\.name)) == expected)
        #expect(ents.allSatisfy { $0.type == 8 /* DT_REG */ })
        // The listing needed several messages: more than one message's worth of bytes.
        let bytes = ents.reduce(0) { $0 + goferDirentWireSize(nameLength: $1.name.count) }
        #expect(bytes > GoferWire.maxMessageSize)
        // The small root listing has no "." / "..", and the client still works afterwards.
        let top = Set(try fx.client.getdents(r).map(\.name))
        #expect(top == Set([b("a"), b("hello.txt"), b("rel"), b("abs"), b("dirlink"), b("fifo"), b("null"), b("big")]))
        #expect(errnoOf { _ = try fx.client.getdents(big.0 == 1 ? 2 : 1_000_000) } == EBADF)
        if let hello = try fx.client.walk(r, [b("hello.txt")]).first {
            #expect(errnoOf { _ = try fx.client.getdents(hello.0) } == ENOTDIR)
        }
    }

    @Test func symlinksAreReturnedNeverFollowed() throws {
        let root = try makeTree("links")
        defer { removeTree(root) }
        let fx = try Fixture(root: root)
        let (r, _) = try fx.client.attach()
        for (name, target) in [("rel", "../../../../etc/passwd"), ("abs", "/etc/shadow"), ("dirlink", "/etc")] {
            let w = try fx.client.walk(r, [b(name)])
            #expect(w.count == 1 && w[0].1.isSymlink)
            guard let link = w.first else { continue }
            #expect(try fx.client.readlink(link.0) == b(target))
            #expect(errnoOf { _ = try fx.client.open(link.0, flags: O_RDONLY) } == ELOOP)
            // Walking through the link stops at the link.
            let through = try fx.client.walk(r, [b(name), b("passwd")])
            #expect(through.count == 1 && through[0].1.isSymlink)
        }
        // readlink of a non-link is EINVAL.
        #expect(errnoOf { _ = try fx.client.readlink(r) } == EINVAL)
    }

    @Test func dotDotAndSlashAreRefused() throws {
        let root = try makeTree("dotdot")
        defer { removeTree(root) }
        let fx = try Fixture(root: root)
        let (r, _) = try fx.client.attach()
        #expect(errnoOf { _ = try fx.client.walk(r, [b("..")]) } == EINVAL)
        #expect(errnoOf { _ = try fx.client.walk(r, [b("a"), b("..")]) } == EINVAL)
        #expect(errnoOf { _ = try fx.client.walk(r, [b("a/b")]) } == EINVAL)
        // The server refuses them too, whatever the client does: raw messages.
        for bad in [b(".."), b("."), b("a/b"), b("/etc"), [0x61, 0]] {
            var w = WireWriter()
            GoferRequest.walk(dir: r, names: [bad]).encode(id: 77, into: &w)
            #expect(fx.sendRaw(w.bytes) == w.bytes.count)
            guard let reply = fx.recvRaw() else { throw TestFailure("no reply") }
            let d = try GoferReply.decode(reply)
            #expect(d.id == 77)
            #expect(d.reply == .error(EINVAL))
        }
        #expect(try fx.client.walk(r, [b("a")]).count == 1)
    }

    @Test func readOnlyRefusesWrites() throws {
        let root = try makeTree("ro")
        defer { removeTree(root) }
        let fx = try Fixture(root: root, readOnly: true)
        let c = fx.client
        let (r, _) = try c.attach()
        guard let hello = try c.walk(r, [b("hello.txt")]).first, let a = try c.walk(r, [b("a")]).first else {
            throw TestFailure("walk")
        }
        #expect(errnoOf { _ = try c.create(r, b("n"), flags: O_RDWR, mode: 0o644, uid: 0, gid: 0) } == EROFS)
        #expect(errnoOf { _ = try c.mkdir(r, b("n"), mode: 0o755, uid: 0, gid: 0) } == EROFS)
        #expect(errnoOf { _ = try c.mknod(r, b("n"), mode: 0o010644, uid: 0, gid: 0) } == EROFS)
        #expect(errnoOf { _ = try c.symlink(r, b("n"), target: b("x"), uid: 0, gid: 0) } == EROFS)
        #expect(errnoOf { try c.link(r, b("n"), target: hello.0) } == EROFS)
        #expect(errnoOf { try c.unlink(r, b("hello.txt"), flags: 0) } == EROFS)
        #expect(errnoOf { try c.unlink(a.0, b("b"), flags: Int32(CHUSK_AT_REMOVEDIR)) } == EROFS)
        #expect(errnoOf { try c.rename(r, b("hello.txt"), r, b("moved")) } == EROFS)
        #expect(errnoOf { try c.setattr(hello.0, mask: 1, mode: 0o777, uid: 0, gid: 0, size: 0, atime: (0, 0), mtime: (0, 0)) } == EROFS)
        #expect(errnoOf { try c.setattr(hello.0, mask: 8, mode: 0, uid: 0, gid: 0, size: 0, atime: (0, 0), mtime: (0, 0)) } == EROFS)
        #expect(errnoOf { _ = try c.open(hello.0, flags: O_WRONLY) } == EROFS)
        #expect(errnoOf { _ = try c.open(hello.0, flags: O_RDWR) } == EROFS)
        #expect(errnoOf { _ = try c.open(hello.0, flags: O_RDONLY | O_TRUNC) } == EROFS)
        let fd = try c.open(hello.0, flags: O_RDONLY)
        #expect(readAll(fd: fd) == b("hello, gofer\n"))
        _ = close(fd)
        #expect(readFile(root + "/hello.txt") == b("hello, gofer\n"))
        #expect(lstatOf(root + "/n") == nil && lstatOf(root + "/moved") == nil && lstatOf(root + "/a/b") != nil)
    }

    @Test func fifoAndDeviceAreNeverOpened() throws {
        let root = try makeTree("fifo")
        defer { removeTree(root) }
        let fx = try Fixture(root: root)
        let (r, _) = try fx.client.attach()
        guard let fifo = try fx.client.walk(r, [b("fifo")]).first, let dev = try fx.client.walk(r, [b("null")]).first else {
            throw TestFailure("walk")
        }
        #expect(fifo.1.fileType == 0o010000)
        #expect(dev.1.fileType == 0o020000 && dev.1.rdev == UInt64(makedev(1, 3)))
        // An open that reached the FIFO without O_NONBLOCK would hang the Gofer (and time out here).
        for flags in [O_RDONLY, O_WRONLY, O_RDWR, O_RDONLY | O_NONBLOCK] {
            #expect(errnoOf { _ = try fx.client.open(fifo.0, flags: flags) } == EACCES)
            #expect(errnoOf { _ = try fx.client.open(dev.0, flags: flags) } == EACCES)
        }
        #expect(errnoOf { try fx.client.fsync(fifo.0) } == EINVAL)
        // mknod makes FIFOs and regular files only.
        #expect(errnoOf { _ = try fx.client.mknod(r, b("dev2"), mode: 0o020666, uid: 0, gid: 0) } == EPERM)
        #expect(errnoOf { _ = try fx.client.mknod(r, b("blk"), mode: 0o060666, uid: 0, gid: 0) } == EPERM)
        #expect(lstatOf(root + "/dev2") == nil)
        #expect(try fx.client.stat(r).isDirectory)  // still serving
    }

    @Test func malformedBurstThenAWellFormedRequest() throws {
        let root = try makeTree("burst")
        defer { removeTree(root) }
        let fx = try Fixture(root: root)
        var rng = XorShift(state: 12345)
        var sent = 0
        var garbage: [[UInt8]] = [[], [1], Array(repeating: 0xFF, count: 12),
                                  [UInt8](repeating: 0, count: 70_000),  // beyond the max message size
                                  patchLength(GoferRequest.stat(handle: 1).encoded(id: 5) + [9, 9])]
        for _ in 0..<300 {
            var m = [UInt8](repeating: 0, count: rng.below(200))
            for i in m.indices { m[i] = UInt8(truncatingIfNeeded: rng.next()) }
            garbage.append(m)
        }
        for m in garbage {
            guard requestFails(m) != nil || m.count > GoferWire.maxMessageSize else { continue }
            #expect(fx.sendRaw(m) == m.count)
            guard let reply = fx.recvRaw() else { Issue.record("no reply to garbage"); break }
            let d = try GoferReply.decode(reply)
            guard case let .error(e) = d.reply else { Issue.record("not an error: \(d.reply)"); continue }
            #expect(e == EPROTO || e == EINVAL)
            sent += 1
        }
        #expect(sent > 250)
        let (r, attr) = try fx.client.attach()
        #expect(attr.isDirectory)
        #expect(try fx.client.walk(r, [b("a"), b("b")]).count == 2)
    }

    @Test func mutationsOnAWritableTree() throws {
        let root = try makeTree("rw")
        defer { removeTree(root) }
        let fx = try Fixture(root: root)
        let c = fx.client
        let (r, _) = try c.attach()
        // create: handle, attr, fd; mode is exact (the Gofer's umask is 0).
        let (fh, fattr, ffd) = try c.create(r, b("made.txt"), flags: O_RDWR, mode: 0o640, uid: 0, gid: 0)
        #expect(fattr.isRegular && fattr.mode & 0o777 == 0o640)
        _ = b("12345").withUnsafeBytes { write(ffd, $0.baseAddress, $0.count) }
        _ = close(ffd)
        #expect(try c.stat(fh).size == 5)
        #expect(errnoOf { _ = try c.create(r, b("made.txt"), flags: O_RDWR, mode: 0o644, uid: 0, gid: 0) } == EEXIST)
        // create with ownership.
        let (_, owned, ofd) = try c.create(r, b("owned"), flags: O_WRONLY, mode: 0o600, uid: 1234, gid: 5678)
        _ = close(ofd)
        #expect(owned.uid == 1234 && owned.gid == 5678)
        // mkdir, mknod (FIFO), symlink.
        let (dh, dattr) = try c.mkdir(r, b("newdir"), mode: 0o711, uid: 0, gid: 0)
        #expect(dattr.isDirectory && dattr.mode & 0o777 == 0o711)
        let (_, pattr) = try c.mknod(dh, b("pipe"), mode: 0o010600, uid: 0, gid: 0)
        #expect(pattr.fileType == 0o010000)
        let (_, sattr) = try c.symlink(dh, b("sl"), target: b("../made.txt"), uid: 0, gid: 0)
        #expect(sattr.isSymlink)
        #expect(readFile(root + "/newdir/sl") == b("12345"))
        // link.
        try c.link(dh, b("hard"), target: fh)
        #expect(try c.stat(fh).nlink == 2)
        // rename keeps the handle usable (it follows the new name).
        try c.rename(r, b("made.txt"), dh, b("renamed.txt"))
        let rfd = try c.open(fh, flags: O_RDONLY)
        #expect(readAll(fd: rfd) == b("12345"))
        _ = close(rfd)
        #expect(errnoOf { try c.rename(dh, b("renamed.txt"), dh, b("hard"), flags: 1) } == EEXIST)
        // setattr: size, mode, times.
        try c.setattr(fh, mask: 8, mode: 0, uid: 0, gid: 0, size: 2, atime: (0, 0), mtime: (0, 0))
        #expect(readFile(root + "/newdir/renamed.txt") == b("12"))
        try c.setattr(fh, mask: 1, mode: 0o604, uid: 0, gid: 0, size: 0, atime: (0, 0), mtime: (0, 0))
        #expect((lstatOf(root + "/newdir/renamed.txt")?.st_mode ?? 0) & 0o7777 == 0o604)
        try c.setattr(fh, mask: 0x30, mode: 0, uid: 0, gid: 0, size: 0, atime: (1000, 5), mtime: (2000, 7))
        let t = try c.stat(fh)
        #expect(t.atimeSec == 1000 && t.atimeNsec == 5 && t.mtimeSec == 2000 && t.mtimeNsec == 7)
        try c.setattr(fh, mask: 6, mode: 0, uid: 42, gid: 43, size: 0, atime: (0, 0), mtime: (0, 0))
        #expect(try c.stat(fh).uid == 42)
        try c.setattr(dh, mask: 1, mode: 0o755, uid: 0, gid: 0, size: 0, atime: (0, 0), mtime: (0, 0))
        #expect(try c.stat(dh).mode & 0o777 == 0o755)
        #expect(errnoOf { try c.setattr(dh, mask: 8, mode: 0, uid: 0, gid: 0, size: 0, atime: (0, 0), mtime: (0, 0)) } == EISDIR)
        // statfs, fsync.
        #expect(try c.statfs(r).bsize > 0)
        try c.fsync(fh)
        try c.fsync(dh)
        // unlink and rmdir.
        #expect(errnoOf { try c.unlink(r, b("newdir"), flags: Int32(CHUSK_AT_REMOVEDIR)) } == ENOTEMPTY)
        for n in ["renamed.txt", "hard", "pipe", "sl"] { try c.unlink(dh, b(n), flags: 0) }
        try c.unlink(r, b("newdir"), flags: Int32(CHUSK_AT_REMOVEDIR))
        #expect(lstatOf(root + "/newdir") == nil)
        #expect(errnoOf { try c.unlink(r, b("a"), flags: 0x100) } == EINVAL)
        // The file is gone: its handle is stale for open.
        #expect(errnoOf { _ = try c.open(fh, flags: O_RDONLY) } != 0)
        // close: the handle is gone afterwards.
        c.close(fh)
        #expect(errnoOf { _ = try c.stat(fh) } == EBADF)
        #expect(fx.stop() == 0)
    }
}

@Suite(.serialized) struct MultiRootTests {
    @Test("attach selects a tree; read-only is per tree; nothing crosses trees")
    func rootsAreSeparate() throws {
        let root = try makeTree("roots0"), rw = try makeTempDir("roots1"), ro = try makeTempDir("roots2")
        defer { removeTree(root); removeTree(rw); removeTree(ro) }
        try writeFile(ro + "/f", b("ro\n"))
        let fx = try Fixture(root: root, readOnly: true, volumes: [(rw, false), (ro, true)])
        let (r0, _) = try fx.client.attach(root: 0)
        let (r1, a1) = try fx.client.attach(root: 1)
        let (r2, _) = try fx.client.attach(root: 2)
        #expect(a1.ino == UInt64(lstatOf(rw)?.st_ino ?? 0))
        #expect(errnoOf { _ = try fx.client.attach(root: 3) } == ENOENT)
        // Writes: only tree 1.
        let (h, _, fd) = try fx.client.create(r1, b("new"), flags: O_RDWR, mode: 0o644, uid: 0, gid: 0)
        _ = close(fd)
        #expect(lstatOf(rw + "/new") != nil)
        #expect(errnoOf { _ = try fx.client.mkdir(r0, b("x"), mode: 0o755, uid: 0, gid: 0) } == EROFS)
        #expect(errnoOf { _ = try fx.client.mkdir(r2, b("x"), mode: 0o755, uid: 0, gid: 0) } == EROFS)
        let f2 = try fx.client.walk(r2, [b("f")])
        #expect(errnoOf { _ = try fx.client.open(f2[0].0, flags: O_WRONLY) } == EROFS)
        #expect(errnoOf { _ = try fx.client.open(f2[0].0, flags: O_RDONLY | O_TRUNC) } == EROFS)
        // Links and renames never cross trees.
        #expect(errnoOf { try fx.client.link(r1, b("l"), target: f2[0].0) } == EXDEV)
        #expect(errnoOf { try fx.client.rename(r1, b("new"), r2, b("moved")) } == EXDEV)
        // Nodes walked below tree 1 stay writable; ".." is refused by the decoder.
        let (dh, _) = try fx.client.mkdir(r1, b("d"), mode: 0o755, uid: 0, gid: 0)
        _ = try fx.client.mkdir(dh, b("e"), mode: 0o755, uid: 0, gid: 0)
        #expect(lstatOf(rw + "/d/e") != nil)
        #expect(errnoOf { _ = try fx.client.walk(r1, [b("..")]) } == EINVAL)
        fx.client.close(h)
        #expect(fx.stop() == 0)
    }

    @Test("a file tree (-v FILE:GUEST): attach gives the file itself, no walk below or beside it; read-only refuses writes")
    func fileTrees() throws {
        let root = try makeTree("froot"), dir = try makeTempDir("fvol")
        defer { removeTree(root); removeTree(dir) }
        try writeFile(dir + "/f", b("one\n"))
        try writeFile(dir + "/g", b("ro\n"))
        try writeFile(dir + "/secret", b("beside\n"))
        let fx = try Fixture(root: root, readOnly: true, volumes: [(dir + "/f", false), (dir + "/g", true)])
        let (f, a) = try fx.client.attach(root: 1)
        #expect(a.ino == UInt64(lstatOf(dir + "/f")?.st_ino ?? 0) && a.mode & UInt32(S_IFMT) == UInt32(S_IFREG))
        // The tree is the file alone: nothing below it, and ".." is refused by the decoder.
        #expect(errnoOf { _ = try fx.client.walk(f, [b("secret")]) } == ENOTDIR)
        #expect(errnoOf { _ = try fx.client.walk(f, [b("..")]) } == EINVAL)
        #expect(errnoOf { _ = try fx.client.mkdir(f, b("d"), mode: 0o755, uid: 0, gid: 0) } == ENOTDIR)
        // Opened for writing with O_TRUNC: written through to the host file.
        let w = try fx.client.open(f, flags: O_WRONLY | O_TRUNC)
        #expect(readFile(dir + "/f") == [])
        #expect(pwrite(w, "two\n", 4, 0) == 4)
        _ = close(w)
        #expect(readFile(dir + "/f") == b("two\n"))
        let r = try fx.client.open(f, flags: O_RDONLY)
        var buf = [UInt8](repeating: 0, count: 16)
        #expect(pread(r, &buf, 16, 0) == 4 && Array(buf[0..<4]) == b("two\n"))
        #expect(write(r, "x", 1) == -1)  // the read fd does not write
        _ = close(r)
        try fx.client.setattr(f, mask: GoferSetAttrMask.size.rawValue, mode: 0, uid: 0, gid: 0, size: 2,
                              atime: (0, GoferSetAttr.utimeOmit), mtime: (0, GoferSetAttr.utimeOmit))
        #expect(readFile(dir + "/f") == b("tw"))
        try fx.client.fsync(f)
        // Tree 2 is read-only.
        let (g, _) = try fx.client.attach(root: 2)
        for flags in [O_WRONLY, O_RDWR, O_RDONLY | O_TRUNC] { #expect(errnoOf { _ = try fx.client.open(g, flags: flags) } == EROFS) }
        let gr = try fx.client.open(g, flags: O_RDONLY)
        #expect(pread(gr, &buf, 16, 0) == 3)
        _ = close(gr)
        #expect(readFile(dir + "/g") == b("ro\n"))
        #expect(fx.stop() == 0)
    }
}

/// A listening unix socket of the test process bound at `path`.
private func listenUnix(_ path: String, type: Int32 = Int32(SOCK_STREAM.rawValue)) -> Int32 {
    let fd = socket(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0)
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &addr.sun_path) { p in for (i, c) in path.utf8.enumerated() { p[i] = c } }
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
    if type == Int32(SOCK_STREAM.rawValue) { _ = listen(fd, 4) }
    return fd
}

/// A root tree and a volume (tree 1) holding a listening socket s.sock, served with or without
/// --host-uds; the volume's handle and the socket's.
private func volumeWithSocket(_ tag: String, hostUDS: Bool) throws
    -> (root: String, vol: String, listener: Int32, fx: Fixture, volume: GoferHandle, sock: GoferHandle) {
    let root = try makeTree(tag + "r"), vol = try makeTempDir(tag + "v")
    let listener = listenUnix(vol + "/s.sock")
    let fx = try Fixture(root: root, readOnly: true, volumes: [(vol, false)], hostUDS: hostUDS)
    let (r1, _) = try fx.client.attach(root: 1)
    let sock = try fx.client.walk(r1, [b("s.sock")])[0].0
    return (root, vol, listener, fx, r1, sock)
}

@Suite(.serialized) struct HostUnixSocketTests {
    @Test("connect: with --host-uds the Gofer connects to a volume's socket file and donates the socket")
    func connectsInAVolume() throws {
        let (root, vol, listener, fx, r1, sock) = try volumeWithSocket("uds0", hostUDS: true)
        defer { _ = close(listener); removeTree(root); removeTree(vol) }
        try writeFile(vol + "/plain", b("x"))
        let fd = try fx.client.connect(sock, type: Int32(SOCK_STREAM.rawValue))
        #expect(write(fd, "ping", 4) == 4)
        let server = accept(listener, nil, nil)
        var buf = [UInt8](repeating: 0, count: 8)
        #expect(read(server, &buf, 8) == 4 && Array(buf[0..<4]) == b("ping"))
        #expect(fcntl(fd, F_GETFL) & O_NONBLOCK != 0 && fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)
        _ = close(server); _ = close(fd)
        // Wrong type for the socket, a regular file, the root view: refused.
        #expect(errnoOf { _ = try fx.client.connect(sock, type: Int32(SOCK_DGRAM.rawValue)) } == EPROTOTYPE)
        let plain = try fx.client.walk(r1, [b("plain")])[0].0
        #expect(errnoOf { _ = try fx.client.connect(plain, type: Int32(SOCK_STREAM.rawValue)) } == ECONNREFUSED)
        let (r0, _) = try fx.client.attach(root: 0)
        #expect(errnoOf { _ = try fx.client.connect(r0, type: Int32(SOCK_STREAM.rawValue)) } == ECONNREFUSED)
        // The name swapped for another socket after the walk: refused (not the node walked).
        _ = unlink(vol + "/s.sock")
        let other = listenUnix(vol + "/s.sock")
        defer { _ = close(other) }
        #expect(errnoOf { _ = try fx.client.connect(sock, type: Int32(SOCK_STREAM.rawValue)) } == ECONNREFUSED)
        // A malformed connect (a bad type on the wire) gets an error reply; the server goes on.
        var raw = GoferRequest.connect(handle: sock, type: 1).encoded(id: 77)
        raw[raw.count - 4] = 3   // SOCK_RAW
        #expect(fx.sendRaw(raw) == raw.count)
        let reply = try #require(fx.recvRaw())
        #expect((try? GoferReply.decode(reply))?.reply == .error(EPROTO))
        _ = try fx.client.stat(r1)
        #expect(fx.stop() == 0)
    }

    @Test("connect: without --host-uds every connect is ECONNREFUSED")
    func refusedByDefault() throws {
        let (root, vol, listener, fx, _, sock) = try volumeWithSocket("uds2", hostUDS: false)
        defer { _ = close(listener); removeTree(root); removeTree(vol) }
        #expect(errnoOf { _ = try fx.client.connect(sock, type: Int32(SOCK_STREAM.rawValue)) } == ECONNREFUSED)
        #expect(fx.stop() == 0)
    }
}
