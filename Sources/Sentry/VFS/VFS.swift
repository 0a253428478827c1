import Glibc
import GoferProtocol
import SystemPackage

/// One line of /proc/mounts.
public struct MountEntry {
    public var source: String
    public var path: String
    public var type: String
    public var options: String
    /// Its mount id (mountinfo), fixed when it is made.
    public var id = 0
    /// The root dentry of what is mounted (nil for a line that is part of its parent's
    /// filesystem here: /dev/shm, /dev/pts, /dev/mqueue).
    public var top: Dentry?
    public init(source: String, path: String, type: String, options: String) {
        self.source = source; self.path = path; self.type = type; self.options = options
    }

    /// Whether the per-mount option `name` (noexec, nosuid, nodev, ro) is set.
    public func has(_ name: String) -> Bool { options.split(separator: ",").contains { $0 == name } }
}

/// The virtual filesystem: the mount tree, the path walk, open(2) and the namespace operations
/// (Operations.swift). Filesystems plug in as `Inode` subclasses (goferfs for the root, devfs,
/// procfs, tmpfs); the sandbox's standard mounts are made at boot (Kernel/StandardMounts.swift).
public final class VFS {
    /// The root of the sandbox's namespace (the root filesystem's root dentry).
    public var root: Dentry
    /// The procfs mounted at /proc, if any: the first walk with a task tells it its kernel.
    public internal(set) var proc: ProcRoot?
    /// The sandbox's memory account (the Kernel's), which the tmpfs mounts and the overlay's
    /// files charge their pages to.
    public let memory: MemoryAccount
    /// The sandbox's advisory locks (VFS/FileLock.swift) and fsnotify state (VFS/FSNotify.swift).
    public let locks = FileLocks()
    public let fsnotify = FSNotifyRegistry()
    /// The sandbox's devpts instance (TTY/DevPts.swift): its ptys and their index allocator.
    public let devpts = DevPts()
    /// Which tmpfs file each memfd the sandbox's files live in is (FS/TmpFS.swift).
    let memfdPaths = MemfdPaths()
    /// The devices the namespace's synthetic filesystems number their nodes on (devfs, procfs,
    /// sysfs, and one tmpfs device for all its tmpfs mounts and memfds: FS/Synthetic.swift).
    public let devices = SyntheticDevices()

    /// What /proc/mounts lists: one line per mount, in mount order.
    public private(set) var mountTable: [MountEntry] = []

    /// A namespace holding only `rootInode` as /, listed in /proc/mounts with `source`, `type`
    /// and `options`. `memory` (unlimited when nil) is what its mounts' pages are charged to.
    public init(rootInode: Inode, source: String = "none", type: String = "9p", options: String = "ro,relatime",
                memory: MemoryAccount? = nil) throws(Errno) {
        guard rootInode.fileType == FileType.directory else { throw .notDirectory }
        self.memory = memory ?? MemoryAccount(budget: Int.max)
        root = Dentry(name: [], parent: nil, inode: rootInode)
        listMount(source: source, path: "/", type: type, options: options, top: root)
    }

    /// Mounts `fsRoot` on absolute `path` (see `mount(_:at:)`) and lists it in /proc/mounts.
    public func mount(_ fsRoot: Inode, at path: String, source: String, type: String, options: String) throws(Errno) {
        let top = try mount(fsRoot, at: Array(path.utf8))
        listMount(source: source, path: path, type: type, options: options, top: top)
    }

    /// Mounts an umount2(MNT_EXPIRE) has marked (by their root dentry).
    var expiryMarked = Set<ObjectIdentifier>()

    /// The last mount id given (mountinfo numbers mounts from 21, as a fresh namespace would).
    private var lastMountID = 20

    /// Adds a line to /proc/mounts: for a mount whose root is `top`, or (nil) for a directory
    /// that is a mount in Linux but part of its parent filesystem here (/dev/shm).
    public func listMount(source: String, path: String, type: String, options: String, top: Dentry? = nil) {
        var e = MountEntry(source: source, path: path, type: type, options: options)
        lastMountID += 1
        e.id = lastMountID
        e.top = top
        mountTable.append(e)
    }

