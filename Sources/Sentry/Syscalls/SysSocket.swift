import Glibc
import LinuxABI
import SystemPackage

// socket, socketpair, bind, listen, accept, accept4, connect, getsockname, getpeername,
// shutdown, setsockopt, getsockopt, sendto, recvfrom, sendmsg, recvmsg, sendmmsg, recvmmsg;
// read/write/readv/writev on a socket (called from SysRead).
//
// AF_UNIX sockets are served in the Sentry (FS/UnixSocket.swift). AF_INET and AF_INET6
// sockets are host sockets the Sentry holds (FS/InetSocket.swift); each handler hands them to
// SysInet.swift.
//
// Each handler copies its arguments in once (the address, the msghdr and its iovecs and
// control data), decides on that copy, and copies out last; a blocking call parks on the
// socket's wait queue through one `SocketWait` (its SO_RCVTIMEO/SO_SNDTIMEO deadline and the
// bytes a stream transfer already moved), and runs again from the start when woken.

/// Flags of send/recv (linux/socket.h).
enum MessageFlags {
    static let OOB: Int32 = 0x1
    static let PEEK: Int32 = 0x2
    static let CTRUNC: Int32 = 0x8
    static let TRUNC: Int32 = 0x20
    static let DONTWAIT: Int32 = 0x40
    static let EOR: Int32 = 0x80
    static let WAITALL: Int32 = 0x100
    static let NOSIGNAL: Int32 = 0x4000
    static let MORE: Int32 = 0x8000
    static let WAITFORONE: Int32 = 0x10000
    static let CMSG_CLOEXEC: Int32 = 0x4000_0000
}

private let SOL_SOCKET: Int32 = 1
private let SCM_RIGHTS: Int32 = 1
private let SCM_CREDENTIALS: Int32 = 2
/// SCM_MAX_FD.
private let maxRightsPerMessage = 253
/// net.core.somaxconn.
private let somaxconn = 4096
/// net.core.wmem_max / rmem_max.
private let bufferMax = 212992
private let ETOOMANYREFS = Errno(rawValue: 109)

/// A blocked socket call: its deadline (SO_RCVTIMEO/SO_SNDTIMEO, fixed on the first run) and
/// the bytes a stream transfer moved so far. A signal returns that count, or EINTR, never a
/// restart when a timeout is set (socket(7)).
final class SocketWait: BlockedCall {
    let deadline: UInt64?
    var done = 0
    init(timeout: UInt64) { deadline = timeout > 0 ? TimerQueue.now() &+ timeout : nil }
    var interruption: Interruption { done > 0 ? .partial(Int64(done)) : (deadline != nil ? .neverRestarted : .interrupted) }
}

extension Task {
    /// The socket call's wait state (made on the first run with `timeout`).
    func socketWait(timeout: UInt64) -> SocketWait {
        blockedCall(SocketWait.self) ?? beginBlockedCall(SocketWait(timeout: timeout))
    }

    /// Parks on `queue` until `mask`, or returns EAGAIN (or the partial count) when the deadline passed.
    func socketBlock(_ queue: WaitQueue, _ mask: EventMask, timeout: UInt64, done: Int = 0) -> SyscallReturn {
        let w = socketWait(timeout: timeout)
        w.done = done
        guard let deadline = w.deadline else { return .block(queue, mask) }
        if TimerQueue.now() >= deadline {
            endBlockedCall()
            return done > 0 ? .ok(done) : .error(.resourceTemporarilyUnavailable)
        }
        let ws = freshWaitSet()
        ws.watch(queue, mask: mask)
        ws.wake(at: deadline, timers: kernel.timers)
        return .block(ws.queue, WaitSet.any)
    }

    /// The bytes an earlier run of this call moved.
    var socketDone: Int { blockedCall(SocketWait.self)?.done ?? 0 }

    func raiseSIGPIPE() {
        try? platform.signalThread(tgid: group.hostTGID, tid: hostTID, signal: SIGPIPE)
    }
}

/// A unix socket address as given: unnamed (autobind), abstract, or a path.
private enum UnixAddress {
    case unnamed
    case abstract([UInt8])
    /// The path (no NUL) and the address getsockname returns.
    case path([UInt8], [UInt8])
}

/// Reads a sockaddr_un of `length` bytes: EINVAL unless AF_UNIX and 2...110 bytes.
private func copyInUnixAddress(_ t: Task, _ address: UInt64, _ length: Int, allowUnnamed: Bool = true) throws(Errno) -> UnixAddress {
    if length < 2 || length > 110 { throw .invalidArgument }
    let bytes = try t.copyInBytes(address, count: length)
    let family = Int32(UInt16(bytes[0]) | UInt16(bytes[1]) << 8)
    if family != Socket.AF_UNIX { throw .invalidArgument }
    if length == 2 { if allowUnnamed { return .unnamed } else { throw .invalidArgument } }
    if bytes[2] == 0 { return .abstract(bytes) }
    let path = Array(bytes[2...].prefix { $0 != 0 })
    return .path(path, [bytes[0], bytes[1]] + path + [0])
}

/// The socket bound at `address` for a socket of `type`: ECONNREFUSED when none (or a socket
/// inode nobody listens on, or an abstract name bound only by another type), ENOENT and the
/// walk's errors for a missing path, EACCES without write permission on it.
private func findUnixSocket(_ t: Task, _ address: UnixAddress, type: Int32) throws(Errno) -> UnixSocketFile {
    let net = t.kernel.network
    switch address {
    case .unnamed: throw .invalidArgument
    case .abstract(let bytes):
        guard let s = net.abstractNames[.init(type: type, name: Array(bytes[2...]))]?.socket else { throw .connectionRefused }
        return s
    case .path(let path, _):
        let d = try t.kernel.vfs.lookup(t.fs, at: nil, path, followFinal: true, creds: t.creds)
        guard let inode = d.inode else { throw .noSuchFileOrDirectory }
        let st = try inode.stat()
        if st.mode & FileMode.S_IFMT != FileMode.S_IFSOCK { throw .connectionRefused }
        try inode.checkAccess(t.creds, [.write])
        guard let s = net.pathSockets[.init(dev: st.dev, ino: st.ino)]?.socket else { throw .connectionRefused }
        return s
    }
}

/// Walks a copied-in msg_control as __sock_cmsg_send's CMSG loop: for each header its offset,
/// cmsg_len, the bytes up to the next header (padded to 8, at most what is left), level and
/// type; EINVAL for a cmsg_len below the header's 16 bytes or past the end.
func walkControlMessages(_ control: [UInt8], _ body: (_ at: Int, _ len: Int, _ next: Int, _ level: Int32, _ type: Int32) throws(Errno) -> Void) throws(Errno) {
    var at = 0
    while at + 16 <= control.count {
        let (len, level, type) = control.withUnsafeBytes { b in
            (Int(b.loadUnaligned(fromByteOffset: at, as: UInt64.self)), b.loadUnaligned(fromByteOffset: at + 8, as: Int32.self),
             b.loadUnaligned(fromByteOffset: at + 12, as: Int32.self))
        }
        if len < 16 || len > control.count - at { throw .invalidArgument }
        let next = min((len + 7) & ~7, control.count - at)
        try body(at, len, next, level, type)
        at += next
    }
}

