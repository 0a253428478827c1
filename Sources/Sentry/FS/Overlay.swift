import Glibc
import LinuxABI
import SystemPackage

/// The default root: a writable in-memory upper layer over a read-only lower (the Gofer's root
/// view). Nothing is ever written to the lower: a change copies the node up first.
///
/// The overlay's tree is itself the upper layer. Each `OverlayNode` has a `lower` node (what
/// the Gofer shows, if anything) and an `upper` node (tmpfs: attributes, a memfd for file data,
/// a symlink target) once it was copied up or created. A directory remembers the names it has
/// looked up, the names removed from it (whiteouts: the lower is not asked again), the names
/// created in it, and whether it is opaque (made after an rmdir of a lower directory: the lower
/// is never consulted). Renaming a lower directory moves its node, which keeps merging its own
/// lower directory (overlayfs's redirect_dir), so no rename answers EXDEV.
///
/// Departures from Linux's overlayfs: a description opened read-only before another one copied
/// the file up keeps reading the lower data (overlayfs before 4.19 behaved so); lower hard links
/// are separate files after copy-up; a metadata change copies data up too (no metacopy).
public final class OverlayFS {
    /// st_dev of every overlay node.
    public static let dev: UInt64 = 0x2e
    public private(set) var root: OverlayNode!
    /// The upper layer's nodes: st_dev is the overlay's, and the inode numbers of new nodes
    /// start far above any host inode number the lower reports (a copied-up node keeps its
    /// lower's).
    let device = SyntheticDevice(OverlayFS.dev, after: 1 << 40)
    /// What the upper layer's file pages are charged to (the sandbox's memory account).
    let memory: MemoryAccount?

    public init(lower: Inode, memory: MemoryAccount? = nil) throws(Errno) {
        guard lower.fileType == FileType.directory else { throw .notDirectory }
        self.memory = memory
        root = OverlayNode(fs: self, lower: lower, upper: nil, parent: nil)
    }
}

public final class OverlayNode: Inode {
    let fs: OverlayFS  // strong: the nodes keep their filesystem alive
    /// The lower node, nil for nodes created in the overlay.
    let lower: Inode?
    /// The copied-up or created node (attributes, file data, link target, xattrs).
    private(set) var upper: TmpInode?
    /// For directories: the directory holding this one (directories have one name).
    weak var parent: OverlayNode?
    /// Names looked up or created so far (positive only).
    private var entries: [[UInt8]: OverlayNode] = [:]
    /// Names removed from the lower listing.
    private var whiteouts: Set<[UInt8]> = []
    /// Names made in the overlay, in creation order (readdir lists them after the lower's).
    private var created: [[UInt8]] = []
    /// The lower directory is not consulted.
    private(set) var opaque = false

    init(fs: OverlayFS, lower: Inode?, upper: TmpInode?, parent: OverlayNode?) {
        self.fs = fs; self.lower = lower; self.upper = upper; self.parent = parent
        super.init()
        if lower == nil { opaque = true }
    }

    // MARK: Attributes

    public override func stat() throws(Errno) -> FileStat {
        var s: FileStat
        if let u = upper { s = try u.stat() } else { s = try lower!.stat() }
        s.dev = OverlayFS.dev
        return s
    }

    public override var fileType: UInt32 {
        if let u = upper { return u.fileType }
        return lower!.fileType
    }

    public override var cachesChildren: Bool { true }
    public override var readOnly: Bool { false }
    /// Whether the node lives in the upper layer (copied up or created there).
    public var isUpper: Bool { upper != nil }

    public override func statfs() throws(Errno) -> FSStatistics {
        var s = FSStatistics(type: FilesystemMagic.OVERLAYFS_SUPER_MAGIC)
        if let l = try? fs.root.lower?.statfs() {
            s.bsize = l.bsize; s.blocks = l.blocks; s.bfree = l.bfree; s.bavail = l.bavail
            s.files = l.files; s.ffree = l.ffree; s.namelen = l.namelen; s.frsize = l.frsize
        }
        return s
    }

    // MARK: Copy-up

