import CHusk
import Glibc
import LinuxABI
import SystemPackage

// The socket calls on AF_INET/AF_INET6 sockets (FS/InetSocket.swift), reached from the
// handlers of SysSocket.swift. Each copies the program's arguments in once, makes the host
// call on the Sentry's non-blocking host socket with the copy (always MSG_DONTWAIT and
// MSG_NOSIGNAL), and copies the result out. EAGAIN on a blocking description parks the task on
// the socket's wait queue through SysSocket's `SocketWait` (SO_RCVTIMEO/SO_SNDTIMEO deadline,
// bytes moved so far); the event loop's epoll set wakes it when the host fd's readiness
// changes. SIGPIPE is the Sentry's to send (EPIPE without MSG_NOSIGNAL).

/// A blocking connect waiting for the handshake: the address as copied in, its SO_SNDTIMEO deadline.
final class InetConnectWait: BlockedCall {
    let address: [UInt8]
    let deadline: UInt64?
    init(address: [UInt8], timeout: UInt64) {
        self.address = address
        deadline = timeout > 0 ? TimerQueue.now() &+ timeout : nil
    }
}

/// sockaddr bytes of at most 128 (sizeof(struct sockaddr_storage)).
private let addressRoom = 128

/// Flags of send/recv the host sees: the program's, less those the Sentry carries out itself.
private let receiveFlags = MessageFlags.OOB | MessageFlags.PEEK | MessageFlags.TRUNC | MessageFlags.WAITALL | 0x2000 /* ERRQUEUE */
private let sendFlags = MessageFlags.OOB | 0x4 /* DONTROUTE */ | MessageFlags.EOR | MessageFlags.MORE | 0x800 /* CONFIRM */

enum SysInet {
    /// bind(2) on an inet socket.
    static func bind(_ t: Task, _ s: InetSocketFile, _ a: SyscallArguments) -> SyscallReturn {
        serve { () throws(Errno) in
            let addr = try copyInAddress(t, a[1], a.int(2))
            // --network host: the host's rule for ports below 1024 (the Sentry itself may bind
            // them), applied to the task's own capabilities.
            if t.kernel.network.mode == .host && addr.count >= 4 {
                let port = Int(addr[2]) << 8 | Int(addr[3])
                if port > 0 && port < 1024 && !t.creds.has(Capability.netBindService) { throw .permissionDenied }
            }
            try hostCall(addr.withUnsafeBytes { Glibc.bind(s.fd, $0.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t($0.count)) })
            return .zero
        }
    }

    /// listen(2).
    static func listen(_ t: Task, _ s: InetSocketFile, _ a: SyscallArguments) -> SyscallReturn {
        serve { () throws(Errno) in
            try hostCall(Glibc.listen(s.fd, a.int(1)))
            s.queue.notify(PollEvents.output)
            return .zero
        }
    }

    /// accept(2)/accept4(2): the host's next connection becomes a new socket of the caller.
    static func accept(_ t: Task, _ s: InetSocketFile, _ a: SyscallArguments, flags: Int32) -> SyscallReturn {
        serve { () throws(Errno) in
            var addr = [UInt8](repeating: 0, count: addressRoom)
            var len = socklen_t(addressRoom)
            // accept4 (glibc declares it only under _GNU_SOURCE).
            let nfd = addr.withUnsafeMutableBytes { b in
                withUnsafeMutablePointer(to: &len) { lp in
                    Int32(truncatingIfNeeded: chusk_syscall6(288, Int(s.fd), Int(bitPattern: b.baseAddress), Int(bitPattern: lp), Int(InetHostCalls.typeFlags), 0, 0))
                }
            }
            if nfd < 0 {
                let e = -nfd
                if e == EAGAIN && !s.isNonBlocking { return t.socketBlock(s.queue, PollEvents.input, timeout: s.receiveTimeout) }
                t.endBlockedCall()
                throw Errno(rawValue: e)
            }
            t.endBlockedCall()
            let c = InetSocketFile.accepted(t.kernel, fd: nfd, from: s, nonBlocking: flags & Socket.SOCK_NONBLOCK != 0)
            let fd = try t.fdTable.allocate(c, closeOnExec: flags & Socket.SOCK_CLOEXEC != 0, limit: t.fdLimit)
            do throws(Errno) { try copyOutAddress(t, a[1], a[2], Array(addr[0..<min(Int(len), addressRoom)])) } catch {
                _ = t.fdTable.remove(fd)
                throw error
            }
            return .ok(Int(fd))
        }
    }