/// `--host-uds open`: when `path` names a socket file of a volume that no Sentry socket is
/// bound to, the Gofer connects a host socket of `s`'s type to it and donates it; nil when the
/// path is anything else (the Sentry's own sockets answer then).
private func hostUnixSocket(_ t: Task, _ s: UnixSocketFile, path: [UInt8], address: [UInt8]) throws(Errno) -> InetSocketFile? {
    let d = try t.kernel.vfs.lookup(t.fs, at: nil, path, followFinal: true, creds: t.creds)
    guard let inode = d.inode as? VolumeInode else { return nil }
    let st = try inode.stat()
    guard st.mode & FileMode.S_IFMT == FileMode.S_IFSOCK,
          t.kernel.network.pathSockets[.init(dev: st.dev, ino: st.ino)]?.socket == nil else { return nil }
    try inode.checkAccess(t.creds, [.write])
    let fd = try inode.client.connect(inode.handle, type: s.type)
    return InetSocketFile.hostUnix(t.kernel, fd: fd, type: s.type, nonBlocking: s.isNonBlocking, peer: address)
}

/// Writes a socket address to (address, length pointer) as move_addr_to_user: the caller's
/// length is read first (EINVAL when negative), at most that much of the address is written,
/// then its full length.
func copyOutAddress(_ t: Task, _ address: UInt64, _ lengthAddress: UInt64, _ bytes: [UInt8]) throws(Errno) {
    if address == 0 || lengthAddress == 0 { return }
    let room = try t.copyInValue(lengthAddress, as: Int32.self)
    if room < 0 { throw .invalidArgument }
    let n = min(Int(room), bytes.count)
    if n > 0 { try t.copyOut(address, Array(bytes[0..<n])) }
    try t.copyOutValue(lengthAddress, Int32(bytes.count))
}

/// The unix socket behind `fd`: EBADF, ENOTSOCK; `inet` is what an inet socket answers.
private func unixSocket(_ t: Task, _ fd: Int32, inet: Errno = .notSupportedOnSocket) throws(Errno) -> UnixSocketFile {
    let file = try t.fdTable.get(fd)
    if let s = file as? UnixSocketFile { return s }
    if file is InetSocketFile { throw inet }
    throw .notSocket
}

/// The inet socket behind the call's fd (argument 0), if it is one.
func inetSocket(_ t: Task, _ a: SyscallArguments) -> InetSocketFile? {
    (try? t.fdTable.get(a.int(0))) as? InetSocketFile
}

/// The unix or inet socket behind `fd`: EBADF, ENOTSOCK.
private func anySocket(_ t: Task, _ fd: Int32) throws(Errno) -> FileDescription {
    let file = try t.fdTable.get(fd)
    if file is UnixSocketFile || file is InetSocketFile { return file }
    throw .notSocket
}

/// A destination sockaddr for an inet send (EINVAL outside 0...128 bytes); the host checks it.
private func copyInInetAddress(_ t: Task, _ address: UInt64, _ length: Int32) throws(Errno) -> [UInt8] {
    if length < 0 || length > 128 { throw .invalidArgument }
    return length == 0 ? [] : try t.copyInBytes(address, count: Int(length))
}

enum SysSocket {
    /// socket(2).
    static func socket(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let domain = a.int(0), rawType = a.int(1)
        let type = rawType & ~(Socket.SOCK_NONBLOCK | Socket.SOCK_CLOEXEC)
        if domain == Socket.AF_NETLINK { return netlinkSocket(t, type: type, protocolNumber: a.int(2), flags: rawType) }
        guard [Socket.AF_UNIX, Socket.AF_INET, Socket.AF_INET6].contains(domain) else { return .error(.addressFamilyNotSupported) }
        guard [Socket.SOCK_STREAM, Socket.SOCK_DGRAM, Socket.SOCK_SEQPACKET].contains(type) else {
            return .error(type == Socket.SOCK_RAW && domain != Socket.AF_UNIX ? .notPermitted : .invalidArgument)
        }
        // Protocol 0 picks the default; the only other accepted values are the defaults' own numbers.
        let protocolNumber = a.int(2)
        if protocolNumber != 0 {
            let ok = domain == Socket.AF_UNIX ? protocolNumber == Socket.AF_UNIX
                : (type == Socket.SOCK_STREAM ? protocolNumber == 6 : type == Socket.SOCK_DGRAM ? protocolNumber == 17 : protocolNumber == 132)
            if !ok { return .error(.protocolNotSupported) }
        }
        let nonBlocking = rawType & Socket.SOCK_NONBLOCK != 0
        do {
            let file: FileDescription
            if domain == Socket.AF_UNIX {
                file = UnixSocketFile(type: type, net: t.kernel.network, memory: t.kernel.memory, creds: .of(t), nonBlocking: nonBlocking)
            } else {
                // No SCTP: inet_create finds no protocol for SOCK_SEQPACKET.
                if type == Socket.SOCK_SEQPACKET { return .error(Errno(rawValue: 94)) }  // ESOCKTNOSUPPORT
                file = try InetSocketFile.make(t.kernel, domain: domain, type: type, nonBlocking: nonBlocking)
            }
            let fd = try t.fdTable.allocate(file, closeOnExec: rawType & Socket.SOCK_CLOEXEC != 0, limit: t.fdLimit)
            return .ok(Int(fd))
        } catch { return .error(error) }
    }

    /// socket(AF_NETLINK, SOCK_RAW or SOCK_DGRAM, NETLINK_ROUTE): a host rtnetlink socket the
    /// Sentry holds and relays read requests to (SysInet.send's allow-list); other netlink
    /// protocols EPROTONOSUPPORT.
    private static func netlinkSocket(_ t: Task, type: Int32, protocolNumber: Int32, flags: Int32) -> SyscallReturn {
        guard type == Socket.SOCK_RAW || type == Socket.SOCK_DGRAM else { return .error(Errno(rawValue: 94)) }  // ESOCKTNOSUPPORT
        guard protocolNumber == 0 else { return .error(.protocolNotSupported) }
        do {
            let file = try InetSocketFile.make(t.kernel, domain: Socket.AF_NETLINK, type: Socket.SOCK_RAW, nonBlocking: flags & Socket.SOCK_NONBLOCK != 0)
            return .ok(Int(try t.fdTable.allocate(file, closeOnExec: flags & Socket.SOCK_CLOEXEC != 0, limit: t.fdLimit)))
        } catch { return .error(error) }
    }

