// The overlay root: a writable in-memory upper layer over a read-only Gofer lower.

import CHusk
import Glibc
import LinuxABI
@testable import Sentry
import SystemPackage
import Testing

private func b(_ s: String) -> [UInt8] { Array(s.utf8) }

/// A fixture whose root is an overlay over a host tree: /etc/conf (0640, mtime 1e9),
/// /data/{a,b}, /data/sub/deep, /empty/.
private func overlayFixture() throws -> VFSFixture {
    try VFSFixture(overlay: true) { dir in
        mkdir(dir + "/etc", 0o755)
        try writeHostFile(dir + "/etc/conf", "lower contents\n", mode: 0o640)
        var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000_000, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, dir + "/etc/conf", &times, 0)
        mkdir(dir + "/data", 0o755)
        try writeHostFile(dir + "/data/a", "A")
        try writeHostFile(dir + "/data/b", "B")
        mkdir(dir + "/data/sub", 0o755)
        try writeHostFile(dir + "/data/sub/deep", "deep")
        mkdir(dir + "/empty", 0o755)
    }
}

private func names(_ fx: VFSFixture, _ path: String) throws -> [String] {
    try listNames(try fx.open(path, O_RDONLY | O_DIRECTORY)).filter { $0 != "." && $0 != ".." }.sorted()
}

private func readAll(_ file: FileDescription) throws -> String {
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
    defer { buf.deallocate() }
    guard let fd = file.hostFD else { throw HarnessError(what: "no host fd") }
    let n = pread(fd, buf.baseAddress, 4096, 0)
    return String(decoding: UnsafeRawBufferPointer(rebasing: buf[0..<max(n, 0)]), as: UTF8.self)
}

private func hostRead(_ path: String) -> String? {
    let fd = Glibc.open(path, O_RDONLY)
    if fd < 0 { return nil }
    defer { close(fd) }
    var buf = [UInt8](repeating: 0, count: 4096)
    let n = read(fd, &buf, 4096)
    return String(decoding: buf[0..<max(n, 0)], as: UTF8.self)
}

private func dirInode(_ fx: VFSFixture, _ path: String) throws -> Sentry.Inode { try fx.lookup(path).inode! }

@Suite struct VFSOverlayTests {
    @Test func copyUpKeepsModeOwnerTimesAndLeavesTheHostAlone() throws {
        let fx = try overlayFixture()
        let before = try fx.lookup("/etc/conf").inode!.stat()
        let file = try fx.open("/etc/conf", O_WRONLY | O_APPEND)
        let node = try #require(fx.lookup("/etc/conf").inode as? OverlayNode)
        #expect(node.isUpper)
        let after = try node.stat()
        #expect(after.mode == before.mode && after.uid == before.uid && after.gid == before.gid)
        #expect(after.mtime == before.mtime && after.ino == before.ino)
        #expect(after.mode & 0o7777 == 0o640 && after.mtime.sec == 1_000_000_000)
        #expect(after.dev == OverlayFS.dev)
        // The data came along; a write lands in the memfd only.
        #expect(try readAll(file) == "lower contents\n")
        let extra = "more\n"
        _ = extra.withCString { pwrite(file.hostFD!, $0, 5, 15) }
        #expect(try readAll(fx.open("/etc/conf", O_RDONLY)) == "lower contents\nmore\n")
        #expect(hostRead(fx.dir + "/etc/conf") == "lower contents\n")
    }

    @Test func truncateAndChmodCopyUp() throws {
        let fx = try overlayFixture()
        var c = AttributeChange(); c.size = 0
        try fx.lookup("/data/a").inode!.setAttributes(c)
        #expect(try fx.lookup("/data/a").inode!.stat().size == 0)
        c = AttributeChange(); c.mode = 0o600
        try fx.lookup("/data/b").inode!.setAttributes(c)
        let s = try fx.lookup("/data/b").inode!.stat()
        #expect(s.mode & 0o7777 == 0o600 && s.size == 1)
        #expect(hostRead(fx.dir + "/data/a") == "A")
        var host = Glibc.stat()
        lstat(fx.dir + "/data/b", &host)
        #expect(host.st_mode & 0o7777 == 0o644)
    }

