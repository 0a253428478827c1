import DequeModule
import Glibc
import HeapModule
import LinuxABI
import SystemPackage

// POSIX message queues (ipc/mqueue.c). Each IPC namespace has its own mqueue filesystem
// (`MqueueNamespace`: the queues by name, the /proc/sys/fs/mqueue limits, the queue count);
// mq_open finds or creates a queue there and opens it as a `MessageQueueFile`
// (FS/MqueueFS.swift), which /dev/mqueue shows too. A queue is a node of that filesystem: it
// lives while it has a name or an open description. Nothing here blocks: a sender waits for
// room and a receiver for a message by parking on the queue's wait queue (Syscalls/SysMqueue.swift).

/// The fixed limits and sizes of ipc/mqueue.c and linux/ipc_namespace.h.
enum MqLimits {
    static let hardMsgMax = 65536, hardMsgSizeMax = 16 << 20
    static let minMsgMax = 1, minMsgSizeMax = 128
    static let defaultQueuesMax = 256, defaultMsgMax = 10, defaultMsgSizeMax = 8192
    /// MQ_PRIO_MAX: priorities are 0 ..< 32768.
    static let prioMax: UInt32 = 32768
    /// sizeof(struct msg_msg) and sizeof(struct posix_msg_tree_node) on x86_64: what
    /// RLIMIT_MSGQUEUE counts besides the message bytes.
    static let msgHeader = 48, treeNode = 48
    /// What the Sentry keeps for a queue node besides its messages (charged to the account).
    static let nodeCost = 1024
    static let magic: Int64 = 0x1980_0202
    /// DIRENT_SIZE and FILENT_SIZE: a directory grows by 20 bytes per queue; a queue file is 80.
    static let direntSize: Int64 = 20, filentSize: Int64 = 80
    static let SIGEV_SIGNAL: Int32 = 0, SIGEV_NONE: Int32 = 1, SIGEV_THREAD: Int32 = 2
    /// NOTIFY_COOKIE_LEN, and the codes of its last byte: a message came, the registration ended.
    static let cookieLength = 32
    static let NOTIFY_WOKENUP: UInt8 = 1, NOTIFY_REMOVED: UInt8 = 2

    /// The bytes RLIMIT_MSGQUEUE charges a queue of these attributes (mqueue_get_inode), nil on
    /// overflow (EOVERFLOW).
    static func accountedBytes(maxmsg: Int, msgsize: Int) -> Int? {
        let (bytes, o1) = maxmsg.multipliedReportingOverflow(by: msgsize)
        let (headers, o2) = maxmsg.multipliedReportingOverflow(by: msgHeader)
        let (tree, o3) = headers.addingReportingOverflow(min(maxmsg, Int(prioMax)) * treeNode)
        let (total, o4) = bytes.addingReportingOverflow(tree)
        return o1 || o2 || o3 || o4 ? nil : total
    }
}

/// RLIMIT_MSGQUEUE's counter: the bytes of the queues each user (real uid) created, shared by
/// every IPC namespace of the sandbox as Linux keeps it on the user_struct.
final class MqueueUsers {
    var bytes: [UInt32: Int] = [:]
    init() {}
}

/// One message: its priority and bytes, charged to the sandbox's memory account.
struct MqMessage {
    let priority: UInt32
    let text: [UInt8]
    let charge: MemoryCharge
}

/// A registration of mq_notify: who is told, and how.
struct MqNotification {
    /// The process that registered (notify_owner): weak, so that its exit ends the
    /// registration as its files' flush would.
    weak var owner: ThreadGroup?
    let ownerPID: Int32
    let notify: Int32
    let signal: Int32
    let value: UInt64
    /// SIGEV_THREAD: the netlink socket told and the NOTIFY_COOKIE_LEN cookie it is told with,
    /// copied in at registration (glibc's helper thread reads it from the socket).
    weak var socket: (any NetlinkNotifyTarget)?
    var cookie: [UInt8] = []

    /// The cookie with its last byte set to `code` (set_cookie), queued on the socket.
    func sendCookie(_ code: UInt8) {
        guard notify == MqLimits.SIGEV_THREAD, let socket, cookie.count == MqLimits.cookieLength else { return }
        var bytes = cookie
        bytes[MqLimits.cookieLength - 1] = code
        socket.queueKernelDatagram(bytes)
    }
}

/// A socket mq_notify's SIGEV_THREAD can be told through (a netlink socket), held weakly: the
/// program closing it ends what it can receive, as netlink_sendskb to a dead socket does.
protocol NetlinkNotifyTarget: AnyObject {
    func queueKernelDatagram(_ bytes: [UInt8])
}

/// The signal a notification sends: to whom, and with what siginfo (SI_MESGQ).
struct MqSignal {
    let group: ThreadGroup
    let signal: Int32
    let info: SigInfo
}

