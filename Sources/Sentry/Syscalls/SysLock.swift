import Glibc
import LinuxABI
import SystemPackage

// flock(2) and fcntl's record locks (F_GETLK/F_SETLK/F_SETLKW, F_OFD_*): see VFS/FileLock.swift.

/// flock(2): LOCK_SH/LOCK_EX/LOCK_UN, LOCK_NB; blocks on the inode's queue.
func sysFlock(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let op = a.int(1)
    guard let file = task.fdTable[a.int(0)]?.file else { return .error(.badFileDescriptor) }
    if file.isPath { return .error(.badFileDescriptor) }
    let nonBlocking = op & Fcntl.LOCK_NB != 0
    let exclusive: Bool?
    switch op & ~Fcntl.LOCK_NB {
    case Fcntl.LOCK_SH: exclusive = false
    case Fcntl.LOCK_EX: exclusive = true
    case Fcntl.LOCK_UN: exclusive = nil
    default: return .error(.invalidArgument)
    }
    // Files without an inode (pipes, sockets) lock on the description itself.
    let table = task.vfs.locks
    let locks = table.locks(file.dentry?.inode ?? DescriptionLockKey.of(file))
    let owner = table.handle(file, locks)
    if table.flock(locks, owner: owner, exclusive: exclusive) { return .zero }
    if nonBlocking { return .error(.resourceTemporarilyUnavailable) }
    return .block(locks.queue, PollEvents.input)
}

/// Stands in for the inode of a file that has none, so that its locks have a table entry.
final class DescriptionLockKey: Inode {
    static func of(_ file: FileDescription) -> Inode {
        if let k = file.lockKey { return k }
        let k = DescriptionLockKey()
        file.lockKey = k
        return k
    }
}

extension FileDescription {
    /// The lock-table key of a file without an inode (kept in its lock handle's slot).
    var lockKey: Inode? {
        get { (lockHandle as? LockHandle)?.key }
        set {
            let h = (lockHandle as? LockHandle) ?? LockHandle()
            h.key = newValue
            lockHandle = h
        }
    }
}

/// struct flock (x86_64): l_type, l_whence (shorts), l_start, l_len (off_t), l_pid (int).
private struct FlockRecord {
    var type: Int16
    var whence: Int16
    var start: Int64
    var len: Int64
    var pid: Int32
    init(_ b: [UInt8]) {
        func i16(_ o: Int) -> Int16 { Int16(bitPattern: UInt16(b[o]) | UInt16(b[o + 1]) << 8) }
        func i64(_ o: Int) -> Int64 { var v: UInt64 = 0; for k in 0..<8 { v |= UInt64(b[o + k]) << (8 * UInt64(k)) }; return Int64(bitPattern: v) }
        type = i16(0); whence = i16(2); start = i64(8); len = i64(16)
        pid = Int32(bitPattern: UInt32(b[24]) | UInt32(b[25]) << 8 | UInt32(b[26]) << 16 | UInt32(b[27]) << 24)
    }
    var bytes: [UInt8] {
        var b = [UInt8](repeating: 0, count: 32)
        func put<T: FixedWidthInteger>(_ v: T, _ o: Int) { withUnsafeBytes(of: v.littleEndian) { for (k, x) in $0.enumerated() { b[o + k] = x } } }
        put(type, 0); put(whence, 2); put(start, 8); put(len, 16); put(pid, 24)
        return b
    }
}

/// The absolute inclusive range a struct flock names (EINVAL for a bad whence or a negative
/// start, EOVERFLOW past off_t).
private func lockRange(_ r: FlockRecord, _ file: FileDescription) throws(Errno) -> (Int64, Int64) {
    let base: Int64
    switch Int32(r.whence) {
    case SEEK_SET: base = 0
    case SEEK_CUR: base = file.offset
    case SEEK_END: base = try file.stat().size
    default: throw .invalidArgument
    }
    let (start, o1) = base.addingReportingOverflow(r.start)
    if o1 { throw .overflow }
    if r.len > 0 {
        let (last, o2) = start.addingReportingOverflow(r.len - 1)
        if o2 { throw .overflow }
        if start < 0 { throw .invalidArgument }
        return (start, last)
    }
    if r.len == 0 {
        if start < 0 { throw .invalidArgument }
        return (start, Int64.max)
    }
    let (first, o3) = start.addingReportingOverflow(r.len)
    if o3 || first < 0 { throw .invalidArgument }
    return (first, start - 1)
}

/// fcntl F_GETLK/F_SETLK/F_SETLKW and the F_OFD_ variants.
func fcntlLock(_ task: Task, _ file: FileDescription, _ cmd: Int32, _ address: UInt64) throws(Errno) -> SyscallReturn {
    if file.isPath { throw .badFileDescriptor }
    var r = FlockRecord(try task.copyInBytes(address, count: 32))
    let ofd = cmd == Fcntl.F_OFD_GETLK || cmd == Fcntl.F_OFD_SETLK || cmd == Fcntl.F_OFD_SETLKW
    if ofd && r.pid != 0 { throw .invalidArgument }
    if r.type != Fcntl.F_RDLCK && r.type != Fcntl.F_WRLCK && r.type != Fcntl.F_UNLCK { throw .invalidArgument }
    let (start, end) = try lockRange(r, file)
    let inode: Inode = file.dentry?.inode ?? DescriptionLockKey.of(file)
    let table = task.vfs.locks
    let locks = table.locks(inode)
    let owner: ObjectIdentifier = ofd ? table.handle(file, locks) : ObjectIdentifier(task.fdTable)
    let exclusive = r.type == Fcntl.F_WRLCK
    if cmd == Fcntl.F_GETLK || cmd == Fcntl.F_OFD_GETLK {
        if r.type == Fcntl.F_UNLCK { throw .invalidArgument }
        if let c = table.conflict(locks, owner: owner, exclusive: exclusive, start, end) {
            r.type = c.exclusive ? Fcntl.F_WRLCK : Fcntl.F_RDLCK
            r.whence = Int16(SEEK_SET)
            r.start = c.start
            r.len = c.end == Int64.max ? 0 : c.end - c.start + 1
            r.pid = c.pid
        } else {
            r.type = Fcntl.F_UNLCK
        }
        table.dropIfEmpty(locks)
        try task.copyOut(address, r.bytes)
        return .zero
    }
    if r.type == Fcntl.F_RDLCK && !file.canRead { throw .badFileDescriptor }
    if r.type == Fcntl.F_WRLCK && !file.canWrite { throw .badFileDescriptor }
    if !ofd { task.fdTable.lockTable = table }
    if r.type == Fcntl.F_UNLCK {
        table.setRecord(locks, owner: owner, pid: task.group.pid, exclusive: nil, start, end)
        table.dropIfEmpty(locks)
        return .zero
    }
    if let c = table.conflict(locks, owner: owner, exclusive: exclusive, start, end) {
        if cmd == Fcntl.F_SETLK || cmd == Fcntl.F_OFD_SETLK { throw .resourceTemporarilyUnavailable }
        if !ofd && c.pid > 0 && table.wouldDeadlock(owner: owner, blocker: c.owner) { throw .deadlock }
        if !ofd { table.waiting[owner] = FileLocks.Waiting(c.owner, task) }
        return .block(locks.queue, PollEvents.input)
    }
    table.waiting[owner] = nil
    table.setRecord(locks, owner: owner, pid: ofd ? -1 : task.group.pid, exclusive: exclusive, start, end)
    return .zero
}
