import Glibc
import LinuxABI
import SystemPackage

// AF_UNIX sockets, served in the Sentry's memory (Linux net/unix/af_unix.c; gVisor's
// pkg/sentry/socket/unix). A socket is a FileDescription; connected stream and seqpacket
// sockets point at each other weakly (each end's fds keep it alive), and what one end sends
// goes into the other end's receive queue as messages, each with the sender's address, its
// credentials and any SCM_RIGHTS files. Datagram sockets queue into the receiver named by the
// address or by connect. Everything is non-blocking here; the syscall layer (SysSocket.swift)
// parks the task on the socket's wait queue.
//
// Names: a path-bound socket is a socket inode made by mknod in the VFS (tmpfs or the overlay;
// `ls -l` shows `s`), found again by its (dev, ino) in the network namespace; abstract names
// live in the namespace only. Memory: every queued message is charged to the sandbox's memory
// account (ENOBUFS when it cannot pay), and files in flight count against the sender's
// RLIMIT_NOFILE (ETOOMANYREFS), as too_many_unix_fds, and sockets nest in each other's queues
// at most 4 deep (ETOOMANYREFS, as unix_attach_fds). Files in flight are closed with the queue
// holding them when it is never read. Unlike Linux there is no garbage collector for cycles of
// sockets sent over themselves: such a cycle stays until the sandbox ends (its memory is charged).

/// What every socket of the sandbox is to the VFS (sock_alloc's inode on sockfs): S_IFSOCK 0777
/// on sockfs's anonymous device, `socket:[ino]` in /proc/PID/fd; read/write go through the
/// socket calls (SysRead hands them over), and a socket cannot seek.
class SocketFile: FileDescription {
    let ino: UInt64

    init(ino: UInt64, nonBlocking: Bool) {
        self.ino = ino
        super.init(accessMode: O_RDWR, statusFlags: nonBlocking ? O_NONBLOCK : 0)
    }

    override func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int { throw .invalidArgument }
    override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int { throw .invalidArgument }
    override func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 { throw .illegalSeek }

    override func stat() throws(Errno) -> FileStat {
        var s = FileStat()
        s.mode = FileMode.S_IFSOCK | 0o777
        s.ino = ino
        s.dev = 0x8   // sockfs's anonymous device
        s.blksize = 4096
        return s
    }

    override var path: [UInt8]? { Array("socket:[\(ino)]".utf8) }
}

/// The sandbox's network namespace: its abstract unix names, its path-bound unix sockets, the
/// socket inode numbers and the network mode.
public final class NetworkNamespace {
    /// How inet sockets reach anything (`--network`). `joined`: a namespace made by someone
    /// else that the Sentry joined by path (an OCI config.json's, e.g. podman's bridge network);
    /// the OCI runtime's only, never a `--network` value.
    public enum Mode: String, Sendable, CaseIterable { case none, host, pasta, joined }
    public var mode: Mode = .none
    /// `--host-uds open`: connect to a socket file of a volume reaches the host socket (the Gofer connects).
    public var hostUDS = false

    struct Weak { weak var socket: UnixSocketFile? }
    /// A path-bound socket's inode.
    struct NodeKey: Hashable { let dev: UInt64; let ino: UInt64 }

    /// An abstract name is bound per socket type: Linux hashes the type into the name's
    /// bucket, so a stream and a seqpacket socket may share a name, and a connect of the wrong
    /// type finds nothing (ECONNREFUSED, where a path of the wrong type is EPROTOTYPE).
    struct AbstractKey: Hashable { let type: Int32; let name: [UInt8] }

    var abstractNames: [AbstractKey: Weak] = [:]
    var pathSockets: [NodeKey: Weak] = [:]
    /// SCM_RIGHTS files in flight, by the sending user (too_many_unix_fds).
    var inflight: [UInt32: Int] = [:]
    private var lastIno: UInt64 = 0x2000
    private var autobindCounter: UInt32 = 0

    public init() {}

