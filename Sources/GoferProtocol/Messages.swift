// The Gofer protocol's message set. Requests go from the Sentry (client) to the Gofer; every
// request but `close` gets exactly one reply with the same id, except `getdents`, whose reply
// continues over several messages (the last one has `last == true`). Host fds travel as
// SCM_RIGHTS beside the replies to `open` and `create`.

public typealias GoferHandle = UInt64

/// A node's attributes, as stat(2) reports them.
public struct GoferAttr: Sendable, Equatable {
    public var mode: UInt32  // type + permission bits
    public var nlink: UInt64
    public var uid: UInt32
    public var gid: UInt32
    public var rdev: UInt64
    public var size: Int64
    public var blksize: Int64
    public var blocks: Int64
    public var atimeSec: Int64
    public var atimeNsec: Int64
    public var mtimeSec: Int64
    public var mtimeNsec: Int64
    public var ctimeSec: Int64
    public var ctimeNsec: Int64
    public var ino: UInt64
    public var dev: UInt64

    public init(mode: UInt32 = 0, nlink: UInt64 = 0, uid: UInt32 = 0, gid: UInt32 = 0, rdev: UInt64 = 0,
                size: Int64 = 0, blksize: Int64 = 0, blocks: Int64 = 0,
                atimeSec: Int64 = 0, atimeNsec: Int64 = 0, mtimeSec: Int64 = 0, mtimeNsec: Int64 = 0,
                ctimeSec: Int64 = 0, ctimeNsec: Int64 = 0, ino: UInt64 = 0, dev: UInt64 = 0) {
        self.mode = mode; self.nlink = nlink; self.uid = uid; self.gid = gid; self.rdev = rdev
        self.size = size; self.blksize = blksize; self.blocks = blocks
        self.atimeSec = atimeSec; self.atimeNsec = atimeNsec; self.mtimeSec = mtimeSec
        self.mtimeNsec = mtimeNsec; self.ctimeSec = ctimeSec; self.ctimeNsec = ctimeNsec
        self.ino = ino; self.dev = dev
    }

    /// File type bits (S_IFMT).
    public var fileType: UInt32 { mode & 0o170000 }
    public var isDirectory: Bool { fileType == 0o040000 }
    public var isRegular: Bool { fileType == 0o100000 }
    public var isSymlink: Bool { fileType == 0o120000 }
}

/// One directory entry. The Gofer never sends "." or "..": the Sentry's VFS makes those.
public struct GoferDirent: Sendable, Equatable {
    public var name: [UInt8]
    public var ino: UInt64
    public var type: UInt8  // DT_*

    public init(name: [UInt8], ino: UInt64, type: UInt8) {
        self.name = name; self.ino = ino; self.type = type
    }
}

/// statfs(2) of the filesystem holding a node.
public struct GoferStatFS: Sendable, Equatable {
    public var type: Int64
    public var bsize: Int64
    public var blocks: UInt64
    public var bfree: UInt64
    public var bavail: UInt64
    public var files: UInt64
    public var ffree: UInt64
    public var namelen: Int64
    public var frsize: Int64
    public var flags: Int64

    public init(type: Int64 = 0, bsize: Int64 = 0, blocks: UInt64 = 0, bfree: UInt64 = 0, bavail: UInt64 = 0,
                files: UInt64 = 0, ffree: UInt64 = 0, namelen: Int64 = 0, frsize: Int64 = 0, flags: Int64 = 0) {
        self.type = type; self.bsize = bsize; self.blocks = blocks; self.bfree = bfree; self.bavail = bavail
        self.files = files; self.ffree = ffree; self.namelen = namelen; self.frsize = frsize; self.flags = flags
    }
}

/// A handle with the attributes of its node (walk, attach, create, mkdir, mknod, symlink).
public struct GoferNode: Sendable, Equatable {
    public var handle: GoferHandle
    public var attr: GoferAttr
    public init(handle: GoferHandle, attr: GoferAttr) { self.handle = handle; self.attr = attr }
}

/// Which fields a setattr changes. Times honour UTIME_NOW / UTIME_OMIT in the nsec field.
public struct GoferSetAttrMask: OptionSet, Sendable, Equatable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let mode = GoferSetAttrMask(rawValue: 1 << 0)
    public static let uid = GoferSetAttrMask(rawValue: 1 << 1)
    public static let gid = GoferSetAttrMask(rawValue: 1 << 2)
    public static let size = GoferSetAttrMask(rawValue: 1 << 3)
    public static let atime = GoferSetAttrMask(rawValue: 1 << 4)
    public static let mtime = GoferSetAttrMask(rawValue: 1 << 5)
    public static let all: GoferSetAttrMask = [.mode, .uid, .gid, .size, .atime, .mtime]
}

public struct GoferSetAttr: Sendable, Equatable {
    public var mask: GoferSetAttrMask
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32
    public var size: Int64
    public var atimeSec: Int64
    public var atimeNsec: Int64
    public var mtimeSec: Int64
    public var mtimeNsec: Int64

    public static let utimeNow: Int64 = (1 << 30) - 1
    public static let utimeOmit: Int64 = (1 << 30) - 2

    public init(mask: GoferSetAttrMask, mode: UInt32 = 0, uid: UInt32 = 0, gid: UInt32 = 0, size: Int64 = 0,
                atimeSec: Int64 = 0, atimeNsec: Int64 = 0, mtimeSec: Int64 = 0, mtimeNsec: Int64 = 0) {
        self.mask = mask; self.mode = mode; self.uid = uid; self.gid = gid; self.size = size
        self.atimeSec = atimeSec; self.atimeNsec = atimeNsec; self.mtimeSec = mtimeSec; self.mtimeNsec = mtimeNsec
    }
}

