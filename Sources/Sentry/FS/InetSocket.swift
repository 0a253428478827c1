import Glibc
import LinuxABI
import SystemPackage

// AF_INET and AF_INET6 sockets, served as gVisor's hostinet serves them: the Sentry holds a
// host socket (non-blocking, close-on-exec), made in the Sentry's own host network namespace
// (the sandbox's: with `--network none` it holds only `lo`, brought up at boot), and serves
// every call on it; the program never gets the host fd. The host fd sits in the kernel's
// epoll set (edge-triggered, Kernel.watch), so a readiness change wakes the socket's wait
// queue; poll/select/epoll ask `readiness`, which polls the host fd. The syscalls are in
// Syscalls/SysInet.swift; the host calls each makes are in the Sentry's host filter, checked
// against the lists below (Sandbox/Confine/SentryConfinement.swift, docs/security.md).

/// What the Sentry may ask of the host for an inet socket: the (level, option) pairs of
/// setsockopt/getsockopt it forwards and the ioctls. The Sentry's seccomp filter admits
/// exactly these; anything else is answered in the Sentry (ENOPROTOOPT, ENOTTY).
public enum InetHostCalls {
    public static let SOL_SOCKET: Int32 = 1
    public static let IPPROTO_IP: Int32 = 0
    public static let IPPROTO_TCP: Int32 = 6
    public static let IPPROTO_UDP: Int32 = 17
    public static let IPPROTO_IPV6: Int32 = 41
    public static let SOL_NETLINK: Int32 = 270

