// A kernel structure with a fixed byte layout. Encoding writes little-endian values at the
// kernel's offsets (never Swift's own memory layout, which is free to differ).

public protocol LinuxStruct: Sendable, Equatable {
    /// Size of the structure in bytes, as the kernel copies it.
    static var size: Int { get }
    /// Writes the structure at the start of `buffer` (which must hold `size` bytes);
    /// padding and reserved fields are written as zero.
    func encode(into buffer: UnsafeMutableRawBufferPointer)
    /// Reads the structure from the start of `buffer`; nil if it holds fewer than `size` bytes.
    static func decode(from buffer: UnsafeRawBufferPointer) -> Self?
}

extension UnsafeMutableRawBufferPointer {
    /// Stores `value` little-endian at byte offset `offset` (no alignment needed).
    @inline(__always)
    func putLE<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }

    /// Zeroes bytes [offset, offset + count).
    @inline(__always)
    func zero(_ offset: Int, _ count: Int) {
        guard count > 0 else { return }
        UnsafeMutableRawBufferPointer(rebasing: self[offset..<(offset + count)]).initializeMemory(as: UInt8.self, repeating: 0)
    }
}

extension UnsafeRawBufferPointer {
    /// Loads a little-endian `T` at byte offset `offset` (no alignment needed).
    @inline(__always)
    func getLE<T: FixedWidthInteger>(_ offset: Int, as: T.Type = T.self) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

extension LinuxStruct {
    /// Checks the destination size; encoding into a short buffer is a caller bug.
    @inline(__always)
    static func checkRoom(_ buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= size, "buffer smaller than \(Self.self).size")
    }
}
