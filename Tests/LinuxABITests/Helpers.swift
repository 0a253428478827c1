import CHusk
import LinuxABI

/// Field k of a sample: the pattern chusk_abi.c's P(k) uses, truncated to the field's type.
func p<T: FixedWidthInteger>(_ k: UInt64, as: T.Type = T.self) -> T {
    T(truncatingIfNeeded: 0x0102_0304_0506_0708 &* k)
}

/// The C headers' sample of struct `name` (chusk_abi_sample), or [] if unknown.
func cSample(_ name: String) -> [UInt8] {
    var buf = [UInt8](repeating: 0, count: 512)
    let n = buf.withUnsafeMutableBytes { chusk_abi_sample(name, $0.baseAddress, $0.count) }
    return n < 0 ? [] : Array(buf[0..<n])
}

/// Swift's encoding of `value`, into a buffer pre-filled with 0xAA so unwritten bytes show.
func encoded<T: LinuxStruct>(_ value: T) -> [UInt8] {
    var buf = [UInt8](repeating: 0xAA, count: T.size)
    buf.withUnsafeMutableBytes { value.encode(into: $0) }
    return buf
}

func decoded<T: LinuxStruct>(_ bytes: [UInt8], as: T.Type = T.self) -> T? {
    bytes.withUnsafeBytes { T.decode(from: $0) }
}

/// sizeof/offsetof from the C headers (chusk_abi_layout); -1 if unknown.
func cLayout(_ name: String) -> Int { chusk_abi_layout(name) }

/// A C header constant, or nil if the headers do not define it.
func cConst(_ name: String) -> Int64? {
    var v: Int64 = 0
    return chusk_abi_const(name, &v) != 0 ? v : nil
}

/// One LinuxABI constant: its C name, its value's bits, and its width in bits.
struct ConstantEntry {
    var name: String
    var bits: UInt64
    var width: Int
}

func entry<T: FixedWidthInteger>(_ name: String, _ value: T) -> ConstantEntry {
    ConstantEntry(name: name, bits: UInt64(truncatingIfNeeded: value), width: T.bitWidth)
}
