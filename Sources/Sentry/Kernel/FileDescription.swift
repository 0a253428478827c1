import Glibc
import SystemPackage

/// O_PATH (Glibc hides GNU flags from Swift).
let openPathFlag: Int32 = 0o10000000

/// What stat(2) reports about a file, independent of the struct layout the caller asked for.
public struct FileStat: Sendable {
    public var dev: UInt64 = 0
    public var ino: UInt64 = 0
    public var mode: UInt32 = 0          // S_IFMT type bits | permission bits
    public var nlink: UInt64 = 1
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    public var rdev: UInt64 = 0
    public var size: Int64 = 0
    public var blksize: Int64 = 4096
    public var blocks: Int64 = 0
    public var atime = Timespec()
    public var mtime = Timespec()
    public var ctime = Timespec()
    public var btime = Timespec()
    public init() {}
}

public struct Timespec: Sendable, Equatable {
    public var sec: Int64 = 0
    public var nsec: Int64 = 0
    public init(sec: Int64 = 0, nsec: Int64 = 0) { self.sec = sec; self.nsec = nsec }
    public static func now() -> Timespec {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timespec(sec: Int64(ts.tv_sec), nsec: Int64(ts.tv_nsec))
    }
}

/// An open file description (Linux `struct file`): shared by the fds dup'd from it and across
/// fork. Subclasses are the file types (regular files of a filesystem, pipes, host stdio,
/// device files…). Methods are non-blocking: a call that would block throws EAGAIN and the
/// syscall layer parks the task on `waitQueue` unless O_NONBLOCK is set.
open class FileDescription {
    /// O_RDONLY, O_WRONLY, O_RDWR, or O_PATH.
    public let accessMode: Int32
    /// Status flags that F_GETFL/F_SETFL see (O_APPEND, O_NONBLOCK, O_DIRECT, O_NOATIME, O_ASYNC…).
    public var statusFlags: Int32
    /// The file offset for read/write/lseek on seekable files.
    public var offset: Int64 = 0
    /// The flock/OFD lock owner of this description (VFS/FileLock.swift); its release drops them.
    public var lockHandle: AnyObject?
    /// Signalled when readiness changes; nil for files that are always ready.
    public var waitQueue: WaitQueue? { nil }
    /// Serving a call on this file needs the task stopped (injections): a call that came as a
    /// user notification (unotify) is issued again through ptrace first (Kernel.dispatch).
    open var needsStoppedTask: Bool { false }

    public init(accessMode: Int32, statusFlags: Int32) {
        self.accessMode = accessMode
        self.statusFlags = statusFlags
    }

    public var isPath: Bool { accessMode == openPathFlag }
    public var canRead: Bool { !isPath && (accessMode & O_ACCMODE) != O_WRONLY }
    public var canWrite: Bool { !isPath && (accessMode & O_ACCMODE) != O_RDONLY }
    public var isNonBlocking: Bool { statusFlags & O_NONBLOCK != 0 }

    /// read(2): at the description's offset for seekable files.
    open func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        let n = try pread(task, buffer, at: offset)
        offset += Int64(n)
        return n
    }

    /// write(2): at the description's offset (end of file with O_APPEND, which subclasses handle).
    open func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        let n = try pwrite(task, buffer, at: offset)
        offset += Int64(n)
        return n
    }

    /// pread64(2); ESPIPE for streams.
    open func pread(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        throw .illegalSeek
    }

    /// pwrite64(2); ESPIPE for streams.
    open func pwrite(_ task: Task, _ buffer: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        throw .illegalSeek
    }

    /// lseek(2). The default serves SEEK_SET/SEEK_CUR/SEEK_END over `stat().size`.
    open func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 {
        var base: Int64
        switch whence {
        case SEEK_SET: base = 0
        case SEEK_CUR: base = self.offset
        case SEEK_END: base = try stat().size
        default: throw .invalidArgument
        }
        let (r, overflow) = base.addingReportingOverflow(offset)
        if overflow { throw .overflow }
        if r < 0 { throw .invalidArgument }
        self.offset = r
        return r
    }

    open func stat() throws(Errno) -> FileStat { throw .badFileDescriptor }

    /// The readiness of the file in poll(2) bits.
    open func readiness(_ mask: EventMask) -> EventMask { (PollEvents.input | PollEvents.output) & mask }

    /// ioctl(2) on the file; ENOTTY unless the file type knows the request.
    open func ioctl(_ task: Task, _ request: UInt32, _ argument: UInt64) -> SyscallReturn { .error(.inappropriateIOCTLForDevice) }

    /// A host fd with the file's contents, for mmap and the ELF loader; nil when the file has none.
    open var hostFD: Int32? { nil }

    /// The VFS node the file was opened from (directory fds are the base of *at() calls);
    /// nil for pipes, sockets and host stdio. VFS file types override it.
    open var dentry: Dentry? { nil }

    /// The sandbox path of the file, for /proc, getcwd, fchdir and --strace; nil when it has none.
    open var path: [UInt8]? { nil }

    /// fsync(2)/fdatasync(2): EINVAL for a file that cannot be synced (pipes, sockets, ttys,
    /// event files: no f_op->fsync in Linux).
    open func sync() throws(Errno) { throw .invalidArgument }

    /// ftruncate(2).
    open func truncate(_ length: Int64) throws(Errno) { throw .invalidArgument }
}

/// A file table entry: the description and the per-fd close-on-exec flag.
public struct FDEntry {
    public var file: FileDescription
    public var closeOnExec: Bool
}

