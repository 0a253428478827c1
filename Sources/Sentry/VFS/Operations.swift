import LinuxABI
import SystemPackage

// The namespace and attribute operations (Linux fs/namei.c, fs/attr.c; gVisor's
// VirtualFilesystem.MkdirAt, UnlinkAt, RenameAt, SetStatAt): each walks to its operand, checks
// the name, the mount, the permissions and the sticky bit in Linux's order, asks the inode,
// updates the dentry cache and sends the inotify events. Handlers copy their arguments in,
// build `PathOperand`s and call one of these.

/// A path argument of an *at() call: where a relative path starts, the path, and how its last
/// component is treated. The handler resolves dirfd; the VFS resolves the path.
public struct PathOperand {
    /// dirfd's dentry; nil for the cwd (AT_FDCWD). Absolute paths ignore it.
    public var base: Dentry?
    public var path: [UInt8]
    /// Follow a symlink in the last component (no AT_SYMLINK_NOFOLLOW, or AT_SYMLINK_FOLLOW).
    public var follow: Bool
    /// AT_EMPTY_PATH: an empty path names `base` (the cwd when nil) itself.
    public var emptyPath: Bool

    public init(base: Dentry?, path: [UInt8], follow: Bool = true, emptyPath: Bool = false) {
        self.base = base; self.path = path; self.follow = follow; self.emptyPath = emptyPath
    }
}

private let dot: [UInt8] = [0x2E]
private let dotdot: [UInt8] = [0x2E, 0x2E]

/// Whether a last component is not a plain name (LAST_ROOT, LAST_DOT, LAST_DOTDOT).
private func isSpecial(_ name: [UInt8]) -> Bool { name.isEmpty || name == dot || name == dotdot }

extension Dentry {
    /// The root dentry of the mount holding this one (Linux compares `path.mnt`).
    var mountRoot: Dentry {
        var d = self
        while let p = d.parent { d = p }
        return d
    }

    /// Whether a filesystem is mounted here: the walk returned the mounted root in its place.
    var isMountRoot: Bool { parent == nil && covered != nil }

    /// Whether `inode` is this dentry's or an ancestor's within its mount (lock_rename's trap).
    func hasAncestor(_ inode: Inode) -> Bool {
        var d: Dentry? = self
        while let c = d { if c.inode === inode { return true }; d = c.parent }
        return false
    }
}

extension VFS {
    /// The dentry an operand names (user_path_at); AT_EMPTY_PATH with an empty path names the base.
    public func resolve(_ ctx: WalkContext, _ at: PathOperand) throws(Errno) -> Dentry {
        if at.path.isEmpty {
            guard at.emptyPath else { throw .noSuchFileOrDirectory }
            return at.base ?? ctx.fs.cwd
        }
        return try walk(ctx, from: at.base, at.path, followFinal: at.follow)
    }

    // MARK: Creating names

    /// filename_create and may_create: the parent and the new name, once the name is known free
    /// (EEXIST), a trailing slash names a directory (ENOENT otherwise), the filesystem is
    /// writable (EROFS) and the caller may write and search the parent (EACCES).
    private func createTarget(_ ctx: WalkContext, _ at: PathOperand, directory: Bool) throws(Errno) -> (parent: Dentry, name: [UInt8]) {
        let (parent, name, trailing) = try walkParent(ctx, from: at.base, at.path)
        if isSpecial(name) { throw .fileExists }
        if let c = try? child(of: parent, name, upcoming: []), !c.isNegative { throw .fileExists }
        if trailing && !directory { throw .noSuchFileOrDirectory }
        let dir = parent.inode!
        if dir.readOnly { throw .readOnlyFileSystem }
        try dir.checkAccess(ctx.creds, [.write, .execute])
        if parent.unlinked { throw .noSuchFileOrDirectory }   // may_create's IS_DEADDIR
        return (parent, name)
    }

    /// The dentry cache and inotify after a new name (fsnotify_create / mkdir / link).
    private func created(_ parent: Dentry, _ name: [UInt8], _ node: Inode, link: Bool = false) {
        parent.forget(name)
        FSNotify.created(parent, name, node, link: link)
    }

