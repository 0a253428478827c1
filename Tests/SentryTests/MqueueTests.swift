// POSIX message queues: the queue logic alone (priorities, limits, RLIMIT_MSGQUEUE and memory
// accounting, notification rules) and the syscalls over the FakePlatform (a parked receiver,
// a timeout, the SI_MESGQ signal injected from the sender, /dev/mqueue and its line).

import Glibc
import LinuxABI
import Platform
@testable import Sentry
import SystemPackage
import Testing

private func err(_ e: Errno) -> Int64 { e.syscallResult }
private let mqOpen = 240, mqUnlink = 241, mqTimedsend = 242, mqTimedreceive = 243, mqNotify = 244, mqGetsetattr = 245
private let O_CREAT: UInt64 = 0o100, O_EXCL: UInt64 = 0o200, O_NONBLOCK: UInt64 = 0o4000

private func user(_ uid: UInt32) -> Credentials {
    var c = Credentials()
    c.uid = uid; c.euid = uid; c.suid = uid; c.fsuid = uid
    c.effective = 0; c.permitted = 0
    return c
}

@Suite("POSIX message queues")
struct MqueueTests {
    @Test("highest priority first, FIFO within one; QSIZE, readiness and the memory charged")
    func priorities() throws {
        let memory = MemoryAccount(budget: 1 << 20)
        let ns = MqueueNamespace(memory: memory, users: MqueueUsers())
        let q = try ns.create(Array("q".utf8), mode: 0o600, creds: Credentials(), attr: (3, 16), rlimit: 819_200)
        #expect(q.readiness() == PollEvents.output | PollEvents.writeNormal)
        let before = memory.charged(.ipc)
        for (text, prio) in [("a1", 1), ("b5", 5), ("a2", 1)] as [(String, UInt32)] {
            #expect(try q.send(Array(text.utf8), priority: prio, senderPID: 1, senderUID: 0, memory: memory) == nil)
        }
        #expect(q.isFull)
        #expect(q.readiness() == PollEvents.input | PollEvents.readNormal)
        #expect(memory.charged(.ipc) == before + 3 * (MqLimits.msgHeader + 2))
        #expect(String(decoding: q.statusLine, as: UTF8.self) == "QSIZE:6          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n")
        var order: [String] = []
        while let m = q.receive() { order.append(String(decoding: m.text, as: UTF8.self) + "/\(m.priority)") }
        #expect(order == ["b5/5", "a1/1", "a2/1"])
        #expect(memory.charged(.ipc) == before)
        #expect(q.qsize == 0)
    }

    @Test("thousands of distinct priorities: received highest first, each priority FIFO")
    func manyPriorities() throws {
        let memory = MemoryAccount(budget: 1 << 30)
        let ns = MqueueNamespace(memory: memory, users: MqueueUsers())
        let q = try ns.create(Array("big".utf8), mode: 0o600, creds: Credentials(), attr: (40000, 2), rlimit: UInt64.max)
        for i in 0..<40000 {
            _ = try q.send([UInt8(i & 0xff), UInt8(i >> 8 & 0xff)], priority: UInt32(i % 20000), senderPID: 1, senderUID: 0, memory: memory)
        }
        var expected: [Int] = []
        for p in (0..<20000).reversed() { expected.append(p); expected.append(p + 20000) }
        var got: [Int] = []
        while let m = q.receive() { got.append(Int(m.text[0]) | Int(m.text[1]) << 8) }
        #expect(got == expected)
    }

