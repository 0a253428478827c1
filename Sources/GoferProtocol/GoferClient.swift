// The Sentry's end of the Gofer protocol: synchronous request/reply over the SOCK_SEQPACKET
// socket, single-threaded. Buffers are allocated once. Anything malformed from the Gofer
// (bad reply, wrong id or type, peer gone) is EIO; an error reply is its errno.

import CHusk
import Glibc
import SystemPackage

public final class GoferClient {
    public let socketFD: Int32
    private var nextID: UInt32 = 1
    private var writer = WireWriter(reservingCapacity: 4096)
    private let recvBuffer: UnsafeMutableRawBufferPointer

    public init(socketFD: Int32) {
        self.socketFD = socketFD
        recvBuffer = .allocate(byteCount: GoferWire.maxMessageSize, alignment: 16)
    }

    deinit { recvBuffer.deallocate() }

    // MARK: Operations

    /// The root of tree `root` (0: the root view; 1...: the volumes).
    public func attach(root: UInt32 = 0) throws(Errno) -> (GoferHandle, GoferAttr) {
        let (reply, fd) = try call(.attach(root: root))
        guard case let .attach(n) = reply else { throw unexpected(fd) }
        try noFD(fd)
        return (n.handle, n.attr)
    }

    /// Walks `names` below `dir`, one handle and stat per name walked. Returns fewer entries
    /// than names when a later name fails (missing, not a directory, a symlink in the middle);
    /// throws when the first one does. More than `GoferWire.maxWalkNames` names take several
    /// round trips.
    public func walk(_ dir: GoferHandle, _ names: [[UInt8]]) throws(Errno) -> [(GoferHandle, GoferAttr)] {
        var out: [(GoferHandle, GoferAttr)] = []
        out.reserveCapacity(names.count)
        var from = dir
        var i = 0
        while i < names.count {
            let end = min(names.count, i + GoferWire.maxWalkNames)
            let chunk = Array(names[i..<end])
            for n in chunk { try checkName(n) }
            let nodes: [GoferNode]
            do throws(Errno) {
                let (reply, fd) = try call(.walk(dir: from, names: chunk))
                guard case let .walk(ns) = reply, ns.count <= chunk.count else { throw unexpected(fd) }
                try noFD(fd)
                nodes = ns
            } catch {
                if i == 0 { throw error }
                return out  // a later chunk's first name failed: a partial walk
            }
            for n in nodes { out.append((n.handle, n.attr)) }
            if nodes.count < chunk.count { break }
            from = nodes[nodes.count - 1].handle
            i = end
        }
        return out
    }

    public func stat(_ h: GoferHandle) throws(Errno) -> GoferAttr {
        let (reply, fd) = try call(.stat(handle: h))
        guard case let .stat(a) = reply else { throw unexpected(fd) }
        try noFD(fd)
        return a
    }

    /// A host fd (O_CLOEXEC) for the node. Only regular files and directories open.
    public func open(_ h: GoferHandle, flags: Int32) throws(Errno) -> Int32 {
        let (reply, fd) = try call(.open(handle: h, flags: flags))
        guard case .open = reply, fd >= 0 else { throw unexpected(fd) }
        return fd
    }

    /// Creates a regular file (exclusively) and opens it.
    public func create(_ dir: GoferHandle, _ name: [UInt8], flags: Int32, mode: UInt32, uid: UInt32,
                       gid: UInt32) throws(Errno) -> (GoferHandle, GoferAttr, Int32) {
        try checkName(name)
        let (reply, fd) = try call(.create(dir: dir, name: name, flags: flags, mode: mode, uid: uid, gid: gid))
        guard case let .create(n) = reply, fd >= 0 else { throw unexpected(fd) }
        return (n.handle, n.attr, fd)
    }

    public func mkdir(_ dir: GoferHandle, _ name: [UInt8], mode: UInt32, uid: UInt32,
                      gid: UInt32) throws(Errno) -> (GoferHandle, GoferAttr) {
        try checkName(name)
        let (reply, fd) = try call(.mkdir(dir: dir, name: name, mode: mode, uid: uid, gid: gid))
        guard case let .mkdir(n) = reply else { throw unexpected(fd) }
        try noFD(fd)
        return (n.handle, n.attr)
    }

