// AF_UNIX sockets in a real Kernel on the fake Platform: a socketpair's round trip, a fault
// that leaves the data queued, the memory account's charge, a parked receive woken by a send,
// and SCM_RIGHTS files in flight closed with the queue that held them.

import Glibc
import LinuxABI
import Platform
@testable import Sentry
import SystemPackage
import Testing

private func err(_ e: Errno) -> Int64 { e.syscallResult }

@Suite("AF_UNIX sockets on the fake Platform", .serialized)
struct UnixSocketTests {
    private func pair(_ h: KernelHarness, type: Int32 = Socket.SOCK_STREAM) throws -> (UInt64, UInt64) {
        let fds = h.buffer(8)
        #expect(h.value(SyscallNumber.socketpair, UInt64(Socket.AF_UNIX), UInt64(type), 0, fds) == 0)
        let p = h.int32s(fds, 2)
        return (UInt64(p[0]), UInt64(p[1]))
    }

    @Test("socketpair: bytes go round; a fault on receive leaves them queued; the queue is charged")
    func roundTrip() throws {
        let h = try KernelHarness()
        let (a, b) = try pair(h)
        #expect(h.value(SyscallNumber.sendto, a, h.bytes(Array("hello".utf8)), 5, 0, 0, 0) == 5)
        #expect(h.kernel.memory.charged(.sockets) == 5 + UnixSocketFile.messageCost)
        #expect(h.value(SyscallNumber.recvfrom, b, 0x10, 5, 0, 0, 0) == err(.badAddress))
        let buf = h.buffer(16)
        #expect(h.value(SyscallNumber.recvfrom, b, buf, 16, 0, 0, 0) == 5)
        #expect(h.read(buf, 5) == Array("hello".utf8))
        #expect(h.kernel.memory.charged(.sockets) == 0)
        #expect(h.value(SyscallNumber.recvfrom, b, buf, 16, UInt64(MessageFlags.DONTWAIT), 0, 0) == err(.resourceTemporarilyUnavailable))
    }

    @Test("a blocking receive parks and a send wakes it; the peer's close is end of input")
    func parkAndWake() throws {
        let h = try KernelHarness()
        let (a, b) = try pair(h)
        let buf = h.buffer(16)
        let child = try #require(h.fork(child: 4242, pid: 2))
        #expect(h.call(SyscallNumber.read, b, buf, 16, on: child) == nil)   // parked
        #expect(h.value(SyscallNumber.write, a, h.bytes([1, 2, 3]), 3) == 3)
        h.kernel.serveReady()
        #expect(h.read(buf, 3, in: child) == [1, 2, 3])
        #expect(h.value(SyscallNumber.close, a) == 0)
        #expect(h.value(SyscallNumber.close, a, on: child) == 0)
        #expect(h.value(SyscallNumber.read, b, buf, 16) == 0)
    }

    @Test("SCM_RIGHTS files in flight count for the sender and go with the unread queue")
    func inFlight() throws {
        let h = try KernelHarness()
        let (a, b) = try pair(h, type: Socket.SOCK_DGRAM)
        let pipeFDs = h.buffer(8)
        #expect(h.value(SyscallNumber.pipe2, pipeFDs, 0) == 0)
        let w = h.int32s(pipeFDs, 2)[1]
        let le32: (Int32) -> [UInt8] = { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let le64: (UInt64) -> [UInt8] = { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let control = h.bytes(le64(20) + le32(1) + le32(1) + le32(w) + [0, 0, 0, 0])
        let iov = h.bytes(le64(h.bytes([7])) + le64(1))
        let msg = h.bytes(le64(0) + le64(0) + le64(iov) + le64(1) + le64(control) + le64(24) + le64(0))
        #expect(h.value(SyscallNumber.sendmsg, a, msg, 0) == 1)
        #expect(h.kernel.network.inflight[0] == 1)
        #expect(h.value(SyscallNumber.close, UInt64(w)) == 0)
        #expect(h.value(SyscallNumber.close, b) == 0)   // the unread queue and its file go
        #expect(h.kernel.network.inflight[0] == nil)
        #expect(h.value(SyscallNumber.read, UInt64(h.int32s(pipeFDs, 2)[0]), h.buffer(4), 4) == 0)   // no writer left
    }
}

@Suite("AF_UNIX nesting limit", .serialized)
struct UnixSocketNestingTests {
    @Test("sockets nest in each other's queues at most 4 deep (ETOOMANYREFS), as unix_attach_fds")
    func nesting() throws {
        let h = try KernelHarness()
        let le32: (Int32) -> [UInt8] = { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let le64: (UInt64) -> [UInt8] = { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        func send(_ over: Int32, _ fd: Int32) -> Int64? {
            let control = h.bytes(le64(20) + le32(1) + le32(1) + le32(fd) + [0, 0, 0, 0])
            let iov = h.bytes(le64(h.bytes([7])) + le64(1))
            let msg = h.bytes(le64(0) + le64(0) + le64(iov) + le64(1) + le64(control) + le64(24) + le64(0))
            return h.value(SyscallNumber.sendmsg, UInt64(over), msg, 0)
        }
        var pairs: [(Int32, Int32)] = []
        for _ in 0..<6 {
            let fds = h.buffer(8)
            #expect(h.value(SyscallNumber.socketpair, UInt64(Socket.AF_UNIX), UInt64(Socket.SOCK_DGRAM), 0, fds) == 0)
            let p = h.int32s(fds, 2)
            pairs.append((p[0], p[1]))
        }
        // pair i+1's receiving end goes into pair i's queue... each level one deeper.
        var results: [Int64?] = []
        for i in (0..<5).reversed() { results.append(send(pairs[i].0, pairs[i + 1].1)) }
        #expect(results == [1, 1, 1, 1, err(Errno(rawValue: 109))], "\(results)")
    }
}
