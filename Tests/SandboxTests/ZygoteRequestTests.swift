// The zygote's request codec (Sandbox/Parts/Zygote.swift): what husk run sends is what the
// zygote reads, and anything malformed is refused rather than half-read.
import Testing
@testable import Sandbox

@Suite("zygote requests")
struct ZygoteRequestTests {
    let sample = ZygoteRequest(argv: ["husk", "sentry", "--env", "A=b c", "--", "/bin/sh", ""], targets: [0, 1, 2, 3, 9],
                               cloneFlags: 0x6c02_0000, unshareFlags: 0, setsid: true, joinsNetns: true)

    @Test("a request decodes to itself, empty arguments included")
    func roundTrip() {
        #expect(ZygoteRequest.decode(sample.encode()) == sample)
        var plain = sample
        plain.joinsNetns = false
        plain.setsid = false
        plain.targets = []
        #expect(ZygoteRequest.decode(plain.encode()) == plain)
        #expect(sample.fdCount == 2 + 5 + 1)
    }

    @Test("every cut of a request is refused")
    func truncated() {
        let bytes = sample.encode()
        for n in 0..<bytes.count { #expect(ZygoteRequest.decode(bytes.prefix(n)) == nil, "cut at \(n)") }
    }

    @Test("a bad magic, flag byte, target or trailing byte is refused")
    func malformed() {
        let bytes = sample.encode()
        var magic = bytes; magic[0] = 0x58
        #expect(ZygoteRequest.decode(magic) == nil)
        var flag = bytes; flag[20] = 2          // setsid is 0 or 1
        #expect(ZygoteRequest.decode(flag) == nil)
        var target = bytes; target[24...27] = [0xfe, 0xff, 0xff, 0xff]   // the first target: -2
        #expect(ZygoteRequest.decode(target) == nil)
        // -1 is CHUSK_JOIN_CGROUP: a cgroup tasks file the part moves itself into.
        var join = bytes; join[24...27] = [0xff, 0xff, 0xff, 0xff]
        #expect(ZygoteRequest.decode(join)?.targets.first == -1)
        #expect(ZygoteRequest.decode(bytes + [0x41]) == nil)
        var many = sample
        many.targets = Array(repeating: 5, count: 40)
        #expect(ZygoteRequest.decode(many.encode()) == nil, "more fds than a message carries")
    }
}
