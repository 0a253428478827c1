// Codec: every message round-trips; truncated, oversized, trailing, garbage and random input
// decodes to an error and never traps.

import GoferProtocol
import Testing

let sampleAttr = GoferAttr(mode: 0o100644, nlink: 2, uid: 1000, gid: 100, rdev: 0x0801, size: 12345,
                           blksize: 4096, blocks: 24, atimeSec: 1_700_000_000, atimeNsec: 1, mtimeSec: -5,
                           mtimeNsec: 999_999_999, ctimeSec: Int64.max, ctimeNsec: 0, ino: UInt64.max, dev: 42)

let sampleRequests: [GoferRequest] = [
    .attach(root: 0),
    .attach(root: 7),
    .walk(dir: 1, names: [b("usr"), b("lib"), b("x86_64-linux-gnu"), b("libc.so.6")]),
    .walk(dir: 7, names: Array(repeating: [UInt8](repeating: 0x61, count: 255), count: GoferWire.maxWalkNames)),
    .open(handle: 3, flags: 0o2),
    .create(dir: 1, name: b("new file"), flags: 0o1101, mode: 0o600, uid: 1, gid: 2),
    .mkdir(dir: 1, name: b("d"), mode: 0o755, uid: 0, gid: 0),
    .mknod(dir: 1, name: b("fifo"), mode: 0o010644, uid: 5, gid: 6),
    .symlink(dir: 1, name: b("l"), target: b("../../etc/passwd"), uid: 0, gid: 0),
    .link(dir: 2, name: b("hard"), target: 9),
    .unlink(dir: 2, name: b("gone"), flags: 0x200),
    .rename(oldDir: 2, oldName: b("a"), newDir: 3, newName: b("b"), flags: 1),
    .readlink(handle: 4),
    .getdents(handle: 5),
    .stat(handle: 6),
    .setattr(handle: 7, attr: GoferSetAttr(mask: .all, mode: 0o4755, uid: 1, gid: 2, size: 1 << 40, atimeSec: 3,
                                           atimeNsec: GoferSetAttr.utimeNow, mtimeSec: 4, mtimeNsec: 5)),
    .statfs(handle: 8),
    .fsync(handle: 9),
    .connect(handle: 10, type: 1),
    .connect(handle: 11, type: 5),
    .close(handle: UInt64.max),
]

let sampleReplies: [GoferReply] = [
    .error(2),
    .attach(GoferNode(handle: 1, attr: sampleAttr)),
    .walk([GoferNode(handle: 2, attr: sampleAttr), GoferNode(handle: 3, attr: GoferAttr())]),
    .open,
    .create(GoferNode(handle: 4, attr: sampleAttr)),
    .mkdir(GoferNode(handle: 5, attr: sampleAttr)),
    .mknod(GoferNode(handle: 6, attr: sampleAttr)),
    .symlink(GoferNode(handle: 7, attr: sampleAttr)),
    .link, .unlink, .rename, .setattr, .fsync, .connect,
    .readlink(b("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")),
    .getdents([GoferDirent(name: b("a"), ino: 1, type: 4), GoferDirent(name: b("bb"), ino: 2, type: 8)], last: false),
    .getdents([], last: true),
    .stat(sampleAttr),
    .statfs(GoferStatFS(type: 0x01021994, bsize: 4096, blocks: 1, bfree: 2, bavail: 3, files: 4, ffree: 5,
                        namelen: 255, frsize: 4096, flags: 0x21)),
]

/// Rewrites the header's payload length to match the buffer.
func patchLength(_ m: [UInt8]) -> [UInt8] {
    var m = m
    let len = UInt32(max(0, m.count - GoferWire.headerSize))
    if m.count >= 12 { for i in 0..<4 { m[8 + i] = UInt8(truncatingIfNeeded: len >> (8 * UInt32(i))) } }
    return m
}