    /// socketpair(2): AF_UNIX only (EOPNOTSUPP for inet, EAFNOSUPPORT for the rest).
    static func socketpair(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let domain = a.int(0), rawType = a.int(1)
        let type = rawType & ~(Socket.SOCK_NONBLOCK | Socket.SOCK_CLOEXEC)
        if domain == Socket.AF_INET || domain == Socket.AF_INET6 {
            guard [Socket.SOCK_STREAM, Socket.SOCK_DGRAM, Socket.SOCK_SEQPACKET].contains(type) else { return .error(.invalidArgument) }
            return .error(.notSupportedOnSocket)
        }
        guard domain == Socket.AF_UNIX else { return .error(.addressFamilyNotSupported) }
        guard [Socket.SOCK_STREAM, Socket.SOCK_DGRAM, Socket.SOCK_SEQPACKET].contains(type) else { return .error(.invalidArgument) }
        if a.int(2) != 0 && a.int(2) != Socket.AF_UNIX { return .error(.protocolNotSupported) }
        let nonBlocking = rawType & Socket.SOCK_NONBLOCK != 0
        let creds = UnixCredentials.of(t)
        let x = UnixSocketFile(type: type, net: t.kernel.network, memory: t.kernel.memory, creds: creds, nonBlocking: nonBlocking)
        let y = UnixSocketFile(type: type, net: t.kernel.network, memory: t.kernel.memory, creds: creds, nonBlocking: nonBlocking)
        x.peer = y; y.peer = x
        x.peerCredentials = creds; y.peerCredentials = creds
        if type == Socket.SOCK_DGRAM { x.datagramConnected = true; y.datagramConnected = true } else { x.connected = true; y.connected = true }
        let cloexec = rawType & Socket.SOCK_CLOEXEC != 0
        let fx: Int32, fy: Int32
        do { fx = try t.fdTable.allocate(x, closeOnExec: cloexec, limit: t.fdLimit) } catch { return .error(error) }
        do { fy = try t.fdTable.allocate(y, closeOnExec: cloexec, limit: t.fdLimit) } catch {
            t.fdTable.remove(fx)
            return .error(error)
        }
        let pair = UInt64(UInt32(bitPattern: fx)) | UInt64(UInt32(bitPattern: fy)) << 32
        do { try t.copyOutValue(a[3], pair) } catch {
            t.fdTable.remove(fx); t.fdTable.remove(fy)
            return .error(error)
        }
        return .zero
    }

    /// bind(2): a path makes a socket inode (EADDRINUSE when the name exists), an abstract name
    /// is the namespace's, an address of just the family autobinds.
    static func bind(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        if let s = inetSocket(t, a) { return SysInet.bind(t, s, a) }
        return serve { () throws(Errno) in
            let s = try unixSocket(t, a.int(0), inet: .addressNotAvailable)
            let address = try copyInUnixAddress(t, a[1], a.size(2))
            // A path that exists is EADDRINUSE before a second bind is EINVAL (unix_bind_bsd).
            if case .path(let path, _) = address, s.address != nil,
               (try? t.kernel.vfs.lookup(t.fs, at: nil, path, followFinal: false, creds: t.creds)) != nil { throw .addressInUse }
            if s.address != nil { throw .invalidArgument }
            try bindSocket(t, s, address)
            return .zero
        }
    }

    private static func bindSocket(_ t: Task, _ s: UnixSocketFile, _ address: UnixAddress) throws(Errno) {
        switch address {
        case .unnamed: try autobind(t, s)
        case .abstract(let bytes): try s.bindAbstract(bytes)
        case .path(let path, let full):
            do {
                try t.vfs.mknodat(t.walkContext, PathOperand(base: nil, path: path), mode: FileMode.S_IFSOCK | 0o777, dev: 0)
            } catch { throw error == .fileExists ? .addressInUse : error }
            let d = try t.kernel.vfs.lookup(t.fs, at: nil, path, followFinal: false, creds: t.creds)
            guard let st = try d.inode?.stat() else { throw .noSuchFileOrDirectory }
            s.bindNode(full, key: .init(dev: st.dev, ino: st.ino))
        }
    }

    private static func autobind(_ t: Task, _ s: UnixSocketFile) throws(Errno) {
        guard let name = t.kernel.network.autobindName(type: s.type) else { throw .noSpace }
        try s.bindAbstract([UInt8(Socket.AF_UNIX), 0] + name)
    }

    /// listen(2): stream and seqpacket sockets that are bound (EINVAL otherwise) and not connected.
    static func listen(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        if let s = inetSocket(t, a) { return SysInet.listen(t, s, a) }
        return serve { () throws(Errno) in
            let s = try unixSocket(t, a.int(0))
            if !s.isConnectionOriented { throw .notSupportedOnSocket }
            if s.address == nil || s.connected { throw .invalidArgument }
            let backlog = UInt32(bitPattern: a.int(1))
            s.backlog = backlog > UInt32(somaxconn) ? somaxconn : Int(backlog)
            if !s.listening {
                s.listening = true
                s.ownCredentials = .of(t)
                s.queue.notify(PollEvents.output)
            }
            return .zero
        }
    }

    /// accept(2).
    static func accept(_ t: Task, _ a: SyscallArguments) -> SyscallReturn { acceptCall(t, a, flags: 0) }

    /// accept4(2): SOCK_NONBLOCK and SOCK_CLOEXEC.
    static func accept4(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        let flags = a.int(3)
        if flags & ~(Socket.SOCK_NONBLOCK | Socket.SOCK_CLOEXEC) != 0 { return .error(.invalidArgument) }
        return acceptCall(t, a, flags: flags)
    }

    private static func acceptCall(_ t: Task, _ a: SyscallArguments, flags: Int32) -> SyscallReturn {
        if let s = inetSocket(t, a) { return SysInet.accept(t, s, a, flags: flags) }
        return serve { () throws(Errno) in
            let s = try unixSocket(t, a.int(0))
            if !s.isConnectionOriented { throw .notSupportedOnSocket }
            if !s.listening { throw .invalidArgument }
            if s.acceptQueue.isEmpty {
                if s.isNonBlocking { throw .resourceTemporarilyUnavailable }
                return t.socketBlock(s.queue, PollEvents.input, timeout: s.receiveTimeout)
            }
            t.endBlockedCall()
            let c = s.acceptQueue.removeFirst()
            c.embryo = false
            c.statusFlags = flags & Socket.SOCK_NONBLOCK != 0 ? O_NONBLOCK : 0
            s.queue.notify(PollEvents.output)
            let fd: Int32
            do throws(Errno) { fd = try t.fdTable.allocate(c, closeOnExec: flags & Socket.SOCK_CLOEXEC != 0, limit: t.fdLimit) } catch {
                c.embryo = true
                s.acceptQueue.insert(c, at: 0)
                throw error
            }
            do throws(Errno) { try copyOutAddress(t, a[1], a[2], c.peerAddress ?? [UInt8(Socket.AF_UNIX), 0]) } catch {
                t.fdTable.remove(fd)
                throw error
            }
            return .ok(Int(fd))
        }
    }

