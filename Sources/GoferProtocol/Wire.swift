// Little-endian field reader and writer for the Gofer protocol. Pure stdlib: the fuzz target
// compiles these files alone. The reader never traps: every read is bounds-checked and
// throws `GoferDecodeError` on short input.

/// Why a message failed to decode.
public enum GoferDecodeError: Error, Equatable, Sendable {
    case truncated          // fewer bytes than a field or the header says
    case trailingBytes      // payload longer than its fields
    case oversized          // larger than GoferWire.maxMessageSize
    case badLength          // header payload length disagrees with the message length
    case unknownType(UInt16)
    case badReserved        // reserved header bits not zero
    case badName            // empty, too long, "." or "..", contains '/' or NUL
    case badValue           // a field out of its range (count, flag, time...)
}

public enum GoferWire {
    /// Fixed header: type u16, reserved u16 (0), request id u32, payload length u32.
    public static let headerSize = 12
    /// Largest message in either direction, header included. SOCK_SEQPACKET messages cannot
    /// exceed the socket buffer (212,992 bytes here); 64 KiB leaves ample room.
    public static let maxMessageSize = 64 * 1024
    public static let maxPayload = maxMessageSize - headerSize
    /// Linux NAME_MAX.
    public static let maxNameLength = 255
    /// Symlink targets: PATH_MAX - 1 bytes.
    public static let maxTargetLength = 4095
    /// Names per walk request (a walk reply of this many stats stays far below maxPayload).
    public static let maxWalkNames = 128

    /// A valid directory entry name: 1...255 bytes, no '/', no NUL, not "." or "..".
    @inlinable
    public static func isValidName(_ name: [UInt8]) -> Bool {
        if name.isEmpty || name.count > maxNameLength { return false }
        if name == [0x2E] || name == [0x2E, 0x2E] { return false }
        for b in name where b == 0x2F || b == 0 { return false }
        return true
    }

    /// A valid symlink target: 1...4095 bytes, no NUL ('/' and ".." allowed: never followed here).
    @inlinable
    public static func isValidTarget(_ target: [UInt8]) -> Bool {
        if target.isEmpty || target.count > maxTargetLength { return false }
        for b in target where b == 0 { return false }
        return true
    }
}

/// Appends little-endian fields to a byte array.
public struct WireWriter {
    public var bytes: [UInt8]

    public init(reservingCapacity n: Int = 256) {
        bytes = []
        bytes.reserveCapacity(n)
    }

    @inlinable public mutating func u8(_ v: UInt8) { bytes.append(v) }
    @inlinable public mutating func u16(_ v: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: v))
        bytes.append(UInt8(truncatingIfNeeded: v &>> 8))
    }
    @inlinable public mutating func u32(_ v: UInt32) {
        var x = v
        for _ in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: x)); x = x &>> 8 }
    }
    @inlinable public mutating func u64(_ v: UInt64) {
        var x = v
        for _ in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: x)); x = x &>> 8 }
    }
    @inlinable public mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    @inlinable public mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    /// Length-prefixed (u16) byte string.
    @inlinable public mutating func str16(_ s: [UInt8]) {
        u16(UInt16(truncatingIfNeeded: s.count))
        bytes.append(contentsOf: s)
    }
}

/// Reads little-endian fields from a raw buffer; every read is checked.
public struct WireReader {
    @usableFromInline let base: UnsafeRawBufferPointer
    @usableFromInline var pos: Int

    public init(_ base: UnsafeRawBufferPointer) {
        self.base = base
        self.pos = 0
    }

    public var remaining: Int { base.count - pos }

    @inlinable mutating func take(_ n: Int) throws(GoferDecodeError) -> Int {
        guard n >= 0, base.count - pos >= n else { throw .truncated }
        let p = pos
        pos += n
        return p
    }

    @inlinable public mutating func u8() throws(GoferDecodeError) -> UInt8 {
        let p = try take(1)
        return base[p]
    }
    @inlinable public mutating func u16() throws(GoferDecodeError) -> UInt16 {
        let p = try take(2)
        return UInt16(base[p]) | UInt16(base[p + 1]) &<< 8
    }
    @inlinable public mutating func u32() throws(GoferDecodeError) -> UInt32 {
        let p = try take(4)
        var v: UInt32 = 0
        for i in (0..<4).reversed() { v = v &<< 8 | UInt32(base[p + i]) }
        return v
    }
    @inlinable public mutating func u64() throws(GoferDecodeError) -> UInt64 {
        let p = try take(8)
        var v: UInt64 = 0
        for i in (0..<8).reversed() { v = v &<< 8 | UInt64(base[p + i]) }
        return v
    }
    @inlinable public mutating func i32() throws(GoferDecodeError) -> Int32 { Int32(bitPattern: try u32()) }
    @inlinable public mutating func i64() throws(GoferDecodeError) -> Int64 { Int64(bitPattern: try u64()) }

    /// Length-prefixed (u16) byte string of at most `max` bytes.
    @inlinable public mutating func str16(max: Int) throws(GoferDecodeError) -> [UInt8] {
        let n = Int(try u16())
        guard n <= max else { throw .badValue }
        let p = try take(n)
        return Array(UnsafeRawBufferPointer(rebasing: base[p..<(p + n)]))
    }

    /// The bytes up to the next NUL, which is consumed too (the husk run ↔ pool ↔ Sentry
    /// messages' strings, docs/pool.md).
    public mutating func cString() throws(GoferDecodeError) -> [UInt8] {
        guard let end = base[pos...].firstIndex(of: 0) else { throw .truncated }
        defer { pos = end + 1 }
        return Array(UnsafeRawBufferPointer(rebasing: base[pos..<end]))
    }

    /// Bytes left unread must begin with `prefix`, which is consumed.
    public mutating func expect(_ prefix: [UInt8]) throws(GoferDecodeError) {
        let p = try take(prefix.count)
        guard base[p..<(p + prefix.count)].elementsEqual(prefix) else { throw .badValue }
    }

    /// A validated entry name.
    @inlinable public mutating func name() throws(GoferDecodeError) -> [UInt8] {
        let n = try str16(max: GoferWire.maxNameLength)
        guard GoferWire.isValidName(n) else { throw .badName }
        return n
    }

    /// Succeeds only when every byte was consumed.
    @inlinable public func finish() throws(GoferDecodeError) {
        guard pos == base.count else { throw .trailingBytes }
    }
}
