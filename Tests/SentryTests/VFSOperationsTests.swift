import Glibc
import LinuxABI
@testable import Sentry
import SystemPackage
import Testing

/// An empty directory of a read-only filesystem (the Inode defaults refuse every change).
private final class ReadOnlyDirectory: Sentry.Inode {
    override func stat() throws(Errno) -> FileStat {
        var s = FileStat(); s.mode = FileType.directory | 0o755; s.nlink = 2; s.ino = 1; return s
    }
    override func lookup(_ name: [UInt8]) throws(Errno) -> Sentry.Inode { throw .noSuchFileOrDirectory }
}

/// The VFS's namespace and attribute operations, called directly on a namespace holding only
/// what each case needs: a tmpfs root, a second tmpfs on /tmp (sticky, another mount) and a
/// read-only directory on /ro. The errnos are Linux's (fs/namei.c).
@Suite struct VFSOperationsTests {
    let vfs: VFS
    let root = Credentials()
    let alice = Credentials(uid: 1000, gid: 1000)
    let bob = Credentials(uid: 2000, gid: 2000)

    init() throws {
        vfs = try VFS(rootInode: TmpFS(mode: 0o755).root, source: "tmpfs", type: "tmpfs", options: "rw")
        try vfs.mount(TmpFS(mode: 0o1777).root, at: "/tmp", source: "tmpfs", type: "tmpfs", options: "rw")
        try vfs.mount(ReadOnlyDirectory(), at: "/ro", source: "none", type: "ro", options: "ro")
    }

    func ctx(_ creds: Credentials) -> WalkContext {
        WalkContext(fs: FSContext(root: vfs.root, cwd: vfs.root, umask: 0o022), creds: creds, task: nil)
    }
    func at(_ path: String, follow: Bool = true) -> PathOperand { PathOperand(base: nil, path: Array(path.utf8), follow: follow) }
    func mkdir(_ path: String, _ creds: Credentials? = nil, mode: UInt32 = 0o755) throws(Errno) {
        try vfs.mkdirat(ctx(creds ?? root), at(path), mode: mode)
    }
    func touch(_ path: String, _ creds: Credentials? = nil) throws(Errno) {
        try vfs.mknodat(ctx(creds ?? root), at(path), mode: FileType.regular | 0o644, dev: 0)
    }
    func unlink(_ path: String, _ creds: Credentials? = nil, directory: Bool = false) throws(Errno) {
        try vfs.unlinkat(ctx(creds ?? root), at(path), directory: directory)
    }
    func rename(_ from: String, _ to: String, flags: UInt32 = 0, _ creds: Credentials? = nil) throws(Errno) {
        try vfs.renameat2(ctx(creds ?? root), at(from), at(to), flags: flags)
    }
    func link(_ from: String, _ to: String) throws(Errno) { try vfs.linkat(ctx(root), at(from, follow: false), at(to)) }
    func stat(_ path: String) throws(Errno) -> FileStat { try vfs.resolve(ctx(root), at(path, follow: false)).inode!.stat() }
    func exists(_ path: String) -> Bool { (try? stat(path)) != nil }
    /// The errno `body` fails with; nil when it succeeds.
    func error(_ body: () throws -> Void) -> Errno? {
        do { try body(); return nil } catch let e as Errno { return e } catch { return nil }
    }

    @Test func mkdirMakesNamesOnce() throws {
        try mkdir("/d", mode: 0o777)
        #expect(try stat("/d").mode == FileType.directory | 0o755)  // the umask applies
        #expect(error { try mkdir("/d") } == .fileExists)
        #expect(error { try mkdir("/d/") } == .fileExists)
        #expect(error { try mkdir("/") } == .fileExists)
        #expect(error { try mkdir("/d/..") } == .fileExists)
        #expect(error { try mkdir("/missing/e") } == .noSuchFileOrDirectory)
        #expect(error { try mkdir("") } == .noSuchFileOrDirectory)
        #expect(error { try mkdir("/" + String(repeating: "n", count: 256)) } == .fileNameTooLong)
        try touch("/f")
        #expect(error { try mkdir("/f/e") } == .notDirectory)
        try mkdir("/e/")  // a trailing slash is a directory's
        #expect(error { try mkdir("/ro/x") } == .readOnlyFileSystem)
        #expect(error { try mkdir("/d2", alice) } == .permissionDenied)
    }

