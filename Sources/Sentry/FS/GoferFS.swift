import Glibc
import GoferProtocol
import SystemPackage

/// What every node served by the Gofer shares: its handle (closed with the node), the walk
/// (several names in one message), readlink (cached: a link never changes) and readdir.
/// Subclasses say how a walked child is made and what it caches.
public class GoferNode: Inode {
    let server: GoferFileServer
    let handle: GoferHandle
    private var linkTarget: [UInt8]?

    init(server: GoferFileServer, handle: GoferHandle) {
        self.server = server; self.handle = handle
    }

    deinit { server.close(handle) }

    /// The node for a child the Gofer walked to.
    func child(_ handle: GoferHandle, _ attr: GoferAttr) -> GoferNode {
        preconditionFailure("GoferNode.child must be overridden")
    }

    public override var cachesChildren: Bool { true }

    public override func lookup(_ name: [UInt8]) throws(Errno) -> Inode {
        if fileType != FileType.directory { throw .notDirectory }
        guard let (h, a) = try server.walk(handle, [name]).first else { throw .noSuchFileOrDirectory }
        return child(h, a)
    }

    public override func lookupChain(_ names: [[UInt8]]) throws(Errno) -> [Inode]? {
        if fileType != FileType.directory { throw .notDirectory }
        return try server.walk(handle, names).map { child($0.0, $0.1) }
    }

    public override func readlink(_ task: Task?) throws(Errno) -> [UInt8] {
        if fileType != FileType.symlink { throw .invalidArgument }
        if let t = linkTarget { return t }
        let t = try server.readlink(handle)
        linkTarget = t
        return t
    }

    public override func readdir(_ task: Task?) throws(Errno) -> [DirEntry] {
        if fileType != FileType.directory { throw .notDirectory }
        return try server.getdents(handle).map { DirEntry(name: $0.name, ino: $0.ino, type: $0.type) }
    }
}

/// A node of the read-only root view: the attributes the walk returned are kept, since the
/// root view does not change under the sandbox.
public final class GoferInode: GoferNode {
    let attr: GoferAttr
    /// One read-only host fd per regular file, shared by every open description (pread needs
    /// no offset), opened at the first open and closed with the inode.
    private var sharedFD: Int32 = -1

    public init(server: GoferFileServer, handle: GoferHandle, attr: GoferAttr) {
        self.attr = attr
        super.init(server: server, handle: handle)
    }

    deinit {
        if sharedFD >= 0 { Glibc.close(sharedFD) }
    }

    override func child(_ handle: GoferHandle, _ attr: GoferAttr) -> GoferNode {
        GoferInode(server: server, handle: handle, attr: attr)
    }

    public override func stat() throws(Errno) -> FileStat { attr.fileStat }
    public override var fileType: UInt32 { attr.mode & FileType.mask }
    public override var readOnly: Bool { true }

    public override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        switch fileType {
        case FileType.directory: return DirectoryFile(dentry, flags: request.flags)
        case FileType.regular:
            if sharedFD < 0 { sharedFD = try server.open(handle, flags: O_RDONLY) }
            return GoferRegularFile(dentry, flags: request.flags, hostFD: sharedFD)
        default: throw .noSuchAddressOrDevice  // the Gofer opens no device, FIFO or socket
        }
    }

    public override func dataFD() throws(Errno) -> Int32? {
        if fileType != FileType.regular { return nil }
        if sharedFD < 0 { sharedFD = try server.open(handle, flags: O_RDONLY) }
        return sharedFD
    }

    public override func statfs() throws(Errno) -> FSStatistics {
        let s = try server.statfs(handle)
        var r = FSStatistics(type: s.type)
        r.bsize = s.bsize; r.blocks = s.blocks; r.bfree = s.bfree; r.bavail = s.bavail
        r.files = s.files; r.ffree = s.ffree; r.namelen = s.namelen; r.frsize = s.frsize
        r.flags = s.flags | 1  // ST_RDONLY
        return r
    }
}

extension GoferAttr {
    var fileStat: FileStat {
        var s = FileStat()
        s.dev = dev; s.ino = ino; s.mode = mode; s.nlink = nlink; s.uid = uid; s.gid = gid
        s.rdev = rdev; s.size = size; s.blksize = blksize; s.blocks = blocks
        s.atime = Timespec(sec: atimeSec, nsec: atimeNsec)
        s.mtime = Timespec(sec: mtimeSec, nsec: mtimeNsec)
        s.ctime = Timespec(sec: ctimeSec, nsec: ctimeNsec)
        return s
    }
}

/// A regular file of a Gofer mount, read with pread on the Gofer-donated host fd.
public final class GoferRegularFile: VFSFile {
    private let fd: Int32

    init(_ dentry: Dentry, flags: Int32, hostFD: Int32) {
        fd = hostFD
        super.init(dentry, flags: flags)
    }

    public override func pread(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        if !canRead { throw .badFileDescriptor }
        if offset < 0 { throw .invalidArgument }
        while true {
            let n = Glibc.pread(fd, buffer.baseAddress, buffer.count, off_t(offset))
            if n >= 0 { return n }
            if errno != EINTR { throw Errno(rawValue: errno) }
        }
    }

    public override func pwrite(_ task: Task, _ buffer: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        throw canWrite ? .readOnlyFileSystem : .badFileDescriptor
    }

    public override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        throw canWrite ? .readOnlyFileSystem : .badFileDescriptor
    }

    public override var hostFD: Int32? { fd }

    public override func truncate(_ length: Int64) throws(Errno) { throw .readOnlyFileSystem }
}