    /// Brings the node into the upper layer, keeping mode, owner, times and inode number;
    /// a regular file's data is copied from the lower's host fd into a memfd.
    @discardableResult
    func copyUp() throws(Errno) -> TmpInode {
        if let u = upper { return u }
        guard let lower else { throw .ioError }
        let s = try lower.stat()
        let u: TmpInode
        switch s.mode & FileType.mask {
        case FileType.regular:
            let f = try TmpFile(fileMode: s.mode & 0o7777, uid: s.uid, gid: s.gid, account: fs.memory, device: fs.device)
            try OverlayNode.copyData(from: lower, size: s.size, to: f.fd)
            u = f
        case FileType.directory:
            u = TmpInode(mode: s.mode, uid: s.uid, gid: s.gid, device: fs.device)
        case FileType.symlink:
            u = TmpSymlink(target: try lower.readlink(nil), uid: s.uid, gid: s.gid, device: fs.device)
        default:
            u = TmpSpecial(mode: s.mode, rdev: s.rdev, uid: s.uid, gid: s.gid, device: fs.device)
        }
        u.attributes.mode = s.mode
        u.attributes.ino = s.ino
        u.attributes.dev = OverlayFS.dev
        u.attributes.atime = s.atime; u.attributes.mtime = s.mtime; u.attributes.ctime = s.ctime
        u.attributes.btime = s.btime
        // A copied-up file is one file of its own; a directory keeps its link count.
        u.attributes.nlink = s.mode & FileType.mask == FileType.directory ? s.nlink : 1
        upper = u
        return u
    }

    /// Copies `size` bytes of a lower regular file into `fd`.
    static func copyData(from lower: Inode, size: Int64, to fd: Int32) throws(Errno) {
        if size <= 0 { return }
        guard let src = try lower.dataFD() else { throw .ioError }
        try copyData(from: src, size: size, to: fd)
    }

    /// Bytes copied per pread/pwrite.
    static let copyChunk = 1 << 20
    /// The one buffer every copy-up goes through (the Sentry serves one call at a time),
    /// allocated at the first copy-up of file data.
    nonisolated(unsafe) private static var copyBuffer: UnsafeMutableRawPointer?

    /// Copies `size` bytes from `src` to `dst`, both at offset 0, with pread/pwrite in chunks of
    /// `copyChunk`: the Sentry's seccomp filter admits pread64/pwrite64, not sendfile, splice or
    /// copy_file_range (docs/security.md). Short reads and writes continue where they stopped,
    /// EINTR retries. A source shorter than `size` (the lower file shrank) leaves a shorter copy,
    /// as overlayfs does. A failure is an errno for the program's call, never a trap: ENOSPC,
    /// EDQUOT, EFBIG and ENOMEM of the upper's memory as they are, anything else EIO.
    static func copyData(from src: Int32, size: Int64, to dst: Int32) throws(Errno) {
        if size <= 0 { return }
        let buf: UnsafeMutableRawPointer
        if let b = copyBuffer { buf = b } else {
            buf = UnsafeMutableRawPointer.allocate(byteCount: copyChunk, alignment: 4096)
            copyBuffer = buf
        }
        var offset: Int64 = 0
        while offset < size {
            let want = Int(min(size - offset, Int64(copyChunk)))
            let r = pread(src, buf, want, off_t(offset))
            if r < 0 {
                if errno == EINTR { continue }
                throw errno == ENOMEM ? .noMemory : .ioError
            }
            if r == 0 { break }
            var done = 0
            while done < r {
                let w = pwrite(dst, buf + done, r - done, off_t(offset) + off_t(done))
                if w < 0 {
                    if errno == EINTR { continue }
                    switch errno {
                    case ENOSPC, EDQUOT, EFBIG, ENOMEM: throw Errno(rawValue: errno)
                    default: throw .ioError
                    }
                }
                if w == 0 { throw .noSpace }
                done += w
            }
            offset += Int64(r)
        }
    }

    public override func dataFD() throws(Errno) -> Int32? {
        if let u = upper { return try u.dataFD() }
        return try lower?.dataFD()
    }

    public override func setAttributes(_ change: AttributeChange) throws(Errno) {
        try copyUp().setAttributes(change)
    }

    // MARK: Lookup and listing

    private var consultsLower: Bool { !opaque && lower != nil }

    public override func lookup(_ name: [UInt8]) throws(Errno) -> Inode {
        if fileType != FileType.directory { throw .notDirectory }
        if let n = entries[name] { return n }
        guard consultsLower, !whiteouts.contains(name) else { throw .noSuchFileOrDirectory }
        let l = try lower!.lookup(name)
        let n = OverlayNode(fs: fs, lower: l, upper: nil, parent: self)
        entries[name] = n
        return n
    }

    /// A chain of names untouched by the overlay is walked in the lower in one go.
    public override func lookupChain(_ names: [[UInt8]]) throws(Errno) -> [Inode]? {
        guard let first = names.first, consultsLower, entries[first] == nil, !whiteouts.contains(first),
              fileType == FileType.directory else { return nil }
        guard let lowers = try lower!.lookupChain(names) else { return nil }
        var out: [Inode] = []
        var dir = self
        for (name, l) in zip(names, lowers) {
            let n = OverlayNode(fs: fs, lower: l, upper: nil, parent: dir)
            dir.entries[name] = n
            out.append(n)
            dir = n
        }
        return out
    }