func requestFails(_ bytes: [UInt8]) -> GoferDecodeError? {
    do { _ = try GoferRequest.decode(bytes); return nil } catch { return error }
}

func replyFails(_ bytes: [UInt8]) -> GoferDecodeError? {
    do { _ = try GoferReply.decode(bytes); return nil } catch { return error }
}

@Suite struct CodecTests {
    @Test func requestsRoundTrip() throws {
        for (i, r) in sampleRequests.enumerated() {
            let bytes = r.encoded(id: UInt32(i) &* 7919)
            #expect(bytes.count <= GoferWire.maxMessageSize)
            let d = try GoferRequest.decode(bytes)
            #expect(d.id == UInt32(i) &* 7919)
            #expect(d.request == r)
        }
    }

    @Test func repliesRoundTrip() throws {
        for (i, r) in sampleReplies.enumerated() {
            let bytes = r.encoded(id: UInt32(i) + 100)
            let d = try GoferReply.decode(bytes)
            #expect(d.id == UInt32(i) + 100)
            #expect(d.reply == r)
        }
    }

    @Test func headerLayoutIsLittleEndian() {
        let m = GoferRequest.stat(handle: 0x0102030405060708).encoded(id: 0xA1B2C3D4)
        #expect(m == [13, 0, 0, 0, 0xD4, 0xC3, 0xB2, 0xA1, 8, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1])
    }

    @Test func truncatedMessagesFail() {
        for r in sampleRequests {
            let m = r.encoded(id: 1)
            // Every cut of small messages; a sample of cuts of the 32 KiB walk (quadratic otherwise).
            for cut in stride(from: 0, to: m.count, by: m.count > 2048 ? 97 : 1) {
                let prefix = Array(m[0..<cut])
                #expect(requestFails(prefix) != nil)  // header length disagrees
                if cut >= GoferWire.headerSize, true {
                    #expect(requestFails(patchLength(prefix)) != nil)  // fields run short
                }
            }
        }
        for r in sampleReplies {
            let m = r.encoded(id: 1)
            for cut in 0..<m.count {
                let prefix = Array(m[0..<cut])
                #expect(replyFails(prefix) != nil)
                let patched = patchLength(prefix)
                if cut > GoferWire.headerSize, replyFails(patched) == nil {
                    // Only a payload-less reply may survive cutting: never one with fields.
                    Issue.record("truncated reply decoded: \(r) at \(cut)")
                }
            }
        }
    }

    @Test func trailingBytesOversizedAndHeaderErrors() {
        let m = GoferRequest.stat(handle: 1).encoded(id: 1)
        #expect(requestFails(patchLength(m + [0])) == .trailingBytes)
        #expect(requestFails(m + [0]) == .badLength)
        var reserved = m
        reserved[2] = 1
        #expect(requestFails(reserved) == .badReserved)
        var unknown = m
        unknown[0] = 0x7F
        #expect(requestFails(unknown) == .unknownType(0x7F))
        let huge = patchLength([13, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0] + [UInt8](repeating: 0, count: 70_000))
        #expect(requestFails(huge) == .oversized)
        #expect(replyFails(huge) == .oversized)
        // A reply type is not a request and vice versa.
        #expect(requestFails(GoferReply.link.encoded(id: 1)) != nil)
        #expect(replyFails(GoferRequest.attach(root: 0).encoded(id: 1)) != nil)
        // Error replies carry a real errno.
        #expect(replyFails(GoferReply.error(0).encoded(id: 1)) == .badValue)
        #expect(replyFails(GoferReply.error(-5).encoded(id: 1)) == .badValue)
    }