    /// A host UDP socket of the namespace, made on first use, that answers the SIOCGIF* queries
    /// asked of unix sockets (glibc's if_nametoindex asks an AF_UNIX one).
    private var queryFD: Int32 = -1
    var interfaceQueryFD: Int32? {
        if queryFD < 0 { queryFD = Glibc.socket(Socket.AF_INET, Socket.SOCK_DGRAM | InetHostCalls.typeFlags, 0) }
        return queryFD >= 0 ? queryFD : nil
    }
    deinit { if queryFD >= 0 { Glibc.close(queryFD) } }

    /// The sockfs inode number of a new socket.
    func allocateIno() -> UInt64 { lastIno &+= 1; return lastIno }

    /// unix_autobind: a free abstract name of five hex digits for a socket of `type`.
    func autobindName(type: Int32) -> [UInt8]? {
        for _ in 0..<0x100000 {
            autobindCounter = (autobindCounter &+ 1) & 0xfffff
            var name: [UInt8] = [0]
            let hex = Array("0123456789abcdef".utf8)
            for shift in stride(from: 16, through: 0, by: -4) { name.append(hex[Int((autobindCounter >> UInt32(shift)) & 0xf)]) }
            if abstractNames[.init(type: type, name: name)]?.socket == nil { return name }
        }
        return nil
    }
}

/// A sender's credentials as SCM_CREDENTIALS and SO_PEERCRED give them (the sandbox's pids).
struct UnixCredentials: Equatable {
    var pid: Int32
    var uid: UInt32
    var gid: UInt32
    static func of(_ task: Task) -> UnixCredentials { UnixCredentials(pid: task.group.pid, uid: task.creds.uid, gid: task.creds.gid) }
}

/// SCM_RIGHTS files on their way: counted against the sending user while they exist.
final class InFlightFiles {
    /// MAX_RECURSION_LEVEL: how deep unix sockets may nest in each other's queues. It also
    /// bounds the recursion of the deinits that free a nest, so the Sentry's stack.
    static let maxDepth = 4
    var files: [FileDescription]
    /// 1 + the deepest nesting of the unix sockets among `files` (their queues' own depth).
    let depth: Int
    private let net: NetworkNamespace
    private let user: UInt32
    private let count: Int
    init(_ files: [FileDescription], depth: Int, net: NetworkNamespace, user: UInt32) {
        self.files = files; self.depth = depth; self.net = net; self.user = user; count = files.count
        net.inflight[user, default: 0] += count
    }
    deinit {
        let left = (net.inflight[user] ?? 0) - count
        net.inflight[user] = left <= 0 ? nil : left
    }
}

/// One queued message (a datagram, a seqpacket record, or a stream segment).
final class UnixMessage {
    var data: [UInt8]
    /// Stream segments: the bytes already read.
    var offset = 0
    var rights: InFlightFiles?
    let creds: UnixCredentials
    /// The sender's address (sockaddr_un bytes), nil when it was unbound.
    let from: [UInt8]?
    /// The sender, whose SIOCOUTQ count and writability the read changes.
    weak var sender: UnixSocketFile?
    let charge: Int
    init(data: [UInt8], rights: InFlightFiles?, creds: UnixCredentials, from: [UInt8]?, sender: UnixSocketFile, charge: Int) {
        self.data = data; self.rights = rights; self.creds = creds; self.from = from; self.sender = sender; self.charge = charge
    }
    var remaining: Int { data.count - offset }
}

/// An AF_UNIX socket.
final class UnixSocketFile: SocketFile {
    static let defaultBuffer = 212992
    /// net.unix.max_dgram_qlen's default.
    static let maxDatagramQueue = 512
    /// SOCK_MIN_SNDBUF / SOCK_MIN_RCVBUF.
    static let minSendBuffer = 4608
    static let minReceiveBuffer = 2304
    /// What one message costs besides its bytes (an sk_buff).
    static let messageCost = 256

    let type: Int32
    let net: NetworkNamespace
    let memory: MemoryAccount?
    let queue = WaitQueue()
    override var waitQueue: WaitQueue? { queue }

    /// The bound address (sockaddr_un bytes as getsockname returns them); nil: unbound.
    var address: [UInt8]?
    private var nodeKey: NetworkNamespace.NodeKey?
    private var abstractName: NetworkNamespace.AbstractKey?