    /// connect(2): a blocking stream connect parks until the handshake ends, then connects
    /// again with the same address, as __inet_stream_connect does after its wait (0, or the
    /// socket's error); EINPROGRESS when SO_SNDTIMEO passes first.
    static func connect(_ t: Task, _ s: InetSocketFile, _ a: SyscallArguments) -> SyscallReturn {
        serve { () throws(Errno) in
            let wait = t.blockedCall(InetConnectWait.self)
            let addr: [UInt8]
            if let wait { addr = wait.address } else { addr = try copyInAddress(t, a[1], a.int(2)) }
            if s.domain == Socket.AF_NETLINK { try checkNetlinkPeer(addr) }
            let rc = addr.withUnsafeBytes { Glibc.connect(s.fd, $0.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t($0.count)) }
            let e = errno
            if let wait {
                if rc < 0 && (e == EALREADY || e == EINPROGRESS) {
                    if let d = wait.deadline, TimerQueue.now() >= d { t.endBlockedCall(); throw .nowInProgress }
                    return parkConnect(t, s, wait)
                }
                t.endBlockedCall()
            } else if rc < 0 && e == EINPROGRESS && s.isStream && !s.isNonBlocking {
                return parkConnect(t, s, t.beginBlockedCall(InetConnectWait(address: addr, timeout: s.sendTimeout)))
            }
            if rc < 0 { throw Errno(rawValue: e) }
            return .zero
        }
    }

    private static func parkConnect(_ t: Task, _ s: InetSocketFile, _ w: InetConnectWait) -> SyscallReturn {
        guard let deadline = w.deadline else { return .block(s.queue, PollEvents.output) }
        let ws = t.freshWaitSet()
        ws.watch(s.queue, mask: PollEvents.output)
        ws.wake(at: deadline, timers: t.kernel.timers)
        return .block(ws.queue, WaitSet.any)
    }

    /// getsockname(2) / getpeername(2).
    static func name(_ t: Task, _ s: InetSocketFile, _ a: SyscallArguments, peer: Bool) -> SyscallReturn {
        serve { () throws(Errno) in
            if let named = s.unixPeer {
                // A host unix socket (--host-uds): unnamed itself, its peer the path connected to.
                try copyOutAddress(t, a[1], a[2], peer ? named : [UInt8(Socket.AF_UNIX), 0])
                return .zero
            }
            var addr = [UInt8](repeating: 0, count: addressRoom)
            var len = socklen_t(addressRoom)
            try hostCall(addr.withUnsafeMutableBytes { b in
                let p = b.baseAddress?.assumingMemoryBound(to: sockaddr.self)
                return peer ? Glibc.getpeername(s.fd, p, &len) : Glibc.getsockname(s.fd, p, &len)
            })
            try copyOutAddress(t, a[1], a[2], Array(addr[0..<min(Int(len), addressRoom)]))
            return .zero
        }
    }

    /// shutdown(2).
    static func shutdown(_ t: Task, _ s: InetSocketFile, _ a: SyscallArguments) -> SyscallReturn {
        serve { () throws(Errno) in
            try hostCall(Glibc.shutdown(s.fd, a.int(1)))
            return .zero
        }
    }

    // MARK: Options

    /// setsockopt(2): SO_RCVTIMEO/SO_SNDTIMEO and SO_LINGER kept here, the allow-list
    /// (`InetHostCalls.options`) forwarded, anything else ENOPROTOOPT.
    static func setsockopt(_ t: Task, _ s: InetSocketFile, _ a: SyscallArguments) -> SyscallReturn {
        serve { () throws(Errno) in
            let level = a.int(1), name = a.int(2), length = a.int(4)
            if length < 0 { throw .invalidArgument }
            if level == InetHostCalls.SOL_SOCKET {
                switch name {
                case 20, 21, 66, 67:  // SO_RCVTIMEO, SO_SNDTIMEO (old and new: both a 16-byte timeval here)
                    let ns = try copyInTimeoutOption(t, a[3], length)
                    if name == 20 || name == 66 { s.receiveTimeout = ns } else { s.sendTimeout = ns }
                    return .zero
                case 13:  // SO_LINGER
                    if length < 8 { throw .invalidArgument }
                    let raw = try t.copyInBytes(a[3], count: 8)
                    let l = raw.withUnsafeBytes { ($0.loadUnaligned(fromByteOffset: 0, as: Int32.self), $0.loadUnaligned(fromByteOffset: 4, as: Int32.self)) }
                    // A close with a linger time would block the Sentry: only the reset form reaches the host.
                    var host: (Int32, Int32) = l.0 != 0 && l.1 == 0 ? (1, 0) : (0, 0)
                    try hostCall(Glibc.setsockopt(s.fd, SOL_SOCKET, SO_LINGER, &host, 8))
                    s.linger = l
                    return .zero
                default: break
                }
            }
            guard InetHostCalls.allowsSet(level: level, name: name) else { throw .protocolNotAvailable }
            let value = try t.copyInBytes(a[3], count: min(Int(length), 1024))
            if length > 1024 { throw .invalidArgument }
            try hostCall(value.withUnsafeBytes { Glibc.setsockopt(s.fd, level, name, $0.baseAddress, socklen_t(length)) })
            return .zero
        }
    }