/// Message type numbers. A reply's type is its request's type | 0x8000; `error` answers any request.
public enum GoferMessageType: UInt16, Sendable, CaseIterable {
    case attach = 1, walk, open, create, mkdir, mknod, symlink, link, unlink, rename,
         readlink, getdents, stat, setattr, statfs, fsync, close, connect
    public static let replyBit: UInt16 = 0x8000
    public static let errorReply: UInt16 = 0xFFFF
}

public enum GoferRequest: Sendable, Equatable {
    /// The root of one of the trees the Gofer serves: 0 is the root view, 1... the volumes in
    /// the order they were given. ENOENT for a root that does not exist.
    case attach(root: UInt32)
    /// Walk names one by one below `dir`; the reply holds one node per name walked and stops
    /// at the first name that fails (an error reply when the first one does).
    case walk(dir: GoferHandle, names: [[UInt8]])
    /// Open the node: O_ACCMODE, O_APPEND, O_TRUNC, O_NONBLOCK, O_DIRECTORY, O_NOATIME, O_SYNC/O_DSYNC honoured.
    case open(handle: GoferHandle, flags: Int32)
    /// Create a new regular file (always exclusive) and open it.
    case create(dir: GoferHandle, name: [UInt8], flags: Int32, mode: UInt32, uid: UInt32, gid: UInt32)
    case mkdir(dir: GoferHandle, name: [UInt8], mode: UInt32, uid: UInt32, gid: UInt32)
    /// FIFO or regular file only.
    case mknod(dir: GoferHandle, name: [UInt8], mode: UInt32, uid: UInt32, gid: UInt32)
    case symlink(dir: GoferHandle, name: [UInt8], target: [UInt8], uid: UInt32, gid: UInt32)
    case link(dir: GoferHandle, name: [UInt8], target: GoferHandle)
    /// flags: 0 or AT_REMOVEDIR.
    case unlink(dir: GoferHandle, name: [UInt8], flags: Int32)
    /// flags: renameat2 flags (RENAME_NOREPLACE, RENAME_EXCHANGE).
    case rename(oldDir: GoferHandle, oldName: [UInt8], newDir: GoferHandle, newName: [UInt8], flags: UInt32)
    case readlink(handle: GoferHandle)
    case getdents(handle: GoferHandle)
    case stat(handle: GoferHandle)
    case setattr(handle: GoferHandle, attr: GoferSetAttr)
    case statfs(handle: GoferHandle)
    case fsync(handle: GoferHandle)
    /// No reply.
    case close(handle: GoferHandle)
    /// `--host-uds open`: connect a new host unix socket of `type` (SOCK_STREAM, SOCK_DGRAM or
    /// SOCK_SEQPACKET) to the socket file `handle` of a volume; the connected socket
    /// (non-blocking, close-on-exec) travels as SCM_RIGHTS. ECONNREFUSED when the Gofer was not
    /// allowed to, for a node that is no socket or lies outside the volumes.
    case connect(handle: GoferHandle, type: Int32)

    /// The socket types `connect` takes.
    public static let connectTypes: [Int32] = [1, 2, 5]

    public var type: GoferMessageType {
        switch self {
        case .attach: .attach
        case .walk: .walk
        case .open: .open
        case .create: .create
        case .mkdir: .mkdir
        case .mknod: .mknod
        case .symlink: .symlink
        case .link: .link
        case .unlink: .unlink
        case .rename: .rename
        case .readlink: .readlink
        case .getdents: .getdents
        case .stat: .stat
        case .setattr: .setattr
        case .statfs: .statfs
        case .fsync: .fsync
        case .close: .close
        case .connect: .connect
        }
    }
}

public enum GoferReply: Sendable, Equatable {
    /// A Linux errno (positive).
    case error(Int32)
    case attach(GoferNode)
    case walk([GoferNode])
    /// The fd travels as SCM_RIGHTS.
    case open
    /// The fd travels as SCM_RIGHTS.
    case create(GoferNode)
    case mkdir(GoferNode)
    case mknod(GoferNode)
    case symlink(GoferNode)
    case link
    case unlink
    case rename
    case readlink([UInt8])
    /// One part of a directory listing; `last` ends it.
    case getdents([GoferDirent], last: Bool)
    case stat(GoferAttr)
    case setattr
    case statfs(GoferStatFS)
    case fsync
    /// The connected socket travels as SCM_RIGHTS.
    case connect

    /// The wire type of this reply.
    public var wireType: UInt16 {
        let r = GoferMessageType.replyBit
        switch self {
        case .error: return GoferMessageType.errorReply
        case .attach: return GoferMessageType.attach.rawValue | r
        case .walk: return GoferMessageType.walk.rawValue | r
        case .open: return GoferMessageType.open.rawValue | r
        case .create: return GoferMessageType.create.rawValue | r
        case .mkdir: return GoferMessageType.mkdir.rawValue | r
        case .mknod: return GoferMessageType.mknod.rawValue | r
        case .symlink: return GoferMessageType.symlink.rawValue | r
        case .link: return GoferMessageType.link.rawValue | r
        case .unlink: return GoferMessageType.unlink.rawValue | r
        case .rename: return GoferMessageType.rename.rawValue | r
        case .readlink: return GoferMessageType.readlink.rawValue | r
        case .getdents: return GoferMessageType.getdents.rawValue | r
        case .stat: return GoferMessageType.stat.rawValue | r
        case .setattr: return GoferMessageType.setattr.rawValue | r
        case .statfs: return GoferMessageType.statfs.rawValue | r
        case .fsync: return GoferMessageType.fsync.rawValue | r
        case .connect: return GoferMessageType.connect.rawValue | r
        }
    }
}