    /// The mount whose root dentry is `top`, as an index in the table.
    public func mountIndex(of top: Dentry) -> Int? { mountTable.lastIndex { $0.top === top } }

    /// The mount holding `d` (the line of its filesystem's root dentry).
    public func mountEntry(holding d: Dentry) -> MountEntry? {
        mountIndex(of: d.mountRoot).map { mountTable[$0] }
    }

    /// Changes the options of the mount whose root is `top` (mount(2)'s MS_REMOUNT).
    func setMountOptions(_ top: Dentry, _ options: String) {
        if let i = mountIndex(of: top) { mountTable[i].options = options }
    }

    /// mount(2) of a new filesystem or a bind: `fsRoot` mounted on the resolved directory
    /// `point` (stacked over what is mounted there already), listed at `path`.
    func attach(_ fsRoot: Inode, on point: Dentry, path: String, source: String, type: String, options: String) {
        // A mount point stays in its parent's cache, where walks find it (see mount(_:at:)).
        if let parent = point.parent { parent.children[point.name] = point }
        let top = Dentry(name: point.name, parent: nil, inode: fsRoot)
        top.covered = point.mountTop
        point.mountTop.mounted = top
        listMount(source: source, path: path, type: type, options: options, top: top)
    }

    /// umount2(2): takes the mount whose root is `top` out of the tree, with every mount below
    /// it (the caller checked they may go: MNT_DETACH, or none was there). Dentries held by
    /// open files and working directories stay usable, outside the tree (Linux's lazy umount).
    func detach(_ top: Dentry) {
        guard let i = mountIndex(of: top) else { return }
        let path = mountTable[i].path, id = mountTable[i].id
        let prefix = path == "/" ? "/" : path + "/"
        mountTable.removeAll { $0.top === top || ($0.path.hasPrefix(prefix) && $0.id > id) }
        if let below = top.covered, below.mounted === top { below.mounted = nil }
        top.mounted = nil
    }

    /// Mounts procfs at /proc: the root its PID directories and /proc/self hang off.
    public func mountProc(_ proc: ProcRoot) throws(Errno) {
        try mount(proc, at: "/proc", source: "proc", type: "proc", options: "rw,nosuid,nodev,noexec,relatime")
        self.proc = proc
    }

    /// Mounts a filesystem root on `path` (relative to the namespace root, no symlinks
    /// followed). A missing last directory (an empty file, for a root that is a file) is made
    /// in a writable root; in a read-only root the mount point is made up (a read-only rootfs
    /// may lack /tmp).
    @discardableResult
    public func mount(_ fsRoot: Inode, at path: [UInt8]) throws(Errno) -> Dentry {
        let names = path.split(separator: 0x2F).map(Array.init)
        guard let last = names.last else { throw .resourceBusy }
        var dir = root
        for name in names.dropLast() {
            var c = try child(of: dir, name, upcoming: [])
            if c.inode == nil, let made = try? dir.inode!.mkdir(name, mode: 0o755, creds: Credentials(uid: 0, gid: 0)) {
                c = Dentry(name: name, parent: dir, inode: made)
            }
            guard c.inode != nil, c.isDirectory || c.mountTop.isDirectory else { throw .noSuchFileOrDirectory }
            dir.children[name] = c
            dir = c.mountTop
        }
        var point: Dentry
        if let c = dir.cachedChild(last), c.inode != nil { point = c }
        else {
            var found = try? dir.inode!.lookup(last)
            if found == nil, !dir.inode!.readOnly {
                found = fsRoot.fileType == FileType.directory
                    ? try? dir.inode!.mkdir(last, mode: 0o755, creds: Credentials(uid: 0, gid: 0))
                    : try? dir.inode!.create(last, mode: 0o644, creds: Credentials(uid: 0, gid: 0))
            }
            point = Dentry(name: last, parent: dir, inode: found ?? fsRoot)
        }
        dir.children[last] = point
        let top = Dentry(name: last, parent: nil, inode: fsRoot)
        top.covered = point.mountTop === point ? point : point.mountTop
        point.mountTop.mounted = top
        return top
    }