    /// getsockopt(2): the kept options, or the host's answer for the allow-list.
    static func getsockopt(_ t: Task, _ s: InetSocketFile, _ a: SyscallArguments) -> SyscallReturn {
        serve { () throws(Errno) in
            let level = a.int(1), name = a.int(2)
            let room = try t.copyInValue(a[4], as: Int32.self)
            if room < 0 { throw .invalidArgument }
            var value: [UInt8]
            if level == InetHostCalls.SOL_SOCKET && [13, 20, 21, 66, 67].contains(name) {
                if name == 13 {
                    value = withUnsafeBytes(of: s.linger.on) { Array($0) } + withUnsafeBytes(of: s.linger.seconds) { Array($0) }
                } else {
                    let ns = name == 20 || name == 66 ? s.receiveTimeout : s.sendTimeout
                    value = withUnsafeBytes(of: Int64(ns / 1_000_000_000)) { Array($0) } + withUnsafeBytes(of: Int64(ns % 1_000_000_000 / 1000)) { Array($0) }
                }
                value = Array(value.prefix(Int(room)))
            } else {
                guard InetHostCalls.allowsGet(level: level, name: name) else { throw .protocolNotAvailable }
                value = [UInt8](repeating: 0, count: min(Int(room), 1024))
                var len = socklen_t(value.count)
                try hostCall(value.withUnsafeMutableBytes { Glibc.getsockopt(s.fd, level, name, $0.baseAddress, &len) })
                value = Array(value.prefix(Int(len)))
            }
            if !value.isEmpty { try t.copyOut(a[3], value) }
            try t.copyOutValue(a[4], Int32(value.count))
            return .zero
        }
    }

    // MARK: Data

    /// The body of every send on an inet socket: gathered through the scratch buffer, a stream
    /// send moves what the host takes and parks for the rest (blocking), a datagram goes whole.
    static func send(_ t: Task, _ s: InetSocketFile, _ sources: [(UInt64, UInt64)], flags: Int32, to: [UInt8]?, control: [UInt8]) throws(Errno) -> SyscallReturn {
        var total = 0
        for (_, len) in sources { total += Int(clamping: len) }
        if !s.isStream && total > InetScratch.size { throw .messageTooLong }
        let nonBlocking = s.isNonBlocking || flags & MessageFlags.DONTWAIT != 0
        var done = t.socketDone
        repeat {
            let chunk = min(total - done, InetScratch.size)
            try gather(t, sources, from: done, count: chunk)
            if s.domain == Socket.AF_NETLINK {
                if let to { try checkNetlinkPeer(to) }
                if !netlinkRequestAllowed(UnsafeRawBufferPointer(rebasing: InetScratch.buffer[0..<chunk])) { throw .notPermitted }
            }
            var iov = iovec(iov_base: InetScratch.buffer.baseAddress, iov_len: chunk)
            var to = to ?? [], control = done == 0 ? control : []
            let n = withUnsafeMutablePointer(to: &iov) { iovp in
                to.withUnsafeMutableBytes { name in
                    control.withUnsafeMutableBytes { ctl in
                        var h = msghdr(msg_name: name.count > 0 ? name.baseAddress : nil, msg_namelen: socklen_t(name.count), msg_iov: iovp, msg_iovlen: 1,
                                       msg_control: ctl.count > 0 ? ctl.baseAddress : nil, msg_controllen: ctl.count, msg_flags: 0)
                        return Glibc.sendmsg(s.fd, &h, flags & sendFlags | MessageFlags.DONTWAIT | MessageFlags.NOSIGNAL)
                    }
                }
            }
            if n < 0 {
                let e = Errno(rawValue: errno)
                if e == .resourceTemporarilyUnavailable && !nonBlocking {
                    return t.socketBlock(s.queue, PollEvents.output, timeout: s.sendTimeout, done: done)
                }
                t.endBlockedCall()
                if done > 0 { return .ok(done) }
                if e == .brokenPipe && flags & MessageFlags.NOSIGNAL == 0 { t.raiseSIGPIPE() }
                throw e
            }
            done += n
            if !s.isStream { break }
            if n < chunk && nonBlocking { break }
        } while done < total
        t.endBlockedCall()
        return .ok(done)
    }

