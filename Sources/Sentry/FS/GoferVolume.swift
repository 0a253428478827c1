import Glibc
import GoferProtocol
import SystemPackage

// Volumes (`husk run -v HOST:GUEST[:ro|:rw]`): a Gofer tree other than the root view, mounted
// at GUEST. A read-write volume writes through to the host directory. A file volume is a tree
// of one regular file, mounted on a file at GUEST, as a bind mount of a file is in Linux. The Gofer opens one name
// at a time below a handle and never follows a symlink; symlinks and ".." are resolved by the
// VFS in the sandbox's namespace, so nothing under a volume reaches outside its host directory.

/// A node of a volume: a Gofer handle. Attributes are asked from the Gofer on every stat (the
/// host may change them, and writes through other descriptions change the size).
public final class VolumeInode: GoferNode {
    let client: GoferClient
    let type: UInt32
    let writable: Bool

    init(client: GoferClient, handle: GoferHandle, attr: GoferAttr, writable: Bool) {
        self.client = client; self.type = attr.fileType; self.writable = writable
        super.init(server: client, handle: handle)
    }

    /// Attaches to Gofer tree `root` (1... for the volumes) and returns its top: a directory,
    /// or the one regular file of a file volume (`-v FILE:GUEST`).
    public static func attach(_ client: GoferClient, root: UInt32, writable: Bool) throws(Errno) -> VolumeInode {
        let (h, a) = try client.attach(root: root)
        let node = VolumeInode(client: client, handle: h, attr: a, writable: writable)
        guard a.isDirectory || node.type == FileType.regular else { throw .notDirectory }
        return node
    }

    override func child(_ h: GoferHandle, _ a: GoferAttr) -> GoferNode {
        VolumeInode(client: client, handle: h, attr: a, writable: writable)
    }

    public override func stat() throws(Errno) -> FileStat { try client.stat(handle).fileStat }
    public override var fileType: UInt32 { type }
    public override var readOnly: Bool { !writable }