    /// Mounts a volume (Gofer tree `root`) at absolute `guest`, making missing directories in
    /// the writable root.
    /// A directory goes on a directory and a file on anything else (ENOTDIR otherwise, as
    /// graft_tree), a missing file mount point being made as an empty file.
    public func mountVolume(_ client: GoferClient, root: UInt32, at guest: String, writable: Bool) throws(Errno) {
        let top = try VolumeInode.attach(client, root: root, writable: writable)
        let ctx = FSContext(root: self.root, cwd: self.root, umask: 0)
        if let d = try? lookup(ctx, at: nil, Array(guest.utf8), followFinal: false, creds: Credentials(uid: 0, gid: 0)),
           let inode = d.inode, (inode.fileType == FileType.directory) != (top.fileType == FileType.directory) {
            throw .notDirectory
        }
        try mount(top, at: guest, source: "none", type: "9p", options: (writable ? "rw" : "ro") + ",nosuid,nodev,relatime")
    }

    /// Mounts a fresh tmpfs (--tmpfs) at absolute `path`.
    public func mountTmpFS(at path: String, mode: UInt32, sizeBytes: UInt64?) throws(Errno) {
        let ctx = FSContext(root: root, cwd: root, umask: 0)
        if let d = try? lookup(ctx, at: nil, Array(path.utf8), followFinal: false, creds: Credentials(uid: 0, gid: 0)),
           d.inode?.fileType != FileType.directory { throw .notDirectory }
        try mount(TmpFS(mode: mode, sizeBytes: sizeBytes, memoryLimit: memory.memoryLimit, device: devices.tmpfs).root, at: path, source: "tmpfs", type: "tmpfs",
                  options: "rw,nosuid,nodev" + (sizeBytes.map { ",size=\($0 / 1024)k" } ?? ""))
    }

    // MARK: The contract of VFSContract.swift

    /// Resolves a path (see `walk`); `base` nil means the cwd.
    public func lookup(_ ctx: FSContext, at base: Dentry?, _ path: [UInt8], followFinal: Bool, creds: Credentials) throws(Errno) -> Dentry {
        try walk(WalkContext(fs: ctx, creds: creds, task: nil), from: base, path, followFinal: followFinal)
    }

    public func open(_ ctx: FSContext, at base: Dentry?, _ path: [UInt8], flags: Int32, mode: UInt32, creds: Credentials) throws(Errno) -> FileDescription {
        try open(WalkContext(fs: ctx, creds: creds, task: nil), at: base, path, flags: flags, mode: mode)
    }

    /// The path of `d` as seen from `root` ("/" for the root itself). A dentry outside `root`
    /// gets its path from the namespace root, as Linux shows it.
    public func pathname(_ d: Dentry, root: Dentry) -> [UInt8] {
        var parts: [[UInt8]] = []
        var cur = d
        while cur !== root {
            if let p = cur.parent { parts.append(cur.name); cur = p }
            else if let c = cur.covered { cur = c }
            else { break }
        }
        if parts.isEmpty { return [0x2F] }
        var out: [UInt8] = []
        for part in parts.reversed() { out.append(0x2F); out.append(contentsOf: part) }
        return out
    }

    // MARK: open(2)