    @Test("creation limits: attributes, queues_max, RLIMIT_MSGQUEUE (given back when the queue is freed)")
    func limits() throws {
        let users = MqueueUsers()
        let ns = MqueueNamespace(memory: MemoryAccount(budget: 1 << 20), users: users)
        let root = Credentials(), alice = user(1000)
        #expect(throws: Errno.invalidArgument) { try ns.create([0x61], mode: 0o600, creds: root, attr: (0, 16), rlimit: 819_200) }
        #expect(throws: Errno.invalidArgument) { try ns.create([0x61], mode: 0o600, creds: root, attr: (65537, 16), rlimit: 819_200) }
        #expect(throws: Errno.invalidArgument) { try ns.create([0x61], mode: 0o600, creds: alice, attr: (11, 16), rlimit: 819_200) }
        #expect(throws: Errno.tooManyOpenFiles) { try ns.create([0x61], mode: 0o600, creds: alice, attr: nil, rlimit: 1000) }
        // Ten default queues of 10 × 8192 bytes do not fit in 819,200 bytes (with their headers).
        var held: [PosixMessageQueue] = []
        for i in 0..<9 { held.append(try ns.create([UInt8(0x30 + i)], mode: 0o600, creds: alice, attr: nil, rlimit: 819_200)) }
        #expect(users.bytes[1000] == 9 * MqLimits.accountedBytes(maxmsg: 10, msgsize: 8192)!)
        #expect(throws: Errno.tooManyOpenFiles) { try ns.create([0x7A], mode: 0o600, creds: alice, attr: nil, rlimit: 819_200) }
        // Freeing one (unlinked and closed) gives its bytes back.
        try ns.root.remove([0x30])
        held.removeFirst()
        #expect(ns.queueCount == 8)
        #expect(throws: Never.self) { try ns.create([0x7A], mode: 0o600, creds: alice, attr: nil, rlimit: 819_200) }
        ns.queuesMax = 9
        #expect(throws: Errno.noSpace) { try ns.create([0x79], mode: 0o600, creds: alice, attr: (1, 1), rlimit: 819_200) }
        #expect(throws: Never.self) { try ns.create([0x79], mode: 0o600, creds: root, attr: (1, 1), rlimit: 819_200) }
        #expect(throws: Errno.permissionDenied) { try MqueueNamespace.checkName(Array("a/b".utf8)) }
        #expect(throws: Errno.fileNameTooLong) { try MqueueNamespace.checkName([UInt8](repeating: 0x61, count: 256)) }
        #expect(MqLimits.accountedBytes(maxmsg: Int.max / 2, msgsize: 4) == nil)
    }

    @Test("notification: empty to non-empty only, once, not while a receiver waits, EBUSY, owner-only removal")
    func notification() throws {
        let h = try KernelHarness()
        let memory = h.kernel.memory
        let ns = MqueueNamespace(memory: memory, users: MqueueUsers())
        let q = try ns.create([0x71], mode: 0o600, creds: Credentials(), attr: (4, 8), rlimit: 819_200)
        let owner = h.initTask.group
        let reg = MqNotification(owner: owner, ownerPID: 1, notify: MqLimits.SIGEV_SIGNAL, signal: 10, value: 42)
        try q.register(reg)
        #expect(throws: Errno.resourceBusy) { try q.register(reg) }
        #expect(String(decoding: q.statusLine, as: UTF8.self).hasPrefix("QSIZE:0          NOTIFY:0     SIGNO:10    NOTIFY_PID:1     "))
        // A receiver waits: the message is its, nobody is told, the registration stays.
        q.waitingReceivers = 1
        #expect(try q.send([1], priority: 0, senderPID: 7, senderUID: 1000, memory: memory) == nil)
        q.waitingReceivers = 0
        _ = q.receive()
        let s = try #require(try q.send([1], priority: 0, senderPID: 7, senderUID: 1000, memory: memory))
        #expect(s.signal == 10 && s.info.si_code == SigCode.SI_MESGQ)
        #expect(s.info.si_pid == 7 && s.info.si_uid == 1000 && s.info.si_value == 42)
        #expect(q.registration == nil)
        try q.register(reg)
        #expect(try q.send([2], priority: 0, senderPID: 7, senderUID: 1000, memory: memory) == nil)  // not empty before
        let other = ThreadGroup(hostTGID: 99, pid: 99, parent: nil, rlimits: ResourceLimits())
        q.unregister(other)
        #expect(q.registration != nil)
        q.unregister(owner)
        #expect(q.registration == nil)
        // A registration whose process is gone (no threads) counts for nothing.
        try q.register(MqNotification(owner: other, ownerPID: 99, notify: MqLimits.SIGEV_NONE, signal: 0, value: 0))
        #expect(q.registration == nil)
    }