/// The mqueue filesystem of one IPC namespace: its root directory, its sysctls and its count
/// of queues (mq_queues_count).
final class MqueueNamespace {
    var queuesMax = MqLimits.defaultQueuesMax
    var msgMax = MqLimits.defaultMsgMax, msgsizeMax = MqLimits.defaultMsgSizeMax
    var msgDefault = MqLimits.defaultMsgMax, msgsizeDefault = MqLimits.defaultMsgSizeMax
    var queueCount = 0
    let memory: MemoryAccount
    let users: MqueueUsers
    let device: SyntheticDevice
    private(set) var root: MqueueDirectory!
    /// The root as a dentry with no parent: a queue mq_open opened shows as "/name".
    private(set) var rootDentry: Dentry!

    init(memory: MemoryAccount, users: MqueueUsers) {
        self.memory = memory
        self.users = users
        device = SyntheticDevice(SyntheticDev.mqueue)
        root = MqueueDirectory(namespace: self)
        rootDentry = Dentry(name: [], parent: nil, inode: root)
    }

    /// The checks lookup_one_len and simple_lookup make on an mq_open/mq_unlink name: EACCES for
    /// "", ".", ".." or a '/' inside (an empty name was refused as ENOENT by getname),
    /// ENAMETOOLONG past NAME_MAX.
    static func checkName(_ name: [UInt8]) throws(Errno) {
        if name.isEmpty { throw .noSuchFileOrDirectory }
        if name == [0x2E] || name == [0x2E, 0x2E] || name.contains(0x2F) { throw .permissionDenied }
        if name.count > 255 { throw .fileNameTooLong }
    }

    /// Creates a queue named `name` (mqueue_create_attr): ENOSPC past queues_max without
    /// CAP_SYS_RESOURCE, EINVAL for attributes out of bounds, EOVERFLOW, EMFILE past the
    /// creator's RLIMIT_MSGQUEUE (`rlimit`), ENOMEM when the account cannot hold the node.
    func create(_ name: [UInt8], mode: UInt32, creds: Credentials, attr: (maxmsg: Int, msgsize: Int)?,
                rlimit: UInt64) throws(Errno) -> PosixMessageQueue {
        let privileged = creds.has(IPCNamespace.capSysResource)
        if queueCount >= queuesMax && !privileged { throw .noSpace }
        let maxmsg = attr?.maxmsg ?? min(msgMax, msgDefault)
        let msgsize = attr?.msgsize ?? min(msgsizeMax, msgsizeDefault)
        if maxmsg <= 0 || msgsize <= 0 { throw .invalidArgument }
        if privileged {
            if maxmsg > MqLimits.hardMsgMax || msgsize > MqLimits.hardMsgSizeMax { throw .invalidArgument }
        } else if maxmsg > msgMax || msgsize > msgsizeMax {
            throw .invalidArgument
        }
        guard let bytes = MqLimits.accountedBytes(maxmsg: maxmsg, msgsize: msgsize) else { throw .overflow }
        let used = users.bytes[creds.uid, default: 0]
        if UInt64(used) + UInt64(bytes) > rlimit { throw .tooManyOpenFiles }
        let charge = try memory.hold(MqLimits.nodeCost, .ipc, or: .noMemory)
        let q = PosixMessageQueue(namespace: self, mode: mode, creds: creds, maxmsg: maxmsg, msgsize: msgsize,
                                  accounted: bytes, charge: charge)
        users.bytes[creds.uid] = used + bytes
        queueCount += 1
        root.add(name, q)
        return q
    }

    /// A queue node was freed (mqueue_evict_inode): its user bytes and its count go back.
    fileprivate func released(_ q: PosixMessageQueue) {
        users.bytes[q.creatorUID, default: 0] -= q.accounted
        queueCount -= 1
    }
}

/// One queue (mqueue_inode_info): its attributes, its messages by priority (highest first,
/// FIFO within one), its notification and the callers waiting on it.
final class PosixMessageQueue: SyntheticInode {
    let maxmsg: Int
    let msgsize: Int
    /// The messages by priority, each priority's in arrival order, and the priorities that have
    /// any in a heap (Linux's rbtree of priority nodes): a send and a receive cost O(log n),
    /// whatever the priorities a program uses.
    private var byPriority: [UInt32: Deque<MqMessage>] = [:]
    private var priorities = Heap<UInt32>()
    private(set) var count = 0
    /// The bytes of the queued messages (QSIZE).
    private(set) var qsize = 0
    private var notification: MqNotification?
    /// Receivers parked in mq_timedreceive: a send they will take notifies nobody, as the
    /// message goes straight to a waiting receiver in Linux (pipelined_send).
    var waitingReceivers = 0
    /// Input when a message comes, output when one goes.
    let queue = WaitQueue()
    let creatorUID: UInt32
    fileprivate let accounted: Int
    private weak var namespace: MqueueNamespace?
    private let charge: MemoryCharge

