import LinuxABI
import SystemPackage

// semget, semop, semtimedop, semctl (ipc/sem.c). The objects are in IPC/SemaphoreSet.swift;
// these handlers copy the arguments in once, check them in Linux's order, act on the task's IPC
// namespace and copy the results out.

private enum SemCmd {
    static let GETPID: Int32 = 11, GETVAL: Int32 = 12, GETALL: Int32 = 13, GETNCNT: Int32 = 14, GETZCNT: Int32 = 15
    static let SETVAL: Int32 = 16, SETALL: Int32 = 17, SEM_STAT: Int32 = 18, SEM_INFO: Int32 = 19, SEM_STAT_ANY: Int32 = 20
}

private let S_IRUGO: Int32 = 0o444, S_IWUGO: Int32 = 0o222

/// semget(2).
func sysSemget(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        .value(Int64(try t.ipc.semget(key: a.int(0), nsems: a.int(1), flag: a.int(2), creds: t.creds)))
    }
}

/// semop(2).
func sysSemop(_ t: Task, _ a: SyscallArguments) -> SyscallReturn { semTimedOp(t, a, timeout: 0) }

/// semtimedop(2).
func sysSemtimedop(_ t: Task, _ a: SyscallArguments) -> SyscallReturn { semTimedOp(t, a, timeout: a[3]) }

/// The arguments of a semop, copied in once, and its wait while it is parked.
private final class SemOpCall: BlockedCall {
    let wait: SemWait
    let ops: [SemOp]
    let undo: SemUndo?
    init(wait: SemWait, ops: [SemOp], undo: SemUndo?) { self.wait = wait; self.ops = ops; self.undo = undo }
    func abandon() { wait.abandon() }
}

private func semTimedOp(_ t: Task, _ a: SyscallArguments, timeout timeoutAddress: UInt64) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        let pid = t.group.pid
        if let call = t.blockedCall(SemOpCall.self) {
            // A retry: the set changed, was removed, or the deadline passed.
            let set = call.wait.set
            if set.removed { call.abandon(); t.endBlockedCall(); throw .identifierRemoved }
            switch set.attempt(call.ops, undo: call.undo, pid: pid) {
            case .done:
                call.abandon(); t.endBlockedCall()
                return .zero
            case .failed(let e):
                call.abandon(); t.endBlockedCall()
                throw e
            case .wouldBlock(let op):
                if call.wait.expired() { call.abandon(); t.endBlockedCall(); throw .resourceTemporarilyUnavailable }
                return park(t, call, op)
            }
        }
        let ns = t.ipc
        var timeout: UInt64?
        if timeoutAddress != 0 {
            let ts = try t.copyInStruct(timeoutAddress, as: LinuxABI.Timespec.self)
            timeout = ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1_000_000_000 ? UInt64.max
                : (ts.tv_sec >= Int64(TimedWait.farFuture / 1_000_000_000) ? TimedWait.farFuture
                   : UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec))
        }
        let nsops = a.uint(2)
        if Int(nsops) > ns.semopm { throw .argListTooLong }
        if nsops < 1 { throw .invalidArgument }
        let raw = try t.copyInBytes(a[1], count: Int(nsops) * SemOp.size)
        let semid = a.int(0)
        if semid < 0 { throw .invalidArgument }
        if timeout == UInt64.max { throw .invalidArgument }
        var ops: [SemOp] = []
        ops.reserveCapacity(Int(nsops))
        var maxNum = 0, undos = false, alter = false
        for i in 0..<Int(nsops) {
            let op = SemOp(num: raw.getLE(UInt16.self, at: 6 * i), op: raw.getLE(Int16.self, at: 6 * i + 2),
                           flags: raw.getLE(Int16.self, at: 6 * i + 4))
            maxNum = max(maxNum, Int(op.num))
            if op.flags & SemOp.SEM_UNDO != 0 { undos = true }
            if op.op != 0 { alter = true }
            ops.append(op)
        }
        let set = try ns.semaphores.find(id: semid)
        if maxNum >= set.count { throw .fileTooLarge }
        guard set.perm.permits(alter ? S_IWUGO : S_IRUGO, t.creds) else { throw .permissionDenied }
        let undo = undos ? t.group.semaphoreUndo.undo(for: set) : nil
        switch set.attempt(ops, undo: undo, pid: pid) {
        case .done: return .zero
        case .failed(let e): throw e
        case .wouldBlock(let op):
            if timeout == 0 { throw .resourceTemporarilyUnavailable }
            let call = t.beginBlockedCall(SemOpCall(wait: SemWait(set: set, timeout: timeout), ops: ops, undo: undo))
            return park(t, call, op)
        }
    }
}

/// Parks a semop on its set's queue and its deadline, counted as blocked on `op`.
private func park(_ t: Task, _ call: SemOpCall, _ op: SemOp) -> SyscallReturn {
    call.wait.block(on: op)
    let ws = t.freshWaitSet()
    ws.watch(call.wait.set.queue, mask: WaitSet.any)
    if let deadline = call.wait.deadline { ws.wake(at: deadline, timers: t.kernel.timers) }
    return .block(ws.queue, WaitSet.any)
}

