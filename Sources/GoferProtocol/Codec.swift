// Encoding and decoding of Gofer messages. Decoding validates everything it reads (lengths,
// names, counts, flags) and throws `GoferDecodeError`; it never traps on any input.

/// The fixed message header.
public struct GoferHeader: Sendable, Equatable {
    public var type: UInt16
    public var id: UInt32
    public var payloadLength: UInt32

    /// Checks the header of a whole message and returns it.
    public static func decode(_ raw: UnsafeRawBufferPointer) throws(GoferDecodeError) -> GoferHeader {
        guard raw.count <= GoferWire.maxMessageSize else { throw .oversized }
        var r = WireReader(raw)
        let type = try r.u16()
        let reserved = try r.u16()
        let id = try r.u32()
        let len = try r.u32()
        guard reserved == 0 else { throw .badReserved }
        guard Int(len) == raw.count - GoferWire.headerSize else { throw .badLength }
        return GoferHeader(type: type, id: id, payloadLength: len)
    }

    /// The request id of a message too broken to decode, so that its error reply can name it.
    public static func peekID(_ raw: UnsafeRawBufferPointer) -> UInt32 {
        var r = WireReader(raw)
        _ = try? r.u32()
        return (try? r.u32()) ?? 0
    }
}

@usableFromInline func beginMessage(_ w: inout WireWriter, type: UInt16, id: UInt32) -> Int {
    let start = w.bytes.count
    w.u16(type)
    w.u16(0)
    w.u32(id)
    w.u32(0)  // patched by endMessage
    return start
}

@usableFromInline func endMessage(_ w: inout WireWriter, start: Int) {
    let len = UInt32(truncatingIfNeeded: w.bytes.count - start - GoferWire.headerSize)
    for i in 0..<4 { w.bytes[start + 8 + i] = UInt8(truncatingIfNeeded: len &>> UInt32(8 * i)) }
}

extension WireWriter {
    public mutating func attr(_ a: GoferAttr) {
        u32(a.mode); u64(a.nlink); u32(a.uid); u32(a.gid); u64(a.rdev)
        i64(a.size); i64(a.blksize); i64(a.blocks)
        i64(a.atimeSec); i64(a.atimeNsec); i64(a.mtimeSec); i64(a.mtimeNsec); i64(a.ctimeSec); i64(a.ctimeNsec)
        u64(a.ino); u64(a.dev)
    }
    mutating func node(_ n: GoferNode) { u64(n.handle); attr(n.attr) }
}

extension WireReader {
    public mutating func attr() throws(GoferDecodeError) -> GoferAttr {
        var a = GoferAttr()
        a.mode = try u32(); a.nlink = try u64(); a.uid = try u32(); a.gid = try u32(); a.rdev = try u64()
        a.size = try i64(); a.blksize = try i64(); a.blocks = try i64()
        a.atimeSec = try i64(); a.atimeNsec = try i64(); a.mtimeSec = try i64(); a.mtimeNsec = try i64()
        a.ctimeSec = try i64(); a.ctimeNsec = try i64()
        a.ino = try u64(); a.dev = try u64()
        return a
    }
    mutating func node() throws(GoferDecodeError) -> GoferNode {
        let h = try u64()
        return GoferNode(handle: h, attr: try attr())
    }
    mutating func target() throws(GoferDecodeError) -> [UInt8] {
        let t = try str16(max: GoferWire.maxTargetLength)
        guard GoferWire.isValidTarget(t) else { throw .badValue }
        return t
    }
}

/// Wire size of one attribute record.
public let goferAttrWireSize = 116
/// Wire size of one directory entry with a name of n bytes.
@inlinable public func goferDirentWireSize(nameLength n: Int) -> Int { 11 + n }
/// Bytes of a getdents reply before its entries (header included).
public let goferGetdentsOverhead = GoferWire.headerSize + 3

// MARK: - Requests

