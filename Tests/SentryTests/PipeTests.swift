import Glibc
import Testing
@testable import Sentry
import SystemPackage

/// Writes `n` bytes of `byte` through the non-blocking write path.
private func put(_ p: Pipe, _ n: Int, _ byte: UInt8 = 0x61, packet: Bool = false) throws(Errno) -> Int {
    let bytes = [UInt8](repeating: byte, count: n)
    let r: Result<Int, Errno> = bytes.withUnsafeBytes { b in Result { () throws(Errno) in try p.write(b, packet: packet) } }
    return try r.get()
}

private func take(_ p: Pipe, _ n: Int) throws(Errno) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: n)
    let r: Result<Int, Errno> = out.withUnsafeMutableBytes { b in Result { () throws(Errno) in try p.read(into: b) } }
    out.removeLast(n - (try r.get()))
    return out
}

private func fillCount(_ p: Pipe, chunk: Int) -> Int {
    var total = 0
    while let n = try? put(p, chunk) { total += n }
    return total
}

@Suite("Pipe buffer") struct PipeBufferTests {
    @Test("default capacity is 64 KiB; 4096- and 1-byte writes fill it exactly")
    func capacity() throws {
        let (r, w) = PipeFile.makePair(statusFlags: 0)
        #expect(r.pipe.capacity == 65536)
        #expect(fillCount(w.pipe, chunk: 4096) == 65536)
        #expect(w.pipe.isFull)
        _ = try take(r.pipe, 1 << 20)
        #expect(fillCount(w.pipe, chunk: 1) == 65536)
        #expect(throws: Errno.resourceTemporarilyUnavailable) { try put(w.pipe, 1) }
    }

    @Test("1000-byte writes use page slots as Linux: 64000 bytes fit")
    func slotAccounting() {
        let (r, w) = PipeFile.makePair(statusFlags: 0)
        #expect(fillCount(w.pipe, chunk: 1000) == 64000)
        withExtendedLifetime(r) {}
    }

    @Test("writes up to PIPE_BUF are atomic; larger ones are partial when space is short")
    func atomicity() throws {
        let (r, w) = PipeFile.makePair(statusFlags: 0)
        #expect(fillCount(w.pipe, chunk: 4096) == 65536)
        _ = try take(r.pipe, 100)   // frees bytes but no slot
        #expect(throws: Errno.resourceTemporarilyUnavailable) { try put(w.pipe, 4096) }
        #expect(throws: Errno.resourceTemporarilyUnavailable) { try put(w.pipe, 100) }
        _ = try take(r.pipe, 4000)  // the first slot is free now
        #expect(try put(w.pipe, 4096) == 4096)
        _ = try take(r.pipe, 1 << 20)
        #expect(try put(w.pipe, 5000) == 5000)
        // 1696 bytes merge into the half-full second slot, then 14 free slots.
        #expect(try put(w.pipe, 100_000) == 1696 + 14 * 4096)
    }

    @Test("read order and contents survive wrap-around")
    func wrap() throws {
        let (r, w) = PipeFile.makePair(statusFlags: 0)
        var expected: [UInt8] = []
        var got: [UInt8] = []
        for round in 0..<40 {
            let n = 3000 + round * 37
            let byte = UInt8(truncatingIfNeeded: round)
            let wrote = try put(w.pipe, n, byte)
            expected += [UInt8](repeating: byte, count: wrote)
            got += try take(r.pipe, 2500 + round * 11)
        }
        got += try take(r.pipe, 1 << 20)
        #expect(got == expected)
    }

    @Test("EOF once the last writer is gone; EPIPE once the last reader is gone")
    func endOfFile() throws {
        var (r, w): (PipeFile?, PipeFile?) = PipeFile.makePair(statusFlags: 0)
        let pipe = r!.pipe
        var woke: EventMask = 0
        let waiter = Waiter(mask: PollEvents.input) { woke |= $0 }
        pipe.queue.add(waiter)
        _ = try put(pipe, 3)
        #expect(woke & PollEvents.input != 0)
        #expect(throws: Errno.resourceTemporarilyUnavailable) { _ = try take(pipe, 10); _ = try take(pipe, 10) }
        woke = 0
        w = nil
        #expect(pipe.writers == 0)
        #expect(woke & PollEvents.hangUp != 0)
        #expect(try take(pipe, 10).isEmpty)
        #expect(pipe.readiness(reading: true, writing: false) == PollEvents.hangUp)
        let w2 = PipeFile(pipe: pipe, accessMode: O_WRONLY, statusFlags: 0)
        r = nil
        #expect(pipe.readers == 0)
        #expect(throws: Errno.brokenPipe) { try put(w2.pipe, 1) }
        #expect(pipe.readiness(reading: false, writing: true) & PollEvents.error != 0)
        waiter.cancel()
        _ = (r, w)
    }

