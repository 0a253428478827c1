import Glibc

/// A program's arguments are bytes, not text: `printf '\xff'` or a Latin-1 file name must reach
/// the program as given. Swift's String repairs invalid UTF-8 (U+FFFD), so on their way from
/// husk run's argv (or a pool's launch, or an OCI config) to the Sentry's first task the
/// arguments travel as Strings in which every byte that is not part of valid UTF-8 is the
/// scalar U+10FF00 + byte. The 256 scalars U+10FF00...U+10FFFF (the end of a private-use plane)
/// are themselves sent byte by byte, so every byte string has exactly one encoding and
/// `bytes(string(b)) == b` for all b. Valid UTF-8 without those scalars is unchanged.
public enum ArgumentBytes {
    static let escapeBase: UInt32 = 0x10_FF00

    /// `bytes` as a String that `bytes(_:)` turns back into them.
    public static func string(_ bytes: some Collection<UInt8>) -> String {
        let b = Array(bytes)
        var scalars = String.UnicodeScalarView()
        func escape(_ byte: UInt8) { scalars.append(Unicode.Scalar(escapeBase + UInt32(byte))!) }
        var i = 0
        while i < b.count {
            let n = wellFormedLength(b, at: i)
            guard n > 0 else { escape(b[i]); i += 1; continue }
            var value = n == 1 ? UInt32(b[i]) : UInt32(b[i]) & (0xFF >> (n + 1))
            for k in 1..<n { value = value << 6 | UInt32(b[i + k] & 0x3F) }
            if value & ~0xFF == escapeBase { b[i..<(i + n)].forEach(escape) } else { scalars.append(Unicode.Scalar(value)!) }
            i += n
        }
        return String(scalars)
    }

    /// The length of the well-formed UTF-8 sequence at `i` (the Unicode standard's table 3-7:
    /// no overlong forms, no surrogates, nothing above U+10FFFF), 0 if there is none.
    static func wellFormedLength(_ b: [UInt8], at i: Int) -> Int {
        func continuation(_ k: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool { i + k < b.count && range.contains(b[i + k]) }
        switch b[i] {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return continuation(1) ? 2 : 0
        case 0xE0: return continuation(1, 0xA0...0xBF) && continuation(2) ? 3 : 0
        case 0xED: return continuation(1, 0x80...0x9F) && continuation(2) ? 3 : 0
        case 0xE1...0xEF: return continuation(1) && continuation(2) ? 3 : 0
        case 0xF0: return continuation(1, 0x90...0xBF) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF1...0xF3: return continuation(1) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF4: return continuation(1, 0x80...0x8F) && continuation(2) && continuation(3) ? 4 : 0
        default: return 0
        }
    }

    /// The bytes a `string(_:)` result stands for (any String: scalars outside the escape
    /// range are their UTF-8).
    public static func bytes(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            if scalar.value & ~0xFF == escapeBase { out.append(UInt8(scalar.value & 0xFF)) } else { out.append(contentsOf: scalar.utf8) }
        }
        return out
    }
}

extension ArgumentBytes {
    /// This process's argv, each argument as `string(_:)` makes it (CommandLine.arguments
    /// would have repaired invalid UTF-8).
    public static func commandLine() -> [String] {
        (0..<Int(CommandLine.argc)).map { i in
            guard let p = CommandLine.unsafeArgv[i] else { return "" }
            return string(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
        }
    }

    /// `parsed`, the trailing arguments of this process's argv as a parser gave them back
    /// (repaired), with their exact bytes.
    public static func trailingArguments(_ parsed: [String]) -> [String] {
        let raw = commandLine().suffix(parsed.count)
        let same = raw.count == parsed.count && zip(raw, parsed).allSatisfy { String(decoding: bytes($0), as: UTF8.self) == $1 }
        return same ? Array(raw) : parsed.map { string($0.utf8) }
    }
}
