// linux.readonlyPaths (FS/ReadOnlyView.swift): a path bound onto itself read-only refuses every
// change below it with EROFS and reads what its target holds, live; a mask made after it covers
// the view's node; /proc/mounts lists it `ro`.

import Glibc
import LinuxABI
@testable import Sentry
import SystemPackage
import Testing

@Suite struct ReadOnlyViewTests {
    func fixture() throws -> (VFS, WalkContext) {
        let vfs = try VFS(rootInode: TmpFS(mode: 0o755).root, source: "tmpfs", type: "tmpfs", options: "rw,nosuid")
        let ctx = WalkContext(fs: FSContext(root: vfs.root, cwd: vfs.root, umask: 0o022), creds: Credentials(), task: nil)
        for d in ["/ro", "/ro/sub", "/rw"] { try vfs.mkdirat(ctx, PathOperand(base: nil, path: Array(d.utf8), follow: true), mode: 0o755) }
        for f in ["/ro/file", "/ro/sub/deep", "/ro/secret"] {
            _ = try vfs.open(ctx, at: nil, Array(f.utf8), flags: O_CREAT | O_WRONLY, mode: 0o644)
        }
        return (vfs, ctx)
    }

    func op(_ p: String) -> PathOperand { PathOperand(base: nil, path: Array(p.utf8), follow: true) }

    @Test("below a read-only path: create, mkdir, unlink, rename, write-open and truncate answer EROFS; reads and other paths are untouched")
    func refusesChanges() throws {
        let (vfs, ctx) = try fixture()
        vfs.makeReadOnly("/ro")
        #expect(throws: Errno.readOnlyFileSystem) { _ = try vfs.open(ctx, at: nil, Array("/ro/new".utf8), flags: O_CREAT | O_WRONLY, mode: 0o644) }
        #expect(throws: Errno.readOnlyFileSystem) { _ = try vfs.open(ctx, at: nil, Array("/ro/file".utf8), flags: O_WRONLY, mode: 0) }
        #expect(throws: Errno.readOnlyFileSystem) { _ = try vfs.open(ctx, at: nil, Array("/ro/sub/deep".utf8), flags: O_RDONLY | O_TRUNC, mode: 0) }
        #expect(throws: Errno.readOnlyFileSystem) { try vfs.mkdirat(ctx, op("/ro/sub/d"), mode: 0o755) }
        #expect(throws: Errno.readOnlyFileSystem) { try vfs.unlinkat(ctx, op("/ro/file"), directory: false) }
        _ = try vfs.open(ctx, at: nil, Array("/ro/file".utf8), flags: O_RDONLY, mode: 0)
        #expect(try vfs.lookup(ctx.fs, at: nil, Array("/ro/sub/deep".utf8), followFinal: true, creds: Credentials()).inode?.readOnly == true)
        // Elsewhere nothing changed.
        _ = try vfs.open(ctx, at: nil, Array("/rw/new".utf8), flags: O_CREAT | O_WRONLY, mode: 0o644)
        #expect(vfs.mountTable.contains { $0.path == "/ro" && $0.has("ro") && $0.has("nosuid") && $0.type == "tmpfs" })
    }

    @Test("the view is live: what the target gains shows through it; a missing path is left alone")
    func live() throws {
        let (vfs, ctx) = try fixture()
        let target = try vfs.lookup(ctx.fs, at: nil, Array("/ro".utf8), followFinal: true, creds: Credentials()).inode!
        vfs.makeReadOnly("/ro")
        _ = try target.create(Array("later".utf8), mode: 0o644, creds: Credentials())
        #expect(try vfs.lookup(ctx.fs, at: nil, Array("/ro/later".utf8), followFinal: true, creds: Credentials()).inode != nil)
        let before = vfs.mountTable.count
        vfs.makeReadOnly("/nosuch")
        #expect(vfs.mountTable.count == before)
    }

    @Test("a mask made after the read-only bind covers the view's node, as runc orders them")
    func maskAfter() throws {
        let (vfs, ctx) = try fixture()
        vfs.makeReadOnly("/ro")
        vfs.mask("/ro/secret")
        let f = try vfs.lookup(ctx.fs, at: nil, Array("/ro/secret".utf8), followFinal: true, creds: Credentials())
        #expect(f.inode is GeneratedFile)
    }
}