    /// connect(2): a stream or seqpacket socket joins the listener's accept queue (EAGAIN when
    /// it is full and the socket non-blocking, else a wait); a datagram socket records its peer
    /// (AF_UNSPEC forgets it).
    static func connect(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        do {
            let file = try t.fdTable.get(a.int(0))
            if let s = file as? UnixSocketFile { return try unixConnect(t, s, a) }
            if let s = file as? InetSocketFile { return SysInet.connect(t, s, a) }
            return .error(.notSocket)
        } catch { return .error(error) }
    }

    private static func unixConnect(_ t: Task, _ s: UnixSocketFile, _ a: SyscallArguments) throws(Errno) -> SyscallReturn {
        let length = a.size(2)
        if !s.isConnectionOriented && length >= 2 {
            let family = try t.copyInValue(a[1], as: UInt16.self)
            if family == UInt16(Socket.AF_UNSPEC) {
                s.peer = nil; s.datagramConnected = false; s.peerAddress = nil
                return .zero
            }
        }
        let address = try copyInUnixAddress(t, a[1], length, allowUnnamed: false)
        if s.isConnectionOriented {
            if s.listening { throw .invalidArgument }
            if s.connected { throw .socketIsConnected }
        }
        if t.kernel.network.hostUDS, case .path(let path, let bytes) = address,
           let host = try hostUnixSocket(t, s, path: path, address: bytes) {
            // The program's fd now names the host socket (a dup made before the connect keeps
            // the unconnected Sentry socket: a departure, docs/sentry.md).
            let fd = a.int(0)
            try t.fdTable.install(host, at: fd, closeOnExec: t.fdTable[fd]?.closeOnExec ?? false)
            return .zero
        }
        let target = try findUnixSocket(t, address, type: s.type)
        if target.type != s.type { throw .protocolWrongTypeForSocket }
        if !s.isConnectionOriented {
            if s.address == nil && s.passCredentials { try autobind(t, s) }
            s.peer = target
            s.datagramConnected = true
            s.peerAddress = target.address
            return .zero
        }
        if !target.listening { throw .connectionRefused }
        if target.acceptQueue.count > target.backlog {
            if s.isNonBlocking { throw .resourceTemporarilyUnavailable }
            return t.socketBlock(target.queue, PollEvents.output, timeout: s.sendTimeout)
        }
        t.endBlockedCall()
        if s.address == nil && s.passCredentials { try autobind(t, s) }
        let server = UnixSocketFile(type: s.type, net: s.net, memory: s.memory, creds: target.ownCredentials, nonBlocking: false)
        server.address = target.address
        server.peerAddress = s.address
        server.peerCredentials = .of(t)
        server.passCredentials = target.passCredentials
        server.peer = s
        server.connected = true
        server.embryo = true
        s.peer = server
        s.connected = true
        s.peerAddress = target.address
        s.peerCredentials = target.ownCredentials
        target.acceptQueue.append(server)
        target.queue.notify(PollEvents.input | PollEvents.readNormal)
        s.queue.notify(PollEvents.output | PollEvents.writeNormal)
        return .zero
    }

    /// getsockname(2).
    static func getsockname(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        if let s = inetSocket(t, a) { return SysInet.name(t, s, a, peer: false) }
        return serve { () throws(Errno) in
            let s = try unixSocket(t, a.int(0))
            try copyOutAddress(t, a[1], a[2], s.address ?? [UInt8(Socket.AF_UNIX), 0])
            return .zero
        }
    }

    /// getpeername(2): ENOTCONN without a peer.
    static func getpeername(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        if let s = inetSocket(t, a) { return SysInet.name(t, s, a, peer: true) }
        return serve { () throws(Errno) in
            let s = try unixSocket(t, a.int(0), inet: .socketNotConnected)
            let hasPeer = s.isConnectionOriented ? s.connected : s.datagramConnected && s.peer != nil
            if !hasPeer { throw .socketNotConnected }
            try copyOutAddress(t, a[1], a[2], s.peerAddress ?? [UInt8(Socket.AF_UNIX), 0])
            return .zero
        }
    }

    /// shutdown(2): SHUT_RD, SHUT_WR, SHUT_RDWR; a connected stream or seqpacket peer sees the
    /// mirror image (our SHUT_WR is its end of input).
    static func shutdown(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        if let s = inetSocket(t, a) { return SysInet.shutdown(t, s, a) }
        return serve { () throws(Errno) in
            let s = try unixSocket(t, a.int(0), inet: .socketNotConnected)
            let how = a.int(1)
            if how < 0 || how > 2 { throw .invalidArgument }
            let rd = how != 1, wr = how != 0
            if rd { s.readShutdown = true }
            if wr { s.writeShutdown = true }
            let all = PollEvents.input | PollEvents.output | PollEvents.hangUp | PollEvents.readHangUp
            s.queue.notify(all)
            if s.isConnectionOriented, let p = s.peer {
                if rd { p.writeShutdown = true }
                if wr { p.readShutdown = true }
                p.queue.notify(all)
            }
            return .zero
        }
    }

    // MARK: Options

    /// setsockopt(2): SOL_SOCKET options; other levels EOPNOTSUPP (unix sockets have none).
    static func setsockopt(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        if let s = inetSocket(t, a) { return SysInet.setsockopt(t, s, a) }
        return serve { () throws(Errno) in
            let s = try unixSocket(t, a.int(0))
            let level = a.int(1), name = a.int(2), length = a.int(4)
            if level != SOL_SOCKET { throw .notSupportedOnSocket }
            if length < 0 { throw .invalidArgument }
            switch name {
            case 20, 21:  // SO_RCVTIMEO_OLD, SO_SNDTIMEO_OLD: struct timeval
                let ns = try copyInTimeoutOption(t, a[3], length)
                if name == 20 { s.receiveTimeout = ns } else { s.sendTimeout = ns }
                return .zero
            case 13:  // SO_LINGER
                if length < 8 { throw .invalidArgument }
                let raw = try t.copyInBytes(a[3], count: 8)
                s.linger = raw.withUnsafeBytes { ($0.loadUnaligned(fromByteOffset: 0, as: Int32.self), $0.loadUnaligned(fromByteOffset: 4, as: Int32.self)) }
                return .zero
            default: break
            }
            if length < 4 { throw .invalidArgument }
            let v = try t.copyInValue(a[3], as: Int32.self)
            switch name {
            case 2: s.reuseAddress = v != 0
            case 15: s.reusePort = v != 0
            case 9: s.keepAlive = v != 0
            case 16: s.passCredentials = v != 0
            case 7:  // SO_SNDBUF
                let n = Int(min(max(v, 0), Int32(bufferMax)))
                s.sendBuffer = max(n * 2, UnixSocketFile.minSendBuffer)
                s.queue.notify(PollEvents.output)
            case 8:  // SO_RCVBUF
                let n = Int(min(max(v, 0), Int32(bufferMax)))
                s.receiveBuffer = max(n * 2, UnixSocketFile.minReceiveBuffer)
            case 42:  // SO_PEEK_OFF
                s.peekOffset = v
            case 6, 10, 12, 18, 34, 36, 46:  // BROADCAST, OOBINLINE, PRIORITY, RCVLOWAT, PASSSEC, RXQ_OVFL, BUSY_POLL: accepted
                break
            case 3, 4, 17, 30, 38, 39:  // read-only: TYPE, ERROR, PEERCRED, ACCEPTCONN, PROTOCOL, DOMAIN
                throw .protocolNotAvailable
            default: throw .protocolNotAvailable
            }
            return .zero
        }
    }

