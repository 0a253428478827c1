import Glibc
import LinuxABI
import SystemPackage

/// An open file of a VFS filesystem: knows its dentry (for fstat, fchdir, getdents, /proc fd
/// links). Filesystems subclass it for their file types.
open class VFSFile: FileDescription {
    /// The dentry the file was opened through.
    public let node: Dentry

    public init(_ dentry: Dentry, flags: Int32) {
        self.node = dentry
        let acc = flags & openPathFlag != 0 ? openPathFlag : flags & O_ACCMODE
        // F_GETFL shows O_LARGEFILE on 64-bit opens; creation flags are not kept.
        let status = flags & (O_APPEND | O_NONBLOCK | O_DSYNC | O_DIRECT_ | O_NOATIME_ | O_SYNC | O_ASYNC_) | O_LARGEFILE_
        super.init(accessMode: acc, statusFlags: status)
        dentry.inode?.openFiles += 1
    }

    deinit {
        guard let inode = node.inode else { return }
        inode.openFiles -= 1
        // fsnotify_close at the last reference (O_PATH files make no events).
        if !inode.watches.isEmpty || node.parent?.inode?.watches.isEmpty == false || inode.deletePending {
            if !isPath { FSNotify.closed(node, wrote: canWrite) }
            else if inode.deletePending && inode.openFiles == 0 { FSNotify.deleted(inode) }
        }
    }

    public var inode: Inode { node.inode! }
    open override var dentry: Dentry? { node }

    open override func stat() throws(Errno) -> FileStat { try inode.stat() }

    open override var path: [UInt8]? {
        node.unlinked ? VFS.absolutePath(node) + Array(" (deleted)".utf8) : VFS.absolutePath(node)
    }

    /// fsync(2) of a file of a filesystem: regular files and directories have nothing to flush
    /// (tmpfs is memory; the root view's files are written to host fds at once); device nodes
    /// and procfs files have no fsync (EINVAL), as in Linux.
    open override func sync() throws(Errno) {
        let st = try stat()
        let type = st.mode & FileType.mask
        if type != FileType.regular && type != FileType.directory || st.dev == SyntheticDev.procfs { throw .invalidArgument }
    }

    /// ioctl(2) on a file of a filesystem: FIONREAD on regular files (size minus offset, as
    /// do_vfs_ioctl answers); everything else ENOTTY.
    open override func ioctl(_ task: Task, _ request: UInt32, _ argument: UInt64) -> SyscallReturn {
        guard request == Ioctl.FIONREAD, let s = try? stat(), s.mode & FileType.mask == FileType.regular else {
            return .error(.inappropriateIOCTLForDevice)
        }
        let avail = max(0, s.size - offset)
        do { try task.copyOutValue(argument, Int32(truncatingIfNeeded: avail)) } catch { return .error(error) }
        return .zero
    }
}

// GNU flags Glibc hides from Swift.
let O_DIRECT_: Int32 = 0o40000
let O_NOATIME_: Int32 = 0o1000000
let O_ASYNC_: Int32 = 0o20000
let O_LARGEFILE_: Int32 = 0o100000

extension VFS {
    /// The path of `d` from the namespace root (what /proc/PID/fd links show).
    public static func absolutePath(_ d: Dentry) -> [UInt8] {
        var parts: [[UInt8]] = []
        var cur = d
        while true {
            if let p = cur.parent { parts.append(cur.name); cur = p }
            else if let c = cur.covered { cur = c }
            else { break }
        }
        if parts.isEmpty { return [0x2F] }
        var out: [UInt8] = []
        for part in parts.reversed() { out.append(0x2F); out.append(contentsOf: part) }
        return out
    }
}

/// An O_PATH description: names a file without opening it (fstat, fchdir, *at bases).
public final class PathFile: VFSFile {
    public override func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int { throw .badFileDescriptor }
    public override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int { throw .badFileDescriptor }
    public override func pread(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int { throw .badFileDescriptor }
    public override func pwrite(_ task: Task, _ buffer: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) -> Int { throw .badFileDescriptor }
    public override func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 { throw .badFileDescriptor }
    public override func ioctl(_ task: Task, _ request: UInt32, _ argument: UInt64) -> SyscallReturn { .error(.badFileDescriptor) }
}

/// An open directory: getdents64 over a listing taken at the first read (and again after a
/// rewind), so that entries keep stable offsets while the program reads.
public final class DirectoryFile: VFSFile {
    private var listing: [DirEntry]?

    public override func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int { throw .isDirectory }
    public override func pread(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int { throw .isDirectory }
    public override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int { throw .badFileDescriptor }

    public override func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 {
        switch whence {
        case SEEK_SET:
            if offset < 0 { throw .invalidArgument }
            if offset == 0 { listing = nil }  // rewinddir sees new entries
            self.offset = offset
        case SEEK_CUR:
            let r = self.offset + offset
            if r < 0 { throw .invalidArgument }
            self.offset = r
        default: throw .invalidArgument
        }
        return self.offset
    }

    /// The listing with "." and ".." first, then the filesystem's entries, then mount points
    /// the filesystem itself lacks.
    func entries(_ task: Task?) throws(Errno) -> [DirEntry] {
        if let l = listing { return l }
        let own = (try? inode.stat().ino) ?? 0
        let parentIno = (try? node.parent?.inode?.stat().ino) ?? own
        var l = [DirEntry(name: [0x2E], ino: own, type: 4), DirEntry(name: [0x2E, 0x2E], ino: parentIno, type: 4)]
        let fsEntries = try inode.readdir(task)
        l.append(contentsOf: fsEntries)
        for (name, c) in node.children where c.mounted != nil && !fsEntries.contains(where: { $0.name == name }) {
            let top = c.mountTop.inode
            l.append(DirEntry(name: name, ino: (try? top?.stat().ino) ?? 1, type: UInt8(((top?.fileType ?? FileType.directory) >> 12) & 0xF)))
        }
        listing = l
        return l
    }

    /// Fills `buffer` with linux_dirent64 records from the current offset (with `legacy`, the
    /// old getdents's linux_dirent: d_name at 18, d_type in the record's last byte); EINVAL
    /// when not even one fits, 0 at the end.
    public func getdents64(_ task: Task?, _ buffer: UnsafeMutableRawBufferPointer, legacy: Bool = false) throws(Errno) -> Int {
        let l = try entries(task)
        var used = 0
        var index = Int(clamping: offset)
        let nameAt = legacy ? 18 : 19
        while index < l.count {
            let e = l[index]
            let reclen = (nameAt + e.name.count + (legacy ? 2 : 1) + 7) & ~7
            if used + reclen > buffer.count {
                if used == 0 { throw .invalidArgument }
                break
            }
            let rec = UnsafeMutableRawBufferPointer(rebasing: buffer[used..<(used + reclen)])
            rec.initializeMemory(as: UInt8.self, repeating: 0)
            rec.storeBytes(of: e.ino.littleEndian, toByteOffset: 0, as: UInt64.self)
            rec.storeBytes(of: Int64(index + 1).littleEndian, toByteOffset: 8, as: Int64.self)
            rec.storeBytes(of: UInt16(reclen).littleEndian, toByteOffset: 16, as: UInt16.self)
            rec[legacy ? reclen - 1 : 18] = e.type
            for (i, b) in e.name.enumerated() { rec[nameAt + i] = b }
            used += reclen
            index += 1
        }
        offset = Int64(index)
        return used
    }
}