    public override func readlink(_ task: Task?) throws(Errno) -> [UInt8] {
        if let u = upper { return try u.readlink(task) }
        return try lower!.readlink(task)
    }

    public override func readdir(_ task: Task?) throws(Errno) -> [DirEntry] {
        if fileType != FileType.directory { throw .notDirectory }
        var out: [DirEntry] = []
        var listed = Set<[UInt8]>()
        if consultsLower {
            for e in try lower!.readdir(task) where !whiteouts.contains(e.name) {
                listed.insert(e.name)
                if let n = entries[e.name], let s = try? n.stat() {
                    out.append(DirEntry(name: e.name, ino: s.ino, type: FileType.direntType(s.mode)))
                } else {
                    out.append(e)
                }
            }
        }
        for name in created where !listed.contains(name) {
            guard let n = entries[name], let s = try? n.stat() else { continue }
            listed.insert(name)
            out.append(DirEntry(name: name, ino: s.ino, type: FileType.direntType(s.mode)))
        }
        return out
    }

    /// Whether the directory lists nothing (rmdir, rename over a directory).
    var isEmptyDirectory: Bool {
        if !created.isEmpty && created.contains(where: { entries[$0] != nil }) { return false }
        return ((try? readdir(nil)) ?? []).isEmpty
    }

    // MARK: Opening