/// A process's fd table (shared by threads created with CLONE_FILES; copied by fork). Its slots
/// and open fds are charged to the sandbox's memory account (Linux charges the fdtable and each
/// struct file to the memory cgroup): an fd the account cannot pay for is ENOMEM, so that raising
/// RLIMIT_NOFILE and opening a million files stops there rather than at the memory limit.
public final class FDTable {
    private var entries: [FDEntry?] = []
    /// Open fds, the lowest fd that may be free (Linux's next_fd), and the bytes charged.
    private var live = 0
    private var nextFree = 0
    private var charged = 0
    /// What the table is charged to (nil: unaccounted).
    public let account: MemoryAccount?
    /// fcntl record locks belong to the table (Linux's files_struct): any close of a file drops
    /// the table's locks on it, and so does the table's end. The lock table this table took a
    /// record lock in (nil: never took one, and closes skip it); set by fcntlLock.
    weak var lockTable: FileLocks?
    deinit {
        lockTable?.releaseRecords(ObjectIdentifier(self), nil)
        account?.uncharge(charged, .files)
    }
    private func closed(_ file: FileDescription?) {
        if let lockTable, let file { lockTable.releaseRecords(ObjectIdentifier(self), file) }
    }
    /// RLIMIT_NOFILE's soft limit at the time of each allocation is checked by the caller.
    public init(account: MemoryAccount? = nil) { self.account = account }

    /// A copy (fork, unshare): its fds exist already, so it is charged even past the budget.
    public func copy() -> FDTable {
        let t = FDTable(account: account)
        t.entries = entries
        t.live = live
        t.nextFree = nextFree
        try? t.settle(force: true)
        return t
    }

    /// Brings the charge to what `slots` slots with `open` fds cost: ENOMEM when more does not
    /// fit (unless `force`).
    private func settle(slots: Int? = nil, open: Int? = nil, force: Bool = false) throws(Errno) {
        guard let account else { return }
        let target = (slots ?? entries.count) * MemoryAccount.Cost.fdSlot + (open ?? live) * MemoryAccount.Cost.openFile
        if target > charged {
            if force { account.forceCharge(target - charged, .files) }
            else { try account.charge(target - charged, .files, or: .noMemory) }
        } else {
            account.uncharge(charged - target, .files)
        }
        charged = target
    }

    public subscript(fd: Int32) -> FDEntry? {
        guard fd >= 0, Int(fd) < entries.count else { return nil }
        return entries[Int(fd)]
    }

    public func get(_ fd: Int32) throws(Errno) -> FileDescription {
        guard let e = self[fd] else { throw .badFileDescriptor }
        return e.file
    }

    /// Installs `file` at the lowest free fd >= `minimum`, below `limit`; ENOMEM when the memory
    /// account cannot pay for it.
    public func allocate(_ file: FileDescription, closeOnExec: Bool, minimum: Int32 = 0, limit: Int32) throws(Errno) -> Int32 {
        let lowest = Int(max(minimum, 0))
        var fd = max(lowest, nextFree)
        while fd < entries.count, entries[fd] != nil { fd += 1 }
        if fd >= Int(limit) { throw minimum >= limit ? .invalidArgument : .tooManyOpenFiles }
        try settle(slots: max(entries.count, fd + 1), open: live + 1)
        if fd >= entries.count { entries.append(contentsOf: repeatElement(nil, count: fd - entries.count + 1)) }
        entries[fd] = FDEntry(file: file, closeOnExec: closeOnExec)
        live += 1
        if lowest <= nextFree { nextFree = fd + 1 }
        return Int32(fd)
    }

    /// Puts `file` at exactly `fd` (dup2/dup3), returning what was there; ENOMEM when the memory
    /// account cannot pay for a new fd.
    @discardableResult
    public func install(_ file: FileDescription, at fd: Int32, closeOnExec: Bool) throws(Errno) -> FileDescription? {
        let i = Int(fd)
        let fresh = i >= entries.count || entries[i] == nil
        try settle(slots: max(entries.count, i + 1), open: live + (fresh ? 1 : 0))
        if i >= entries.count { entries.append(contentsOf: repeatElement(nil, count: i - entries.count + 1)) }
        let old = entries[i]?.file
        entries[i] = FDEntry(file: file, closeOnExec: closeOnExec)
        if fresh { live += 1 }
        if old !== file { closed(old) }
        return old
    }

    @discardableResult
    public func remove(_ fd: Int32) -> FileDescription? {
        guard fd >= 0, Int(fd) < entries.count, let e = entries[Int(fd)] else { return nil }
        entries[Int(fd)] = nil
        dropped(Int(fd))
        closed(e.file)
        return e.file
    }

    /// Bookkeeping of a slot that was emptied.
    private func dropped(_ fd: Int) {
        live -= 1
        if fd < nextFree { nextFree = fd }
        try? settle()
    }

    public func setCloseOnExec(_ fd: Int32, _ on: Bool) throws(Errno) {
        guard fd >= 0, Int(fd) < entries.count, entries[Int(fd)] != nil else { throw .badFileDescriptor }
        entries[Int(fd)]!.closeOnExec = on
    }

    /// Drops every close-on-exec entry (execve).
    public func closeOnExec() {
        for i in entries.indices where entries[i]?.closeOnExec == true {
            let file = entries[i]?.file
            entries[i] = nil
            dropped(i)
            closed(file)
        }
    }

    /// The open fds in ascending order.
    public var openFDs: [Int32] {
        entries.indices.compactMap { entries[$0] == nil ? nil : Int32($0) }
    }

    public func removeAll() {
        let old = entries
        entries.removeAll()
        live = 0
        nextFree = 0
        try? settle()
        for e in old { closed(e?.file) }
    }
}