    /// Options forwarded to the host by both setsockopt and getsockopt. Not here, among others:
    /// SO_ATTACH_FILTER/SO_ATTACH_BPF (BPF in the host kernel), SO_BINDTODEVICE, SO_MARK,
    /// IP_HDRINCL; SO_RCVTIMEO/SO_SNDTIMEO and SO_LINGER are kept by the Sentry.
    public static let options: [(level: Int32, name: Int32)] = {
        var o: [(Int32, Int32)] = []
        // SO_REUSEADDR, TYPE, ERROR, DONTROUTE, BROADCAST, SNDBUF, RCVBUF, KEEPALIVE, OOBINLINE,
        // NO_CHECK, PRIORITY, REUSEPORT, RCVLOWAT, SNDLOWAT, TIMESTAMP, ACCEPTCONN,
        // TIMESTAMPNS, PROTOCOL, DOMAIN, RXQ_OVFL, BUSY_POLL, INCOMING_CPU.
        for n: Int32 in [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15, 18, 19, 29, 30, 35, 38, 39, 40, 46, 49] { o.append((SOL_SOCKET, n)) }
        // TCP_NODELAY, MAXSEG, CORK, KEEPIDLE, KEEPINTVL, KEEPCNT, SYNCNT, LINGER2, DEFER_ACCEPT,
        // WINDOW_CLAMP, INFO, QUICKACK, USER_TIMEOUT, FASTOPEN, NOTSENT_LOWAT, FASTOPEN_CONNECT.
        for n: Int32 in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 18, 23, 25, 30] { o.append((IPPROTO_TCP, n)) }
        // UDP_CORK, UDP_SEGMENT, UDP_GRO.
        for n: Int32 in [1, 103, 104] { o.append((IPPROTO_UDP, n)) }
        // IP_TOS, TTL, PKTINFO, MTU_DISCOVER, RECVERR, RECVTTL, RECVTOS, MTU, FREEBIND,
        // RECVORIGDSTADDR, BIND_ADDRESS_NO_PORT, MULTICAST_IF, MULTICAST_TTL, MULTICAST_LOOP,
        // ADD_MEMBERSHIP, DROP_MEMBERSHIP.
        for n: Int32 in [1, 2, 8, 10, 11, 12, 13, 14, 15, 20, 24, 32, 33, 34, 35, 36] { o.append((IPPROTO_IP, n)) }
        // IPV6_UNICAST_HOPS, MULTICAST_IF, MULTICAST_HOPS, MULTICAST_LOOP, JOIN_GROUP,
        // LEAVE_GROUP, MTU_DISCOVER, MTU, RECVERR, V6ONLY, RECVPKTINFO, PKTINFO, RECVHOPLIMIT,
        // HOPLIMIT, RECVTCLASS, TCLASS.
        for n: Int32 in [16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 49, 50, 51, 52, 66, 67] { o.append((IPPROTO_IPV6, n)) }
        // SOL_NETLINK: NETLINK_ADD_MEMBERSHIP, DROP_MEMBERSHIP, PKTINFO, NO_ENOBUFS, CAP_ACK,
        // EXT_ACK, GET_STRICT_CHK (iproute2 sets the last three).
        for n: Int32 in [1, 2, 3, 5, 10, 11, 12] { o.append((SOL_NETLINK, n)) }
        return o
    }()

    /// Read-only options: getsockopt only (TCP_CONGESTION: setting it may load a module).
    public static let readOnlyOptions: [(level: Int32, name: Int32)] = [(IPPROTO_TCP, 13)]

    public static func allowsSet(level: Int32, name: Int32) -> Bool { options.contains { $0 == (level, name) } }
    public static func allowsGet(level: Int32, name: Int32) -> Bool {
        allowsSet(level: level, name: name) || readOnlyOptions.contains { $0 == (level, name) }
    }

    /// FIONREAD/SIOCINQ, SIOCOUTQ, SIOCATMARK.
    public static let FIONREAD: UInt32 = 0x541B
    public static let SIOCOUTQ: UInt32 = 0x5411
    public static let SIOCATMARK: UInt32 = 0x8905
    public static let ioctls: [UInt32] = [FIONREAD, SIOCOUTQ, SIOCATMARK]

    /// The interface queries any socket answers (dev_ioctl's read side): SIOCGIFNAME, CONF,
    /// FLAGS, ADDR, DSTADDR, BRDADDR, NETMASK, METRIC, MTU, HWADDR, INDEX, TXQLEN, MAP. Never
    /// a SIOCSIF* (the Sentry holds no CAP_NET_ADMIN after boot anyway).
    public static let SIOCGIFCONF: UInt32 = 0x8912
    /// SIOCGIFADDR, DSTADDR, BRDADDR, NETMASK: only an AF_INET socket answers them (inet_ioctl).
    public static let inetAddressQueries: [UInt32] = [0x8915, 0x8917, 0x8919, 0x891b]
    public static let interfaceQueries: [UInt32] = [0x8910, SIOCGIFCONF, 0x8913, 0x8915, 0x8917, 0x8919, 0x891b, 0x891d,
                                                    0x8921, 0x8927, 0x8933, 0x8942, 0x8970]

    /// The type argument of every host socket() the Sentry makes: SOCK_NONBLOCK|SOCK_CLOEXEC.
    public static let typeFlags: Int32 = Socket.SOCK_NONBLOCK | Socket.SOCK_CLOEXEC
}

/// A 1 MiB buffer the single-threaded Sentry moves inet data through (no per-call array).
enum InetScratch {
    static let size = 1 << 20
    nonisolated(unsafe) static let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
}

/// One AF_INET/AF_INET6 socket: a host socket held by the Sentry.
final class InetSocketFile: SocketFile {
    let fd: Int32
    let domain: Int32
    let type: Int32
    let queue = WaitQueue()
    private weak var kernel: Kernel?
    /// SO_RCVTIMEO / SO_SNDTIMEO in ns (0: none): the host socket is non-blocking, so the
    /// Sentry keeps the timeouts of its parked calls.
    var receiveTimeout: UInt64 = 0
    var sendTimeout: UInt64 = 0
    /// SO_LINGER as set: a host close never waits, so only l_linger 0 (reset) is forwarded.
    var linger: (on: Int32, seconds: Int32) = (0, 0)
    override var waitQueue: WaitQueue? { queue }

    private init(kernel: Kernel, fd: Int32, domain: Int32, type: Int32, nonBlocking: Bool) {
        self.fd = fd; self.domain = domain; self.type = type
        self.kernel = kernel
        super.init(ino: kernel.network.allocateIno(), nonBlocking: nonBlocking)
        kernel.watch(fd, queue: queue)
    }

