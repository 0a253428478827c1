import Glibc
import SystemPackage

/// Device numbers of the synthetic filesystems (what st_dev shows).
enum SyntheticDev {
    static let devfs: UInt64 = 0x06
    static let sysfs: UInt64 = 0x15
    static let procfs: UInt64 = 0x16
    static let tmpfs: UInt64 = 0x2c
    /// An IPC namespace's mqueue filesystem (each namespace numbers its queues on its own).
    static let mqueue: UInt64 = 0x13
}

/// One device the Sentry makes nodes up on: its number (st_dev) and the sequence of inode
/// numbers its nodes take (get_next_ino). The mount namespace owns one per device number
/// (`VFS.devices`): every tmpfs mount of a sandbox shows st_dev 0x2c, so they all draw from one
/// sequence, and (st_dev, st_ino) names one file, as find, du, cp -a and tar expect. Nothing
/// is shared between namespaces: two Kernels in one process number their nodes apart.
public final class SyntheticDevice {
    /// st_dev of the device's nodes.
    public let number: UInt64
    /// The last inode number handed out.
    public private(set) var lastIno: UInt64

    /// A device whose first node gets `after + 1`.
    public init(_ number: UInt64, after: UInt64 = 1000) {
        self.number = number
        lastIno = after
    }

    /// The next inode number of this device (never 0; a 64-bit sequence does not wrap).
    public func allocateIno() -> UInt64 { lastIno += 1; return lastIno }
}

/// The synthetic devices of one mount namespace, one per device number.
public struct SyntheticDevices {
    public let devfs = SyntheticDevice(SyntheticDev.devfs)
    public let sysfs = SyntheticDevice(SyntheticDev.sysfs)
    public let procfs = SyntheticDevice(SyntheticDev.procfs)
    /// Every tmpfs mount of the namespace (/dev/shm too) and memfd_create's files.
    public let tmpfs = SyntheticDevice(SyntheticDev.tmpfs)
    public init() {}
}

/// A node whose attributes the Sentry keeps (uid/gid 0 unless set), numbered on `device`.
open class SyntheticInode: Inode {
    public var attributes: FileStat
    /// The device the node is on: the nodes it makes later (a tmpfs directory's files, procfs's
    /// per-process directories) are numbered on it too.
    public let device: SyntheticDevice

    public init(mode: UInt32, device: SyntheticDevice, size: Int64 = 0, rdev: UInt64 = 0) {
        self.device = device
        var s = FileStat()
        s.mode = mode; s.dev = device.number; s.ino = device.allocateIno(); s.size = size; s.rdev = rdev
        s.nlink = mode & FileType.mask == FileType.directory ? 2 : 1
        let now = Timespec.now()
        s.atime = now; s.mtime = now; s.ctime = now; s.btime = now
        attributes = s
        super.init()
    }

    open override func stat() throws(Errno) -> FileStat { attributes }
    open override var fileType: UInt32 { attributes.mode & FileType.mask }
}

/// A fixed directory of named nodes (devfs, parts of procfs).
open class StaticDirectory: SyntheticInode {
    public var entries: [(name: [UInt8], inode: Inode)] = []
    let magic: Int64

    public init(device: SyntheticDevice, magic: Int64, mode: UInt32 = 0o755) {
        self.magic = magic
        super.init(mode: FileType.directory | mode, device: device)
    }

    public func add(_ name: String, _ inode: Inode) { entries.append((Array(name.utf8), inode)) }

    open override func lookup(_ name: [UInt8]) throws(Errno) -> Inode {
        for e in entries where e.name == name { return e.inode }
        throw .noSuchFileOrDirectory
    }

    open override func readdir(_ task: Task?) throws(Errno) -> [DirEntry] {
        entries.map { e in
            let s = (try? e.inode.stat()) ?? FileStat()
            return DirEntry(name: e.name, ino: s.ino, type: FileType.direntType(s.mode))
        }
    }

    open override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        DirectoryFile(dentry, flags: request.flags)
    }

    open override func statfs() throws(Errno) -> FSStatistics { FSStatistics(type: magic) }
    open override var readOnly: Bool { false }
}

/// A symlink whose target may depend on the caller (/proc/self).
public final class SyntheticSymlink: SyntheticInode {
    let target: (Task?) throws(Errno) -> [UInt8]

    public init(device: SyntheticDevice, _ target: @escaping (Task?) throws(Errno) -> [UInt8]) {
        self.target = target
        super.init(mode: FileType.symlink | 0o777, device: device)
    }

    public convenience init(device: SyntheticDevice, fixed: String) {
        let bytes = Array(fixed.utf8)
        self.init(device: device) { (_: Task?) throws(Errno) -> [UInt8] in bytes }
    }

    public override func readlink(_ task: Task?) throws(Errno) -> [UInt8] { try target(task) }
    public override func stat() throws(Errno) -> FileStat {
        var s = attributes
        s.size = Int64((try? target(nil))?.count ?? 0)
        return s
    }
}

/// A read-only file whose contents are generated at open (/proc/filesystems, /proc/PID/cmdline).
public final class GeneratedFile: SyntheticInode {
    let generate: (Task?) -> [UInt8]
    /// A check of the opener beyond the mode bits (/proc/PID/environ's ptrace access rule).
    let access: ((Task?) throws(Errno) -> Void)?

    public init(device: SyntheticDevice, mode: UInt32 = 0o444, access: ((Task?) throws(Errno) -> Void)? = nil,
                _ generate: @escaping (Task?) -> [UInt8]) {
        self.generate = generate
        self.access = access
        super.init(mode: FileType.regular | mode, device: device)
    }

    public override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        try access?(request.task)
        // Opening for writing passes where permissions allow (root); writes fail with EINVAL.
        return BufferFile(dentry, flags: request.flags, contents: generate(request.task))
    }
    public override var readOnly: Bool { false }
}

/// An open description over a snapshot of bytes.
public final class BufferFile: VFSFile {
    let contents: [UInt8]
    init(_ dentry: Dentry, flags: Int32, contents: [UInt8]) {
        self.contents = contents
        super.init(dentry, flags: flags)
    }
    public override func pread(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        if offset < 0 { throw .invalidArgument }
        if offset >= contents.count { return 0 }
        let n = min(buffer.count, contents.count - Int(offset))
        contents.withUnsafeBytes { src in
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + Int(offset), byteCount: n)
        }
        return n
    }
    public override func pwrite(_ task: Task, _ buffer: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        throw canWrite ? .invalidArgument : .badFileDescriptor
    }
    public override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        throw canWrite ? .invalidArgument : .badFileDescriptor
    }
    public override func stat() throws(Errno) -> FileStat {
        var s = try inode.stat()
        s.size = 0  // like procfs
        return s
    }
    /// The generated bytes (tests, and readers that want them whole).
    public var bytes: [UInt8] { contents }
}
