import Glibc
import SystemPackage

/// Inode numbers for nodes the Sentry makes up (devfs, procfs, tmpfs). Still process-wide (two
/// Kernels in one process share the sequence, unique within each): moving it onto the
/// filesystem instances needs them built where the sandbox boots (docs/sentry.md).
enum SyntheticIno {
    nonisolated(unsafe) static var next: UInt64 = 1000
    static func allocate() -> UInt64 { next += 1; return next }
}

/// Device numbers of the synthetic filesystems (what st_dev shows).
enum SyntheticDev {
    static let devfs: UInt64 = 0x06
    static let procfs: UInt64 = 0x16
    static let tmpfs: UInt64 = 0x2c
}

/// A node whose attributes the Sentry keeps (uid/gid 0 unless set).
open class SyntheticInode: Inode {
    public var attributes: FileStat

    public init(mode: UInt32, dev: UInt64, size: Int64 = 0, rdev: UInt64 = 0) {
        var s = FileStat()
        s.mode = mode; s.dev = dev; s.ino = SyntheticIno.allocate(); s.size = size; s.rdev = rdev
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

    public init(dev: UInt64, magic: Int64, mode: UInt32 = 0o755) {
        self.magic = magic
        super.init(mode: FileType.directory | mode, dev: dev)
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

    public init(dev: UInt64, _ target: @escaping (Task?) throws(Errno) -> [UInt8]) {
        self.target = target
        super.init(mode: FileType.symlink | 0o777, dev: dev)
    }

    public convenience init(dev: UInt64, fixed: String) {
        let bytes = Array(fixed.utf8)
        self.init(dev: dev) { (_: Task?) throws(Errno) -> [UInt8] in bytes }
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

    public init(dev: UInt64, mode: UInt32 = 0o444, _ generate: @escaping (Task?) -> [UInt8]) {
        self.generate = generate
        super.init(mode: FileType.regular | mode, dev: dev)
    }

    public override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
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
