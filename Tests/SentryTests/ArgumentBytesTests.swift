// ArgumentBytes: program arguments carried in Swift Strings with their exact bytes.
@testable import Sentry
import Testing

@Suite struct ArgumentBytesTests {
    @Test("valid UTF-8 outside the escape range is the String itself")
    func validTextUnchanged() {
        for s in ["", "ls", "-la", "héllo wörld", "日本語", "emoji 😀", "\u{10FEFF}", "\u{FFFD}", "a\u{7F}b"] {
            #expect(ArgumentBytes.string(Array(s.utf8)) == s)
            #expect(ArgumentBytes.bytes(s) == Array(s.utf8))
        }
    }

    @Test("bytes that are no UTF-8 each become one escape scalar, and come back",
          arguments: [[0xFF], [0x61, 0xFF, 0x62], [0x63, 0x61, 0x66, 0xE9], [0xC0, 0xAF], [0xE0, 0x80, 0x80],
                      [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5], [0xE2, 0x82], [0x80], [0xC3]] as [[UInt8]])
    func invalidBytesEscaped(_ bytes: [UInt8]) {
        let s = ArgumentBytes.string(bytes)
        #expect(!s.unicodeScalars.contains("\u{FFFD}"), "nothing repaired")
        #expect(ArgumentBytes.bytes(s) == bytes)
        let valid = String(validating: bytes, as: UTF8.self) != nil
        #expect(!valid)
    }

    @Test("the escape range's own characters travel byte by byte")
    func escapeRangeEscaped() {
        let text = "x\u{10FF41}y"
        let s = ArgumentBytes.string(Array(text.utf8))
        #expect(s.unicodeScalars.count == 6, "x, four escaped bytes, y")
        #expect(ArgumentBytes.bytes(s) == Array(text.utf8))
    }

    @Test("any byte string survives the round trip")
    func roundTrip() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...24, using: &rng)).map { _ in
                // Mostly the bytes UTF-8 is made of, so that valid and broken sequences mix.
                Bool.random(using: &rng) ? UInt8.random(in: 0x80...0xFF, using: &rng) : UInt8.random(in: 0...0xFF, using: &rng)
            }
            #expect(ArgumentBytes.bytes(ArgumentBytes.string(bytes)) == bytes, "\(bytes)")
        }
        // A string of escapes turned to bytes and back is the same string.
        let all = (0...255).map { UInt8($0) }
        #expect(ArgumentBytes.bytes(ArgumentBytes.string(all)) == all)
    }
}