    /// openat(2): walks, creates with O_CREAT, checks access, then asks the inode to open.
    public func open(_ ctx: WalkContext, at base: Dentry?, _ path: [UInt8], flags: Int32, mode: UInt32) throws(Errno) -> FileDescription {
        let accMode = flags & O_ACCMODE
        let isPath = flags & openPathFlag != 0
        let noFollow = flags & O_NOFOLLOW != 0
        var dentry: Dentry
        if flags & O_CREAT != 0 && !isPath {
            var (parent, name, trailing) = try walkParent(ctx, from: base, path)
            if name.isEmpty || name == [0x2E] || name == [0x2E, 0x2E] { throw .isDirectory }
            var existing: Dentry? = try child(of: parent, name, upcoming: [])
            if existing?.isNegative == true { existing = nil }
            // A final symlink is followed, and a dangling one creates its target (as Linux does).
            var hops = 0
            while let e = existing, e.isSymlink {
                if flags & O_EXCL != 0 { throw .fileExists }
                if noFollow { throw .tooManySymbolicLinkLevels }
                hops += 1
                if hops > 40 { throw .tooManySymbolicLinkLevels }
                // /proc/PID/fd/N (so /dev/stdout, /dev/stderr): a magic link leads to the open
                // file itself, a pipe or a socket included, never to a name to create.
                if e.inode is FDLink {
                    existing = try walk(ctx, from: parent, name, followFinal: true)
                    break
                }
                let target = try e.inode!.readlink(ctx.task)
                if target.isEmpty { throw .noSuchFileOrDirectory }
                (parent, name, trailing) = try walkParent(ctx, from: parent, target)
                if name.isEmpty || name == [0x2E] || name == [0x2E, 0x2E] {
                    existing = try walk(ctx, from: parent, target, followFinal: true)
                    break
                }
                existing = try child(of: parent, name, upcoming: [])
                if existing?.isNegative == true { existing = nil }
            }
            if let e = existing {
                if flags & O_EXCL != 0 { throw .fileExists }
                dentry = e
            } else {
                if trailing { throw .isDirectory }
                let dirInode = parent.inode!
                // lookup_open: a read-only mount answers EROFS before the permission check.
                if dirInode.readOnly { throw .readOnlyFileSystem }
                try dirInode.checkAccess(ctx.creds, [.write, .execute])
                if parent.unlinked { throw .noSuchFileOrDirectory }   // may_create's IS_DEADDIR
                let (perm, owner) = VFS.newNode(ctx, in: dirInode, mode: mode & 0o7777, directory: false)
                let node = try dirInode.create(name, mode: perm, creds: owner)
                parent.forget(name)
                dentry = parent.remember(Dentry(name: name, parent: parent, inode: node))
                FSNotify.created(parent, name, node)
                // A new file is opened without further permission checks (POSIX).
                let file = try node.open(dentry, OpenRequest(flags: flags & ~O_TRUNC, mode: mode, creds: ctx.creds, task: ctx.task, vfs: self))
                FSNotify.node(InotifyMask.open, dentry)
                return file
            }
        } else {
            dentry = try walk(ctx, from: base, path, followFinal: !noFollow)
        }
        return try openResolved(ctx, dentry, flags: flags, mode: mode)
    }

    /// The second half of open(2): checks on the node the walk found, O_TRUNC, then the
    /// filesystem's open.
    public func openResolved(_ ctx: WalkContext, _ dentry: Dentry, flags: Int32, mode: UInt32) throws(Errno) -> FileDescription {
        let accMode = flags & O_ACCMODE
        let isPath = flags & openPathFlag != 0
        guard let inode = dentry.inode else { throw .noSuchFileOrDirectory }
        let type = inode.fileType
        if isPath {
            if flags & O_DIRECTORY != 0 && type != FileType.directory { throw .notDirectory }
            return PathFile(dentry, flags: flags)
        }
        if type == FileType.symlink { throw .tooManySymbolicLinkLevels }
        if flags & O_DIRECTORY != 0 && type != FileType.directory { throw .notDirectory }
        let wantsWrite = accMode == O_WRONLY || accMode == O_RDWR || flags & O_TRUNC != 0
        if type == FileType.directory && (wantsWrite || flags & O_CREAT != 0) { throw .isDirectory }
        var want: AccessRequest = []
        if accMode == O_RDONLY || accMode == O_RDWR { want.insert(.read) }
        if wantsWrite { want.insert(.write) }
        try inode.checkAccess(ctx.creds, want, task: ctx.task)
        if wantsWrite && inode.readOnly && (type == FileType.regular || type == FileType.directory) { throw .readOnlyFileSystem }
        try inode.checkNoAtime(ctx.creds, flags: flags)
        let truncate = flags & O_TRUNC != 0 && type == FileType.regular
        if truncate {
            var change = AttributeChange(); change.size = 0
            try inode.setAttributes(change)
        }
        let file = try inode.open(dentry, OpenRequest(flags: flags, mode: mode, creds: ctx.creds, task: ctx.task, vfs: self))
        // vfs_open's IN_OPEN, then handle_truncate's IN_MODIFY.
        FSNotify.node(InotifyMask.open, dentry)
        if truncate { FSNotify.node(InotifyMask.modify, dentry) }
        return file
    }
}