    @Test("SIGEV_THREAD: the cookie as registered, NOTIFY_WOKENUP on a send, NOTIFY_REMOVED on removal")
    func threadNotification() throws {
        final class Socket: NetlinkNotifyTarget {
            var received: [[UInt8]] = []
            func queueKernelDatagram(_ bytes: [UInt8]) { received.append(bytes) }
        }
        let h = try KernelHarness()
        let memory = h.kernel.memory
        let ns = MqueueNamespace(memory: memory, users: MqueueUsers())
        let q = try ns.create([0x72], mode: 0o600, creds: Credentials(), attr: (4, 8), rlimit: 819_200)
        let socket = Socket()
        var reg = MqNotification(owner: h.initTask.group, ownerPID: 1, notify: MqLimits.SIGEV_THREAD, signal: 5, value: 0)
        reg.socket = socket
        reg.cookie = [UInt8](repeating: 0x63, count: MqLimits.cookieLength)
        try q.register(reg)
        #expect(try q.send([1], priority: 0, senderPID: 7, senderUID: 0, memory: memory) == nil)  // no signal
        #expect(socket.received == [[UInt8](repeating: 0x63, count: 31) + [MqLimits.NOTIFY_WOKENUP]])
        #expect(q.registration == nil)
        _ = try q.send([2], priority: 0, senderPID: 7, senderUID: 0, memory: memory)   // fired once
        #expect(socket.received.count == 1)
        try q.register(reg)
        q.unregister(h.initTask.group)
        #expect(socket.received.last == [UInt8](repeating: 0x63, count: 31) + [MqLimits.NOTIFY_REMOVED])
        // A socket the program closed is told nothing (weakly held), and nothing breaks.
        var gone = reg
        do { let s2 = Socket(); gone.socket = s2 }
        #expect(gone.socket == nil)
        try q.register(gone)
        q.unregister(h.initTask.group)
    }

