// struct linux_dirent64 records as getdents64(2) returns them: d_ino u64 @0, d_off s64 @8,
// d_reclen u16 @16, d_type u8 @18, NUL-terminated d_name @19, record padded to 8 bytes.

public enum Dirent64 {
    /// Offset of d_name in a record.
    public static let nameOffset = 19

    /// Length of the record for a name of `nameLength` bytes (NUL and padding included).
    @inline(__always)
    public static func recordLength(nameLength: Int) -> Int {
        (nameOffset + nameLength + 1 + 7) & ~7
    }

    /// Appends one record at `offset` in `buffer`; returns its length, or nil if it does not
    /// fit (the caller stops there, or fails with EINVAL if no record fit at all).
    public static func append(
        into buffer: UnsafeMutableRawBufferPointer, at offset: Int,
        ino: UInt64, off: Int64, type: UInt8, name: UnsafeRawBufferPointer
    ) -> Int? {
        let reclen = recordLength(nameLength: name.count)
        guard offset >= 0, reclen <= UInt16.max, offset <= buffer.count - reclen else { return nil }
        let rec = UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + reclen)])
        rec.putLE(ino, at: 0)
        rec.putLE(off, at: 8)
        rec.putLE(UInt16(reclen), at: 16)
        rec.putLE(type, at: 18)
        if name.count > 0 {
            UnsafeMutableRawBufferPointer(rebasing: rec[nameOffset..<(nameOffset + name.count)])
                .copyMemory(from: name)
        }
        rec.zero(nameOffset + name.count, reclen - nameOffset - name.count)
        return reclen
    }

    /// Appends one record whose name is a Swift string (UTF-8 bytes).
    public static func append(
        into buffer: UnsafeMutableRawBufferPointer, at offset: Int,
        ino: UInt64, off: Int64, type: UInt8, name: String
    ) -> Int? {
        var name = name
        return name.withUTF8 { append(into: buffer, at: offset, ino: ino, off: off, type: type, name: UnsafeRawBufferPointer($0)) }
    }

    /// One decoded record: the name's bytes stay in the buffer (offset and length).
    public struct Record: Sendable, Equatable {
        public var d_ino: UInt64
        public var d_off: Int64
        public var d_reclen: Int
        public var d_type: UInt8
        public var nameStart: Int
        public var nameLength: Int

        public init(d_ino: UInt64, d_off: Int64, d_reclen: Int, d_type: UInt8, nameStart: Int, nameLength: Int) {
            self.d_ino = d_ino
            self.d_off = d_off
            self.d_reclen = d_reclen
            self.d_type = d_type
            self.nameStart = nameStart
            self.nameLength = nameLength
        }
    }

    /// Decodes the record at `offset`; nil if it is truncated or malformed (a reclen that is
    /// too small or runs past the buffer, or a name without NUL).
    public static func decode(from buffer: UnsafeRawBufferPointer, at offset: Int) -> Record? {
        guard offset >= 0, offset <= buffer.count - (nameOffset + 1) else { return nil }
        let reclen = Int(buffer.getLE(offset + 16, as: UInt16.self))
        guard reclen > nameOffset, reclen <= buffer.count - offset else { return nil }
        var len = 0
        while len < reclen - nameOffset, buffer[offset + nameOffset + len] != 0 { len += 1 }
        guard len < reclen - nameOffset else { return nil }
        return Record(
            d_ino: buffer.getLE(offset), d_off: buffer.getLE(offset + 8), d_reclen: reclen,
            d_type: buffer[offset + 18], nameStart: offset + nameOffset, nameLength: len)
    }
}