    @Test("packets: a read returns at most one packet and drops its unread rest")
    func packets() throws {
        let (r, w) = PipeFile.makePair(statusFlags: 0)
        #expect(try put(w.pipe, 3, 1, packet: true) == 3)
        #expect(try put(w.pipe, 5, 2, packet: true) == 5)
        #expect(try put(w.pipe, 5000, 3, packet: true) == 5000)
        #expect(try take(r.pipe, 100) == [1, 1, 1])
        #expect(try take(r.pipe, 2) == [2, 2])
        #expect(try take(r.pipe, 10000).count == 4096)
        #expect(try take(r.pipe, 10000).count == 904)
        #expect(r.pipe.count == 0)
    }

    @Test("F_SETPIPE_SZ rounding, EBUSY below the occupied slots, content kept across a resize")
    func resize() throws {
        #expect(Pipe.roundSize(0) == 4096)
        #expect(Pipe.roundSize(5000) == 8192)
        #expect(Pipe.roundSize(1 << 20) == 1 << 20)
        #expect(Pipe.roundSize((1 << 31) + 1) == nil)
        let (r, w) = PipeFile.makePair(statusFlags: 0)
        _ = try put(w.pipe, 4096, 7)
        _ = try put(w.pipe, 10, 8)
        #expect(throws: Errno.resourceBusy) { try w.pipe.setCapacity(4096) }
        try w.pipe.setCapacity(8192)
        #expect(w.pipe.capacity == 8192)
        #expect(w.pipe.isFull)
        try w.pipe.setCapacity(1 << 20)
        let data = try take(r.pipe, 1 << 20)
        #expect(data == [UInt8](repeating: 7, count: 4096) + [UInt8](repeating: 8, count: 10))
    }

    @Test("peek does not consume; consume frees what peek showed")
    func twoPhase() throws {
        let (r, w) = PipeFile.makePair(statusFlags: 0)
        _ = try put(w.pipe, 6000, 5)
        var buf = [UInt8](repeating: 0, count: 5000)
        let n = buf.withUnsafeMutableBytes { r.pipe.peek(into: $0) }
        #expect(n == 5000)
        #expect(r.pipe.count == 6000)
        r.pipe.consume(n)
        #expect(r.pipe.count == 1000)
    }
}

@Suite("Kernel timers") struct TimerQueueTests {
    @Test("fires in deadline order, skips cancelled timers, reports the next timeout")
    func order() {
        let q = TimerQueue()
        var fired: [Int] = []
        #expect(q.timeoutMillis(now: 0) == -1)
        q.add(deadline: 3_000_000) { fired.append(3) }
        let t2 = q.add(deadline: 2_000_000) { fired.append(2) }
        q.add(deadline: 1_000_000) { fired.append(1) }
        #expect(q.timeoutMillis(now: 0) == 1)
        #expect(q.timeoutMillis(now: 500_001) == 1)   // rounded up
        t2.cancel()
        #expect(q.fireExpired(now: 2_500_000) == 1)
        #expect(fired == [1])
        #expect(q.timeoutMillis(now: 2_500_000) == 1)
        #expect(q.fireExpired(now: 3_000_000) == 1)
        #expect(fired == [1, 3])
        #expect(q.count == 0)
        #expect(q.timeoutMillis(now: 4_000_000) == -1)
    }

    @Test("many cancelled timers are compacted away")
    func compaction() {
        let q = TimerQueue()
        let timers = (0..<1000).map { i in q.add(deadline: UInt64(1_000_000_000 + i)) {} }
        for t in timers.dropFirst() { t.cancel() }
        #expect(q.count == 1)
        #expect(q.fireExpired(now: UInt64.max) == 1)
    }
}
