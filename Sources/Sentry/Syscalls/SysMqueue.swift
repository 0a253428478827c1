import Glibc
import LinuxABI
import SystemPackage

// mq_open, mq_unlink, mq_timedsend, mq_timedreceive, mq_notify, mq_getsetattr (ipc/mqueue.c).
// The queues are in IPC/PosixMessageQueue.swift, their files in FS/MqueueFS.swift. A message is
// copied in once, on mq_timedsend's first run, and kept in the call's MqCall while the sender
// waits for room; a receiver waiting for a message is counted on the queue, so that a send it
// will take notifies nobody (as Linux hands the message straight to it).

/// What a parked mq_timedsend or mq_timedreceive keeps: its description (whose O_NONBLOCK
/// each retry reads again), its CLOCK_MONOTONIC deadline and, for a send, the message.
private final class MqCall: BlockedCall {
    let file: MessageQueueFile
    let deadline: UInt64?
    let text: [UInt8]
    let priority: UInt32
    /// Whether this receiver is counted in the queue's waitingReceivers.
    var counted = false
    init(file: MessageQueueFile, deadline: UInt64?, text: [UInt8] = [], priority: UInt32 = 0) {
        self.file = file; self.deadline = deadline; self.text = text; self.priority = priority
    }
    func expired() -> Bool { deadline.map { TimerQueue.now() >= $0 } ?? false }
    func abandon() {
        if counted { file.queue.waitingReceivers -= 1; counted = false }
    }
}

/// The queue description behind `fd`: EBADF for a closed fd or another kind of file.
private func mqFile(_ t: Task, _ fd: Int32) throws(Errno) -> MessageQueueFile {
    guard let f = try t.fdTable.get(fd) as? MessageQueueFile else { throw .badFileDescriptor }
    return f
}

/// The CLOCK_MONOTONIC deadline of an absolute CLOCK_REALTIME timeout (prepare_timeout: EFAULT,
/// EINVAL for a negative time or nanoseconds out of range, checked even when the call would not
/// block); nil for no timeout or one too far to matter.
private func mqDeadline(_ t: Task, _ address: UInt64) throws(Errno) -> UInt64? {
    if address == 0 { return nil }
    let ts = try t.copyInStruct(address, as: LinuxABI.Timespec.self)
    if ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1_000_000_000 { throw .invalidArgument }
    if ts.tv_sec >= Int64(TimedWait.farFuture / 1_000_000_000) { return nil }
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    let target = Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    let current = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    let mono = TimerQueue.now()
    return target <= current ? mono : mono &+ UInt64(target - current)
}

/// Parks a send or a receive on its queue (`mask`) and its deadline.
private func park(_ t: Task, _ call: MqCall, _ mask: EventMask) -> SyscallReturn {
    let ws = t.freshWaitSet()
    ws.watch(call.file.queue.queue, mask: mask)
    if let d = call.deadline { ws.wake(at: d, timers: t.kernel.timers) }
    return .block(ws.queue, WaitSet.any)
}

/// mq_open(2): the name as the libc passes it (without the leading '/').
func sysMqOpen(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        let oflag = a.int(1)
        var attr: (maxmsg: Int, msgsize: Int)?
        if a[3] != 0 {
            // struct mq_attr: mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs, 4 reserved longs.
            let b = try t.copyInBytes(a[3], count: 64)
            attr = (Int(b.getLE(Int64.self, at: 8)), Int(b.getLE(Int64.self, at: 16)))
        }
        let name = try t.copyInString(a[0], maximum: 4095)
        try MqueueNamespace.checkName(name)
        let ns = t.ipc.mqueue
        let q: PosixMessageQueue
        var created = false
        if let existing = ns.root.queue(name) {
            if oflag & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL { throw .fileExists }
            let acc = oflag & O_ACCMODE
            if acc == O_ACCMODE { throw .invalidArgument }
            try existing.checkAccess(t.creds, acc == O_RDONLY ? .read : acc == O_WRONLY ? .write : [.read, .write])
            q = existing
        } else {
            if oflag & O_CREAT == 0 { throw .noSuchFileOrDirectory }
            // A queue opened with O_ACCMODE (no access at all) is not served (Linux makes it).
            if oflag & O_ACCMODE == O_ACCMODE { throw .invalidArgument }
            try ns.root.checkAccess(t.creds, [.write, .execute])
            let mode = a.uint(2) & 0o7777 & ~t.fs.umask
            q = try ns.create(name, mode: mode, creds: t.creds, attr: attr, rlimit: t.group.rlimits.limits[12].soft)
            created = true
        }
        let flags = oflag & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)
        let file = MessageQueueFile(Dentry(name: name, parent: ns.rootDentry, inode: q), queue: q, flags: flags, largeFile: false)
        do throws(Errno) {
            // Always close-on-exec, as do_mq_open's get_unused_fd_flags(O_CLOEXEC).
            return .ok(Int(try t.fdTable.allocate(file, closeOnExec: true, limit: t.fdLimit)))
        } catch {
            if created { try? ns.root.remove(name) }
            throw error
        }
    }
}