    /// A new host socket (protocol 0: TCP or UDP).
    static func make(_ kernel: Kernel, domain: Int32, type: Int32, nonBlocking: Bool) throws(Errno) -> InetSocketFile {
        let fd = Glibc.socket(domain, type | InetHostCalls.typeFlags, 0)
        if fd < 0 { throw errno == EMFILE ? .tooManyOpenFilesInSystem : Errno(rawValue: errno) }
        return InetSocketFile(kernel: kernel, fd: fd, domain: domain, type: type, nonBlocking: nonBlocking)
    }

    /// The socket accept4 made on the host (already non-blocking and close-on-exec).
    static func accepted(_ kernel: Kernel, fd: Int32, from listener: InetSocketFile, nonBlocking: Bool) -> InetSocketFile {
        InetSocketFile(kernel: kernel, fd: fd, domain: listener.domain, type: listener.type, nonBlocking: nonBlocking)
    }

    /// `--host-uds open`: a host unix socket the Gofer connected to a volume's socket file
    /// (non-blocking, close-on-exec); `peer` is the address the program connected to, which
    /// getpeername answers (the host's name of the file is not the sandbox's).
    static func hostUnix(_ kernel: Kernel, fd: Int32, type: Int32, nonBlocking: Bool, peer: [UInt8]) -> InetSocketFile {
        let s = InetSocketFile(kernel: kernel, fd: fd, domain: Socket.AF_UNIX, type: type, nonBlocking: nonBlocking)
        s.unixPeer = peer
        return s
    }

    /// A host unix socket's peer address as the program named it (`hostUnix`).
    var unixPeer: [UInt8]?

    deinit {
        kernel?.unwatch(fd)
        Glibc.close(fd)
    }

    var isStream: Bool { type == Socket.SOCK_STREAM }

    /// The host socket's poll answer (tcp_poll, udp_poll), readable too with a Sentry datagram.
    override func readiness(_ mask: EventMask) -> EventMask {
        var p = pollfd(fd: fd, events: Int16(truncatingIfNeeded: mask), revents: 0)
        _ = poll(&p, 1, 0)
        var ready = EventMask(UInt16(bitPattern: p.revents))
        if !kernelDatagrams.isEmpty { ready |= PollEvents.input | PollEvents.readNormal }
        return ready & (mask | PollEvents.error | PollEvents.hangUp)
    }

    /// Datagrams from the kernel the Sentry is (mq_notify's SIGEV_THREAD cookies on a netlink
    /// socket), received before what the host socket holds.
    private(set) var kernelDatagrams: [[UInt8]] = []

    /// Takes the oldest Sentry datagram (or only looks at it, for MSG_PEEK).
    func takeKernelDatagram(peek: Bool) -> [UInt8]? {
        guard let first = kernelDatagrams.first else { return nil }
        if !peek { kernelDatagrams.removeFirst() }
        return first
    }

    /// FIONREAD/SIOCINQ, SIOCOUTQ, SIOCATMARK: the host's count; the SIOCGIF* queries.
    override func ioctl(_ task: Task, _ request: UInt32, _ argument: UInt64) -> SyscallReturn {
        if InetHostCalls.interfaceQueries.contains(request) { return interfaceQuery(task, fd, request, argument) }
        guard InetHostCalls.ioctls.contains(request) else { return .error(.inappropriateIOCTLForDevice) }
        var value: Int32 = 0
        if Glibc.ioctl(fd, UInt(request), &value) < 0 { return .error(Errno(rawValue: errno)) }
        do { try task.copyOutValue(argument, value) } catch { return .error(error) }
        return .zero
    }
}

