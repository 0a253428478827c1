import Glibc
import SystemPackage

// The mqueue filesystem (ipc/mqueue.c's mqueue_fs_type): one flat directory of queues per IPC
// namespace (IPC/PosixMessageQueue.swift). The sandbox's initial namespace's is at /dev/mqueue,
// where ls lists the queues, cat gives a queue's QSIZE line, rm removes one, and open(2) with
// O_CREAT makes one with the default attributes, as on Linux.

/// The root of an mqueue filesystem: sticky and world-writable (S_ISVTX | 0777), holding only
/// queues (mkdir, symlink, link and rename: EPERM, as Linux, which has no such operations there).
final class MqueueDirectory: SyntheticInode {
    /// The queues by name, and their names in creation order (for readdir).
    private var queues: [[UInt8]: PosixMessageQueue] = [:]
    private var order: [[UInt8]] = []
    private unowned let namespace: MqueueNamespace

    static var statistics: FSStatistics { FSStatistics(type: MqLimits.magic) }

    init(namespace: MqueueNamespace) {
        self.namespace = namespace
        super.init(mode: FileType.directory | 0o1777, device: namespace.device, size: 2 * MqLimits.direntSize)
    }

    /// The queue named `name`, if any.
    func queue(_ name: [UInt8]) -> PosixMessageQueue? { queues[name] }

    /// The names, in creation order.
    var names: [[UInt8]] { order }

    func add(_ name: [UInt8], _ q: PosixMessageQueue) {
        queues[name] = q
        order.append(name)
        changed()
    }

    /// Drops a name (mq_unlink, unlink(2)); the queue lives on while open. ENOENT when absent.
    func remove(_ name: [UInt8]) throws(Errno) {
        guard queues.removeValue(forKey: name) != nil else { throw .noSuchFileOrDirectory }
        order.removeAll { $0 == name }
        changed()
    }

    private func changed() {
        attributes.size = 2 * MqLimits.direntSize + Int64(order.count) * MqLimits.direntSize
        let now = Timespec.now()
        attributes.mtime = now; attributes.ctime = now
    }

    override func lookup(_ name: [UInt8]) throws(Errno) -> Inode {
        guard let q = queue(name) else { throw .noSuchFileOrDirectory }
        return q
    }

    override func readdir(_ task: Task?) throws(Errno) -> [DirEntry] {
        order.compactMap { name in
            queues[name].map { DirEntry(name: name, ino: $0.attributes.ino, type: FileType.direntType(FileType.regular)) }
        }
    }

    override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        DirectoryFile(dentry, flags: request.flags)
    }

    override var readOnly: Bool { false }

    /// open(2) with O_CREAT here (mqueue_create): a queue with the default attributes, counted
    /// against the default RLIMIT_MSGQUEUE (the VFS does not pass the task's limits).
    override func create(_ name: [UInt8], mode: UInt32, creds: Credentials) throws(Errno) -> Inode {
        if name.count > 255 { throw .fileNameTooLong }
        return try namespace.create(name, mode: mode, creds: creds, attr: nil, rlimit: ResourceLimits.defaultMsgQueue)
    }

    override func unlink(_ name: [UInt8], directory: Bool) throws(Errno) {
        if directory { throw .notDirectory }
        try remove(name)
    }

    override func setAttributes(_ change: AttributeChange) throws(Errno) {
        if let m = change.mode { attributes.mode = FileType.directory | (m & 0o7777) }
        if let u = change.uid { attributes.uid = u }
        if let g = change.gid { attributes.gid = g }
        attributes.ctime = Timespec.now()
    }

    override func statfs() throws(Errno) -> FSStatistics { MqueueDirectory.statistics }
}

/// An open queue (mqueue_file_operations): what mq_open returns and what open(2) of a queue file
/// gives. read(2) gives the queue's "QSIZE:… NOTIFY:… SIGNO:… NOTIFY_PID:…" line at the file
/// offset; write(2) is EINVAL; poll reports a message (POLLIN) and room (POLLOUT).
final class MessageQueueFile: VFSFile {
    let queue: PosixMessageQueue

    /// `flags` are open(2)'s or mq_open's; mq_open's description keeps them without the
    /// O_LARGEFILE open(2) adds (`largeFile`).
    init(_ dentry: Dentry, queue: PosixMessageQueue, flags: Int32, largeFile: Bool = true) {
        self.queue = queue
        super.init(dentry, flags: flags)
        if !largeFile { statusFlags &= ~O_LARGEFILE_ }
    }

    override var waitQueue: WaitQueue? { queue.queue }

    override func readiness(_ mask: EventMask) -> EventMask {
        queue.readiness() & (mask | PollEvents.error | PollEvents.hangUp)
    }

    override func pread(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        if !canRead { throw .badFileDescriptor }
        if offset < 0 { throw .invalidArgument }
        let line = queue.statusLine
        if offset >= line.count { return 0 }
        let n = min(buffer.count, line.count - Int(offset))
        line.withUnsafeBytes { src in buffer.baseAddress!.copyMemory(from: src.baseAddress! + Int(offset), byteCount: n) }
        return n
    }

    override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        throw canWrite ? .invalidArgument : .badFileDescriptor
    }
    override func pwrite(_ task: Task, _ buffer: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        throw canWrite ? .invalidArgument : .badFileDescriptor
    }

    /// No fsync on a queue (EINVAL).
    override func sync() throws(Errno) { throw .invalidArgument }

    /// mqueue_flush_file: a close by the process that registered for notification ends it.
    func flush(_ group: ThreadGroup) { queue.unregister(group) }
}