/// mq_unlink(2): the name goes; the queue lives while it is open.
func sysMqUnlink(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        let name = try t.copyInString(a[0], maximum: 4095)
        try MqueueNamespace.checkName(name)
        let root = t.ipc.mqueue.root!
        guard let q = root.queue(name) else { throw .noSuchFileOrDirectory }
        // may_delete in the sticky root: the queue's owner, root's, or CAP_FOWNER; mq_unlink
        // answers EACCES where unlink(2) of /dev/mqueue/NAME answers EPERM (both measured).
        do throws(Errno) { try t.vfs.mayDelete(t.walkContext, root, q, directory: false) } catch { throw .permissionDenied }
        try root.remove(name)
        return .zero
    }
}

/// mq_timedsend(2).
func sysMqTimedsend(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        if let call = t.blockedCall(MqCall.self) { return try mqSend(t, call) }
        let deadline = try mqDeadline(t, a[4])
        let priority = a.uint(3)
        if priority >= MqLimits.prioMax { throw .invalidArgument }
        let file = try mqFile(t, a.int(0))
        if !file.canWrite { throw .badFileDescriptor }
        if a[2] > UInt64(file.queue.msgsize) { throw .messageTooLong }
        if Int(a[2]) + MqLimits.msgHeader > t.kernel.memory.available(for: .ipc) { t.kernel.memory.refused(); throw .noMemory }
        let text = try t.copyInBytes(a[1], count: Int(a[2]))
        return try mqSend(t, MqCall(file: file, deadline: deadline, text: text, priority: priority))
    }
}

private func mqSend(_ t: Task, _ call: MqCall) throws(Errno) -> SyscallReturn {
    let q = call.file.queue
    if q.isFull {
        if call.file.isNonBlocking { t.endBlockedCall(); throw .resourceTemporarilyUnavailable }
        if call.expired() { t.endBlockedCall(); throw .timedOut }
        if t.blockedCall(MqCall.self) == nil { t.beginBlockedCall(call) }
        return park(t, call, PollEvents.output)
    }
    t.endBlockedCall()
    let signal = try q.send(call.text, priority: call.priority, senderPID: t.group.pid, senderUID: t.creds.uid,
                            memory: t.kernel.memory)
    if let s = signal, !s.group.threads.isEmpty {
        // Process-directed (to a thread that does not block it), with the SI_MESGQ siginfo
        // queued from the sender, whose pid it names.
        let kernel = t.kernel
        let recipient = s.group.threads.first { !kernel.blocks($0, s.signal) } ?? s.group.threads[0]
        do { try kernel.queueSignal(s.signal, info: s.info, to: recipient, from: t) } catch {
            try? kernel.queueSignal(s.signal, info: s.info, to: recipient)
        }
    }
    return .zero
}

/// mq_timedreceive(2).
func sysMqTimedreceive(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        if let call = t.blockedCall(MqCall.self) { return try mqReceive(t, call, a) }
        let deadline = try mqDeadline(t, a[4])
        let file = try mqFile(t, a.int(0))
        if !file.canRead { throw .badFileDescriptor }
        if a[2] < UInt64(file.queue.msgsize) { throw .messageTooLong }
        return try mqReceive(t, MqCall(file: file, deadline: deadline), a)
    }
}