    @Test func trailingSlashOnlyCreatesDirectories() throws {
        #expect(error { try touch("/n/") } == .noSuchFileOrDirectory)
        #expect(error { try vfs.symlinkat(ctx(root), target: Array("x".utf8), at("/s/")) } == .noSuchFileOrDirectory)
        try touch("/f")
        #expect(error { try link("/f", "/g/") } == .noSuchFileOrDirectory)
        #expect(error { try touch("/f/") } == .fileExists)
        #expect(!exists("/n") && !exists("/s") && !exists("/g"))
    }

    @Test func symlinkNeedsATarget() throws {
        #expect(error { try vfs.symlinkat(ctx(root), target: [], at("/s")) } == .noSuchFileOrDirectory)
        try vfs.symlinkat(ctx(root), target: Array("/f".utf8), at("/s"))
        #expect(try stat("/s").mode & FileType.mask == FileType.symlink)
    }

    @Test func mknodChecksTheType() throws {
        #expect(error { try vfs.mknodat(ctx(root), at("/x"), mode: FileType.directory | 0o755, dev: 0) } == .notPermitted)
        #expect(error { try vfs.mknodat(ctx(root), at("/x"), mode: 0o170000, dev: 0) } == .invalidArgument)
        #expect(error { try vfs.mknodat(ctx(alice), at("/tmp/c"), mode: FileType.character | 0o644, dev: 0x0103) } == .notPermitted)
        try vfs.mknodat(ctx(root), at("/p"), mode: FileType.fifo | 0o644, dev: 0)
        #expect(try stat("/p").mode & FileType.mask == FileType.fifo)
    }

    @Test func unlinkAndRmdirErrors() throws {
        try mkdir("/d"); try touch("/d/f"); try touch("/f")
        #expect(error { try unlink("/d") } == .isDirectory)
        #expect(error { try unlink("/d/") } == .isDirectory)
        #expect(error { try unlink("/f/") } == .notDirectory)
        #expect(error { try unlink("/f", directory: true) } == .notDirectory)
        #expect(error { try unlink("/d", directory: true) } == .directoryNotEmpty)
        #expect(error { try unlink("/d/.", directory: true) } == .invalidArgument)
        #expect(error { try unlink("/d/..", directory: true) } == .directoryNotEmpty)
        #expect(error { try unlink("/", directory: true) } == .resourceBusy)
        #expect(error { try unlink("/missing") } == .noSuchFileOrDirectory)
        #expect(error { try unlink("/tmp", directory: true) } == .resourceBusy)  // a mount point
        #expect(error { try unlink("/d/f", alice) } == .permissionDenied)
        try unlink("/d/f")
        try unlink("/d/", directory: true)
        #expect(!exists("/d"))
    }

    @Test func stickyDirectoryKeepsOthersFiles() throws {
        try touch("/tmp/a", alice)
        #expect(error { try unlink("/tmp/a", bob) } == .notPermitted)
        #expect(error { try rename("/tmp/a", "/tmp/b", bob) } == .notPermitted)
        try touch("/tmp/b", bob)
        // Replacing alice's file is removing it.
        #expect(error { try rename("/tmp/b", "/tmp/a", flags: 0, bob) } == .notPermitted)
        try unlink("/tmp/a", alice)
        try unlink("/tmp/b", root)  // CAP_FOWNER
    }

    @Test func renameMovesAndReplaces() throws {
        try touch("/a"); try touch("/b"); try mkdir("/d"); try mkdir("/e")
        try rename("/a", "/b")
        #expect(!exists("/a") && exists("/b"))
        try rename("/b", "/d/b")
        #expect(exists("/d/b"))
        #expect(error { try rename("/missing", "/x") } == .noSuchFileOrDirectory)
        #expect(error { try rename("/d/b", "/e") } == .isDirectory)  // a file cannot replace a directory
        #expect(error { try rename("/d/b", "/e/") } == .notDirectory)  // nor take a slash
        #expect(error { try rename("/d/b", "/x/") } == .notDirectory)
        #expect(error { try rename("/d/b/", "/x") } == .notDirectory)
        #expect(error { try rename("/e", "/d/b") } == .notDirectory)
        try touch("/e/f")
        #expect(error { try rename("/d", "/e") } == .directoryNotEmpty)
        #expect(error { try rename("/d", "/d/sub") } == .invalidArgument)  // into itself
        #expect(error { try rename("/e/f", "/e") } == .directoryNotEmpty)  // over its ancestor
        #expect(error { try rename("/d/.", "/x") } == .resourceBusy)
        #expect(error { try rename("/d", "/e/..") } == .resourceBusy)
        #expect(error { try rename("/tmp", "/x") } == .resourceBusy)
    }

