import LinuxABI
import SystemPackage

// msgget, msgsnd, msgrcv, msgctl (ipc/msg.c). The queues are in IPC/MessageQueue.swift. A
// message is copied in once, on msgsnd's first run, and kept in the call's MsgCall while the
// sender waits for room.

private enum MsgCmd {
    static let MSG_STAT: Int32 = 11, MSG_INFO: Int32 = 12, MSG_STAT_ANY: Int32 = 13
}

private let S_IRUGO: Int32 = 0o444, S_IWUGO: Int32 = 0o222

/// What a parked msgsnd or msgrcv keeps: its queue, and for msgsnd the message.
private final class MsgCall: BlockedCall {
    let queue: MessageQueue
    let type: Int64
    let text: [UInt8]
    init(queue: MessageQueue, type: Int64 = 0, text: [UInt8] = []) { self.queue = queue; self.type = type; self.text = text }
}

private func parkOn(_ t: Task, _ q: MessageQueue, _ mask: EventMask) -> SyscallReturn {
    .block(q.queue, mask)
}

/// msgget(2).
func sysMsgget(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        .value(Int64(try t.ipc.msgget(key: a.int(0), flag: a.int(1), creds: t.creds)))
    }
}

/// msgsnd(2).
func sysMsgsnd(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        let ns = t.ipc, flags = a.int(3)
        let call: MsgCall
        if let c = t.blockedCall(MsgCall.self) {
            call = c
        } else {
            let type = try t.copyInValue(a[1], as: Int64.self)
            let size = a.long(2), msqid = a.int(0)
            if size > Int64(ns.msgmax) || size < 0 || msqid < 0 { throw .invalidArgument }
            if type < 1 { throw .invalidArgument }
            // msgmax is root's to raise: never copy in what the account could not hold.
            if Int(size) + 64 > ns.memory.available(for: .ipc) { ns.memory.refused(); throw .noMemory }
            let text = try t.copyInBytes(a[1] &+ 8, count: Int(size))
            call = MsgCall(queue: try ns.queues.find(id: msqid), type: type, text: text)
        }
        let q = call.queue
        guard q.perm.permits(S_IWUGO, t.creds) else { t.endBlockedCall(); throw .permissionDenied }
        if q.removed { t.endBlockedCall(); throw .identifierRemoved }
        if q.fits(call.text.count) {
            t.endBlockedCall()
            try ns.enqueue(q, type: call.type, text: call.text, pid: t.group.pid)
            return .zero
        }
        if flags & IPCConst.IPC_NOWAIT != 0 { t.endBlockedCall(); throw .resourceTemporarilyUnavailable }
        if t.blockedCall(MsgCall.self) == nil { t.beginBlockedCall(call) }
        return parkOn(t, q, PollEvents.output)
    }
}

/// msgrcv(2).
func sysMsgrcv(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        let ns = t.ipc
        let msqid = a.int(0), buffer = a[1], size = a.long(2), type = a.long(3), flags = a.int(4)
        let q: MessageQueue
        if let c = t.blockedCall(MsgCall.self) {
            q = c.queue
        } else {
            if msqid < 0 || size < 0 { throw .invalidArgument }
            if flags & MessageQueue.MSG_COPY != 0 && (flags & MessageQueue.MSG_EXCEPT != 0 || flags & IPCConst.IPC_NOWAIT == 0) {
                throw .invalidArgument
            }
            q = try ns.queues.find(id: msqid)
        }
        guard q.perm.permits(S_IRUGO, t.creds) else { t.endBlockedCall(); throw .permissionDenied }
        if q.removed { t.endBlockedCall(); throw .identifierRemoved }
        guard let i = q.find(MessageQueue.Search(type: type, flags: flags)) else {
            if flags & IPCConst.IPC_NOWAIT != 0 { t.endBlockedCall(); throw .noMessage }
            if t.blockedCall(MsgCall.self) == nil { t.beginBlockedCall(MsgCall(queue: q)) }
            return parkOn(t, q, PollEvents.input)
        }
        t.endBlockedCall()
        let found = q.messages[i]
        if size < Int64(found.text.count) && flags & MessageQueue.MSG_NOERROR == 0 { throw .argListTooLong }
        let message: (type: Int64, text: [UInt8])
        if flags & MessageQueue.MSG_COPY != 0 {
            if found.text.count > min(Int(size), ns.msgmax) { throw .invalidArgument }
            message = (found.type, found.text)
        } else {
            let m = ns.dequeue(q, at: i, pid: t.group.pid)
            message = (m.type, m.text)
        }
        // As Linux, a message taken off the queue is gone even when the copy-out fails.
        let n = min(Int(size), message.text.count)
        try t.copyOutValue(buffer, message.type)
        try t.copyOut(buffer &+ 8, Array(message.text.prefix(n)))
        return .ok(n)
    }
}

/// msgctl(2).
func sysMsgctl(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        let msqid = a.int(0), cmd = a.int(1), arg = a[2]
        let ns = t.ipc
        if msqid < 0 || cmd < 0 { throw .invalidArgument }
        switch cmd {
        case IPCConst.IPC_INFO, MsgCmd.MSG_INFO:
            var b = [UInt8](repeating: 0, count: 32)
            let usage = cmd == MsgCmd.MSG_INFO
            let info: [Int32] = [usage ? Int32(ns.queues.count) : 512_000,
                                 usage ? Int32(clamping: ns.messageCount) : 16384,
                                 Int32(ns.msgmax), Int32(ns.msgmnb), Int32(ns.msgmni), 16,
                                 usage ? Int32(clamping: ns.messageBytes) : 16384]
            for (i, v) in info.enumerated() { b.putLE(v, at: 4 * i) }
            b.putLE(UInt16(0xffff), at: 28)
            try t.copyOut(arg, b)
            return .ok(max(ns.queues.maxIndex, 0))
        case MsgCmd.MSG_STAT, MsgCmd.MSG_STAT_ANY, IPCConst.IPC_STAT:
            let q = cmd == IPCConst.IPC_STAT ? try ns.queues.find(id: msqid) : try ns.queues.find(index: msqid)
            if cmd != MsgCmd.MSG_STAT_ANY && !q.perm.permits(S_IRUGO, t.creds) { throw .permissionDenied }
            try t.copyOut(arg, q.encode())
            return .value(cmd == IPCConst.IPC_STAT ? 0 : Int64(q.id))
        case IPCConst.IPC_SET:
            let b = try t.copyInBytes(arg, count: 120)
            let q = try ns.queues.find(id: msqid)
            guard q.perm.ownedBy(t.creds) else { throw .notPermitted }
            let qbytes = b.getLE(UInt64.self, at: 88)
            if qbytes > UInt64(ns.msgmnb) && !t.creds.has(IPCNamespace.capSysResource) { throw .notPermitted }
            let s = IPCPerm.decodeSet(b)
            q.maxBytes = Int(clamping: qbytes)
            q.perm.set(uid: s.uid, gid: s.gid, mode: s.mode)
            q.ctime = IPCNamespace.now()
            q.queue.notify(PollEvents.input | PollEvents.output)
            return .zero
        case IPCConst.IPC_RMID:
            let q = try ns.queues.find(id: msqid)
            guard q.perm.ownedBy(t.creds) else { throw .notPermitted }
            ns.removeQueue(q)
            return .zero
        default:
            throw .invalidArgument
        }
    }
}
