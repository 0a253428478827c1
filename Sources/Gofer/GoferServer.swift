// The Gofer's request loop: receive one message, decode, serve, reply. A malformed message
// gets an error reply (EINVAL for a bad name, EPROTO otherwise) and the loop goes on.

import CHusk
import Glibc
import GoferProtocol
import SystemPackage

/// One tree the Gofer serves: an O_PATH fd of its top directory (or of its one file), and
/// whether it may change.
public struct GoferRoot: Sendable {
    public var fd: Int32
    public var readOnly: Bool
    /// A tree that is one regular file (`-v FILE:GUEST`): its I/O fds by access mode (O_RDONLY,
    /// O_WRONLY, O_RDWR; -errno for a mode that could not be opened: -EROFS for the writing
    /// ones of a read-only tree, -EACCES for a file the Gofer may not write), opened before
    /// the Gofer was confined. A file reopens by name below its parent, and this one has no parent: the
    /// Gofer holds the file alone, never its host directory. Empty for a directory tree.
    public var fileFDs: [Int32] = []
    public init(fd: Int32, readOnly: Bool) { self.fd = fd; self.readOnly = readOnly }

    /// A file tree from `pathFD` (an O_PATH fd of a regular file, kept): its I/O fds are opened
    /// through /proc/self/fd/N, so through the mount `pathFD` lies on (read-only for a
    /// read-only volume), and must be the same regular file. Needs /proc: call it before the
    /// Gofer pivots into its root view.
    public static func file(pathFD: Int32, readOnly: Bool) throws(Errno) -> GoferRoot {
        var root = GoferRoot(fd: pathFD, readOnly: readOnly)
        let want = try hostFstat(pathFD)
        guard want.st_mode & FileType.mask == FileType.reg else { throw Errno(rawValue: EINVAL) }
        let link = Array("/proc/self/fd/\(pathFD)".utf8)
        do throws(Errno) {
            for mode in [O_RDONLY, O_WRONLY, O_RDWR] {
                if readOnly && mode != O_RDONLY { root.fileFDs.append(-EROFS); continue }
                // O_NONBLOCK while the type is unchecked: nothing can block on the open.
                let fd: Int32
                do throws(Errno) {
                    fd = try hostOpenAt(AT_FDCWD, link, mode | O_NOCTTY | O_NONBLOCK | Int32(CHUSK_O_CLOEXEC))
                } catch where mode != O_RDONLY && [EACCES, EPERM, EROFS, ETXTBSY].contains(error.rawValue) {
                    root.fileFDs.append(-error.rawValue)  // writes fail as they would on the host
                    continue
                }
                root.fileFDs.append(fd)
                let st = try hostFstat(fd)
                guard st.st_mode & FileType.mask == FileType.reg, st.st_dev == want.st_dev, st.st_ino == want.st_ino else {
                    throw Errno(rawValue: ESTALE)
                }
                _ = try check(chusk_gofer_setfl(fd, try check(chusk_gofer_getfl(fd)) & ~O_NONBLOCK))
            }
        } catch {
            for fd in root.fileFDs where fd >= 0 { hostClose(fd) }
            throw error
        }
        return root
    }
}

final class GoferServer {
    let socketFD: Int32
    /// Root 0 is the root view; the others are volumes. Nodes never leave their root's tree.
    let roots: [GoferRoot]
    var nodes = NodeTable()
    /// `--host-uds open`: `connect` requests are served (else ECONNREFUSED).
    var hostUDS = false
    private var writer = WireWriter(reservingCapacity: GoferWire.maxMessageSize)
    private let recvBuffer: UnsafeMutableRawBufferPointer
    /// Scratch for getdents64.
    let direntBuffer: UnsafeMutableRawBufferPointer
    /// How long the Gofer waits for a request before it drops its binary's clean pages.
    static let idleTrimMillis: Int32 = 200
    /// A pooled sandbox's Gofer skips its first idle spell's trim (docs/pool.md).
    var skipFirstIdleTrim = false
    /// Set when the peer is gone or the socket broke.
    private var broken = false

    convenience init(socketFD: Int32, rootFD: Int32, readOnly: Bool) {
        self.init(socketFD: socketFD, roots: [GoferRoot(fd: rootFD, readOnly: readOnly)])
    }

    init(socketFD: Int32, roots: [GoferRoot]) {
        self.socketFD = socketFD
        self.roots = roots
        recvBuffer = .allocate(byteCount: GoferWire.maxMessageSize, alignment: 16)
        direntBuffer = .allocate(byteCount: 32 * 1024, alignment: 16)
    }

    deinit {
        nodes.removeAll()
        recvBuffer.deallocate()
        direntBuffer.deallocate()
    }