    /// The body of every receive: one host recvmsg into the scratch buffer, scattered to the
    /// task; MSG_WAITALL on a blocking stream parks until the request is filled or input ends.
    static func receive(_ t: Task, _ s: InetSocketFile, _ targets: [(UInt64, UInt64)], flags: Int32, controlRoom: Int,
                        output out: inout SysSocket.ReceiveOutput) throws(Errno) -> SyscallReturn {
        var total = 0
        for (_, len) in targets { total += Int(clamping: len) }
        let nonBlocking = s.isNonBlocking || flags & MessageFlags.DONTWAIT != 0
        if let datagram = s.takeKernelDatagram(peek: flags & MessageFlags.PEEK != 0) {
            return try receiveKernelDatagram(t, datagram, targets, total: total, flags: flags, output: &out)
        }
        var done = t.socketDone
        let want = min(total - done, InetScratch.size)
        var iov = iovec(iov_base: InetScratch.buffer.baseAddress, iov_len: want)
        var name = [UInt8](repeating: 0, count: addressRoom)
        // A host unix socket (--host-uds) takes no control data: fds a host peer passes are
        // never installed (the kernel drops what does not fit; MSG_CTRUNC tells the program).
        var control = [UInt8](repeating: 0, count: s.domain == Socket.AF_UNIX ? 0 : min(max(controlRoom, 0), 4096))
        var h = msghdr()
        let n = withUnsafeMutablePointer(to: &iov) { iovp in
            name.withUnsafeMutableBytes { nb in
                control.withUnsafeMutableBytes { cb in
                    h = msghdr(msg_name: nb.baseAddress, msg_namelen: socklen_t(nb.count), msg_iov: iovp, msg_iovlen: 1,
                               msg_control: cb.count > 0 ? cb.baseAddress : nil, msg_controllen: cb.count, msg_flags: 0)
                    return Glibc.recvmsg(s.fd, &h, flags & receiveFlags | MessageFlags.DONTWAIT)
                }
            }
        }
        if n < 0 {
            let e = Errno(rawValue: errno)
            if e == .resourceTemporarilyUnavailable && !nonBlocking && flags & 0x2000 == 0 {
                return t.socketBlock(s.queue, PollEvents.input, timeout: s.receiveTimeout, done: done)
            }
            t.endBlockedCall()
            if done > 0 { return .ok(done) }
            throw e
        }
        let copied = min(n, want)
        if !(s.isStream && flags & MessageFlags.TRUNC != 0) {
            try scatter(t, targets, at: done, count: copied)
        }
        out.from = Array(name[0..<min(Int(h.msg_namelen), addressRoom)])
        out.control = Array(control[0..<min(Int(h.msg_controllen), control.count)])
        out.flags = h.msg_flags
        if !s.isStream {
            t.endBlockedCall()
            return .ok(n)
        }
        done += n
        if flags & MessageFlags.WAITALL != 0 && flags & MessageFlags.PEEK == 0 && !nonBlocking && n > 0 && done < total {
            return t.socketBlock(s.queue, PollEvents.input, timeout: s.receiveTimeout, done: done)
        }
        t.endBlockedCall()
        return .ok(done)
    }