    public override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        switch fileType {
        case FileType.directory:
            return DirectoryFile(dentry, flags: request.flags)
        case FileType.regular:
            let acc = request.flags & O_ACCMODE
            if upper == nil && (acc == O_WRONLY || acc == O_RDWR) { try copyUp() }
            if let u = upper { return try u.open(dentry, request) }
            return try lower!.open(dentry, request)
        default:
            if let u = upper { return try u.open(dentry, request) }
            return try lower!.open(dentry, request)
        }
    }

    // MARK: Changes

    private func node(_ name: [UInt8]) -> OverlayNode? { try? lookup(name) as? OverlayNode }

    /// Records a new child: the directory is copied up and its times change.
    private func insert(_ name: [UInt8], _ n: OverlayNode) throws(Errno) {
        if name.count > 255 { throw .fileNameTooLong }
        if node(name) != nil { throw .fileExists }
        let u = try copyUp()
        entries[name] = n
        whiteouts.remove(name)
        created.append(name)
        if n.fileType == FileType.directory { n.parent = self; u.attributes.nlink += 1 }
        u.touch()
    }

    /// Forgets a child; a lower name gets a whiteout.
    private func drop(_ name: [UInt8], _ n: OverlayNode) throws(Errno) {
        let u = try copyUp()
        entries[name] = nil
        created.removeAll { $0 == name }
        if consultsLower { whiteouts.insert(name) }
        if n.fileType == FileType.directory { u.attributes.nlink -= 1 }
        u.touch()
    }

    /// A node made in the overlay (`u` numbered on the overlay's device).
    private func newNode(_ u: TmpInode) -> OverlayNode {
        return OverlayNode(fs: fs, lower: nil, upper: u, parent: nil)
    }

    public override func create(_ name: [UInt8], mode: UInt32, creds: Credentials) throws(Errno) -> Inode {
        if node(name) != nil { throw .fileExists }
        let n = newNode(try TmpFile(fileMode: mode, uid: creds.fsuid, gid: creds.fsgid, account: fs.memory, device: fs.device))
        try insert(name, n)
        return n
    }

    public override func mkdir(_ name: [UInt8], mode: UInt32, creds: Credentials) throws(Errno) -> Inode {
        if node(name) != nil { throw .fileExists }
        let n = newNode(TmpInode(mode: FileType.directory | (mode & 0o7777), uid: creds.fsuid, gid: creds.fsgid, device: fs.device))
        try insert(name, n)
        return n
    }

    public override func symlink(_ name: [UInt8], target: [UInt8], creds: Credentials) throws(Errno) -> Inode {
        if node(name) != nil { throw .fileExists }
        let n = newNode(TmpSymlink(target: target, uid: creds.fsuid, gid: creds.fsgid, device: fs.device))
        try insert(name, n)
        return n
    }

    public override func mknod(_ name: [UInt8], mode: UInt32, rdev: UInt64, creds: Credentials) throws(Errno) -> Inode {
        let type = mode & FileType.mask
        if type == FileType.regular || type == 0 { return try create(name, mode: mode & 0o7777, creds: creds) }
        if node(name) != nil { throw .fileExists }
        let n = newNode(TmpSpecial(mode: mode, rdev: rdev, uid: creds.fsuid, gid: creds.fsgid, device: fs.device))
        try insert(name, n)
        return n
    }

    public override func createTemporary(mode: UInt32, creds: Credentials, linkable: Bool) throws(Errno) -> Inode {
        let f = try TmpFile(fileMode: mode, uid: creds.fsuid, gid: creds.fsgid, account: fs.memory, device: fs.device)
        f.attributes.nlink = 0
        f.temporaryLinkable = linkable
        return newNode(f)
    }

    public override var relinkable: Bool { upper?.relinkable ?? false }

    public override func link(_ name: [UInt8], to inode: Inode) throws(Errno) {
        guard let target = inode as? OverlayNode, target.fs === fs else { throw .improperLink }
        if target.fileType == FileType.directory { throw .notPermitted }
        let u = try target.copyUp()
        try insert(name, target)
        u.attributes.nlink += 1
        u.temporaryLinkable = false
        u.attributes.ctime = Timespec.now()
    }

    public override func unlink(_ name: [UInt8], directory: Bool) throws(Errno) {
        guard let n = node(name) else { throw .noSuchFileOrDirectory }
        if n.fileType == FileType.directory {
            if !directory { throw .isDirectory }
            if !n.isEmptyDirectory { throw .directoryNotEmpty }
        } else if directory { throw .notDirectory }
        try drop(name, n)
        if let u = n.upper {
            u.attributes.nlink = n.fileType == FileType.directory ? 0 : u.attributes.nlink - 1
            u.attributes.ctime = Timespec.now()
        }
    }

    /// Whether this directory is `d` or lies below it.
    func isWithin(_ d: OverlayNode) -> Bool {
        var p: OverlayNode? = self
        while let q = p { if q === d { return true }; p = q.parent }
        return false
    }

    public override func rename(_ name: [UInt8], to newDir: Inode, _ newName: [UInt8], flags: UInt32) throws(Errno) {
        guard let dest = newDir as? OverlayNode, dest.fs === fs else { throw .improperLink }
        guard let n = node(name) else { throw .noSuchFileOrDirectory }
        if flags & ~(RenameFlags.RENAME_NOREPLACE | RenameFlags.RENAME_EXCHANGE | RenameFlags.RENAME_WHITEOUT) != 0 { throw .invalidArgument }
        let isDir = n.fileType == FileType.directory
        if flags & RenameFlags.RENAME_EXCHANGE != 0 {
            guard let other = dest.node(newName) else { throw .noSuchFileOrDirectory }
            if dest === self && name == newName { return }
            if isDir && dest.isWithin(n) { throw .invalidArgument }
            if other.fileType == FileType.directory && self.isWithin(other) { throw .invalidArgument }
            let su = try copyUp(), du = try dest.copyUp()
            entries[name] = other
            dest.entries[newName] = n
            if isDir { n.parent = dest; su.attributes.nlink -= 1; du.attributes.nlink += 1 }
            if other.fileType == FileType.directory { other.parent = self; du.attributes.nlink -= 1; su.attributes.nlink += 1 }
            su.touch(); du.touch()
            return
        }
        if dest === self && name == newName { return }
        if isDir && dest.isWithin(n) { throw .invalidArgument }
        if let existing = dest.node(newName) {
            if existing === n { return }
            if flags & RenameFlags.RENAME_NOREPLACE != 0 { throw .fileExists }
            if existing.fileType == FileType.directory {
                guard isDir else { throw .isDirectory }
                if !existing.isEmptyDirectory { throw .directoryNotEmpty }
            } else if isDir { throw .notDirectory }
            try dest.unlink(newName, directory: existing.fileType == FileType.directory)
        }
        // A moved file keeps its node (and a lower directory keeps merging its lower).
        if n.lower != nil && n.fileType != FileType.directory { try n.copyUp() }
        try drop(name, n)
        try dest.insert(newName, n)
        if let u = n.upper { u.attributes.ctime = Timespec.now() }
    }

    // MARK: Extended attributes (kept in the upper layer)

    public override func getxattr(_ name: [UInt8]) throws(Errno) -> [UInt8] {
        guard let u = upper else { throw .noData }
        return try u.getxattr(name)
    }
    public override func listxattr() throws(Errno) -> [[UInt8]] { try upper?.listxattr() ?? [] }
    public override func setxattr(_ name: [UInt8], _ value: [UInt8], flags: Int32) throws(Errno) {
        if upper == nil && flags & XattrFlags.XATTR_REPLACE != 0 { throw .noData }
        try copyUp().setxattr(name, value, flags: flags)
    }
    public override func removexattr(_ name: [UInt8]) throws(Errno) {
        guard upper != nil else { throw .noData }
        try copyUp().removexattr(name)
    }
}