    @Test("mq_open, a parked receiver woken by a child's send, the SI_MESGQ signal injected from the sender")
    func syscalls() throws {
        let h = try KernelHarness()
        var attr = [UInt8](repeating: 0, count: 64)
        attr.putLE(Int64(2), at: 8); attr.putLE(Int64(8), at: 16)
        let name = h.string("q")
        let fd = try #require(h.value(mqOpen, name, O_CREAT | O_EXCL | 2, 0o600, h.bytes(attr)))
        #expect(fd >= 0)
        #expect(h.value(mqOpen, name, O_CREAT | O_EXCL | 2, 0o600, 0) == err(.fileExists))
        #expect(h.value(mqOpen, h.string("a/b"), O_CREAT | 2, 0o600, 0) == err(.permissionDenied))
        #expect(h.initTask.fdTable[Int32(fd)]?.closeOnExec == true)
        let buf = h.buffer(16), prio = h.buffer(4)
        #expect(h.value(mqTimedreceive, UInt64(fd), buf, 4, prio, 0) == err(.messageTooLong))
        // A blocking receive parks; a child's send (the fd is inherited) completes it.
        let child = try #require(h.fork(child: 5_000_300, pid: 2))
        let text = h.bytes(Array("hi".utf8), in: child)
        let before = h.platform.completionCount
        #expect(h.call(mqTimedreceive, UInt64(fd), buf, 16, prio, 0) == nil)
        #expect(h.initTask.ipc.mqueue.root.queue([0x71])?.waitingReceivers == 1)
        #expect(h.value(mqTimedsend, UInt64(fd), text, 2, 3, 0, on: child) == 0)
        #expect(h.platform.completions(of: fakeInitTID, from: before) == [.skip(2)])
        #expect(h.initTask.ipc.mqueue.root.queue([0x71])?.waitingReceivers == 0)
        #expect(h.read(buf, 2) == Array("hi".utf8))
        #expect(h.int32s(prio, 1) == [3])
        // Notification: SIGEV_SIGNAL SIGUSR1 from pid 1, fired by the child's send into the empty queue.
        var ev = [UInt8](repeating: 0, count: 64)
        ev.putLE(UInt64(42), at: 0); ev.putLE(Int32(10), at: 8); ev.putLE(Int32(0), at: 12)
        let sigev = h.bytes(ev)
        #expect(h.value(mqNotify, UInt64(fd), sigev) == 0)
        #expect(h.value(mqNotify, UInt64(fd), sigev) == err(.resourceBusy))
        let injected = h.platform.injections.count
        #expect(h.value(mqTimedsend, UInt64(fd), text, 2, 0, 0, on: child) == 0)
        let call = try #require(h.platform.injections.dropFirst(injected).first { $0.nr == SyscallNumber.rt_tgsigqueueinfo })
        #expect(call.tid == child.hostTID)
        #expect(Array(call.args.prefix(3)) == [1, 1, 10])
        // Full and O_NONBLOCK: EAGAIN; a past absolute timeout: ETIMEDOUT; a bad one: EINVAL.
        #expect(h.value(mqTimedsend, UInt64(fd), text, 2, 0, 0) == 0)
        var flags = [UInt8](repeating: 0, count: 64)
        flags.putLE(Int64(O_NONBLOCK), at: 0)
        let old = h.buffer(64)
        #expect(h.value(mqGetsetattr, UInt64(fd), h.bytes(flags), old) == 0)
        #expect(h.read(old + 8, 1) == [2] && h.read(old + 24, 1) == [2])
        #expect(h.value(mqTimedsend, UInt64(fd), text, 2, 0, 0) == err(.resourceTemporarilyUnavailable))
        #expect(h.value(mqGetsetattr, UInt64(fd), h.bytes([UInt8](repeating: 0, count: 64)), 0) == 0)
        var past = [UInt8](repeating: 0, count: 16)
        past.putLE(Int64(1), at: 0)
        #expect(h.value(mqTimedsend, UInt64(fd), text, 2, 0, h.bytes(past)) == err(.timedOut))
        past.putLE(Int64(1_000_000_000), at: 8)
        #expect(h.value(mqTimedsend, UInt64(fd), text, 2, 0, h.bytes(past)) == err(.invalidArgument))
        #expect(h.value(mqTimedsend, UInt64(fd), text, 2, 40000, 0) == err(.invalidArgument))
        // The queue in /dev/mqueue: its line, then unlink; the open queue lives on.
        let dev = try #require(h.value(2, h.string("/dev/mqueue/q"), 0, 0))
        let line = h.buffer(80)
        #expect(h.value(0, UInt64(dev), line, 80) == 60)
        #expect(String(decoding: h.read(line, 60), as: UTF8.self).hasPrefix("QSIZE:4          NOTIFY:0     SIGNO:0     "))
        #expect(h.value(mqUnlink, name) == 0)
        #expect(h.value(mqUnlink, name) == err(.noSuchFileOrDirectory))
        #expect(h.value(2, h.string("/dev/mqueue/q"), 0, 0) == err(.noSuchFileOrDirectory))
        #expect(h.value(mqTimedreceive, UInt64(fd), buf, 16, 0, 0) == 2)
    }

    @Test("/proc/sys/fs/mqueue: readable, written by root within Linux's bounds")
    func sysctls() throws {
        let h = try KernelHarness()
        let path = h.string("/proc/sys/fs/mqueue/msg_max")
        // A failed open is a failed test with its errno, not a crash of the whole test run.
        let opened = h.value(2, path, 2, 0)
        let fd = try #require(opened.flatMap { $0 >= 0 ? $0 : nil }, "open(msg_max, O_RDWR): \(String(describing: opened))")
        let buf = h.buffer(16)
        #expect(h.value(0, UInt64(fd), buf, 16) == 3)
        #expect(h.read(buf, 3) == Array("10\n".utf8))
        #expect(h.value(1, UInt64(fd), h.bytes(Array("0\n".utf8)), 2) == err(.invalidArgument))
        #expect(h.value(1, UInt64(fd), h.bytes(Array("65537\n".utf8)), 6) == err(.invalidArgument))
        #expect(h.value(1, UInt64(fd), h.bytes(Array("20\n".utf8)), 3) == 3)
        #expect(h.initTask.ipc.mqueue.msgMax == 20)
    }
}