    /// A datagram the Sentry queued on a netlink socket: truncated to the buffer (MSG_TRUNC
    /// then returns its full length), from the kernel's address (nl_pid 0, no groups).
    private static func receiveKernelDatagram(_ t: Task, _ datagram: [UInt8], _ targets: [(UInt64, UInt64)], total: Int,
                                              flags: Int32, output out: inout SysSocket.ReceiveOutput) throws(Errno) -> SyscallReturn {
        let copied = min(datagram.count, total, InetScratch.size)
        datagram.withUnsafeBytes { InetScratch.buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<copied])) }
        try scatter(t, targets, at: 0, count: copied)
        var from = [UInt8](repeating: 0, count: 12)   // struct sockaddr_nl
        from.putLE(UInt16(Socket.AF_NETLINK), at: 0)
        out.from = from
        out.flags = copied < datagram.count ? MessageFlags.TRUNC : 0
        t.endBlockedCall()
        return .ok(flags & MessageFlags.TRUNC != 0 ? datagram.count : copied)
    }

    // MARK: rtnetlink

    /// The rtnetlink requests relayed to the host: reads only (RTM_GETLINK, RTM_GETADDR,
    /// RTM_GETROUTE, RTM_GETNEIGH, RTM_GETRULE, RTM_GETNETCONF), each with NLM_F_REQUEST.
    /// Anything that would change the namespace is EPERM here (the Sentry's socket holds no
    /// CAP_NET_ADMIN either, so the host would refuse it too).
    static let netlinkRequests: Set<UInt16> = [18, 22, 26, 30, 34, 82]

    /// Checks the netlink messages in the scratch buffer's first `count` bytes, walking them as
    /// netlink_rcv_skb will: it stops at a header shorter than 16 bytes or longer than what
    /// is left (a request padded with zeros), so the check stops there too.
    static func netlinkRequestAllowed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        var at = 0
        while at + 16 <= count {
            let len = Int(bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))
            let type = bytes.loadUnaligned(fromByteOffset: at + 4, as: UInt16.self)
            let flags = bytes.loadUnaligned(fromByteOffset: at + 6, as: UInt16.self)
            if len < 16 || len > count - at { break }
            if !netlinkRequests.contains(type) || flags & 0x1 /* NLM_F_REQUEST */ == 0 { return false }
            at += (len + 3) & ~3
        }
        return true
    }

    /// A netlink destination must be the kernel (nl_pid 0, no groups).
    private static func checkNetlinkPeer(_ addr: [UInt8]) throws(Errno) {
        if addr.count < 12 { return }   // the host answers EINVAL
        if addr[4..<12].contains(where: { $0 != 0 }) { throw .notPermitted }
    }

    // MARK: Helpers

    /// A sockaddr of `length` bytes (EINVAL outside 0...128), as move_addr_to_kernel.
    private static func copyInAddress(_ t: Task, _ address: UInt64, _ length: Int32) throws(Errno) -> [UInt8] {
        if length < 0 || Int(length) > addressRoom { throw .invalidArgument }
        return length == 0 ? [] : try t.copyInBytes(address, count: Int(length))
    }

    /// A host call's -1 as its errno.
    private static func hostCall(_ rc: Int32) throws(Errno) {
        if rc < 0 { throw Errno(rawValue: errno) }
    }

    /// `count` bytes of the task's iovecs from stream offset `offset` into the scratch buffer.
    private static func gather(_ t: Task, _ sources: [(UInt64, UInt64)], from offset: Int, count: Int) throws(Errno) {
        try moveScratch(t, sources, at: offset, count: count) { (address, scratch) throws(Errno) in try t.copyIn(address, scratch) }
    }

    /// The scratch buffer's first `count` bytes to the task's iovecs at stream offset `offset`.
    private static func scatter(_ t: Task, _ targets: [(UInt64, UInt64)], at offset: Int, count: Int) throws(Errno) {
        try moveScratch(t, targets, at: offset, count: count) { (address, scratch) throws(Errno) in try t.copyOut(address, UnsafeRawBufferPointer(scratch)) }
    }

    /// Walks the iovecs from stream offset `offset` for `count` bytes, pairing each piece of task
    /// memory with the matching piece of the scratch buffer (from its start) for `move`.
    private static func moveScratch(_ t: Task, _ iovecs: [(UInt64, UInt64)], at offset: Int, count: Int,
                                    _ move: (UInt64, UnsafeMutableRawBufferPointer) throws(Errno) -> Void) throws(Errno) {
        var skip = offset, done = 0
        for (base, len) in iovecs where done < count {
            let l = Int(clamping: len)
            if skip >= l { skip -= l; continue }
            let part = min(l - skip, count - done)
            try move(base &+ UInt64(skip), UnsafeMutableRawBufferPointer(rebasing: InetScratch.buffer[done..<(done + part)]))
            done += part
            skip = 0
        }
    }
}

/// SO_RCVTIMEO/SO_SNDTIMEO's struct timeval as ns (0: none), EDOM for bad microseconds.
func copyInTimeoutOption(_ t: Task, _ address: UInt64, _ length: Int32) throws(Errno) -> UInt64 {
    if length < 16 { throw .invalidArgument }
    let raw = try t.copyInBytes(address, count: 16)
    let sec = raw.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: Int64.self) }
    let usec = raw.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: Int64.self) }
    if usec < 0 || usec >= 1_000_000 { throw .outOfDomain }
    return sec < 0 ? 0 : (sec >= 1 << 32 ? 0 : UInt64(sec) * 1_000_000_000 + UInt64(usec) * 1000)
}