/// semctl(2).
func sysSemctl(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) -> SyscallReturn in
        let semid = a.int(0), semnum = a.int(1), cmd = a.int(2), arg = a[3]
        let ns = t.ipc
        if semid < 0 { throw .invalidArgument }
        switch cmd {
        case IPCConst.IPC_INFO, SemCmd.SEM_INFO:
            var b = [UInt8](repeating: 0, count: 40)
            let info: [Int32] = [1_024_000_000, Int32(ns.semmni), Int32(clamping: ns.semmns), 1_024_000_000, Int32(ns.semmsl),
                                 Int32(ns.semopm), 500,
                                 cmd == SemCmd.SEM_INFO ? Int32(ns.semaphores.count) : 20, SemaphoreSet.SEMVMX,
                                 cmd == SemCmd.SEM_INFO ? Int32(clamping: ns.usedSemaphores) : SemaphoreSet.SEMAEM]
            for (i, v) in info.enumerated() { b.putLE(v, at: 4 * i) }
            try t.copyOut(arg, b)
            return .ok(max(ns.semaphores.maxIndex, 0))
        case SemCmd.SEM_STAT, SemCmd.SEM_STAT_ANY, IPCConst.IPC_STAT:
            let set = cmd == IPCConst.IPC_STAT ? try ns.semaphores.find(id: semid) : try ns.semaphores.find(index: semid)
            if cmd != SemCmd.SEM_STAT_ANY && !set.perm.permits(S_IRUGO, t.creds) { throw .permissionDenied }
            try t.copyOut(arg, set.encode())
            return .value(cmd == IPCConst.IPC_STAT ? 0 : Int64(set.id))
        case SemCmd.SETVAL:
            let val = Int32(truncatingIfNeeded: arg)
            if val < 0 || val > SemaphoreSet.SEMVMX { throw .outOfRange }
            let set = try ns.semaphores.find(id: semid)
            if semnum < 0 || Int(semnum) >= set.count { throw .invalidArgument }
            guard set.perm.permits(S_IWUGO, t.creds) else { throw .permissionDenied }
            set.clearAdjustments(Int(semnum))
            set.values[Int(semnum)] = val
            set.pids[Int(semnum)] = t.group.pid
            set.ctime = IPCNamespace.now()
            set.queue.notify(PollEvents.input)
            return .zero
        case SemCmd.GETVAL, SemCmd.GETPID, SemCmd.GETNCNT, SemCmd.GETZCNT, SemCmd.GETALL, SemCmd.SETALL:
            let set = try ns.semaphores.find(id: semid)
            guard set.perm.permits(cmd == SemCmd.SETALL ? S_IWUGO : S_IRUGO, t.creds) else { throw .permissionDenied }
            if cmd == SemCmd.GETALL {
                var b = [UInt8](repeating: 0, count: 2 * set.count)
                for (i, v) in set.values.enumerated() { b.putLE(UInt16(v), at: 2 * i) }
                try t.copyOut(arg, b)
                return .zero
            }
            if cmd == SemCmd.SETALL {
                let b = try t.copyInBytes(arg, count: 2 * set.count)
                let vals = (0..<set.count).map { Int32(b.getLE(UInt16.self, at: 2 * $0)) }
                if vals.contains(where: { $0 > SemaphoreSet.SEMVMX }) { throw .outOfRange }
                set.clearAdjustments(nil)
                set.values = vals
                for i in 0..<set.count { set.pids[i] = t.group.pid }
                set.ctime = IPCNamespace.now()
                set.queue.notify(PollEvents.input)
                return .zero
            }
            if semnum < 0 || Int(semnum) >= set.count { throw .invalidArgument }
            let n = Int(semnum)
            switch cmd {
            case SemCmd.GETVAL: return .value(Int64(set.values[n]))
            case SemCmd.GETPID: return .value(Int64(set.pids[n]))
            case SemCmd.GETNCNT: return .ok(set.waiting(n, forZero: false))
            default: return .ok(set.waiting(n, forZero: true))
            }
        case IPCConst.IPC_SET:
            let b = try t.copyInBytes(arg, count: 104)
            let set = try ns.semaphores.find(id: semid)
            guard set.perm.ownedBy(t.creds) else { throw .notPermitted }
            let s = IPCPerm.decodeSet(b)
            set.perm.set(uid: s.uid, gid: s.gid, mode: s.mode)
            set.ctime = IPCNamespace.now()
            return .zero
        case IPCConst.IPC_RMID:
            let set = try ns.semaphores.find(id: semid)
            guard set.perm.ownedBy(t.creds) else { throw .notPermitted }
            ns.removeSemaphores(set)
            return .zero
        default:
            throw .invalidArgument
        }
    }
}