    @Test func dentriesFollowRenamesAndKnowTheyAreRemoved() throws {
        try mkdir("/tmp/a")
        try mkdir("/tmp/a/sub")
        let sub = try vfs.resolve(ctx(root), at("/tmp/a/sub"))
        try touch("/tmp/f")
        let f = try vfs.resolve(ctx(root), at("/tmp/f"))
        try rename("/tmp/a", "/tmp/b")
        #expect(vfs.pathname(sub, root: vfs.root) == Array("/tmp/b/sub".utf8))
        try rename("/tmp/f", "/tmp/b/g")
        #expect(vfs.pathname(f, root: vfs.root) == Array("/tmp/b/g".utf8))
        #expect(!f.unlinked && !sub.unlinked)
        try touch("/tmp/h")
        let h = try vfs.resolve(ctx(root), at("/tmp/h"))
        try rename("/tmp/b/g", "/tmp/h")   // over h: h's dentry is gone
        #expect(h.unlinked && !f.unlinked)
        #expect(vfs.pathname(f, root: vfs.root) == Array("/tmp/h".utf8))
        try unlink("/tmp/b/sub", directory: true)
        #expect(sub.unlinked)
        // A removed directory takes no new names (IS_DEADDIR).
        let dead = WalkContext(fs: FSContext(root: vfs.root, cwd: sub, umask: 0o022), creds: root, task: nil)
        #expect(error { try vfs.mkdirat(dead, PathOperand(base: nil, path: Array("x".utf8), follow: true), mode: 0o755) } == .noSuchFileOrDirectory)
        #expect(error { _ = try vfs.open(dead, at: nil, Array("y".utf8), flags: O_CREAT | O_WRONLY, mode: 0o600) } == .noSuchFileOrDirectory)
    }

    @Test func renameAcrossMountsIsEXDEV() throws {
        try touch("/a"); try mkdir("/d")
        #expect(error { try rename("/a", "/tmp/a") } == .improperLink)
        #expect(error { try rename("/d", "/tmp/d") } == .improperLink)
        #expect(error { try link("/a", "/tmp/a") } == .improperLink)
        // Two tmpfs mounts are two filesystems.
        try vfs.mount(TmpFS(mode: 0o1777).root, at: "/t2", source: "tmpfs", type: "tmpfs", options: "rw")
        try touch("/tmp/f")
        #expect(error { try rename("/tmp/f", "/t2/f") } == .improperLink)
        #expect(error { try link("/tmp/f", "/t2/f") } == .improperLink)
        #expect(exists("/tmp/f") && !exists("/t2/f"))
    }

    @Test func renameFlags() throws {
        try touch("/a"); try touch("/b"); try mkdir("/d")
        let noReplace = RenameFlags.RENAME_NOREPLACE, exchange = RenameFlags.RENAME_EXCHANGE
        #expect(error { try rename("/a", "/b", flags: noReplace) } == .fileExists)
        #expect(error { try rename("/a", "/d/..", flags: noReplace) } == .fileExists)
        #expect(error { try rename("/a", "/b", flags: noReplace | exchange) } == .invalidArgument)
        #expect(error { try rename("/a", "/b", flags: RenameFlags.RENAME_WHITEOUT | exchange) } == .invalidArgument)
        #expect(error { try rename("/a", "/b", flags: 8) } == .invalidArgument)
        #expect(error { try rename("/a", "/missing", flags: exchange) } == .noSuchFileOrDirectory)
        try rename("/a", "/c", flags: noReplace)
        // RENAME_EXCHANGE swaps a file and a directory.
        let file = try stat("/c").ino, dir = try stat("/d").ino
        try rename("/c", "/d", flags: exchange)
        #expect(try stat("/c").ino == dir && stat("/d").ino == file)
        #expect(error { try rename("/c", "/c/x", flags: exchange) } == .noSuchFileOrDirectory)
        try touch("/c/x")
        #expect(error { try rename("/c", "/c/x", flags: exchange) } == .invalidArgument)
    }

    @Test func renameOfHardLinksDoesNothing() throws {
        try touch("/a"); try link("/a", "/b")
        try rename("/a", "/b")
        #expect(exists("/a") && exists("/b"))
    }