    /// FIFO (S_IFIFO) or regular file (S_IFREG or no type bits) only.
    public func mknod(_ dir: GoferHandle, _ name: [UInt8], mode: UInt32, uid: UInt32,
                      gid: UInt32) throws(Errno) -> (GoferHandle, GoferAttr) {
        try checkName(name)
        let (reply, fd) = try call(.mknod(dir: dir, name: name, mode: mode, uid: uid, gid: gid))
        guard case let .mknod(n) = reply else { throw unexpected(fd) }
        try noFD(fd)
        return (n.handle, n.attr)
    }

    public func symlink(_ dir: GoferHandle, _ name: [UInt8], target: [UInt8], uid: UInt32,
                        gid: UInt32) throws(Errno) -> (GoferHandle, GoferAttr) {
        try checkName(name)
        guard GoferWire.isValidTarget(target) else {
            throw target.count > GoferWire.maxTargetLength ? Errno(rawValue: ENAMETOOLONG) : Errno(rawValue: target.isEmpty ? ENOENT : EINVAL)
        }
        let (reply, fd) = try call(.symlink(dir: dir, name: name, target: target, uid: uid, gid: gid))
        guard case let .symlink(n) = reply else { throw unexpected(fd) }
        try noFD(fd)
        return (n.handle, n.attr)
    }

    /// Makes `name` in `dir` a new hard link to the node of `target`.
    public func link(_ dir: GoferHandle, _ name: [UInt8], target: GoferHandle) throws(Errno) {
        try checkName(name)
        let (reply, fd) = try call(.link(dir: dir, name: name, target: target))
        guard case .link = reply else { throw unexpected(fd) }
        try noFD(fd)
    }

    /// flags: 0 or AT_REMOVEDIR.
    public func unlink(_ dir: GoferHandle, _ name: [UInt8], flags: Int32) throws(Errno) {
        try checkName(name)
        let (reply, fd) = try call(.unlink(dir: dir, name: name, flags: flags))
        guard case .unlink = reply else { throw unexpected(fd) }
        try noFD(fd)
    }

    public func rename(_ oldDir: GoferHandle, _ oldName: [UInt8], _ newDir: GoferHandle,
                       _ newName: [UInt8]) throws(Errno) {
        try rename(oldDir, oldName, newDir, newName, flags: 0)
    }

    /// renameat2 flags: RENAME_NOREPLACE (1), RENAME_EXCHANGE (2).
    public func rename(_ oldDir: GoferHandle, _ oldName: [UInt8], _ newDir: GoferHandle,
                       _ newName: [UInt8], flags: UInt32) throws(Errno) {
        try checkName(oldName)
        try checkName(newName)
        let (reply, fd) = try call(.rename(oldDir: oldDir, oldName: oldName, newDir: newDir, newName: newName,
                                           flags: flags))
        guard case .rename = reply else { throw unexpected(fd) }
        try noFD(fd)
    }

    public func readlink(_ h: GoferHandle) throws(Errno) -> [UInt8] {
        let (reply, fd) = try call(.readlink(handle: h))
        guard case let .readlink(t) = reply else { throw unexpected(fd) }
        try noFD(fd)
        return t
    }

    /// The whole directory (without "." and ".."), gathered over as many messages as needed.
    public func getdents(_ h: GoferHandle) throws(Errno) -> [GoferDirent] {
        let id = try send(.getdents(handle: h))
        var all: [GoferDirent] = []
        while true {
            let (reply, fd) = try receive(id: id)
            if case let .error(e) = reply { closeFD(fd); throw Errno(rawValue: e) }
            guard case let .getdents(ents, last) = reply else { throw unexpected(fd) }
            try noFD(fd)
            all.append(contentsOf: ents)
            if last { return all }
        }
    }

    public func setattr(_ h: GoferHandle, mask: UInt32, mode: UInt32, uid: UInt32, gid: UInt32, size: Int64,
                        atime: (Int64, Int64), mtime: (Int64, Int64)) throws(Errno) {
        let m = GoferSetAttrMask(rawValue: mask)
        guard GoferSetAttrMask.all.isSuperset(of: m) else { throw Errno(rawValue: EINVAL) }
        if m.contains(.size), size < 0 { throw Errno(rawValue: EINVAL) }
        if m.contains(.atime), !validNsec(atime.1) { throw Errno(rawValue: EINVAL) }
        if m.contains(.mtime), !validNsec(mtime.1) { throw Errno(rawValue: EINVAL) }
        let a = GoferSetAttr(mask: m, mode: mode, uid: uid, gid: gid, size: size, atimeSec: atime.0,
                             atimeNsec: atime.1, mtimeSec: mtime.0, mtimeNsec: mtime.1)
        let (reply, fd) = try call(.setattr(handle: h, attr: a))
        guard case .setattr = reply else { throw unexpected(fd) }
        try noFD(fd)
    }

