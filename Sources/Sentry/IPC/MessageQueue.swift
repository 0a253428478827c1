import LinuxABI
import SystemPackage

// System V message queues (ipc/msg.c). A queue holds its messages in order, each with its
// type and bytes (charged to the sandbox's MemoryAccount as Linux charges them to the sender's
// memory cgroup). Senders wait while the queue is full, receivers while no message matches;
// both park on the queue's wait queue and try again when it changes, and wake to EIDRM when
// it is removed.

struct Message {
    let type: Int64
    let text: [UInt8]
    let charge: MemoryCharge
}

final class MessageQueue: IPCObject {
    static let MSG_NOERROR: Int32 = 0o10000, MSG_EXCEPT: Int32 = 0o20000, MSG_COPY: Int32 = 0o40000

    var messages: [Message] = []
    var bytes = 0
    var maxBytes: Int
    var stime: Int64 = 0, rtime: Int64 = 0, ctime: Int64
    var lspid: Int32 = 0, lrpid: Int32 = 0
    /// Fires on a send (receivers try again: input), a receive or a larger msg_qbytes
    /// (senders: output), and on removal (everyone: hang-up).
    let queue = WaitQueue()

    init(perm: IPCPerm, maxBytes: Int) {
        self.maxBytes = maxBytes
        ctime = IPCNamespace.now()
        super.init(perm: perm)
    }

    /// msg_fits_inqueue: the bytes and, as Linux counts them, the messages within msg_qbytes.
    func fits(_ size: Int) -> Bool { size + bytes <= maxBytes && 1 + messages.count <= maxBytes }

    /// How msgrcv's type selects (convert_mode).
    enum Search {
        case any, equal(Int64), notEqual(Int64), lessEqual(Int64), number(Int64)
        init(type: Int64, flags: Int32) {
            if flags & MessageQueue.MSG_COPY != 0 { self = .number(type) }
            else if type == 0 { self = .any }
            else if type < 0 { self = .lessEqual(type == Int64.min ? Int64.max : -type) }
            else if flags & MessageQueue.MSG_EXCEPT != 0 { self = .notEqual(type) }
            else { self = .equal(type) }
        }
    }

    /// find_msg: the first message of the type asked; for a negative type the first of the
    /// lowest type at most |type|; for MSG_COPY the n-th message.
    func find(_ search: Search) -> Int? {
        var found: Int?
        var bestType = Int64.max
        for (i, m) in messages.enumerated() {
            switch search {
            case .any: return i
            case .number(let n): if Int64(i) == n { return i }
            case .equal(let t): if m.type == t { return i }
            case .notEqual(let t): if m.type != t { return i }
            case .lessEqual(let t):
                if m.type <= t && (found == nil || m.type < bestType) {
                    found = i; bestType = m.type
                    if m.type == 1 { return i }
                }
            }
        }
        return found
    }

    /// msqid64_ds (120 bytes).
    func encode() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 120)
        perm.encode(into: &b, at: 0)
        b.putLE(stime, at: 48); b.putLE(rtime, at: 56); b.putLE(ctime, at: 64)
        b.putLE(UInt64(bytes), at: 72)
        b.putLE(UInt64(messages.count), at: 80)
        b.putLE(UInt64(maxBytes), at: 88)
        b.putLE(lspid, at: 96); b.putLE(lrpid, at: 100)
        return b
    }
}

extension IPCNamespace {
    /// msgget(2).
    func msgget(key: Int32, flag: Int32, creds: Credentials) throws(Errno) -> Int32 {
        try get(queues, key: key, flag: flag, creds: creds, check: { (_: MessageQueue) throws(Errno) in }, create: { () throws(Errno) -> MessageQueue in
            let q = MessageQueue(perm: IPCPerm(key: key, mode: flag, creds: creds), maxBytes: msgmnb)
            try queues.add(q, limit: msgmni)
            return q
        })
    }

    /// Queues a message (the caller checked that it fits).
    func enqueue(_ q: MessageQueue, type: Int64, text: [UInt8], pid: Int32) throws(Errno) {
        let charge = try memory.hold(64 + text.count, .ipc, or: .noMemory)
        q.messages.append(Message(type: type, text: text, charge: charge))
        q.bytes += text.count
        q.lspid = pid
        q.stime = IPCNamespace.now()
        messageCount += 1
        messageBytes += text.count
        q.queue.notify(PollEvents.input)
    }

    /// Takes message `i` off the queue.
    func dequeue(_ q: MessageQueue, at i: Int, pid: Int32) -> Message {
        let m = q.messages.remove(at: i)
        q.bytes -= m.text.count
        q.lrpid = pid
        q.rtime = IPCNamespace.now()
        messageCount -= 1
        messageBytes -= m.text.count
        q.queue.notify(PollEvents.output)
        return m
    }

    /// IPC_RMID of a queue (freeque): its messages are freed, parked callers wake to EIDRM.
    func removeQueue(_ q: MessageQueue) {
        queues.remove(q)
        messageCount -= q.messages.count
        messageBytes -= q.bytes
        q.messages.removeAll()
        q.bytes = 0
        q.queue.notify(PollEvents.hangUp)
    }
}
