import Glibc
import GoferProtocol
@testable import Sentry
import SystemPackage
import Testing

@Suite struct VFSPathWalkTests {
    func tree(_ d: String) throws {
        mkdir(d + "/a", 0o755); mkdir(d + "/a/b", 0o755)
        try writeHostFile(d + "/a/b/file", "hello\n")
        symlink("b/file", d + "/a/rel")
        symlink("/a/b", d + "/abs")
        symlink("loop2", d + "/loop1"); symlink("loop1", d + "/loop2")
        symlink("../../../../a", d + "/a/b/up")
        // chain0 -> chain1 -> ... -> chainN -> /a/b/file
        for i in 0..<45 { symlink(i == 44 ? "/a/b/file" : "chain\(i + 1)", d + "/chain\(i)") }
    }

    @Test func resolvesPlainAndSymlinkPaths() throws {
        let f = try VFSFixture(tree)
        let d = try f.lookup("/a/b/file")
        #expect(d.inode?.fileType == FileType.regular)
        #expect(f.vfs.pathname(d, root: f.vfs.root) == Array("/a/b/file".utf8))
        #expect(try f.lookup("/a/rel") === d)
        #expect(try f.lookup("/abs/file") === d)
        #expect(try f.lookup("/abs/./file") === d)
        #expect(try f.lookup("a//b/../b/file") === d)
        #expect(try f.lookup("/a/rel", follow: false).isSymlink)
    }

    @Test func dotDotIsClampedAtTheRoot() throws {
        let f = try VFSFixture(tree)
        #expect(try f.lookup("/..") === f.vfs.root)
        #expect(try f.lookup("/../../a/..") === f.vfs.root)
        // a/b/up -> ../../../../a: climbs past / and comes back down.
        let target = try f.lookup("/a/b/file")
        #expect(try f.lookup("/a/b/up/b/file") === target)
        // A chroot-like context: .. stops at its root.
        let sub = try f.lookup("/a")
        let ctx = FSContext(root: sub, cwd: sub, umask: 0)
        let r = try f.vfs.lookup(ctx, at: nil, Array("/../../b/file".utf8), followFinal: true, creds: Credentials())
        let expected = try f.lookup("/a/b/file")
        #expect(r === expected)
    }

    @Test func errorsMatchLinux() throws {
        let f = try VFSFixture(tree)
        #expect(f.lookupError("/loop1") == .tooManySymbolicLinkLevels)
        #expect(f.lookupError("/loop1", follow: false) == nil)
        #expect(f.lookupError("/a/b/file/") == .notDirectory)
        #expect(f.lookupError("/a/b/file/x") == .notDirectory)
        #expect(f.lookupError("/a/missing") == .noSuchFileOrDirectory)
        #expect(f.lookupError("/a/missing/x") == .noSuchFileOrDirectory)
        #expect(f.lookupError("") == .noSuchFileOrDirectory)
        #expect(f.lookupError("/" + String(repeating: "x", count: 256)) == .fileNameTooLong)
        #expect(f.lookupError(String(repeating: "a/", count: 2100)) == .fileNameTooLong)
        #expect(f.lookupError("/a/b/") == nil)
    }

    @Test func fortySymlinksAreTheLimit() throws {
        let f = try VFSFixture(tree)
        // chain5 needs 40 links (chain5..chain44) to reach the file; chain4 needs 41.
        #expect(f.lookupError("/chain5") == nil)
        #expect(f.lookupError("/chain4") == .tooManySymbolicLinkLevels)
    }

    @Test func openFlags() throws {
        let f = try VFSFixture(tree)
        #expect(throws: Errno.notDirectory) { try f.open("/a/b/file", O_RDONLY | O_DIRECTORY) }
        #expect(throws: Errno.tooManySymbolicLinkLevels) { try f.open("/a/rel", O_RDONLY | O_NOFOLLOW) }
        #expect(throws: Errno.isDirectory) { try f.open("/a", O_RDWR) }
        #expect(throws: Errno.readOnlyFileSystem) { try f.open("/a/b/file", O_WRONLY) }
        #expect(throws: Errno.readOnlyFileSystem) { try f.open("/a/new", O_WRONLY | O_CREAT) }
        #expect(throws: Errno.fileExists) { try f.open("/a/b/file", O_WRONLY | O_CREAT | O_EXCL) }
        let p = try f.open("/a/rel", O_NOFOLLOW | 0o10000000)  // O_PATH on the link itself
        #expect(p.isPath)
        // A regular file reads through the donated host fd.
        let file = try f.open("/a/rel", O_RDONLY)
        let fd = try #require(file.hostFD)
        var buf = [UInt8](repeating: 0, count: 16)
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 16, 0) }
        #expect(Array(buf[0..<n]) == Array("hello\n".utf8))
        #expect(try file.stat().size == 6)
    }

    @Test func permissionsForUnprivilegedCallers() throws {
        let f = try VFSFixture { d in
            mkdir(d + "/private", 0o700)
            try writeHostFile(d + "/private/x", "x")
            try writeHostFile(d + "/secret", "s", mode: 0o600)
        }
        let user = Credentials(uid: 1000, gid: 1000)
        #expect(throws: Errno.permissionDenied) { try f.lookup("/private/x", creds: user) }
        #expect(throws: Errno.permissionDenied) { try f.open("/secret", O_RDONLY, creds: user) }
        #expect(throws: Never.self) { try f.open("/secret", O_RDONLY) }  // root passes
    }
}

