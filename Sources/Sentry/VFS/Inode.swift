import SystemPackage

/// File type bits of st_mode, as the VFS compares them.
public enum FileType {
    public static let mask: UInt32 = 0o170000
    public static let directory: UInt32 = 0o040000
    public static let regular: UInt32 = 0o100000
    public static let symlink: UInt32 = 0o120000
    public static let character: UInt32 = 0o020000
    public static let block: UInt32 = 0o060000
    public static let fifo: UInt32 = 0o010000
    public static let socket: UInt32 = 0o140000

    /// The linux_dirent64 d_type of a mode.
    public static func direntType(_ mode: UInt32) -> UInt8 { UInt8(truncatingIfNeeded: (mode & mask) >> 12) }
}

/// One entry of a directory listing (without "." and "..", which the VFS adds).
public struct DirEntry {
    public var name: [UInt8]
    public var ino: UInt64
    public var type: UInt8
    public init(name: [UInt8], ino: UInt64, type: UInt8) { self.name = name; self.ino = ino; self.type = type }
}

/// statfs(2) of a filesystem.
public struct FSStatistics {
    public var type: Int64
    public var bsize: Int64 = 4096
    public var blocks: UInt64 = 0
    public var bfree: UInt64 = 0
    public var bavail: UInt64 = 0
    public var files: UInt64 = 0
    public var ffree: UInt64 = 0
    public var namelen: Int64 = 255
    public var frsize: Int64 = 4096
    public var flags: Int64 = 0
    public init(type: Int64) { self.type = type }
}

/// What the opening task asks: used by files whose contents depend on the caller (/proc/self).
public struct OpenRequest {
    public var flags: Int32
    public var mode: UInt32
    public var creds: Credentials
    public unowned(unsafe) var task: Task?
    /// The VFS opening the file (nil: an open outside one, such as an O_TMPFILE's).
    public unowned(unsafe) var vfs: VFS?
    public init(flags: Int32, mode: UInt32, creds: Credentials, task: Task?, vfs: VFS? = nil) {
        self.flags = flags; self.mode = mode; self.creds = creds; self.task = task; self.vfs = vfs
    }
}

/// A file of some filesystem (Linux `struct inode` with its operations). Filesystems subclass
/// it; the defaults describe a read-only node that supports nothing.
open class Inode {
    public init() {}

    /// The inotify watches on this node (VFS/FSNotify.swift); empty costs nothing.
    public internal(set) var watches: [InotifyWatch] = []
    /// Open files of this node (VFSFile): IN_DELETE_SELF waits for the last close.
    public internal(set) var openFiles: Int32 = 0
    /// The node lost its last name while open: IN_DELETE_SELF comes at the last close.
    var deletePending = false

    /// stat(2) of the node.
    open func stat() throws(Errno) -> FileStat { throw .ioError }

    /// The S_IFMT bits; filesystems override when they know it without a round trip.
    open var fileType: UInt32 { ((try? stat())?.mode ?? 0) & FileType.mask }

    /// Whether the VFS may remember this directory's children, positive and negative. False for
    /// synthetic directories whose contents change under the VFS (/proc).
    open var cachesChildren: Bool { false }

    /// Whether it may also remember names that do not exist (tmpfs does not: negative entries
    /// of a memory filesystem would only grow the cache).
    open var cachesNegativeChildren: Bool { cachesChildren }

    /// Looks up one name in this directory (never "." or ".."); ENOENT when absent.
    open func lookup(_ name: [UInt8]) throws(Errno) -> Inode { throw .notDirectory }

    /// Looks up a chain of names, each below the previous one, in as few round trips as the
    /// filesystem can. Returns fewer inodes when a name fails after the first; nil when the
    /// filesystem has no batched walk.
    open func lookupChain(_ names: [[UInt8]]) throws(Errno) -> [Inode]? { nil }

    /// The target of a symlink; `task` is the caller (for /proc/self).
    open func readlink(_ task: Task?) throws(Errno) -> [UInt8] { throw .invalidArgument }

    /// The entries of a directory (without "." and "..").
    open func readdir(_ task: Task?) throws(Errno) -> [DirEntry] { throw .notDirectory }

    /// Opens the node. `dentry` names it (for `FileDescription.path`). Called after the VFS
    /// checked permissions, O_DIRECTORY and O_TRUNC-on-directory.
    open func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription { throw .noSuchAddressOrDevice }

    /// A host fd holding a regular file's data (for the overlay's copy-up); nil when none.
    open func dataFD() throws(Errno) -> Int32? { nil }

    /// statfs(2) of the filesystem holding the node.
    open func statfs() throws(Errno) -> FSStatistics { FSStatistics(type: 0) }