    public override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        switch type {
        case FileType.directory: return DirectoryFile(dentry, flags: request.flags)
        case FileType.regular:
            let acc = request.flags & O_ACCMODE
            if acc != O_RDONLY && !writable { throw .readOnlyFileSystem }
            let fd = try client.open(handle, flags: acc | O_CLOEXEC)
            return VolumeRegularFile(dentry, flags: request.flags, hostFD: fd)
        default: throw .noSuchAddressOrDevice  // the Gofer opens no device, FIFO or socket
        }
    }

    public override func dataFD() throws(Errno) -> Int32? { nil }

    public override func statfs() throws(Errno) -> FSStatistics {
        let s = try client.statfs(handle)
        var r = FSStatistics(type: s.type)
        r.bsize = s.bsize; r.blocks = s.blocks; r.bfree = s.bfree; r.bavail = s.bavail
        r.files = s.files; r.ffree = s.ffree; r.namelen = s.namelen; r.frsize = s.frsize
        r.flags = s.flags & ~1
        if !writable { r.flags |= 1 }  // ST_RDONLY
        return r
    }

    // MARK: Changes (EROFS on a read-only volume)

    private func mutable() throws(Errno) {
        if !writable { throw .readOnlyFileSystem }
        if type != FileType.directory { throw .notDirectory }
    }

    public override func create(_ name: [UInt8], mode: UInt32, creds: Credentials) throws(Errno) -> Inode {
        try mutable()
        let (h, a, fd) = try client.create(handle, name, flags: O_RDWR, mode: mode & 0o7777, uid: creds.fsuid, gid: creds.fsgid)
        Glibc.close(fd)  // open(2) reopens with the caller's flags
        return child(h, a)
    }

    public override func mkdir(_ name: [UInt8], mode: UInt32, creds: Credentials) throws(Errno) -> Inode {
        try mutable()
        let (h, a) = try client.mkdir(handle, name, mode: mode & 0o7777, uid: creds.fsuid, gid: creds.fsgid)
        return child(h, a)
    }

    public override func mknod(_ name: [UInt8], mode: UInt32, rdev: UInt64, creds: Credentials) throws(Errno) -> Inode {
        try mutable()
        let t = mode & FileType.mask
        guard t == 0 || t == FileType.regular || t == FileType.fifo else { throw .notPermitted }
        let (h, a) = try client.mknod(handle, name, mode: mode, uid: creds.fsuid, gid: creds.fsgid)
        return child(h, a)
    }

    public override func symlink(_ name: [UInt8], target: [UInt8], creds: Credentials) throws(Errno) -> Inode {
        try mutable()
        let (h, a) = try client.symlink(handle, name, target: target, uid: creds.fsuid, gid: creds.fsgid)
        return child(h, a)
    }

    public override func link(_ name: [UInt8], to inode: Inode) throws(Errno) {
        try mutable()
        guard let t = inode as? VolumeInode, t.client === client else { throw .improperLink }
        try client.link(handle, name, target: t.handle)
    }

    public override func unlink(_ name: [UInt8], directory: Bool) throws(Errno) {
        try mutable()
        try client.unlink(handle, name, flags: directory ? 0x200 /* AT_REMOVEDIR */ : 0)
    }

    public override func rename(_ name: [UInt8], to newDir: Inode, _ newName: [UInt8], flags: UInt32) throws(Errno) {
        try mutable()
        guard let d = newDir as? VolumeInode, d.client === client else { throw .improperLink }
        try client.rename(handle, name, d.handle, newName, flags: flags)
    }

    public override func setAttributes(_ c: AttributeChange) throws(Errno) {
        if !writable { throw .readOnlyFileSystem }
        var mask = GoferSetAttrMask()
        if c.mode != nil { mask.insert(.mode) }
        if c.uid != nil { mask.insert(.uid) }
        if c.gid != nil { mask.insert(.gid) }
        if c.size != nil { mask.insert(.size) }
        if c.atime != nil { mask.insert(.atime) }
        if c.mtime != nil { mask.insert(.mtime) }
        if mask.isEmpty { return }
        let at = c.atime ?? Timespec(sec: 0, nsec: GoferSetAttr.utimeOmit)
        let mt = c.mtime ?? Timespec(sec: 0, nsec: GoferSetAttr.utimeOmit)
        try client.setattr(handle, mask: mask.rawValue, mode: (c.mode ?? 0) & 0o7777, uid: c.uid ?? 0, gid: c.gid ?? 0,
                           size: c.size ?? 0, atime: (at.sec, at.nsec), mtime: (mt.sec, mt.nsec))
    }
}

/// An open regular file of a volume: its own host fd (opened by the Gofer with the access
/// mode asked), read and written with pread/pwrite at the description's offset.
public final class VolumeRegularFile: VFSFile {
    private let fd: Int32

    init(_ dentry: Dentry, flags: Int32, hostFD: Int32) {
        fd = hostFD
        super.init(dentry, flags: flags)
    }

    deinit { Glibc.close(fd) }

    public override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        if !canWrite { throw .badFileDescriptor }
        if statusFlags & O_APPEND != 0 {
            var st = Glibc.stat()
            if fstat(fd, &st) != 0 { throw Errno(rawValue: errno) }
            offset = Int64(st.st_size)
        }
        let n = try pwrite(task, buffer, at: offset)
        offset += Int64(n)
        return n
    }

    public override func pread(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        if !canRead { throw .badFileDescriptor }
        if offset < 0 { throw .invalidArgument }
        return try TmpRegularFile.retry { Glibc.pread(fd, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    public override func pwrite(_ task: Task, _ buffer: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        if !canWrite { throw .badFileDescriptor }
        if offset < 0 { throw .invalidArgument }
        return try TmpRegularFile.retry { Glibc.pwrite(fd, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    public override var hostFD: Int32? { fd }

    public override func sync() throws(Errno) {
        if Glibc.fsync(fd) != 0 { throw Errno(rawValue: errno) }
    }

    public override func truncate(_ length: Int64) throws(Errno) {
        if !canWrite { throw .invalidArgument }
        if length < 0 { throw .invalidArgument }
        if ftruncate(fd, off_t(length)) != 0 { throw Errno(rawValue: errno) }
    }
}