    func serve() -> Int32 {
        var fds: (Int32, Int32, Int32, Int32) = (-1, -1, -1, -1)
        var idleTrimmed = false
        var skipTrim = skipFirstIdleTrim
        while !broken {
            // Nothing to serve for a while: drop the binary's clean pages (they stay in the
            // page cache and fault back in on the next request), once per idle spell; a pooled
            // Gofer's first spell is the wait for the launch, left untrimmed.
            if !idleTrimmed {
                var p = pollfd(fd: socketFD, events: Int16(POLLIN), revents: 0)
                // Nothing for a while: drop, then wait for the request in the same C call.
                if poll(&p, 1, GoferServer.idleTrimMillis) == 0 {
                    if skipTrim {
                        skipTrim = false
                        while poll(&p, 1, -1) < 0 && errno == EINTR {}
                    } else {
                        _ = chusk_idle_trim_poll(&p, 1, -1)
                    }
                }
                idleTrimmed = true
            }
            var nfds: Int32 = 0
            var flags: Int32 = 0
            let n = withUnsafeMutablePointer(to: &fds) { p in
                p.withMemoryRebound(to: Int32.self, capacity: 4) { fp in
                    chusk_gofer_recv(socketFD, recvBuffer.baseAddress, recvBuffer.count, fp, 4, &nfds, &flags)
                }
            }
            // The client never sends fds: drop any that came.
            withUnsafePointer(to: &fds) { p in
                p.withMemoryRebound(to: Int32.self, capacity: 4) { fp in
                    for i in 0..<Int(max(0, min(nfds, 4))) { hostClose(fp[i]) }
                }
            }
            idleTrimmed = false
            if n == 0 {
                if peerClosed() { return 0 }
                send(id: 0, .error(EPROTO))  // an empty message, not the end of the stream
                continue
            }
            if n < 0 {
                if n == -Int(ECONNRESET) { return 0 }
                return 1
            }
            let raw = UnsafeRawBufferPointer(rebasing: recvBuffer[0..<n])
            if flags & Int32(MSG_TRUNC | MSG_CTRUNC) != 0 {
                send(id: GoferHeader.peekID(raw), .error(EPROTO))
                continue
            }
            let decoded: (id: UInt32, request: GoferRequest)
            do {
                decoded = try GoferRequest.decode(raw)
            } catch {
                send(id: GoferHeader.peekID(raw), .error(error == .badName ? EINVAL : EPROTO))
                continue
            }
            dispatch(id: decoded.id, decoded.request)
        }
        return broken ? 1 : 0
    }

    /// recvmsg returns 0 both for an empty message and at the end: tell them apart.
    private func peerClosed() -> Bool {
        var p = pollfd(fd: socketFD, events: Int16(POLLIN) | 0x2000 /* POLLRDHUP */, revents: 0)
        let r = poll(&p, 1, 0)
        return r < 0 || p.revents & (Int16(POLLHUP) | 0x2000) != 0
    }

    private func dispatch(id: UInt32, _ req: GoferRequest) {
        if case let .close(h) = req {
            nodes.clientClose(h)
            return
        }
        if case let .getdents(h) = req {
            do throws(Errno) { try getdents(id: id, h) } catch { send(id: id, .error(error.rawValue)) }
            return
        }
        var fd: Int32 = -1
        let reply: GoferReply
        do throws(Errno) {
            reply = try serve(req, fd: &fd)
        } catch {
            hostClose(fd)
            send(id: id, .error(error.rawValue))
            return
        }
        send(id: id, reply, fd: fd)
        hostClose(fd)  // the client has its own copy now
    }

    /// Sends one reply, with `fd` as SCM_RIGHTS when >= 0.
    func send(id: UInt32, _ reply: GoferReply, fd: Int32 = -1) {
        writer.bytes.removeAll(keepingCapacity: true)
        reply.encode(id: id, into: &writer)
        let n = writer.bytes.withUnsafeBytes { chusk_gofer_send(socketFD, $0.baseAddress, $0.count, fd) }
        if n < 0 { broken = true }
    }

    // MARK: Lookups shared by the operations

    func record(_ h: GoferHandle) throws(Errno) -> NodeRecord {
        guard let r = nodes[h] else { throw Errno(rawValue: EBADF) }
        return r
    }

    func directory(_ h: GoferHandle) throws(Errno) -> NodeRecord {
        let r = try record(h)
        guard r.type == FileType.dir else { throw Errno(rawValue: ENOTDIR) }
        return r
    }

    /// EROFS unless the node's tree is writable.
    func writable(_ r: NodeRecord) throws(Errno) {
        if Int(r.root) >= roots.count || roots[Int(r.root)].readOnly { throw Errno(rawValue: EROFS) }
    }

    /// EXDEV when two nodes lie in different trees (link, rename).
    func sameRoot(_ a: NodeRecord, _ b: NodeRecord) throws(Errno) {
        if a.root != b.root { throw Errno(rawValue: EXDEV) }
    }

    func ensureRoom() throws(Errno) {
        if nodes.isFull { throw Errno(rawValue: ENFILE) }
    }

    /// Records a fresh O_PATH fd for `name` below `parent` and returns its node.
    func adopt(pathFD: Int32, parent: GoferHandle, name: [UInt8], root: UInt32? = nil) throws(Errno) -> GoferNode {
        let st: stat
        do throws(Errno) { st = try hostFstat(pathFD) } catch { hostClose(pathFD); throw error }
        let a = GoferAttr(st)
        let h = nodes.insert(fd: pathFD, parent: parent, name: name, dev: a.dev, ino: a.ino,
                             type: a.mode & FileType.mask, root: root ?? nodes[parent]?.root ?? 0)
        return GoferNode(handle: h, attr: a)
    }
}