/// Brings the loopback interface of the calling process's network namespace up (SIOCSIFFLAGS
/// IFF_UP on "lo"), as a container runtime does for a fresh namespace. The Sentry calls it at
/// boot, before its host filter exists and while it still holds CAP_NET_ADMIN in its namespace.
public func bringLoopbackUp() -> Errno? {
    let s = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Socket.SOCK_CLOEXEC, 0)
    if s < 0 { return Errno(rawValue: errno) }
    defer { Glibc.close(s) }
    // struct ifreq: ifr_name[16], then ifr_flags (short) in the union.
    var ifr = [UInt8](repeating: 0, count: 40)
    for (i, c) in "lo".utf8.enumerated() { ifr[i] = c }
    let SIOCGIFFLAGS: UInt = 0x8913, SIOCSIFFLAGS: UInt = 0x8914, IFF_UP: UInt8 = 0x1
    return ifr.withUnsafeMutableBytes { b -> Errno? in
        if Glibc.ioctl(s, SIOCGIFFLAGS, b.baseAddress!) < 0 { return Errno(rawValue: errno) }
        b[16] |= IFF_UP
        if Glibc.ioctl(s, SIOCSIFFLAGS, b.baseAddress!) < 0 { return Errno(rawValue: errno) }
        return nil
    }
}

/// net.ipv4.ip_unprivileged_port_start = 0 in the calling process's network namespace (the
/// sysctl is per namespace; it also covers IPv6), as Docker sets it for a container: the
/// sandbox's root binds port 80 though the Sentry, which makes the socket, has no
/// CAP_NET_BIND_SERVICE. Best effort: a kernel without the sysctl keeps its rule.
public func allowUnprivilegedPorts() {
    let fd = Glibc.open("/proc/sys/net/ipv4/ip_unprivileged_port_start", O_WRONLY | O_CLOEXEC)
    if fd < 0 { return }
    _ = Glibc.write(fd, "0\n", 2)
    Glibc.close(fd)
}

/// A SIOCGIF* query (`InetHostCalls.interfaceQueries`) answered by the host socket `fd` about
/// the namespace it lives in: the struct ifreq (40 bytes), or for SIOCGIFCONF the struct ifconf
/// and at most 64 KiB of its buffer, copied in once and out after the host's answer.
func interfaceQuery(_ t: Task, _ fd: Int32, _ request: UInt32, _ argument: UInt64) -> SyscallReturn {
    serve { () throws(Errno) in
        if request != InetHostCalls.SIOCGIFCONF {
            var ifr = try t.copyInBytes(argument, count: 40)
            if ifr.withUnsafeMutableBytes({ Glibc.ioctl(fd, UInt(request), $0.baseAddress!) }) < 0 { throw Errno(rawValue: errno) }
            try t.copyOut(argument, ifr)
            return .zero
        }
        let raw = try t.copyInBytes(argument, count: 16)
        let length = raw.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: Int32.self) }
        let buffer = raw.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self) }
        var data = [UInt8](repeating: 0, count: buffer == 0 ? 0 : Int(min(max(length, 0), 1 << 16)))
        var answered: Int32 = 0
        let rc = data.withUnsafeMutableBytes { b -> Int32 in
            var conf = [UInt8](repeating: 0, count: 16)
            conf.withUnsafeMutableBytes { c in
                c.storeBytes(of: Int32(b.count), toByteOffset: 0, as: Int32.self)
                c.storeBytes(of: UInt64(UInt(bitPattern: buffer == 0 ? nil : b.baseAddress)), toByteOffset: 8, as: UInt64.self)
            }
            let r = conf.withUnsafeMutableBytes { Glibc.ioctl(fd, UInt(request), $0.baseAddress!) }
            answered = conf.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: Int32.self) }
            return r
        }
        if rc < 0 { throw Errno(rawValue: errno) }
        let n = Int(max(answered, 0))
        if buffer != 0 && n > 0 { try t.copyOut(buffer, Array(data[0..<min(n, data.count)])) }
        try t.copyOutValue(argument, answered)
        return .zero
    }
}

extension InetSocketFile: NetlinkNotifyTarget {
    /// netlink_sendskb: a datagram from the kernel (port id 0), bounded as the socket's
    /// receive buffer bounds it (a program that never reads loses the newest, not the Sentry's memory).
    func queueKernelDatagram(_ bytes: [UInt8]) {
        guard domain == Socket.AF_NETLINK, kernelDatagrams.count < 64 else { return }
        kernelDatagrams.append(bytes)
        queue.notify(PollEvents.input | PollEvents.readNormal)
    }
}