    @Test func whiteoutsHideLowerNamesInReaddirAndLookup() throws {
        let fx = try overlayFixture()
        let data = try dirInode(fx, "/data")
        try data.unlink(b("a"), directory: false)
        #expect(throws: Errno.noSuchFileOrDirectory) { try data.lookup(b("a")) }
        #expect(try names(fx, "/data") == ["b", "sub"])
        // A new file under the whited-out name is listed once, with the new contents.
        let n = try data.create(b("a"), mode: 0o600, creds: Credentials())
        #expect(try n.stat().size == 0)
        #expect(try names(fx, "/data") == ["a", "b", "sub"])
        _ = try data.create(b("new"), mode: 0o644, creds: Credentials())
        #expect(try names(fx, "/data") == ["a", "b", "new", "sub"])
        #expect(hostRead(fx.dir + "/data/a") == "A")
        #expect(hostRead(fx.dir + "/data/new") == nil)
    }

    @Test func rmdirOfALowerDirectoryThenMkdirIsOpaque() throws {
        let fx = try overlayFixture()
        let data = try dirInode(fx, "/data")
        #expect(throws: Errno.directoryNotEmpty) { try data.unlink(b("sub"), directory: true) }
        let sub = try data.lookup(b("sub"))
        try sub.unlink(b("deep"), directory: false)
        try data.unlink(b("sub"), directory: true)
        #expect(try names(fx, "/data") == ["a", "b"])
        let fresh = try data.mkdir(b("sub"), mode: 0o755, creds: Credentials())
        #expect(try fresh.readdir(nil as Sentry.Task?).isEmpty)
        #expect(throws: Errno.noSuchFileOrDirectory) { try fresh.lookup(b("deep")) }
        #expect(hostRead(fx.dir + "/data/sub/deep") == "deep")
    }

    @Test func renameOfALowerDirectoryKeepsItsContents() throws {
        let fx = try overlayFixture()
        let root = try dirInode(fx, "/")
        try root.rename(b("data"), to: root, b("moved"), flags: 0)
        #expect(throws: Errno.noSuchFileOrDirectory) { try root.lookup(b("data")) }
        let moved = try root.lookup(b("moved"))
        #expect(try moved.readdir(nil as Sentry.Task?).map { String(decoding: $0.name, as: UTF8.self) }.sorted() == ["a", "b", "sub"])
        #expect(try moved.lookup(b("sub")).lookup(b("deep")).stat().size == 4)
        // Over an empty lower directory: replaced; over a non-empty one: ENOTEMPTY.
        try root.rename(b("moved"), to: root, b("empty"), flags: 0)
        #expect(try root.lookup(b("empty")).readdir(nil as Sentry.Task?).count == 3)
        _ = try root.mkdir(b("full"), mode: 0o755, creds: Credentials())
        _ = try root.lookup(b("full")).create(b("x"), mode: 0o644, creds: Credentials())
        #expect(throws: Errno.directoryNotEmpty) { try root.rename(b("empty"), to: root, b("full"), flags: 0) }
        #expect(throws: Errno.invalidArgument) { try root.rename(b("empty"), to: root.lookup(b("empty")).lookup(b("sub")), b("x"), flags: 0) }
        // The host still has the lower tree.
        #expect(hostRead(fx.dir + "/data/sub/deep") == "deep")
    }

    @Test func renameExchangeAndNoReplace() throws {
        let fx = try overlayFixture()
        let data = try dirInode(fx, "/data")
        #expect(throws: Errno.fileExists) { try data.rename(b("a"), to: data, b("b"), flags: RenameFlags.RENAME_NOREPLACE) }
        try data.rename(b("a"), to: data, b("b"), flags: RenameFlags.RENAME_EXCHANGE)
        #expect(try readAll(fx.open("/data/a", O_RDONLY)) == "B")
        #expect(try readAll(fx.open("/data/b", O_RDONLY)) == "A")
    }

    @Test func hardLinksShareOneNode() throws {
        let fx = try overlayFixture()
        let data = try dirInode(fx, "/data")
        let a = try data.lookup(b("a"))
        try data.link(b("a2"), to: a)
        #expect(try a.stat().nlink == 2)
        #expect(try data.lookup(b("a2")) === a)
        try data.unlink(b("a"), directory: false)
        #expect(try a.stat().nlink == 1)
    }