extension GoferRequest {
    /// Appends the message (header and payload) to `w`.
    public func encode(id: UInt32, into w: inout WireWriter) {
        let start = beginMessage(&w, type: type.rawValue, id: id)
        switch self {
        case let .attach(root):
            w.u32(root)
        case let .walk(dir, names):
            w.u64(dir)
            w.u16(UInt16(truncatingIfNeeded: names.count))
            for n in names { w.str16(n) }
        case let .open(h, flags):
            w.u64(h); w.i32(flags)
        case let .create(dir, name, flags, mode, uid, gid):
            w.u64(dir); w.str16(name); w.i32(flags); w.u32(mode); w.u32(uid); w.u32(gid)
        case let .mkdir(dir, name, mode, uid, gid), let .mknod(dir, name, mode, uid, gid):
            w.u64(dir); w.str16(name); w.u32(mode); w.u32(uid); w.u32(gid)
        case let .symlink(dir, name, target, uid, gid):
            w.u64(dir); w.str16(name); w.str16(target); w.u32(uid); w.u32(gid)
        case let .link(dir, name, target):
            w.u64(dir); w.str16(name); w.u64(target)
        case let .unlink(dir, name, flags):
            w.u64(dir); w.str16(name); w.i32(flags)
        case let .rename(oldDir, oldName, newDir, newName, flags):
            w.u64(oldDir); w.str16(oldName); w.u64(newDir); w.str16(newName); w.u32(flags)
        case let .readlink(h), let .getdents(h), let .stat(h), let .statfs(h), let .fsync(h), let .close(h):
            w.u64(h)
        case let .connect(h, type):
            w.u64(h); w.i32(type)
        case let .setattr(h, a):
            w.u64(h); w.u32(a.mask.rawValue); w.u32(a.mode); w.u32(a.uid); w.u32(a.gid); w.i64(a.size)
            w.i64(a.atimeSec); w.i64(a.atimeNsec); w.i64(a.mtimeSec); w.i64(a.mtimeNsec)
        }
        endMessage(&w, start: start)
    }

    public func encoded(id: UInt32) -> [UInt8] {
        var w = WireWriter()
        encode(id: id, into: &w)
        return w.bytes
    }

    /// Decodes a whole request message.
    public static func decode(_ raw: UnsafeRawBufferPointer) throws(GoferDecodeError) -> (id: UInt32, request: GoferRequest) {
        let h = try GoferHeader.decode(raw)
        var r = WireReader(UnsafeRawBufferPointer(rebasing: raw[GoferWire.headerSize...]))
        guard let t = GoferMessageType(rawValue: h.type) else { throw .unknownType(h.type) }
        let req: GoferRequest
        switch t {
        case .attach:
            req = .attach(root: try r.u32())
        case .walk:
            let dir = try r.u64()
            let n = Int(try r.u16())
            guard n >= 1, n <= GoferWire.maxWalkNames else { throw .badValue }
            var names: [[UInt8]] = []
            names.reserveCapacity(n)
            for _ in 0..<n { names.append(try r.name()) }
            req = .walk(dir: dir, names: names)
        case .open:
            req = .open(handle: try r.u64(), flags: try r.i32())
        case .create:
            req = .create(dir: try r.u64(), name: try r.name(), flags: try r.i32(), mode: try r.u32(),
                          uid: try r.u32(), gid: try r.u32())
        case .mkdir:
            req = .mkdir(dir: try r.u64(), name: try r.name(), mode: try r.u32(), uid: try r.u32(), gid: try r.u32())
        case .mknod:
            req = .mknod(dir: try r.u64(), name: try r.name(), mode: try r.u32(), uid: try r.u32(), gid: try r.u32())
        case .symlink:
            req = .symlink(dir: try r.u64(), name: try r.name(), target: try r.target(), uid: try r.u32(), gid: try r.u32())
        case .link:
            req = .link(dir: try r.u64(), name: try r.name(), target: try r.u64())
        case .unlink:
            req = .unlink(dir: try r.u64(), name: try r.name(), flags: try r.i32())
        case .rename:
            req = .rename(oldDir: try r.u64(), oldName: try r.name(), newDir: try r.u64(), newName: try r.name(),
                          flags: try r.u32())
        case .readlink:
            req = .readlink(handle: try r.u64())
        case .getdents:
            req = .getdents(handle: try r.u64())
        case .stat:
            req = .stat(handle: try r.u64())
        case .setattr:
            let hd = try r.u64()
            let mask = GoferSetAttrMask(rawValue: try r.u32())
            guard GoferSetAttrMask.all.isSuperset(of: mask) else { throw .badValue }
            let a = GoferSetAttr(mask: mask, mode: try r.u32(), uid: try r.u32(), gid: try r.u32(), size: try r.i64(),
                                 atimeSec: try r.i64(), atimeNsec: try r.i64(), mtimeSec: try r.i64(),
                                 mtimeNsec: try r.i64())
            if mask.contains(.size), a.size < 0 { throw .badValue }
            if mask.contains(.atime), !validNsec(a.atimeNsec) { throw .badValue }
            if mask.contains(.mtime), !validNsec(a.mtimeNsec) { throw .badValue }
            req = .setattr(handle: hd, attr: a)
        case .statfs:
            req = .statfs(handle: try r.u64())
        case .fsync:
            req = .fsync(handle: try r.u64())
        case .close:
            req = .close(handle: try r.u64())
        case .connect:
            let h = try r.u64(), type = try r.i32()
            guard GoferRequest.connectTypes.contains(type) else { throw .badValue }
            req = .connect(handle: h, type: type)
        }
        try r.finish()
        return (h.id, req)
    }