    /// getsockopt(2).
    static func getsockopt(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        if let s = inetSocket(t, a) { return SysInet.getsockopt(t, s, a) }
        return serve { () throws(Errno) in
            let s = try unixSocket(t, a.int(0))
            let level = a.int(1), name = a.int(2)
            if level != SOL_SOCKET { throw .notSupportedOnSocket }
            let room = try t.copyInValue(a[4], as: Int32.self)
            if room < 0 { throw .invalidArgument }
            var value: [UInt8]
            func int(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
            func pair(_ x: Int64, _ y: Int64) -> [UInt8] {
                withUnsafeBytes(of: x.littleEndian) { Array($0) } + withUnsafeBytes(of: y.littleEndian) { Array($0) }
            }
            switch name {
            case 3: value = int(s.type)
            case 39: value = int(Socket.AF_UNIX)
            case 38: value = int(0)
            case 4:
                value = int(s.pendingError?.rawValue ?? 0)
                s.pendingError = nil
            case 30: value = int(s.listening ? 1 : 0)
            case 7: value = int(Int32(s.sendBuffer))
            case 8: value = int(Int32(s.receiveBuffer))
            case 2: value = int(s.reuseAddress ? 1 : 0)
            case 15: value = int(s.reusePort ? 1 : 0)
            case 9: value = int(s.keepAlive ? 1 : 0)
            case 16: value = int(s.passCredentials ? 1 : 0)
            case 42: value = int(s.peekOffset)
            case 6, 10, 12, 34, 36, 46: value = int(0)
            case 18: value = int(1)  // SO_RCVLOWAT
            case 19: value = int(1)  // SO_SNDLOWAT
            case 13: value = int(s.linger.on) + int(s.linger.seconds)
            case 20, 21:
                let ns = name == 20 ? s.receiveTimeout : s.sendTimeout
                value = pair(Int64(ns / 1_000_000_000), Int64(ns % 1_000_000_000 / 1000))
            case 17:  // SO_PEERCRED: the peer's at connect (or socketpair) time; none: pid 0, ids -1
                let c = s.peerCredentials ?? UnixCredentials(pid: 0, uid: UInt32.max, gid: UInt32.max)
                value = int(c.pid) + int(Int32(bitPattern: c.uid)) + int(Int32(bitPattern: c.gid))
            default: throw .protocolNotAvailable
            }
            let n = min(Int(room), value.count)
            if n > 0 { try t.copyOut(a[3], Array(value[0..<n])) }
            try t.copyOutValue(a[4], Int32(n))
            return .zero
        }
    }

    // MARK: Sending

    /// sendto(2).
    static func sendto(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        serve { () throws(Errno) in
            if let s = inetSocket(t, a) {
                let to = a[4] != 0 ? try copyInInetAddress(t, a[4], a.int(5)) : nil
                return try SysInet.send(t, s, [(a[1], a[2])], flags: a.int(3), to: to, control: [])
            }
            let s = try unixSocket(t, a.int(0), inet: .networkUnreachable)
            var to: UnixAddress?
            if a[4] != 0 { to = try copyInUnixAddress(t, a[4], a.size(5), allowUnnamed: false) }
            return try unixSend(t, s, [(a[1], a[2])], flags: a.int(3), to: to, rights: [], creds: nil)
        }
    }

    /// sendmsg(2).
    static func sendmsg(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        serve { () throws(Errno) in
            return try sendOne(t, try anySocket(t, a.int(0)), a[1], flags: a.int(2))
        }
    }

    /// sendmmsg(2): each message in turn; after the first, a message that would wait ends the
    /// call with the count sent so far (blocking sendmmsg waits only for the first).
    static func sendmmsg(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        serve { () throws(Errno) in
            let s = try anySocket(t, a.int(0))
            let count = min(Int(a[2] & 0xffff_ffff), 1024)
            let flags = a.int(3)
            var sent = 0
            while sent < count {
                let entry = a[1] &+ UInt64(sent * 64)
                let r: SyscallReturn
                do throws(Errno) { r = try sendOne(t, s, entry, flags: sent == 0 ? flags : flags | MessageFlags.DONTWAIT) } catch {
                    if sent > 0 { break }
                    throw error
                }
                guard case .value(let n) = r else { return r }
                do throws(Errno) { try t.copyOutValue(entry &+ 56, UInt32(truncatingIfNeeded: n)) } catch {
                    if sent > 0 { break }
                    throw error
                }
                sent += 1
            }
            return .ok(sent)
        }
    }

    /// One msghdr at `header`: name, iovecs, control (SCM_RIGHTS, SCM_CREDENTIALS).
    private static func sendOne(_ t: Task, _ file: FileDescription, _ header: UInt64, flags: Int32) throws(Errno) -> SyscallReturn {
        let h = try MessageHeader(t, header)
        if let s = file as? InetSocketFile { return try inetSendOne(t, s, h, flags: flags) }
        guard let s = file as? UnixSocketFile else { throw .notSocket }
        var to: UnixAddress?
        if h.name != 0 && h.nameLength > 0 { to = try copyInUnixAddress(t, h.name, Int(h.nameLength), allowUnnamed: false) }
        let iovecs = try copyInIovecList(t, h.iov, h.iovCount)
        var rights: [FileDescription] = []
        var creds: UnixCredentials?
        if h.controlLength > 0 {
            if h.controlLength > 1 << 20 { throw .noBufferSpace }
            let control = try t.copyInBytes(h.control, count: Int(h.controlLength))
            try walkControlMessages(control) { (at, len, _, level, type) throws(Errno) in
                if level != SOL_SOCKET { throw .invalidArgument }
                switch type {
                case SCM_RIGHTS:
                    let n = (len - 16) / 4
                    if !rights.isEmpty || n > maxRightsPerMessage || n == 0 { throw .invalidArgument }
                    for i in 0..<n {
                        let fd = control.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at + 16 + 4 * i, as: Int32.self) }
                        rights.append(try t.fdTable.get(fd))
                    }
                case SCM_CREDENTIALS:
                    if len != 28 { throw .invalidArgument }
                    let c = control.withUnsafeBytes { b in
                        UnixCredentials(pid: b.loadUnaligned(fromByteOffset: at + 16, as: Int32.self),
                                        uid: b.loadUnaligned(fromByteOffset: at + 20, as: UInt32.self),
                                        gid: b.loadUnaligned(fromByteOffset: at + 24, as: UInt32.self))
                    }
                    // scm_check_creds
                    let me = t.creds
                    if c.pid != t.group.pid && !me.has(Capability.sysAdmin) { throw .notPermitted }
                    if ![me.uid, me.euid, me.suid].contains(c.uid) && !me.has(Capability.setuid) { throw .notPermitted }
                    if ![me.gid, me.egid, me.sgid].contains(c.gid) && !me.has(Capability.setgid) { throw .notPermitted }
                    creds = c
                default: throw .invalidArgument
                }
            }
        }
        return try unixSend(t, s, iovecs, flags: flags, to: to, rights: rights, creds: creds)
    }

    /// One msghdr on an inet socket: its control messages go to the host as they are, less
    /// SOL_SOCKET's SCM_RIGHTS and SCM_CREDENTIALS (fd numbers and pids of the sandbox), which
    /// Linux ignores on a TCP or UDP socket (__sock_cmsg_send) and the host must never read.
    private static func inetSendOne(_ t: Task, _ s: InetSocketFile, _ h: MessageHeader, flags: Int32) throws(Errno) -> SyscallReturn {
        let to = h.name != 0 && h.nameLength > 0 ? try copyInInetAddress(t, h.name, h.nameLength) : nil
        let iovecs = try copyInIovecList(t, h.iov, h.iovCount)
        var control: [UInt8] = []
        if h.controlLength > 0 {
            if h.controlLength > 1 << 16 { throw .noBufferSpace }
            let raw = try t.copyInBytes(h.control, count: Int(h.controlLength))
            try walkControlMessages(raw) { (at, _, next, level, type) throws(Errno) in
                if !(level == SOL_SOCKET && (type == SCM_RIGHTS || type == SCM_CREDENTIALS)) { control += raw[at..<(at + next)] }
            }
        }
        return try SysInet.send(t, s, iovecs, flags: flags, to: to, control: control)
    }

    /// The body of every send: `sources` gathered once per run; a stream sends what fits and
    /// parks for the rest (blocking), datagrams and records go whole or not at all.
    fileprivate static func unixSend(_ t: Task, _ s: UnixSocketFile, _ sources: [(UInt64, UInt64)], flags: Int32, to: UnixAddress?,
                         rights: [FileDescription], creds explicit: UnixCredentials?) throws(Errno) -> SyscallReturn {
        if flags & MessageFlags.OOB != 0 { throw .notSupportedOnSocket }
        var total = 0
        for (_, len) in sources { total += Int(clamping: len) }
        let nonBlocking = s.isNonBlocking || flags & MessageFlags.DONTWAIT != 0
        let creds = explicit ?? .of(t)
        func broken() -> Errno {
            if flags & MessageFlags.NOSIGNAL == 0 { t.raiseSIGPIPE() }
            return .brokenPipe
        }
        func inflight() throws(Errno) -> InFlightFiles? {
            if rights.isEmpty { return nil }
            let used = t.kernel.network.inflight[t.creds.uid] ?? 0
            if used + rights.count > Int(clamping: t.group.rlimits.limits[7].soft)
                && !t.creds.has(Capability.sysResource) && !t.creds.has(Capability.sysAdmin) { throw ETOOMANYREFS }
            var depth = 0
            for case let u as UnixSocketFile in rights { depth = max(depth, u.queueDepth) }
            if depth + 1 > InFlightFiles.maxDepth { throw ETOOMANYREFS }
            return InFlightFiles(rights, depth: depth + 1, net: t.kernel.network, user: t.creds.uid)
        }

        if s.type == Socket.SOCK_DGRAM {
            let target: UnixSocketFile
            if let to {
                target = try findUnixSocket(t, to, type: s.type)
                if target.type != s.type { throw .protocolWrongTypeForSocket }
                if target.datagramConnected, target.peer !== s { throw .notPermitted }
            } else if s.datagramConnected {
                guard let p = s.peer else {
                    // The peer went away: ECONNREFUSED once, then not connected.
                    s.datagramConnected = false
                    s.peerAddress = nil
                    throw .connectionRefused
                }
                target = p
            } else { throw .socketNotConnected }
            if s.writeShutdown { throw broken() }
            if target.readShutdown { throw .brokenPipe }
            if total > s.sendBuffer - 32 { throw .messageTooLong }
            if !target.datagramFits(total) || s.outstanding >= s.sendBuffer {
                if nonBlocking { throw .resourceTemporarilyUnavailable }
                return t.socketBlock(target.queue, PollEvents.output, timeout: s.sendTimeout)
            }
            t.endBlockedCall()
            if s.address == nil && s.passCredentials { try autobind(t, s) }
            let data = try gatherBytes(t, sources, from: 0, count: total)
            try target.enqueue(data, rights: try inflight(), creds: creds, from: s)
            return .ok(total)
        }

        // Stream and seqpacket.
        if s.isStream && to != nil { throw s.connected ? .socketIsConnected : .notSupportedOnSocket }
        if s.listening || !s.connected { throw .socketNotConnected }
        if s.writeShutdown { throw broken() }
        guard let peer = s.peer, !peer.readShutdown || !s.isStream else { throw broken() }
        if s.type == Socket.SOCK_SEQPACKET {
            if peer.readShutdown { throw broken() }
            if total > s.sendBuffer - 32 { throw .messageTooLong }
            if s.outstanding >= s.sendBuffer {
                if nonBlocking { throw .resourceTemporarilyUnavailable }
                return t.socketBlock(s.queue, PollEvents.output, timeout: s.sendTimeout)
            }
            t.endBlockedCall()
            let data = try gatherBytes(t, sources, from: 0, count: total)
            try peer.enqueue(data, rights: try inflight(), creds: creds, from: s)
            return .ok(total)
        }
        var done = t.socketDone
        t.endBlockedCall()
        if total == 0 { return .zero }
        while done < total {
            let room = s.sendBuffer - s.outstanding
            if room <= 0 {
                if nonBlocking { return done > 0 ? .ok(done) : .error(.resourceTemporarilyUnavailable) }
                return t.socketBlock(s.queue, PollEvents.output, timeout: s.sendTimeout, done: done)
            }
            let n = min(total - done, room, 1 << 16)
            let data: [UInt8]
            do { data = try gatherBytes(t, sources, from: done, count: n) } catch { return done > 0 ? .ok(done) : .error(error) }
            do { try peer.enqueue(data, rights: done == 0 ? try inflight() : nil, creds: creds, from: s) } catch {
                return done > 0 ? .ok(done) : .error(error)
            }
            done += n
        }
        return .ok(done)
    }

    // MARK: Receiving

    /// recvfrom(2).
    static func recvfrom(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        serve { () throws(Errno) in
            var out = ReceiveOutput()
            let r: SyscallReturn
            if let s = inetSocket(t, a) {
                r = try SysInet.receive(t, s, [(a[1], a[2])], flags: a.int(3), controlRoom: 0, output: &out)
            } else {
                let s = try unixSocket(t, a.int(0), inet: .socketNotConnected)
                r = try unixReceive(t, s, [(a[1], a[2])], flags: a.int(3), controlRoom: 0, output: &out)
            }
            guard case .value = r else { return r }
            if a[4] != 0 { try copyOutAddress(t, a[4], a[5], out.from ?? []) }
            return r
        }
    }

    /// recvmsg(2).
    static func recvmsg(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        serve { () throws(Errno) in
            return try receiveOne(t, try anySocket(t, a.int(0)), a[1], flags: a.int(2))
        }
    }

    /// recvmmsg(2): after the first message the call takes only what is queued (as with
    /// MSG_WAITFORONE); the timeout argument is not applied.
    static func recvmmsg(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        serve { () throws(Errno) in
            let s = try anySocket(t, a.int(0))
            let stream = (s as? UnixSocketFile)?.isConnectionOriented ?? (s as? InetSocketFile)?.isStream ?? false
            let count = min(Int(a[2] & 0xffff_ffff), 1024)
            let flags = a.int(3) & ~MessageFlags.WAITFORONE
            var got = 0
            while got < count {
                let entry = a[1] &+ UInt64(got * 64)
                let r: SyscallReturn
                do throws(Errno) { r = try receiveOne(t, s, entry, flags: got == 0 ? flags : flags | MessageFlags.DONTWAIT) } catch {
                    if got > 0 { break }
                    throw error
                }
                guard case .value(let n) = r else { return r }
                try t.copyOutValue(entry &+ 56, UInt32(truncatingIfNeeded: n))
                got += 1
                if n == 0 && stream { break }
            }
            return .ok(got)
        }
    }

    private static func receiveOne(_ t: Task, _ s: FileDescription, _ header: UInt64, flags: Int32) throws(Errno) -> SyscallReturn {
        let h = try MessageHeader(t, header)
        let iovecs = try copyInIovecList(t, h.iov, h.iovCount)
        var out = ReceiveOutput()
        let room = Int(min(h.controlLength, 1 << 20))
        let r: SyscallReturn
        if let s = s as? InetSocketFile {
            r = try SysInet.receive(t, s, iovecs, flags: flags, controlRoom: room, output: &out)
        } else if let s = s as? UnixSocketFile {
            r = try unixReceive(t, s, iovecs, flags: flags, controlRoom: room, output: &out)
        } else { throw .notSocket }
        guard case .value = r else { return r }
        // msg_namelen: the sender's address length (0 when it was unbound).
        if h.name != 0 {
            let from = out.from ?? []
            let n = min(Int(max(h.nameLength, 0)), from.count)
            if n > 0 { try t.copyOut(h.name, Array(from[0..<n])) }
        }
        try t.copyOutValue(header &+ 8, Int32(out.from?.count ?? 0))
        if !out.control.isEmpty { try t.copyOut(h.control, out.control) }
        try t.copyOutValue(header &+ 40, UInt64(out.control.count))
        try t.copyOutValue(header &+ 48, out.flags)
        return r
    }

    struct ReceiveOutput {
        var from: [UInt8]?
        var control: [UInt8] = []
        var flags: Int32 = 0
    }

    /// The body of every receive. Stream: what is queued up to the request (stopping after a
    /// segment with files), 0 at end of input; records and datagrams: the next one,
    /// truncated to the buffer (MSG_TRUNC returns its full length). Files received are
    /// installed (the ones that do not fit in the control buffer are closed, MSG_CTRUNC).
    static func unixReceive(_ t: Task, _ s: UnixSocketFile, _ targets: [(UInt64, UInt64)], flags: Int32, controlRoom: Int,
                            output out: inout ReceiveOutput) throws(Errno) -> SyscallReturn {
        if flags & MessageFlags.OOB != 0 { throw .notSupportedOnSocket }
        var total = 0
        for (_, len) in targets { total += Int(clamping: len) }
        let nonBlocking = s.isNonBlocking || flags & MessageFlags.DONTWAIT != 0
        let peek = flags & MessageFlags.PEEK != 0
        if s.isConnectionOriented && (s.listening || (!s.connected && !s.readShutdown)) { throw .invalidArgument }
        var done = t.socketDone
        guard let first = s.firstMessage else {
            if let e = s.pendingError { s.pendingError = nil; t.endBlockedCall(); if done > 0 { return .ok(done) }; throw e }
            let eof = s.readShutdown || (s.isConnectionOriented && s.peer == nil)
            if eof || nonBlocking {
                t.endBlockedCall()
                if done > 0 { return .ok(done) }
                if eof { return .zero }
                throw .resourceTemporarilyUnavailable
            }
            return t.socketBlock(s.queue, PollEvents.input, timeout: s.receiveTimeout, done: done)
        }
        t.endBlockedCall()

        if !s.isStream {
            let n = min(total, first.remaining)
            try scatterBytes(t, targets, 0, first.data, from: first.offset, count: n)
            if first.remaining > total { out.flags |= MessageFlags.TRUNC }
            out.from = first.from
            let full = first.remaining
            try deliverControl(t, s, first, flags: flags, room: controlRoom, output: &out, take: !peek)
            if !peek { s.consume(0, whole: true) }
            return .ok(flags & MessageFlags.TRUNC != 0 ? full : n)
        }

        // Stream.
        if total == 0 { return .zero }
        var copied = 0
        var index = 0
        var carriedCreds: UnixCredentials?
        while done + copied < total, let m = s.message(at: index) {
            if let c = carriedCreds, s.passCredentials, c != m.creds { break }
            carriedCreds = m.creds
            let n = min(total - done - copied, m.remaining)
            try scatterBytes(t, targets, done + copied, m.data, from: m.offset, count: n)
            if copied == 0 { out.from = m.from }
            let hadRights = m.rights != nil
            if copied == 0 || hadRights { try deliverControl(t, s, m, flags: flags, room: controlRoom, output: &out, take: !peek) }
            copied += n
            if peek { index += 1 } else { s.consume(n, whole: false) }
            if hadRights { break }
        }
        done += copied
        if flags & MessageFlags.WAITALL != 0 && !peek && done < total && !nonBlocking && !s.readShutdown && s.peer != nil {
            return t.socketBlock(s.queue, PollEvents.input, timeout: s.receiveTimeout, done: done)
        }
        return .ok(done)
    }

    /// The control messages of `m` (SCM_CREDENTIALS with SO_PASSCRED, then SCM_RIGHTS) into
    /// `out.control`, at most `room` bytes; files are installed unless peeking.
    private static func deliverControl(_ t: Task, _ s: UnixSocketFile, _ m: UnixMessage, flags: Int32, room: Int,
                                       output out: inout ReceiveOutput, take: Bool) throws(Errno) {
        func header(_ len: Int, _ type: Int32) -> [UInt8] {
            withUnsafeBytes(of: UInt64(len).littleEndian) { Array($0) } + withUnsafeBytes(of: SOL_SOCKET.littleEndian) { Array($0) }
                + withUnsafeBytes(of: type.littleEndian) { Array($0) }
        }
        var room = room
        if s.passCredentials {
            if room >= 28 {
                var c = header(28, SCM_CREDENTIALS)
                withUnsafeBytes(of: m.creds.pid.littleEndian) { c += $0 }
                withUnsafeBytes(of: m.creds.uid.littleEndian) { c += $0 }
                withUnsafeBytes(of: m.creds.gid.littleEndian) { c += $0 }
                c += [0, 0, 0, 0]
                let used = min(32, room)
                out.control += c[0..<used]
                room -= used
            } else { out.flags |= MessageFlags.CTRUNC }
        }
        guard let inflight = m.rights, !inflight.files.isEmpty else { return }
        let fit = room >= 16 ? min((room - 16) / 4, inflight.files.count) : 0
        if fit < inflight.files.count { out.flags |= MessageFlags.CTRUNC }
        if !take {
            if fit > 0 {
                var c = header(16 + 4 * fit, SCM_RIGHTS)
                for _ in 0..<fit { c += [0xff, 0xff, 0xff, 0xff] }
                out.control += c
            }
            return
        }
        var fds: [Int32] = []
        for f in inflight.files.prefix(fit) {
            guard let fd = try? t.fdTable.allocate(f, closeOnExec: flags & MessageFlags.CMSG_CLOEXEC != 0, limit: t.fdLimit) else {
                out.flags |= MessageFlags.CTRUNC
                break
            }
            fds.append(fd)
        }
        m.rights = nil   // received: the rest are closed
        if fds.isEmpty { return }
        var c = header(16 + 4 * fds.count, SCM_RIGHTS)
        for fd in fds { withUnsafeBytes(of: fd.littleEndian) { c += $0 } }
        let pad = (c.count + 7) & ~7
        if room >= pad { c += Array(repeating: 0, count: pad - c.count) }
        out.control += c
    }

    // MARK: read/write on a socket

    /// read/readv on a socket: recv with no flags.
    static func read(_ t: Task, _ s: FileDescription, _ targets: [(UInt64, UInt64)]) -> SyscallReturn {
        if let s = s as? InetSocketFile {
            var out = ReceiveOutput()
            do { return try SysInet.receive(t, s, targets, flags: 0, controlRoom: 0, output: &out) } catch { return .error(error) }
        }
        guard let s = s as? UnixSocketFile else { return .error(.notSocket) }
        var out = ReceiveOutput()
        do { return try unixReceive(t, s, targets, flags: 0, controlRoom: 0, output: &out) } catch { return .error(error) }
    }

    /// write/writev on a socket: send with no flags.
    static func write(_ t: Task, _ s: FileDescription, _ sources: [(UInt64, UInt64)]) -> SyscallReturn {
        if let s = s as? InetSocketFile {
            do { return try SysInet.send(t, s, sources, flags: 0, to: nil, control: []) } catch { return .error(error) }
        }
        guard let s = s as? UnixSocketFile else { return .error(.notSocket) }
        do { return try unixSend(t, s, sources, flags: 0, to: nil, rights: [], creds: nil) } catch { return .error(error) }
    }
}