    @Test func linkRules() throws {
        try touch("/a"); try mkdir("/d")
        try link("/a", "/b")
        #expect(try stat("/a").nlink == 2)
        #expect(error { try link("/a", "/b") } == .fileExists)
        #expect(error { try link("/d", "/e") } == .notPermitted)
        #expect(error { try link("/missing", "/e") } == .noSuchFileOrDirectory)
        #expect(error { try link("/a", "/ro/a") } == .readOnlyFileSystem)  // before EXDEV, as filename_create
        // AT_EMPTY_PATH names the base itself: an O_TMPFILE file gets a name so.
        let dir = try vfs.resolve(ctx(root), at("/tmp"))
        let node = try dir.inode!.createTemporary(mode: 0o600, creds: root, linkable: true)
        let tmp = Dentry(name: Array("#0 (deleted)".utf8), parent: dir, inode: node)
        try vfs.linkat(ctx(root), PathOperand(base: tmp, path: [], emptyPath: true), at("/tmp/named"))
        #expect(try stat("/tmp/named").nlink == 1)
        #expect(error { try vfs.linkat(ctx(root), PathOperand(base: tmp, path: []), at("/tmp/other")) } == .noSuchFileOrDirectory)
    }

    @Test func setattrChecksOwnership() throws {
        try touch("/tmp/f", alice)
        var chmod = AttributeChange(); chmod.mode = 0o600
        #expect(error { try vfs.setattr(ctx(bob), at("/tmp/f"), chmod) } == .notPermitted)
        try vfs.setattr(ctx(alice), at("/tmp/f"), chmod)
        #expect(try stat("/tmp/f").mode & 0o7777 == 0o600)
        var chown = AttributeChange(); chown.uid = 2000; chown.dropSetID = true
        #expect(error { try vfs.setattr(ctx(alice), at("/tmp/f"), chown) } == .notPermitted)
        var truncate = AttributeChange(); truncate.size = 0
        #expect(error { try vfs.setattr(ctx(bob), at("/tmp/f"), truncate) } == .permissionDenied)
        #expect(error { try vfs.setattr(ctx(root), at("/tmp"), truncate) } == .isDirectory)
        var times = AttributeChange(); times.mtime = Timespec(sec: 1, nsec: 0); times.timesGiven = true
        #expect(error { try vfs.setattr(ctx(bob), at("/tmp/f"), times) } == .notPermitted)
        #expect(error { try vfs.setattr(ctx(root), at("/ro"), chmod) } == .readOnlyFileSystem)
        // chown drops the setuid bit.
        chmod.mode = 0o4755
        try vfs.setattr(ctx(alice), at("/tmp/f"), chmod)
        try vfs.setattr(ctx(root), at("/tmp/f"), chown)
        #expect(try stat("/tmp/f").mode & 0o7777 == 0o755 && stat("/tmp/f").uid == 2000)
    }

    @Test("a symlink's mode does not change (EOPNOTSUPP, Linux 6.6+); through it, the target's does")
    func symlinkModeIsFixed() throws {
        try touch("/tmp/t")
        try vfs.symlinkat(ctx(root), target: Array("t".utf8), at("/tmp/s"))
        var chmod = AttributeChange(); chmod.mode = 0o600
        #expect(error { try vfs.setattr(ctx(root), at("/tmp/s", follow: false), chmod) } == .notSupported)
        try vfs.setattr(ctx(root), at("/tmp/s"), chmod)
        #expect(try stat("/tmp/t").mode & 0o7777 == 0o600)
        var chown = AttributeChange(); chown.uid = 2000
        try vfs.setattr(ctx(root), at("/tmp/s", follow: false), chown)
    }

    @Test func onlyTheRootIsMountedUnlessAsked() throws {
        #expect(vfs.mountTable.map(\.path) == ["/", "/tmp", "/ro"])
        #expect(vfs.proc == nil)
        #expect(error { _ = try vfs.resolve(ctx(root), at("/proc")) } == .noSuchFileOrDirectory)
        try vfs.mountStandardFilesystems()
        #expect(vfs.mountTable.map(\.path) == ["/", "/tmp", "/ro", "/dev", "/dev/shm", "/dev/pts", "/proc", "/sys", "/tmp", "/root", "/home", "/run", "/var/tmp"])
        #expect(vfs.proc != nil)
    }
}