    public static func decode(_ bytes: [UInt8]) throws(GoferDecodeError) -> (id: UInt32, request: GoferRequest) {
        // withUnsafeBytes cannot forward a typed throw; carry the result out.
        let result: Result<(id: UInt32, request: GoferRequest), GoferDecodeError> = bytes.withUnsafeBytes { raw in
            do throws(GoferDecodeError) { return .success(try decode(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

@inlinable func validNsec(_ ns: Int64) -> Bool {
    (ns >= 0 && ns < 1_000_000_000) || ns == GoferSetAttr.utimeNow || ns == GoferSetAttr.utimeOmit
}

// MARK: - Replies

extension GoferReply {
    public func encode(id: UInt32, into w: inout WireWriter) {
        let start = beginMessage(&w, type: wireType, id: id)
        switch self {
        case let .error(e):
            w.i32(e)
        case let .attach(n), let .create(n), let .mkdir(n), let .mknod(n), let .symlink(n):
            w.node(n)
        case let .walk(nodes):
            w.u16(UInt16(truncatingIfNeeded: nodes.count))
            for n in nodes { w.node(n) }
        case .open, .link, .unlink, .rename, .setattr, .fsync, .connect:
            break
        case let .readlink(t):
            w.str16(t)
        case let .getdents(ents, last):
            w.u8(last ? 1 : 0)
            w.u16(UInt16(truncatingIfNeeded: ents.count))
            for e in ents { w.u64(e.ino); w.u8(e.type); w.str16(e.name) }
        case let .stat(a):
            w.attr(a)
        case let .statfs(s):
            w.i64(s.type); w.i64(s.bsize); w.u64(s.blocks); w.u64(s.bfree); w.u64(s.bavail)
            w.u64(s.files); w.u64(s.ffree); w.i64(s.namelen); w.i64(s.frsize); w.i64(s.flags)
        }
        endMessage(&w, start: start)
    }

    public func encoded(id: UInt32) -> [UInt8] {
        var w = WireWriter()
        encode(id: id, into: &w)
        return w.bytes
    }

    /// Decodes a whole reply message.
    public static func decode(_ raw: UnsafeRawBufferPointer) throws(GoferDecodeError) -> (id: UInt32, reply: GoferReply) {
        let h = try GoferHeader.decode(raw)
        var r = WireReader(UnsafeRawBufferPointer(rebasing: raw[GoferWire.headerSize...]))
        let reply: GoferReply
        if h.type == GoferMessageType.errorReply {
            let e = try r.i32()
            guard e > 0, e < 4096 else { throw .badValue }
            reply = .error(e)
        } else {
            guard h.type & GoferMessageType.replyBit != 0,
                  let t = GoferMessageType(rawValue: h.type & ~GoferMessageType.replyBit) else {
                throw .unknownType(h.type)
            }
            switch t {
            case .attach: reply = .attach(try r.node())
            case .create: reply = .create(try r.node())
            case .mkdir: reply = .mkdir(try r.node())
            case .mknod: reply = .mknod(try r.node())
            case .symlink: reply = .symlink(try r.node())
            case .walk:
                let n = Int(try r.u16())
                guard n >= 1, n <= GoferWire.maxWalkNames else { throw .badValue }
                var nodes: [GoferNode] = []
                nodes.reserveCapacity(n)
                for _ in 0..<n { nodes.append(try r.node()) }
                reply = .walk(nodes)
            case .open: reply = .open
            case .link: reply = .link
            case .unlink: reply = .unlink
            case .rename: reply = .rename
            case .setattr: reply = .setattr
            case .fsync: reply = .fsync
            case .connect: reply = .connect
            case .readlink: reply = .readlink(try r.target())
            case .getdents:
                let last = try r.u8()
                guard last <= 1 else { throw .badValue }
                let n = Int(try r.u16())
                // Each entry takes at least 12 bytes: reject impossible counts before reserving.
                guard n <= r.remaining / 12 else { throw .truncated }
                var ents: [GoferDirent] = []
                ents.reserveCapacity(n)
                for _ in 0..<n {
                    let ino = try r.u64()
                    let type = try r.u8()
                    ents.append(GoferDirent(name: try r.name(), ino: ino, type: type))
                }
                reply = .getdents(ents, last: last == 1)
            case .stat: reply = .stat(try r.attr())
            case .statfs:
                reply = .statfs(GoferStatFS(type: try r.i64(), bsize: try r.i64(), blocks: try r.u64(),
                                            bfree: try r.u64(), bavail: try r.u64(), files: try r.u64(),
                                            ffree: try r.u64(), namelen: try r.i64(), frsize: try r.i64(),
                                            flags: try r.i64()))
            case .close: throw .unknownType(h.type)  // close has no reply
            }
        }
        try r.finish()
        return (h.id, reply)
    }

    public static func decode(_ bytes: [UInt8]) throws(GoferDecodeError) -> (id: UInt32, reply: GoferReply) {
        let result: Result<(id: UInt32, reply: GoferReply), GoferDecodeError> = bytes.withUnsafeBytes { raw in
            do throws(GoferDecodeError) { return .success(try decode(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