    // Connection state.
    var listening = false
    var backlog = 0
    var acceptQueue: [UnixSocketFile] = []
    /// Stream/seqpacket: the other end; datagram: the socket connect named.
    weak var peer: UnixSocketFile?
    /// Stream/seqpacket: the socket was connected (so a missing peer means it went away).
    var connected = false
    /// Datagram: connect named a peer (a missing one means it went away: ECONNREFUSED).
    var datagramConnected = false
    /// A connection not accepted yet (its client sees ECONNRESET if it is dropped).
    var embryo = false
    var peerAddress: [UInt8]?
    var peerCredentials: UnixCredentials?
    /// The credentials of whoever made the socket (listen and socketpair hand them out).
    var ownCredentials: UnixCredentials

    // Receive side.
    private var messages: [UnixMessage] = []
    private var head = 0
    private(set) var queuedBytes = 0
    var queuedMessages: Int { messages.count - head }
    /// Bytes this socket sent that are still unread (SIOCOUTQ, writability).
    var outstanding = 0
    var readShutdown = false
    var writeShutdown = false
    var pendingError: Errno?

    // Options.
    var sendBuffer = UnixSocketFile.defaultBuffer
    var receiveBuffer = UnixSocketFile.defaultBuffer
    var passCredentials = false
    var reuseAddress = false
    var reusePort = false
    var keepAlive = false
    var linger: (on: Int32, seconds: Int32) = (0, 0)
    var receiveTimeout: UInt64 = 0
    var sendTimeout: UInt64 = 0
    var peekOffset: Int32 = -1

    init(type: Int32, net: NetworkNamespace, memory: MemoryAccount?, creds: UnixCredentials, nonBlocking: Bool) {
        self.type = type; self.net = net; self.memory = memory; ownCredentials = creds
        super.init(ino: net.allocateIno(), nonBlocking: nonBlocking)
    }

    var isStream: Bool { type == Socket.SOCK_STREAM }
    var isConnectionOriented: Bool { type != Socket.SOCK_DGRAM }

    deinit {
        for m in messages[head...] { memory?.uncharge(m.charge, .sockets); m.sender?.sent(-m.data.count + m.offset) }
        if let name = abstractName, net.abstractNames[name]?.socket == nil || net.abstractNames[name]?.socket === self { net.abstractNames[name] = nil }
        if let key = nodeKey, net.pathSockets[key]?.socket == nil { net.pathSockets[key] = nil }
        if isConnectionOriented, let p = peer {
            p.readShutdown = true
            p.writeShutdown = true
            if queuedMessages > 0 || embryo { p.pendingError = .connectionReset }
            p.queue.notify(PollEvents.input | PollEvents.output | PollEvents.hangUp | PollEvents.readHangUp)
        }
        for s in acceptQueue { s.embryo = true }
    }

    /// Bytes sent by this socket were read (negative) or queued (positive).
    fileprivate func sent(_ delta: Int) {
        outstanding = max(0, outstanding + delta)
        if delta < 0 { queue.notify(PollEvents.output | PollEvents.writeNormal) }
    }

    // MARK: Names

    /// Records a bound name: `address` is the sockaddr_un bytes.
    func bindAbstract(_ address: [UInt8]) throws(Errno) {
        let name = NetworkNamespace.AbstractKey(type: type, name: Array(address[2...]))
        if net.abstractNames[name]?.socket != nil { throw .addressInUse }
        net.abstractNames[name] = .init(socket: self)
        abstractName = name
        self.address = address
    }

    func bindNode(_ address: [UInt8], key: NetworkNamespace.NodeKey) {
        net.pathSockets[key] = .init(socket: self)
        nodeKey = key
        self.address = address
    }

    // MARK: Queues

    /// Whether a message of `bytes` fits in this socket's receive queue now (datagrams).
    func datagramFits(_ bytes: Int) -> Bool {
        queuedMessages < UnixSocketFile.maxDatagramQueue && queuedBytes + bytes <= receiveBuffer
    }