    /// vfs_prepare_mode and inode_init_owner: the mode and owner of a new node in `dir`. The
    /// caller's umask applies; a set-group-ID directory gives the node its group (and a new
    /// directory its S_ISGID); there a non-directory keeps S_ISGID only for a member of that
    /// group or a holder of CAP_FSETID. The credentials returned carry the owner as fsuid/fsgid.
    static func newNode(_ ctx: WalkContext, in dir: Inode, mode: UInt32, directory: Bool) -> (mode: UInt32, creds: Credentials) {
        let setgid: UInt32 = 0o2000, groupExec: UInt32 = 0o010
        var perm = mode & ~ctx.fs.umask
        var creds = ctx.creds
        guard let d = try? dir.stat(), d.mode & setgid != 0 else { return (perm, creds) }
        creds.fsgid = d.gid
        if directory {
            perm |= setgid
        } else if perm & (setgid | groupExec) == setgid | groupExec && !ctx.creds.inGroup(d.gid) && !ctx.creds.has(Capability.fsetid) {
            perm &= ~setgid
        }
        return (perm, creds)
    }

    /// mkdirat(2): only the permission and sticky bits of `mode` count (S_ISGID comes from a
    /// set-group-ID parent alone), masked by the umask.
    public func mkdirat(_ ctx: WalkContext, _ at: PathOperand, mode: UInt32) throws(Errno) {
        let (parent, name) = try createTarget(ctx, at, directory: true)
        let (perm, creds) = VFS.newNode(ctx, in: parent.inode!, mode: mode & 0o1777, directory: true)
        let node = try parent.inode!.mkdir(name, mode: perm, creds: creds)
        created(parent, name, node)
    }