/// A struct msghdr as copied in.
struct MessageHeader {
    var name: UInt64
    var nameLength: Int32
    var iov: UInt64
    var iovCount: UInt64
    var control: UInt64
    var controlLength: UInt64
    init(_ t: Task, _ address: UInt64) throws(Errno) {
        let raw = try t.copyInBytes(address, count: 56)
        (name, nameLength, iov, iovCount, control, controlLength) = raw.withUnsafeBytes { b in
            (b.loadUnaligned(fromByteOffset: 0, as: UInt64.self), b.loadUnaligned(fromByteOffset: 8, as: Int32.self),
             b.loadUnaligned(fromByteOffset: 16, as: UInt64.self), b.loadUnaligned(fromByteOffset: 24, as: UInt64.self),
             b.loadUnaligned(fromByteOffset: 32, as: UInt64.self), b.loadUnaligned(fromByteOffset: 40, as: UInt64.self))
        }
        if nameLength < 0 { throw .invalidArgument }
    }
}

/// An iovec array (at most UIO_MAXIOV entries, EMSGSIZE past that as sendmsg answers).
func copyInIovecList(_ t: Task, _ address: UInt64, _ count: UInt64) throws(Errno) -> [(UInt64, UInt64)] {
    if count > 1024 { throw .messageTooLong }
    if count == 0 { return [] }
    let raw = try t.copyInBytes(address, count: Int(count) * 16)
    var out: [(UInt64, UInt64)] = []
    var total: UInt64 = 0
    raw.withUnsafeBytes { b in
        for i in 0..<Int(count) {
            let base = b.loadUnaligned(fromByteOffset: i * 16, as: UInt64.self)
            let len = b.loadUnaligned(fromByteOffset: i * 16 + 8, as: UInt64.self)
            out.append((base, len))
            total = total &+ len
        }
    }
    for (_, len) in out where len > UInt64(Int.max) { throw .invalidArgument }
    if total > UInt64(Int32.max) { throw .invalidArgument }
    return out
}