    @Test func xattrsLiveInTheUpperLayer() throws {
        let fx = try overlayFixture()
        let a = try fx.lookup("/data/a").inode!
        #expect(throws: Errno.noData) { try a.getxattr(b("user.k")) }
        try a.setxattr(b("user.k"), b("v"), flags: 0)
        #expect(try a.getxattr(b("user.k")) == b("v"))
        #expect(try a.listxattr() == [b("user.k")])
        #expect(throws: Errno.fileExists) { try a.setxattr(b("user.k"), b("w"), flags: XattrFlags.XATTR_CREATE) }
        try a.removexattr(b("user.k"))
        #expect(try a.listxattr().isEmpty)
    }

    @Test func statfsReportsOverlayAndMountsAreTmpfs() throws {
        let fx = try overlayFixture()
        #expect(try fx.lookup("/").inode!.statfs().type == FilesystemMagic.OVERLAYFS_SUPER_MAGIC)
        for p in ["/tmp", "/root", "/home", "/run", "/var/tmp"] {
            #expect(try fx.lookup(p).inode!.statfs().type == FilesystemMagic.TMPFS_MAGIC, "\(p)")
        }
        // The mount points were made in the overlay, not on the host.
        #expect(access(fx.dir + "/var", F_OK) != 0)
    }

    @Test func readOnlyRootStaysReadOnly() throws {
        let fx = try VFSFixture { dir in try writeHostFile(dir + "/f", "x") }
        #expect(throws: Errno.readOnlyFileSystem) { try fx.open("/f", O_WRONLY) }
        #expect(try fx.lookup("/tmp").inode!.statfs().type == FilesystemMagic.TMPFS_MAGIC)
    }

    /// A memfd holding `bytes`.
    private func memfd(_ bytes: [UInt8]) throws -> Int32 {
        let fd = chusk_vfs_memfd_create("copy-test", 1 | MemfdFlags.MFD_ALLOW_SEALING)  // MFD_CLOEXEC
        try #require(fd >= 0)
        let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        try #require(n == bytes.count)
        return fd
    }

    private func contents(_ fd: Int32) -> [UInt8] {
        var s = Glibc.stat()
        _ = fstat(fd, &s)
        var out = [UInt8](repeating: 0, count: Int(s.st_size))
        let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        return Array(out[0..<max(n, 0)])
    }

    @Test func copyDataGoesInChunksAndKeepsEveryByte() throws {
        // Several chunks and a partial last one.
        let size = OverlayNode.copyChunk * 2 + 12345
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        let src = try memfd(bytes), dst = try memfd([])
        defer { close(src); close(dst) }
        try OverlayNode.copyData(from: src, size: Int64(size), to: dst)
        #expect(contents(dst) == bytes)
        // A source shorter than the size it had (the lower file shrank): what it has.
        let dst2 = try memfd([])
        defer { close(dst2) }
        try OverlayNode.copyData(from: src, size: Int64(size) + 100, to: dst2)
        #expect(contents(dst2) == bytes)
    }

    @Test func copyDataFailuresAreErrnosForTheProgram() throws {
        let src = try memfd(Array(repeating: 7, count: 8192)), dst = try memfd([])
        defer { close(src); close(dst) }
        // An unreadable source (a directory) and an unwritable target (read-only fd) are EIO,
        // never the host's own errno (EISDIR, EBADF) or a trap.
        let dir = Glibc.open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(dir) }
        #expect(throws: Errno.ioError) { try OverlayNode.copyData(from: dir, size: 10, to: dst) }
        let ro = Glibc.open("/proc/self/fd/\(dst)", O_RDONLY | O_CLOEXEC)
        defer { close(ro) }
        #expect(throws: Errno.ioError) { try OverlayNode.copyData(from: src, size: 8192, to: ro) }
        // A target that cannot grow (F_SEAL_GROW): EPERM from the host becomes EIO.
        let sealed = try memfd([])
        defer { close(sealed) }
        #expect(fcntl(sealed, Fcntl.F_ADD_SEALS, Fcntl.F_SEAL_GROW) == 0)
        #expect(throws: Errno.ioError) { try OverlayNode.copyData(from: src, size: 8192, to: sealed) }
        #expect(contents(dst).isEmpty)
    }
}