private func mqReceive(_ t: Task, _ call: MqCall, _ a: SyscallArguments) throws(Errno) -> SyscallReturn {
    let q = call.file.queue
    guard let m = q.receive() else {
        if call.file.isNonBlocking { call.abandon(); t.endBlockedCall(); throw .resourceTemporarilyUnavailable }
        if call.expired() { call.abandon(); t.endBlockedCall(); throw .timedOut }
        if t.blockedCall(MqCall.self) == nil { t.beginBlockedCall(call) }
        if !call.counted { q.waitingReceivers += 1; call.counted = true }
        return park(t, call, PollEvents.input)
    }
    call.abandon()
    t.endBlockedCall()
    // As Linux, a message taken off the queue is gone even when the copy-out then fails.
    if a[3] != 0 { try t.copyOutValue(a[3], m.priority) }
    try t.copyOut(a[1], m.text)
    return .ok(m.text.count)
}

/// mq_notify(2): SIGEV_NONE, SIGEV_SIGNAL, and SIGEV_THREAD through the netlink socket glibc
/// passes (the cookie arrives on it as a 32-byte datagram, as netlink_sendskb queues it).
func sysMqNotify(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        var request: MqNotification?
        if a[1] != 0 {
            // struct sigevent: sigev_value @0, sigev_signo @8, sigev_notify @12 (64 bytes).
            let b = try t.copyInBytes(a[1], count: 64)
            let value = b.getLE(UInt64.self, at: 0), signal = b.getLE(Int32.self, at: 8), notify = b.getLE(Int32.self, at: 12)
            if notify != MqLimits.SIGEV_NONE && notify != MqLimits.SIGEV_SIGNAL && notify != MqLimits.SIGEV_THREAD { throw .invalidArgument }
            if notify == MqLimits.SIGEV_SIGNAL && UInt32(bitPattern: signal) > 64 { throw .invalidArgument }
            var n = MqNotification(owner: t.group, ownerPID: t.group.pid, notify: notify, signal: signal, value: value)
            if notify == MqLimits.SIGEV_THREAD {
                // As Linux, the cookie and the socket come before the queue descriptor.
                n.cookie = try t.copyInBytes(value, count: MqLimits.cookieLength)
                let file = try t.fdTable.get(signal)
                if let s = file as? InetSocketFile, s.domain == Socket.AF_NETLINK {
                    n.socket = s
                } else {
                    guard let st = try? file.stat(), st.mode & FileType.mask == FileType.socket else { throw .notSocket }
                    throw .invalidArgument   // netlink_getsockbyfilp: a socket of another family
                }
            }
            request = n
        }
        let q = try mqFile(t, a.int(0)).queue
        if let r = request {
            try q.register(r)
        } else {
            q.unregister(t.group)
        }
        return .zero
    }
}

/// mq_getsetattr(2): only O_NONBLOCK changes.
func sysMqGetsetattr(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        var newFlags: Int64?
        if a[1] != 0 { newFlags = try t.copyInBytes(a[1], count: 64).getLE(Int64.self, at: 0) }
        if let f = newFlags, f & ~Int64(O_NONBLOCK) != 0 { throw .invalidArgument }
        let file = try mqFile(t, a.int(0))
        let q = file.queue
        var old = [UInt8](repeating: 0, count: 64)
        old.putLE(Int64(file.statusFlags & O_NONBLOCK), at: 0)
        old.putLE(Int64(q.maxmsg), at: 8)
        old.putLE(Int64(q.msgsize), at: 16)
        old.putLE(Int64(q.count), at: 24)
        if let f = newFlags {
            if f != 0 { file.statusFlags |= O_NONBLOCK } else { file.statusFlags &= ~O_NONBLOCK }
        }
        // As Linux, the new flags stay set when this copy-out fails.
        if a[2] != 0 { try t.copyOut(a[2], old) }
        return .zero
    }
}

/// execve closes the process's queue descriptors (always close-on-exec): its notification
/// registrations end with them, as mqueue_flush_file does at each close.
func flushMessageQueuesOnExec(_ t: Task) {
    for fd in t.fdTable.openFDs {
        if let e = t.fdTable[fd], e.closeOnExec, let f = e.file as? MessageQueueFile { f.flush(t.group) }
    }
}