    @Test func badNamesAreRefused() {
        let bad: [[UInt8]] = [[], b("."), b(".."), b("a/b"), b("/"), [0x61, 0, 0x62],
                              [UInt8](repeating: 0x61, count: 256)]
        for n in bad {
            #expect(requestFails(GoferRequest.walk(dir: 1, names: [b("ok"), n]).encoded(id: 1)) != nil)
            #expect(requestFails(GoferRequest.create(dir: 1, name: n, flags: 0, mode: 0, uid: 0, gid: 0).encoded(id: 1)) != nil)
            #expect(requestFails(GoferRequest.rename(oldDir: 1, oldName: b("x"), newDir: 1, newName: n, flags: 0).encoded(id: 1)) != nil)
            #expect(replyFails(GoferReply.getdents([GoferDirent(name: n, ino: 1, type: 8)], last: true).encoded(id: 1)) != nil)
        }
        #expect(requestFails(GoferRequest.walk(dir: 1, names: [b("..")]).encoded(id: 1)) == .badName)
        #expect(requestFails(GoferRequest.walk(dir: 1, names: []).encoded(id: 1)) == .badValue)
        let tooMany = Array(repeating: b("a"), count: GoferWire.maxWalkNames + 1)
        #expect(requestFails(GoferRequest.walk(dir: 1, names: tooMany).encoded(id: 1)) == .badValue)
        // Symlink targets: no NUL, not empty ('/' and '..' are fine: never followed by the Gofer).
        #expect(requestFails(GoferRequest.symlink(dir: 1, name: b("l"), target: [], uid: 0, gid: 0).encoded(id: 1)) != nil)
        #expect(requestFails(GoferRequest.symlink(dir: 1, name: b("l"), target: [0x2F, 0], uid: 0, gid: 0).encoded(id: 1)) != nil)
        // setattr: unknown mask bits, negative size, bad nanoseconds.
        #expect(requestFails(GoferRequest.setattr(handle: 1, attr: GoferSetAttr(mask: GoferSetAttrMask(rawValue: 1 << 9))).encoded(id: 1)) == .badValue)
        // connect: only the three unix socket types (no SOCK_RAW, no flags smuggled in the type).
        for type: Int32 in [0, 3, 4, 6, -1, 1 | 0x800, 1 | 0x80000] {
            #expect(requestFails(GoferRequest.connect(handle: 1, type: type).encoded(id: 1)) == .badValue)
        }
        #expect(requestFails(GoferRequest.setattr(handle: 1, attr: GoferSetAttr(mask: .size, size: -1)).encoded(id: 1)) == .badValue)
        #expect(requestFails(GoferRequest.setattr(handle: 1, attr: GoferSetAttr(mask: .mtime, mtimeNsec: 1_000_000_000)).encoded(id: 1)) == .badValue)
    }

    @Test func randomAndMutatedInputNeverTraps() {
        var rng = XorShift(state: 0x9E37_79B9_7F4A_7C15)
        var decodedSomething = 0
        for _ in 0..<20_000 {
            var m = [UInt8](repeating: 0, count: rng.below(300))
            for i in m.indices { m[i] = UInt8(truncatingIfNeeded: rng.next()) }
            if rng.below(2) == 0, m.count >= 12 {  // plausible header: known type, reserved 0, length right
                let t = UInt16(1 + rng.below(17)) | (rng.below(2) == 0 ? 0x8000 : 0)
                m[0] = UInt8(t & 0xFF); m[1] = UInt8(t >> 8); m[2] = 0; m[3] = 0
                m = patchLength(m)
            }
            if requestFails(m) == nil { decodedSomething += 1 }
            if replyFails(m) == nil { decodedSomething += 1 }
        }
        let all = sampleRequests.map { $0.encoded(id: 3) } + sampleReplies.map { $0.encoded(id: 3) }
        for _ in 0..<20_000 {
            var m = all[rng.below(all.count)]
            for _ in 0..<(1 + rng.below(4)) where !m.isEmpty {
                m[rng.below(m.count)] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.below(3) == 0 { m = patchLength(m) }
            _ = requestFails(m)
            _ = replyFails(m)
        }
        // Plausible headers make some random payload-less messages decode: the generator reached the decoders.
        #expect(decodedSomething > 0)
    }
}
