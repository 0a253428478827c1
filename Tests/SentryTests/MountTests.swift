import Glibc
import LinuxABI
@testable import Sentry
import SystemPackage
import Testing

/// mount(2)'s pieces that need no task: tmpfs's option parser, and the VFS's attach and detach
/// of a mount on a resolved directory with its /proc/mounts line and stable mount ids.
@Suite struct MountTests {
    @Test("tmpfs options parse as shmem_parse_one; unknown ones are EINVAL")
    func tmpfsOptions() throws {
        let o = try TmpfsOptions.parse("size=1m,nr_inodes=2k,mode=0750,uid=5,gid=6", ram: 1 << 30)
        #expect(o.size == 1 << 20 && o.inodes == 2048 && o.mode == 0o750 && o.uid == 5 && o.gid == 6)
        #expect(try TmpfsOptions.parse("size=10%", ram: 1 << 30).size == (1 << 30) / 100 * 10 / 4096 * 4096 + ((1 << 30) / 100 * 10 % 4096 == 0 ? 0 : 4096))
        #expect(try TmpfsOptions.parse("size=1000", ram: nil).size == 4096)   // whole pages
        #expect(try TmpfsOptions.parse("", ram: nil).size == nil)
        #expect(try TmpfsOptions.parse("rw", ram: nil).size == nil)
        for bad in ["bogus=1", "size=x", "size", "mode=9", "uid=-1", "nr_inodes=1q"] {
            #expect(throws: Errno.invalidArgument) { try TmpfsOptions.parse(bad, ram: nil) }
        }
    }

    @Test("attach stacks a mount on a directory, detach takes it and its submounts away")
    func attachDetach() throws {
        let vfs = try VFS(rootInode: TmpFS(mode: 0o755).root, source: "tmpfs", type: "tmpfs", options: "rw")
        let ctx = WalkContext(fs: FSContext(root: vfs.root, cwd: vfs.root, umask: 0o022), creds: Credentials(), task: nil)
        try vfs.mkdirat(ctx, PathOperand(base: nil, path: Array("/mnt".utf8), follow: true), mode: 0o755)
        let point = try vfs.walk(ctx, from: nil, Array("/mnt".utf8), followFinal: true)
        let fs = TmpFS(mode: 0o700)
        vfs.attach(fs.root, on: point, path: "/mnt", source: "none", type: "tmpfs", options: "rw,relatime")
        let top = try vfs.walk(ctx, from: nil, Array("/mnt".utf8), followFinal: true)
        #expect(top.inode === fs.root && top.isMountRoot)
        try vfs.mkdirat(ctx, PathOperand(base: nil, path: Array("/mnt/sub".utf8), follow: true), mode: 0o755)
        let sub = try vfs.walk(ctx, from: nil, Array("/mnt/sub".utf8), followFinal: true)
        vfs.attach(TmpFS().root, on: sub, path: "/mnt/sub", source: "inner", type: "tmpfs", options: "rw")
        #expect(vfs.mountTable.map(\.path) == ["/", "/mnt", "/mnt/sub"])
        #expect(vfs.mountTable.map(\.id) == [21, 22, 23])
        #expect(vfs.mountEntry(holding: top)?.id == 22)
        // A file made there is on the new tmpfs; detaching /mnt takes /mnt/sub with it.
        try vfs.mknodat(ctx, PathOperand(base: nil, path: Array("/mnt/f".utf8), follow: true), mode: FileType.regular | 0o644, dev: 0)
        #expect((try? fs.root.lookup(Array("f".utf8))) != nil)
        vfs.detach(top)
        #expect(vfs.mountTable.map(\.path) == ["/"])
        let after = try vfs.walk(ctx, from: nil, Array("/mnt".utf8), followFinal: true)
        #expect(!after.isMountRoot && after.inode !== fs.root)
        // A later mount gets a new id, never a reused one.
        vfs.attach(TmpFS().root, on: after, path: "/mnt", source: "none", type: "tmpfs", options: "rw")
        #expect(vfs.mountTable.last?.id == 24)
    }

    @Test("a read-only tmpfs answers EROFS to creation and change")
    func readOnlyTmpfs() throws {
        let fs = TmpFS(mode: 0o755)
        let vfs = try VFS(rootInode: fs.root, source: "tmpfs", type: "tmpfs", options: "rw")
        let ctx = WalkContext(fs: FSContext(root: vfs.root, cwd: vfs.root, umask: 0o022), creds: Credentials(), task: nil)
        fs.limits.readOnly = true
        #expect(throws: Errno.readOnlyFileSystem) { try vfs.mkdirat(ctx, PathOperand(base: nil, path: Array("/d".utf8), follow: true), mode: 0o755) }
        #expect(throws: Errno.readOnlyFileSystem) { _ = try vfs.open(ctx, at: nil, Array("/f".utf8), flags: O_CREAT | O_WRONLY, mode: 0o644) }
        fs.limits.readOnly = false
        try vfs.mkdirat(ctx, PathOperand(base: nil, path: Array("/d".utf8), follow: true), mode: 0o755)
    }
}
