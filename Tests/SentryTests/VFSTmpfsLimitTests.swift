import Glibc
@testable import Sentry
import SystemPackage
import Testing

/// tmpfs size and inode limits: ENOSPC past them, statfs from the accounting.
@Suite struct VFSTmpfsLimitTests {
    let creds = Credentials(uid: 1000, gid: 1000)
    func name(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func inodeLimitGivesENOSPC() throws {
        let fs = TmpFS(mode: 0o1777, sizeBytes: 16 * 4096, inodes: 4)
        #expect(try fs.root.statfs().files == 4)
        #expect(try fs.root.statfs().ffree == 3)  // the root holds one
        _ = try fs.root.create(name("a"), mode: 0o644, creds: creds)
        _ = try fs.root.mkdir(name("d"), mode: 0o755, creds: creds)
        _ = try fs.root.symlink(name("s"), target: name("a"), creds: creds)
        #expect(try fs.root.statfs().ffree == 0)
        #expect(throws: Errno.noSpace) { try fs.root.create(self.name("b"), mode: 0o644, creds: self.creds) }
        #expect(throws: Errno.noSpace) { try fs.root.mkdir(self.name("e"), mode: 0o755, creds: self.creds) }
        #expect(throws: Errno.noSpace) { try fs.root.mknod(self.name("p"), mode: FileType.fifo | 0o644, rdev: 0, creds: self.creds) }
        // An existing name is still EEXIST, not ENOSPC.
        #expect(throws: Errno.fileExists) { try fs.root.create(self.name("a"), mode: 0o644, creds: self.creds) }
        // A hard link costs an inode too (shmem_link).
        #expect(throws: Errno.noSpace) { try fs.root.link(self.name("h"), to: try fs.root.lookup(self.name("a"))) }
        try fs.root.unlink(name("s"), directory: false)
        #expect(try fs.root.statfs().ffree == 1)
        try fs.root.link(name("h"), to: try fs.root.lookup(name("a")))
        #expect(try fs.root.statfs().ffree == 0)
        try fs.root.unlink(name("h"), directory: false)  // one of two names: its inode comes back
        #expect(try fs.root.statfs().ffree == 1)
        try fs.root.unlink(name("d"), directory: true)
        #expect(try fs.root.statfs().ffree == 2)
    }

    @Test func sizeLimitGivesShortWritesThenENOSPC() throws {
        let fs = TmpFS(mode: 0o1777, sizeBytes: 4 * 4096, inodes: 100)
        let s0 = try fs.root.statfs()
        #expect(s0.blocks == 4 && s0.bfree == 4 && s0.bavail == 4 && s0.bsize == 4096)
        let f = try #require(try fs.root.create(name("f"), mode: 0o644, creds: creds) as? TmpFile)
        let chunk = [UInt8](repeating: 0x61, count: 3 * 4096)
        #expect(try chunk.withUnsafeBytes { b throws(Errno) in try f.write(b, at: 0) } == 3 * 4096)
        #expect(try fs.root.statfs().bfree == 1)
        // Rewriting allocated pages costs nothing.
        #expect(try chunk.withUnsafeBytes { b throws(Errno) in try f.write(b, at: 0) } == 3 * 4096)
        // Past the end: one page left, so the write is cut to it.
        #expect(try chunk.withUnsafeBytes { b throws(Errno) in try f.write(b, at: 3 * 4096) } == 4096)
        #expect(try fs.root.statfs().bfree == 0)
        #expect(throws: Errno.noSpace) { try chunk.withUnsafeBytes { b throws(Errno) in try f.write(b, at: 4 * 4096) } }
        // A second file gets nothing either.
        let g = try #require(try fs.root.create(name("g"), mode: 0o644, creds: creds) as? TmpFile)
        #expect(throws: Errno.noSpace) { try chunk.withUnsafeBytes { b throws(Errno) in try g.write(b, at: 0) } }
        #expect(throws: Errno.noSpace) { try g.checkFallocate(offset: 0, length: 1) }
        // Truncating frees the pages; growth by truncate allocates none (sparse, as tmpfs).
        var c = AttributeChange(); c.size = 4096
        try f.setAttributes(c)
        #expect(try fs.root.statfs().bfree == 3)
        c.size = 1 << 30
        try f.setAttributes(c)
        #expect(try fs.root.statfs().bfree == 3)
        try g.checkFallocate(offset: 0, length: 3 * 4096)
        #expect(throws: Errno.noSpace) { try g.checkFallocate(offset: 0, length: 3 * 4096 + 1) }
        // Unlinking and dropping the last reference gives the pages back.
        try fs.root.unlink(name("f"), directory: false)
    }

    @Test func freedFileReturnsItsPages() throws {
        let fs = TmpFS(mode: 0o1777, sizeBytes: 4 * 4096, inodes: 100)
        do {
            let f = try #require(try fs.root.create(name("f"), mode: 0o644, creds: creds) as? TmpFile)
            let page = [UInt8](repeating: 1, count: 4096)
            _ = try page.withUnsafeBytes { b throws(Errno) in try f.write(b, at: 0) }
            #expect(try fs.root.statfs().bfree == 3)
            try fs.root.unlink(name("f"), directory: false)
        }
        #expect(try fs.root.statfs().bfree == 4)
        #expect(try fs.root.statfs().ffree == 99)
    }

    @Test func defaultsAreHalfOfRAM() {
        // RAM is the sandbox's memory limit when it has one (checked by FilesTmpfsTests).
        let fs = TmpFS()
        #expect(fs.limits.maxBlocks == TmpFSLimits.ramBytes(memoryLimit: nil) / 2 / 4096)
        #expect(fs.limits.maxInodes == TmpFSLimits.ramBytes(memoryLimit: nil) / 4096 / 2)
    }
}