    /// mknodat(2): regular files, FIFOs, sockets, and device nodes for root (may_mknod first,
    /// as do_mknodat). `dev` is the kernel's dev_t encoding.
    public func mknodat(_ ctx: WalkContext, _ at: PathOperand, mode: UInt32, dev: UInt64) throws(Errno) {
        let type = mode & FileType.mask
        switch type {
        case 0, FileType.regular, FileType.fifo, FileType.socket: break
        case FileType.character, FileType.block: if !ctx.creds.isRoot { throw .notPermitted }
        case FileType.directory: throw .notPermitted
        default: throw .invalidArgument
        }
        let (parent, name) = try createTarget(ctx, at, directory: false)
        let (perm, creds) = VFS.newNode(ctx, in: parent.inode!, mode: mode & 0o7777, directory: false)
        // new_decode_dev, to the 8-bit-minor form FileStat keeps.
        let major = (dev >> 8) & 0xfff, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00)
        let node = try parent.inode!.mknod(name, mode: (type == 0 ? FileType.regular : type) | perm,
                                           rdev: (major << 8) | minor, creds: creds)
        created(parent, name, node)
    }

    /// symlinkat(2): an empty target is ENOENT (getname's rule).
    public func symlinkat(_ ctx: WalkContext, target: [UInt8], _ at: PathOperand) throws(Errno) {
        if target.isEmpty { throw .noSuchFileOrDirectory }
        let (parent, name) = try createTarget(ctx, at, directory: false)
        let node = try parent.inode!.symlink(name, target: target, creds: VFS.newNode(ctx, in: parent.inode!, mode: 0o777, directory: false).creds)
        created(parent, name, node)
    }

    /// linkat(2): `old.follow` is AT_SYMLINK_FOLLOW, `old.emptyPath` AT_EMPTY_PATH (an O_TMPFILE
    /// file gets its name so). EXDEV across mounts; directories cannot be linked (EPERM).
    public func linkat(_ ctx: WalkContext, _ old: PathOperand, _ new: PathOperand) throws(Errno) {
        let source = try resolve(ctx, old)
        let (parent, name) = try createTarget(ctx, new, directory: false)
        if source.mountRoot !== parent.mountRoot { throw .improperLink }
        guard let inode = source.inode else { throw .noSuchFileOrDirectory }
        if inode.fileType == FileType.directory { throw .notPermitted }
        // A file whose last name is gone stays nameless, but for an O_TMPFILE file opened
        // without O_EXCL (I_LINKABLE).
        if try inode.stat().nlink == 0 && !inode.relinkable { throw .noSuchFileOrDirectory }
        try parent.inode!.link(name, to: inode)
        created(parent, name, inode, link: true)
    }

    // MARK: Removing and moving names

    /// may_delete: the caller may write and search `dir`, and the sticky bit lets it remove
    /// `victim`, which must be a directory exactly when `directory`.
    func mayDelete(_ ctx: WalkContext, _ dir: Inode, _ victim: Inode, directory: Bool) throws(Errno) {
        try dir.checkAccess(ctx.creds, [.write, .execute])
        try checkSticky(ctx.creds, dir, victim)
        let isDir = victim.fileType == FileType.directory
        if directory && !isDir { throw .notDirectory }
        if !directory && isDir { throw .isDirectory }
    }

    /// check_sticky: in a sticky directory only the owner of the entry or of the directory (or
    /// CAP_FOWNER) removes or replaces it.
    private func checkSticky(_ creds: Credentials, _ dir: Inode, _ victim: Inode) throws(Errno) {
        let d = try dir.stat()
        guard d.mode & 0o1000 != 0, !creds.has(Capability.fowner) else { return }
        if creds.fsuid == d.uid { return }
        if creds.fsuid != (try victim.stat()).uid { throw .notPermitted }
    }

    /// unlinkat(2): `directory` for rmdir (AT_REMOVEDIR).
    public func unlinkat(_ ctx: WalkContext, _ at: PathOperand, directory: Bool) throws(Errno) {
        let (parent, name, trailing) = try walkParent(ctx, from: at.base, at.path)
        if directory {
            if name.isEmpty { throw .resourceBusy }
            if name == dot { throw .invalidArgument }
            if name == dotdot { throw .directoryNotEmpty }
        } else if isSpecial(name) {
            throw .isDirectory
        }
        let victim = try child(of: parent, name, upcoming: [])
        guard let inode = victim.inode else { throw .noSuchFileOrDirectory }
        // do_unlinkat's "slashes": a trailing slash names a directory.
        if !directory && trailing { throw inode.fileType == FileType.directory ? .isDirectory : .notDirectory }
        // After the lookup, unlike Linux's mnt_want_write: a missing name in the synthetic
        // read-only filesystems (/proc, /sys) is ENOENT, as in Linux where they are writable.
        let dir = parent.inode!
        if dir.readOnly { throw .readOnlyFileSystem }
        try mayDelete(ctx, dir, inode, directory: directory)
        if victim.isMountRoot { throw .resourceBusy }
        try dir.unlink(name, directory: directory)
        parent.forget(name)
        victim.unlinked = true
        FSNotify.removed(parent, name, inode, directory: directory)
    }

    /// renameat2(2): RENAME_NOREPLACE, RENAME_EXCHANGE and RENAME_WHITEOUT (the filesystem
    /// decides whether it makes whiteouts). Within one mount (EXDEV across mounts).
    public func renameat2(_ ctx: WalkContext, _ old: PathOperand, _ new: PathOperand, flags: UInt32) throws(Errno) {
        let noReplace = flags & RenameFlags.RENAME_NOREPLACE != 0
        let exchange = flags & RenameFlags.RENAME_EXCHANGE != 0
        if flags & ~(RenameFlags.RENAME_NOREPLACE | RenameFlags.RENAME_EXCHANGE | RenameFlags.RENAME_WHITEOUT) != 0 { throw .invalidArgument }
        if exchange && flags & (RenameFlags.RENAME_NOREPLACE | RenameFlags.RENAME_WHITEOUT) != 0 { throw .invalidArgument }
        let (op, on, oldTrailing) = try walkParent(ctx, from: old.base, old.path)
        let (np, nn, newTrailing) = try walkParent(ctx, from: new.base, new.path)
        if op.mountRoot !== np.mountRoot { throw .improperLink }
        if isSpecial(on) { throw .resourceBusy }
        if isSpecial(nn) { throw noReplace ? .fileExists : .resourceBusy }
        let source = try child(of: op, on, upcoming: [])
        guard let sourceInode = source.inode else { throw .noSuchFileOrDirectory }
        // After the source lookup, as unlinkat. One mount here may hold parts of differing
        // writability (devfs's /dev/shm, a mount of its own in Linux).
        let od = op.inode!, nd = np.inode!
        if od.readOnly || nd.readOnly { throw od.readOnly && nd.readOnly ? .readOnlyFileSystem : .improperLink }
        let target = try child(of: np, nn, upcoming: [])
        let targetInode = target.inode
        if noReplace && targetInode != nil { throw .fileExists }
        if exchange {
            guard let t = targetInode else { throw .noSuchFileOrDirectory }
            if t.fileType != FileType.directory && newTrailing { throw .notDirectory }
        }
        let isDir = sourceInode.fileType == FileType.directory
        if !isDir && (oldTrailing || (!exchange && newTrailing)) { throw .notDirectory }
        // Neither may end up inside itself (lock_rename's trap).
        if np.hasAncestor(sourceInode) { throw .invalidArgument }
        if let t = targetInode, op.hasAncestor(t) { throw exchange ? .invalidArgument : .directoryNotEmpty }

        // vfs_rename.
        if sourceInode === targetInode { return }
        try mayDelete(ctx, od, sourceInode, directory: isDir)
        if let t = targetInode {
            try mayDelete(ctx, nd, t, directory: exchange ? t.fileType == FileType.directory : isDir)
        } else {
            try nd.checkAccess(ctx.creds, [.write, .execute])
        }
        // A directory that changes parent has its ".." rewritten.
        if od !== nd {
            if isDir { try sourceInode.checkAccess(ctx.creds, .write) }
            if exchange, let t = targetInode, t.fileType == FileType.directory { try t.checkAccess(ctx.creds, .write) }
        }
        if source.isMountRoot || target.isMountRoot { throw .resourceBusy }
        try od.rename(on, to: nd, nn, flags: flags)
        op.forget(on); np.forget(nn)
        // d_move: the dentries follow (a working directory inside, an open file's path).
        if targetInode != nil {
            if exchange { target.move(to: op, name: on); op.remember(target) } else { target.unlinked = true }
        }
        source.move(to: np, name: nn)
        np.remember(source)
        FSNotify.moved(from: op, on, to: np, nn, source: sourceInode, target: targetInode, exchange: exchange, in: fsnotify)
    }

    // MARK: Attributes

    /// notify_change on what an operand names (chmod, chown, truncate, utimensat).
    public func setattr(_ ctx: WalkContext, _ at: PathOperand, _ change: AttributeChange) throws(Errno) {
        try setattr(ctx, try resolve(ctx, at), change)
    }

    /// notify_change: the checks of each requested change (setattr_prepare, vfs_truncate,
    /// chown_ok), the change, then its inotify event. Files without a name (pipes) never come
    /// here: their handlers accept the change and keep nothing.
    public func setattr(_ ctx: WalkContext, _ dentry: Dentry, _ change: AttributeChange) throws(Errno) {
        guard let inode = dentry.inode else { throw .noSuchFileOrDirectory }
        if change.size != nil {
            let type = inode.fileType
            if type == FileType.directory { throw .isDirectory }
            if type != FileType.regular { throw .invalidArgument }
        }
        if inode.readOnly { throw .readOnlyFileSystem }
        // A symlink's mode is never used, and Linux (6.6+) refuses to change it.
        if change.mode != nil && inode.fileType == FileType.symlink { throw .notSupported }
        let s = try inode.stat()
        let creds = ctx.creds
        let owner = creds.fsuid == s.uid || creds.has(Capability.fowner)
        if change.size != nil && !creds.mayAccess(s, .write) { throw .permissionDenied }
        if let size = change.size, size > s.size { try ctx.task?.checkFileSize(size) }
        if change.uid != nil || change.gid != nil { try checkChown(creds, s, change) }
        var change = change
        if let m = change.mode {
            if !owner { throw .notPermitted }
            // The setgid bit goes unless the caller is in the file's group or has CAP_FSETID.
            if m & 0o2000 != 0, !creds.inGroup(s.gid), !creds.has(Capability.fsetid) { change.mode = m & ~0o2000 }
        }
        if (change.atime != nil || change.mtime != nil) && !owner {
            if change.timesGiven { throw .notPermitted }
            if !creds.mayAccess(s, .write) { throw .permissionDenied }
        }
        if change.dropSetID, let m = droppedSetID(creds, s, change) { change.mode = m }
        try inode.setAttributes(change)
        FSNotify.changed(dentry, change)
    }

    /// chown_ok / chgrp_ok: without CAP_CHOWN only the owner may change the group, to one of
    /// its own groups, and the owner stays.
    private func checkChown(_ creds: Credentials, _ s: FileStat, _ change: AttributeChange) throws(Errno) {
        if creds.has(Capability.chown) { return }
        if let u = change.uid, u != s.uid { throw .notPermitted }
        if creds.fsuid != s.uid { throw .notPermitted }
        if let g = change.gid, g != s.gid && !creds.inGroup(g) { throw .notPermitted }
    }

    /// chown_common's ATTR_KILL_SUID/SGID: a non-directory loses setuid always, and setgid when
    /// group-executable or when the caller is neither in its group nor has CAP_FSETID
    /// (setattr_should_drop_sgid). The new mode, nil when it stays.
    private func droppedSetID(_ creds: Credentials, _ s: FileStat, _ change: AttributeChange) -> UInt32? {
        guard s.mode & FileType.mask != FileType.directory else { return nil }
        guard change.uid != nil || change.gid != nil || s.mode & 0o6000 != 0 else { return nil }
        var mode = s.mode & 0o7777
        mode &= ~0o4000
        if mode & 0o2000 != 0 && (mode & 0o010 != 0 || (!creds.inGroup(s.gid) && !creds.has(Capability.fsetid))) {
            mode &= ~0o2000
        }
        return mode != s.mode & 0o7777 ? mode : nil
    }
}