    public func statfs(_ h: GoferHandle) throws(Errno) -> GoferStatFS {
        let (reply, fd) = try call(.statfs(handle: h))
        guard case let .statfs(s) = reply else { throw unexpected(fd) }
        try noFD(fd)
        return s
    }

    /// `--host-uds open`: a host unix socket of `type` connected to the socket file `h` of a
    /// volume (non-blocking, close-on-exec).
    public func connect(_ h: GoferHandle, type: Int32) throws(Errno) -> Int32 {
        let (reply, fd) = try call(.connect(handle: h, type: type))
        guard case .connect = reply, fd >= 0 else { throw unexpected(fd) }
        return fd
    }

    public func fsync(_ h: GoferHandle) throws(Errno) {
        let (reply, fd) = try call(.fsync(handle: h))
        guard case .fsync = reply else { throw unexpected(fd) }
        try noFD(fd)
    }

    /// Releases the handle. No reply: a failure here only leaks a Gofer fd.
    public func close(_ h: GoferHandle) {
        _ = try? send(.close(handle: h))
    }

    // MARK: Transport

    private func checkName(_ n: [UInt8]) throws(Errno) {
        if n.count > GoferWire.maxNameLength { throw Errno(rawValue: ENAMETOOLONG) }
        guard GoferWire.isValidName(n) else { throw Errno(rawValue: EINVAL) }
    }

    private func send(_ req: GoferRequest) throws(Errno) -> UInt32 {
        let id = nextID
        nextID = nextID &+ 1
        if nextID == 0 { nextID = 1 }
        writer.bytes.removeAll(keepingCapacity: true)
        req.encode(id: id, into: &writer)
        guard writer.bytes.count <= GoferWire.maxMessageSize else { throw Errno(rawValue: EINVAL) }
        let n = writer.bytes.withUnsafeBytes { chusk_gofer_send(socketFD, $0.baseAddress, $0.count, -1) }
        guard n == writer.bytes.count else { throw Errno(rawValue: EIO) }
        return id
    }

    /// One reply for `id`, with the fd it carried (-1 when none).
    private func receive(id: UInt32) throws(Errno) -> (GoferReply, Int32) {
        var fds: (Int32, Int32) = (-1, -1)
        var nfds: Int32 = 0
        var flags: Int32 = 0
        let n = withUnsafeMutablePointer(to: &fds) { p in
            p.withMemoryRebound(to: Int32.self, capacity: 2) { fp in
                chusk_gofer_recv(socketFD, recvBuffer.baseAddress, recvBuffer.count, fp, 2, &nfds, &flags)
            }
        }
        let fd = nfds >= 1 ? fds.0 : -1
        if nfds >= 2 { Glibc.close(fds.1) }
        guard n > 0, flags & Int32(MSG_TRUNC | MSG_CTRUNC) == 0, nfds <= 1 else {
            closeFD(fd)
            throw Errno(rawValue: EIO)
        }
        let decoded: (id: UInt32, reply: GoferReply)
        do {
            decoded = try GoferReply.decode(UnsafeRawBufferPointer(rebasing: recvBuffer[0..<n]))
        } catch {
            closeFD(fd)
            throw Errno(rawValue: EIO)
        }
        guard decoded.id == id else { closeFD(fd); throw Errno(rawValue: EIO) }
        return (decoded.reply, fd)
    }

    private func call(_ req: GoferRequest) throws(Errno) -> (GoferReply, Int32) {
        let id = try send(req)
        let (reply, fd) = try receive(id: id)
        if case let .error(e) = reply {
            closeFD(fd)
            throw Errno(rawValue: e)
        }
        return (reply, fd)
    }

    private func closeFD(_ fd: Int32) { if fd >= 0 { Glibc.close(fd) } }

    private func unexpected(_ fd: Int32) -> Errno {
        closeFD(fd)
        return Errno(rawValue: EIO)
    }

    private func noFD(_ fd: Int32) throws(Errno) {
        if fd >= 0 { Glibc.close(fd); throw Errno(rawValue: EIO) }
    }
}