    /// Whether the filesystem refuses every change (EROFS).
    open var readOnly: Bool { true }
    /// Access a task has whatever the mode bits say (a process's own /proc/PID/fd).
    open func grantsAccess(to task: Task) -> Bool { false }

    // Mutations: the defaults refuse them (EROFS on a read-only filesystem, EPERM otherwise).
    private var refusal: Errno { readOnly ? .readOnlyFileSystem : .notPermitted }

    /// Creates a regular file in this directory and returns its inode.
    open func create(_ name: [UInt8], mode: UInt32, creds: Credentials) throws(Errno) -> Inode { throw refusal }
    open func mkdir(_ name: [UInt8], mode: UInt32, creds: Credentials) throws(Errno) -> Inode { throw refusal }
    open func symlink(_ name: [UInt8], target: [UInt8], creds: Credentials) throws(Errno) -> Inode { throw refusal }
    open func link(_ name: [UInt8], to inode: Inode) throws(Errno) { throw refusal }
    /// Removes a name; `directory` for rmdir semantics.
    open func unlink(_ name: [UInt8], directory: Bool) throws(Errno) { throw refusal }
    /// Moves `name` of this directory to `newName` of `newDir` (same filesystem).
    open func rename(_ name: [UInt8], to newDir: Inode, _ newName: [UInt8], flags: UInt32) throws(Errno) { throw refusal }
    open func setAttributes(_ change: AttributeChange) throws(Errno) { throw refusal }
    /// Creates a FIFO, socket or device node (mknod); regular files go through `create`.
    open func mknod(_ name: [UInt8], mode: UInt32, rdev: UInt64, creds: Credentials) throws(Errno) -> Inode { throw refusal }
    /// An unnamed regular file in this directory (O_TMPFILE); EOPNOTSUPP where unsupported.
    open func createTemporary(mode: UInt32, creds: Credentials, linkable: Bool) throws(Errno) -> Inode {
        throw readOnly ? .readOnlyFileSystem : .notSupportedOnSocket
    }
    /// Whether link(2) may give this node a name although it has none (an O_TMPFILE file
    /// opened without O_EXCL). Nodes whose last name is gone cannot be linked (ENOENT).
    open var relinkable: Bool { false }

    // Extended attributes. The defaults: nothing is stored, nothing can be set.
    /// The value of `name`; ENODATA when absent.
    open func getxattr(_ name: [UInt8]) throws(Errno) -> [UInt8] { throw .noData }
    /// The names, in the order they were set.
    open func listxattr() throws(Errno) -> [[UInt8]] { [] }
    /// Sets `name` (XATTR_CREATE: EEXIST when present; XATTR_REPLACE: ENODATA when absent).
    open func setxattr(_ name: [UInt8], _ value: [UInt8], flags: Int32) throws(Errno) {
        throw readOnly ? .readOnlyFileSystem : .notSupportedOnSocket
    }
    open func removexattr(_ name: [UInt8]) throws(Errno) { throw readOnly ? .readOnlyFileSystem : .noData }
}

/// The extended attributes a writable in-memory node keeps (tmpfs, the overlay's upper layer).
public struct XattrStore {
    var names: [[UInt8]] = []
    var values: [[UInt8]] = []
    public init() {}
    public var isEmpty: Bool { names.isEmpty }
    public func get(_ name: [UInt8]) throws(Errno) -> [UInt8] {
        guard let i = names.firstIndex(of: name) else { throw .noData }
        return values[i]
    }
    public var list: [[UInt8]] { names }
    public mutating func set(_ name: [UInt8], _ value: [UInt8], flags: Int32) throws(Errno) {
        if let i = names.firstIndex(of: name) {
            if flags & 1 != 0 { throw .fileExists }  // XATTR_CREATE
            values[i] = value
        } else {
            if flags & 2 != 0 { throw .noData }  // XATTR_REPLACE
            names.append(name); values.append(value)
        }
    }
    public mutating func remove(_ name: [UInt8]) throws(Errno) {
        guard let i = names.firstIndex(of: name) else { throw .noData }
        names.remove(at: i); values.remove(at: i)
    }
}

/// A chmod/chown/truncate/utimensat request.
public struct AttributeChange {
    public var mode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
    public var size: Int64?
    public var atime: Timespec?
    public var mtime: Timespec?
    /// ATTR_TIMES_SET: the times are the caller's, not "now" (they need ownership). For the VFS.
    public var timesGiven = false
    /// chown's ATTR_KILL_SUID/SGID: the VFS drops a non-directory's set-id bits into `mode`.
    public var dropSetID = false
    public init() {}
}