/// `count` bytes of the task's iovecs from stream offset `offset`.
private func gatherBytes(_ t: Task, _ sources: [(UInt64, UInt64)], from offset: Int, count: Int) throws(Errno) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: count)
    var skip = offset, done = 0
    for (base, len) in sources where done < count {
        let l = Int(clamping: len)
        if skip >= l { skip -= l; continue }
        let part = min(l - skip, count - done)
        let r: Result<Void, Errno> = out.withUnsafeMutableBytes { b in
            Result { () throws(Errno) in try t.copyIn(base &+ UInt64(skip), UnsafeMutableRawBufferPointer(rebasing: b[done..<(done + part)])) }
        }
        try r.get()
        done += part
        skip = 0
    }
    return out
}

/// Copies `count` bytes of `data` from `from` to the task's iovecs at stream offset `offset`.
private func scatterBytes(_ t: Task, _ targets: [(UInt64, UInt64)], _ offset: Int, _ data: [UInt8], from: Int, count: Int) throws(Errno) {
    var skip = offset, done = 0
    for (base, len) in targets where done < count {
        let l = Int(clamping: len)
        if skip >= l { skip -= l; continue }
        let part = min(l - skip, count - done)
        let r: Result<Void, Errno> = data.withUnsafeBytes { b in
            Result { () throws(Errno) in try t.copyOut(base &+ UInt64(skip), UnsafeRawBufferPointer(rebasing: b[(from + done)..<(from + done + part)])) }
        }
        try r.get()
        done += part
        skip = 0
    }
}