@Suite struct VFSCacheTests {
    @Test func repeatedLookupsCostNoRoundTrip() throws {
        let f = try VFSFixture { d in
            mkdir(d + "/usr", 0o755); mkdir(d + "/usr/lib", 0o755); mkdir(d + "/usr/lib/x", 0o755)
            try writeHostFile(d + "/usr/lib/x/libc.so", "elf")
        }
        let before = f.server.total, walksBefore = f.server.walks
        _ = try f.lookup("/usr/lib/x/libc.so")
        // Four uncached names in one walk message.
        #expect(f.server.walks - walksBefore == 1)
        #expect(f.server.total - before == 1)
        let mid = f.server.total
        for _ in 0..<5 { _ = try f.lookup("/usr/lib/x/libc.so") }
        #expect(f.server.total == mid)
        // A miss is remembered too.
        #expect(f.lookupError("/usr/nothing") == .noSuchFileOrDirectory)
        let afterMiss = f.server.total
        #expect(f.lookupError("/usr/nothing") == .noSuchFileOrDirectory)
        #expect(f.server.total == afterMiss)
    }

    @Test func getdentsListsManyEntries() throws {
        let f = try VFSFixture { d in
            mkdir(d + "/many", 0o755)
            for i in 0..<600 { try writeHostFile(d + "/many/entry-with-a-longish-name-\(i)", "") }
        }
        let dir = try f.open("/many", O_RDONLY | O_DIRECTORY)
        let names = try listNames(dir, bufferSize: 512)
        #expect(names.count == 602)
        #expect(names[0] == "." && names[1] == "..")
        #expect(Set(names).count == 602)
        #expect(names.contains("entry-with-a-longish-name-599"))
        // rewind and read again.
        _ = try dir.seek(0, whence: SEEK_SET)
        #expect(try listNames(dir).count == 602)
    }

    @Test func rootListingShowsMountPoints() throws {
        let f = try VFSFixture { _ in }
        let names = try listNames(try f.open("/", O_RDONLY))
        #expect(names.contains("dev") && names.contains("proc") && names.contains("tmp"))
    }

    @Test func rootOnlyNamespaceHasNoStandardMounts() throws {
        let f = try VFSFixture(standardMounts: false) { dir in try writeHostFile(dir + "/f", "x") }
        #expect(try listNames(try f.open("/", O_RDONLY)).sorted() == [".", "..", "f"])
        #expect(f.lookupError("/dev/null") == .noSuchFileOrDirectory)
        #expect(f.vfs.mountTable.map(\.type) == ["9p"])
    }
}

@Suite struct FSDeviceAndTmpTests {
    @Test func devNullZeroFull() throws {
        let f = try VFSFixture { _ in }
        let zero = try #require(try f.open("/dev/zero", O_RDWR) as? DeviceFile)
        var buf = [UInt8](repeating: 7, count: 64)
        #expect(try buf.withUnsafeMutableBytes { try zero.readDevice($0) } == 64)
        #expect(buf.allSatisfy { $0 == 0 })
        let null = try #require(try f.open("/dev/null", O_RDWR) as? DeviceFile)
        #expect(try buf.withUnsafeMutableBytes { try null.readDevice($0) } == 0)
        #expect(try buf.withUnsafeBytes { try null.writeDevice($0) } == 64)
        let full = try #require(try f.open("/dev/full", O_WRONLY) as? DeviceFile)
        #expect(throws: Errno.noSpace) { try buf.withUnsafeBytes { try full.writeDevice($0) } }
        let st = try f.lookup("/dev/null").inode!.stat()
        #expect(st.mode & FileType.mask == FileType.character && st.rdev == 0x103)
        #expect(throws: Errno.noSuchAddressOrDevice) { try f.open("/dev/tty", O_RDWR) }
        #expect(try f.lookup("/dev/fd", follow: false).inode!.readlink(nil) == Array("/proc/self/fd".utf8))
        // .. from a mount root leads back to the root filesystem.
        #expect(try f.lookup("/dev/..") === f.vfs.root)
        #expect(f.vfs.pathname(try f.lookup("/dev/null"), root: f.vfs.root) == Array("/dev/null".utf8))
    }

    @Test func tmpfsCreatesAndUnlinks() throws {
        let f = try VFSFixture { _ in }
        let file = try f.open("/tmp/x", O_RDWR | O_CREAT)
        let fd = try #require(file.hostFD)
        _ = "data".withCString { pwrite(fd, $0, 4, 0) }
        #expect(try f.lookup("/tmp/x").inode!.stat().size == 4)
        let tmp = try f.lookup("/tmp").inode!
        _ = try tmp.mkdir(Array("d".utf8), mode: 0o755, creds: Credentials())
        #expect(try listNames(try f.open("/tmp", O_RDONLY)).sorted() == [".", "..", "d", "x"])
        try tmp.unlink(Array("x".utf8), directory: false)
        try f.lookup("/tmp").forget(Array("x".utf8))
        #expect(f.lookupError("/tmp/x") == .noSuchFileOrDirectory)
        #expect(throws: Errno.readOnlyFileSystem) { try f.vfs.root.inode!.mkdir(Array("z".utf8), mode: 0o755, creds: Credentials()) }
    }

    @Test func procFilesystems() throws {
        let f = try VFSFixture { _ in }
        let file = try #require(try f.open("/proc/filesystems", O_RDONLY) as? BufferFile)
        #expect(String(decoding: file.bytes, as: UTF8.self).contains("tmpfs"))
        // /proc/self needs a calling task.
        #expect(f.lookupError("/proc/self") == .noSuchFileOrDirectory)
    }
}
