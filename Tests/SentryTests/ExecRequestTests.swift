// husk exec's request as the shim passes it to the Sentry (Kernel/ExecRequest.swift): what the
// runtime encodes is what the Sentry decodes, and anything malformed is refused, never guessed.

@testable import Sentry
import Testing

@Suite struct ExecRequestTests {
    func sample() -> ExecRequest {
        var r = ExecRequest()
        r.argv = ["sh", "-c", "echo $X; exit 3", ""]
        r.env = ["PATH=/bin", "X=a=b", "EMPTY="]
        r.cwd = "/tmp/work dir"
        r.uid = 1000
        r.gid = 100
        r.groups = [10, 20]
        r.terminal = ExecRequest.Terminal(rows: 33, columns: 91)
        var c = ExecRequest.Capabilities()
        c.bounding = 0x3fff; c.effective = 1 << 21; c.inheritable = 0; c.permitted = 0x3fff
        r.capabilities = c
        return r
    }

    @Test("encode then decode gives the same request, empty arguments and '=' in values included")
    func roundTrip() {
        let r = sample()
        #expect(ExecRequest.decode(r.encoded) == r)
        var plain = ExecRequest()
        plain.argv = ["/bin/true"]
        let back = ExecRequest.decode(plain.encoded)
        #expect(back == plain)
        #expect(back?.terminal == nil && back?.capabilities == nil, "absent parts stay absent")
    }

    @Test("a NUL inside a string cannot split it into another item")
    func nulsDropped() {
        var r = ExecRequest()
        r.argv = ["echo", "a\u{0}uinjected"]
        let back = ExecRequest.decode(r.encoded)
        #expect(back?.argv == ["echo", "auinjected"])
        #expect(back?.uid == 0)
    }

    @Test("malformed requests are refused: no argv, an unknown tag, a bad number, a relative cwd, no final NUL")
    func malformed() {
        func bytes(_ s: String) -> [UInt8] { Array(s.utf8).map { $0 == UInt8(ascii: "|") ? 0 : $0 } }
        #expect(ExecRequest.decode(bytes("c/|u0|")) == nil, "no argv")
        #expect(ExecRequest.decode(bytes("a|")) == nil, "an empty program name")
        #expect(ExecRequest.decode(bytes("ash|zwhat|")) == nil, "unknown tag")
        #expect(ExecRequest.decode(bytes("ash|u-1|")) == nil, "negative uid")
        #expect(ExecRequest.decode(bytes("ash|u4294967296|")) == nil, "uid out of range")
        #expect(ExecRequest.decode(bytes("ash|t24|")) == nil, "terminal without columns")
        #expect(ExecRequest.decode(bytes("ash|cetc|")) == nil, "relative cwd")
        #expect(ExecRequest.decode(bytes("ash|u0")) == nil, "no final NUL")
        #expect(ExecRequest.decode(bytes("ash||")) == nil, "an empty item")
        #expect(ExecRequest.decode([UInt8](repeating: UInt8(ascii: "a"), count: ExecRequest.maxEncodedBytes + 1)) == nil, "too long")
        #expect(ExecRequest.decode(bytes("ash|")) != nil)
    }

    @Test("replies are 9 bytes: tag, session and value little-endian, negative values included")
    func replies() {
        let r = RuntimeMessage.reply(RuntimeMessage.exited, session: 0x0102_0304, value: -2)
        #expect(r.count == RuntimeMessage.replySize)
        #expect(r[0] == RuntimeMessage.exited)
        #expect(RuntimeMessage.readLE32(r[1..<5]) == 0x0102_0304)
        #expect(Int32(bitPattern: RuntimeMessage.readLE32(r[5..<9])) == -2)
    }
}