    /// Queues a message from `sender`: ENOBUFS when the memory account cannot hold it.
    func enqueue(_ data: [UInt8], rights: InFlightFiles?, creds: UnixCredentials, from sender: UnixSocketFile) throws(Errno) {
        let cost = data.count + UnixSocketFile.messageCost
        if let memory, !memory.tryCharge(cost, .sockets) { throw .noBufferSpace }
        messages.append(UnixMessage(data: data, rights: rights, creds: creds, from: sender.address, sender: sender, charge: cost))
        queuedBytes += data.count
        sender.sent(data.count)
        queue.notify(PollEvents.input | PollEvents.readNormal)
    }

    var firstMessage: UnixMessage? { head < messages.count ? messages[head] : nil }
    func message(at i: Int) -> UnixMessage? { head + i < messages.count ? messages[head + i] : nil }

    /// Consumes `n` bytes of the first message (stream), or the whole first message.
    func consume(_ n: Int, whole: Bool) {
        guard let m = firstMessage else { return }
        let taken = whole ? m.remaining : min(n, m.remaining)
        m.offset += taken
        queuedBytes -= taken
        m.sender?.sent(-taken)
        if whole || m.remaining == 0 {
            memory?.uncharge(m.charge, .sockets)
            head += 1
            if head > 64 && head * 2 > messages.count { messages.removeFirst(head); head = 0 }
            if head == messages.count { messages.removeAll(keepingCapacity: true); head = 0 }
        }
        queue.notify(PollEvents.output | PollEvents.writeNormal)
    }

    /// The deepest nesting of files in flight in this socket's queue, or in the queues of the
    /// connections waiting on it to be accepted (0: none).
    var queueDepth: Int {
        var d = 0
        for m in messages[head...] { if let r = m.rights { d = max(d, r.depth) } }
        for e in acceptQueue { d = max(d, e.queueDepth) }
        return d
    }

    /// Bytes readable now: everything (stream, seqpacket) or the next datagram (unix_inq_len).
    var readableBytes: Int {
        if type == Socket.SOCK_DGRAM { return firstMessage?.remaining ?? 0 }
        return queuedBytes
    }

    // MARK: FileDescription


    /// Whether a send could go on now.
    var writable: Bool {
        if listening { return false }
        if isConnectionOriented { return outstanding < sendBuffer }
        if let p = peer { return p.datagramFits(1) && outstanding < sendBuffer }
        return outstanding < sendBuffer
    }

    /// unix_poll / unix_dgram_poll.
    override func readiness(_ mask: EventMask) -> EventMask {
        var m: EventMask = 0
        if pendingError != nil { m |= PollEvents.error }
        if readShutdown && writeShutdown { m |= PollEvents.hangUp }
        if readShutdown { m |= PollEvents.readHangUp | PollEvents.input | PollEvents.readNormal }
        if listening {
            if !acceptQueue.isEmpty { m |= PollEvents.input | PollEvents.readNormal }
        } else {
            if queuedMessages > 0 { m |= PollEvents.input | PollEvents.readNormal }
            if isConnectionOriented && !connected { m |= PollEvents.hangUp }
            if writable { m |= PollEvents.output | PollEvents.writeNormal | PollEvents.writeBand }
        }
        return m & (mask | PollEvents.error | PollEvents.hangUp)
    }

    /// FIONREAD/SIOCINQ and SIOCOUTQ.
    override func ioctl(_ task: Task, _ request: UInt32, _ argument: UInt64) -> SyscallReturn {
        let value: Int
        switch request {
        case Ioctl.FIONREAD:
            if listening { return .error(.invalidArgument) }
            value = readableBytes
        case UnixSocketFile.SIOCOUTQ:
            if listening { return .error(.invalidArgument) }
            value = outstanding
        default:
            // SIOCGIF*: answered by a host socket of the sandbox's network namespace; the address
            // queries are inet_ioctl's, which a unix socket does not reach (ENOTTY, as Linux).
            if InetHostCalls.interfaceQueries.contains(request), !InetHostCalls.inetAddressQueries.contains(request),
               let fd = net.interfaceQueryFD { return interfaceQuery(task, fd, request, argument) }
            return .error(.inappropriateIOCTLForDevice)
        }
        do { try task.copyOutValue(argument, Int32(clamping: value)) } catch { return .error(error) }
        return .zero
    }
    static let SIOCOUTQ: UInt32 = 0x5411
}