    fileprivate init(namespace: MqueueNamespace, mode: UInt32, creds: Credentials, maxmsg: Int, msgsize: Int,
                     accounted: Int, charge: MemoryCharge) {
        self.namespace = namespace
        self.maxmsg = maxmsg
        self.msgsize = msgsize
        self.accounted = accounted
        self.charge = charge
        creatorUID = creds.uid
        super.init(mode: FileType.regular | (mode & 0o7777), device: namespace.device, size: MqLimits.filentSize)
        attributes.uid = creds.fsuid
        attributes.gid = creds.fsgid
    }

    deinit { namespace?.released(self) }

    var isFull: Bool { count >= maxmsg }
    var isEmpty: Bool { count == 0 }

    /// The registration in force: one whose process has exited is gone.
    var registration: MqNotification? {
        if let n = notification, let owner = n.owner, !owner.threads.isEmpty { return n }
        notification = nil
        return nil
    }

    /// Queues a message (the caller checked the size and that the queue has room): ENOMEM when
    /// the account cannot hold it. Returns the signal a registration asks for when the queue
    /// went from empty to non-empty with no receiver waiting (__do_notify), which then ends.
    func send(_ text: [UInt8], priority: UInt32, senderPID: Int32, senderUID: UInt32,
              memory: MemoryAccount) throws(Errno) -> MqSignal? {
        let charge = try memory.hold(MqLimits.msgHeader + text.count, .ipc, or: .noMemory)
        let m = MqMessage(priority: priority, text: text, charge: charge)
        if byPriority[priority] == nil { priorities.insert(priority) }
        byPriority[priority, default: []].append(m)
        count += 1
        qsize += text.count
        touch()
        var signal: MqSignal?
        if count == 1 && waitingReceivers == 0, let n = registration {
            notification = nil
            n.sendCookie(MqLimits.NOTIFY_WOKENUP)
            if n.notify == MqLimits.SIGEV_SIGNAL && n.signal != 0, let group = n.owner {
                var info = SigInfo(si_signo: n.signal, si_errno: 0, si_code: SigCode.SI_MESGQ)
                info.si_pid = senderPID
                info.si_uid = senderUID
                info.si_value = n.value
                signal = MqSignal(group: group, signal: n.signal, info: info)
            }
        }
        queue.notify(PollEvents.input | PollEvents.readNormal)
        return signal
    }

    /// Takes the oldest message of the highest priority; nil when empty.
    func receive() -> MqMessage? {
        guard let top = priorities.max, let m = byPriority[top]?.removeFirst() else { return nil }
        if byPriority[top]?.isEmpty == true {
            byPriority[top] = nil
            _ = priorities.removeMax()
        }
        count -= 1
        qsize -= m.text.count
        touch()
        queue.notify(PollEvents.output | PollEvents.writeNormal)
        return m
    }

    /// mq_notify with a sigevent: EBUSY while another registration is in force.
    func register(_ n: MqNotification) throws(Errno) {
        if registration != nil { throw .resourceBusy }
        notification = n
    }

    /// mq_notify(NULL) and a close by the owner (mqueue_flush_file): the registration of
    /// `group` ends; another process's stays.
    func unregister(_ group: ThreadGroup) {
        if let n = registration, n.owner === group {
            notification = nil
            n.sendCookie(MqLimits.NOTIFY_REMOVED)   // remove_notification
        }
    }

    /// The line read(2) of a queue file gives (mqueue_read_file).
    var statusLine: [UInt8] {
        let n = registration
        func left(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
        }
        let notify = n.map { Int($0.notify) } ?? 0
        let signo = n.map { $0.notify == MqLimits.SIGEV_SIGNAL ? Int($0.signal) : 0 } ?? 0
        let line = "QSIZE:\(left(qsize, 10)) NOTIFY:\(left(notify, 5)) SIGNO:\(left(signo, 5)) NOTIFY_PID:\(left(Int(n?.ownerPID ?? 0), 6))\n"
        return Array(line.utf8)
    }

    /// poll(2): readable with a message, writable below mq_maxmsg (mqueue_poll_file).
    func readiness() -> EventMask {
        var m: EventMask = 0
        if count > 0 { m |= PollEvents.input | PollEvents.readNormal }
        if count < maxmsg { m |= PollEvents.output | PollEvents.writeNormal }
        return m
    }

    private func touch() {
        let now = Timespec.now()
        attributes.atime = now; attributes.mtime = now; attributes.ctime = now
    }

    // The node in its filesystem (FS/MqueueFS.swift).
    override var readOnly: Bool { false }
    override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        MessageQueueFile(dentry, queue: self, flags: request.flags)
    }
    override func setAttributes(_ change: AttributeChange) throws(Errno) {
        if let m = change.mode { attributes.mode = FileType.regular | (m & 0o7777) }
        if let u = change.uid { attributes.uid = u }
        if let g = change.gid { attributes.gid = g }
        if let a = change.atime { attributes.atime = a }
        if let m = change.mtime { attributes.mtime = m }
        attributes.ctime = Timespec.now()
    }
    override func statfs() throws(Errno) -> FSStatistics { MqueueDirectory.statistics }
}
