import LinuxABI
import SystemPackage

// System V semaphores (ipc/sem.c). A set holds its values, the pid of the last process that
// changed each, and the operations parked callers are blocked on (for GETNCNT/GETZCNT). A
// semop is tried on a copy of the values, all its operations in order, and applied only when
// every one succeeds; one that must wait parks on the set's wait queue and is tried again
// whenever the set changes. SEM_UNDO adjustments are kept per process (`SemUndoList`, shared by
// the threads of a thread group as CLONE_SYSVSEM shares them, empty in a fork child, kept across
// exec) and applied when its last thread exits.

/// semop's sembuf.
struct SemOp {
    var num: UInt16
    var op: Int16
    var flags: Int16
    static let size = 6
    static let SEM_UNDO: Int16 = 0x1000
}

final class SemaphoreSet: IPCObject {
    static let SEMVMX: Int32 = 32767
    static let SEMAEM: Int32 = 32767

    var values: [Int32]
    var pids: [Int32]
    /// The last semop's time (set on the first operation's semaphore, as Linux) and the last
    /// change by semctl.
    var otimes: [Int64]
    var ctime: Int64
    /// Fires when a value changes or the set is removed: parked semops try again.
    let queue = WaitQueue()
    /// The operation each parked caller is blocked on.
    var blocked: [SemWait] = []
    /// Undo records that name this set (SETVAL and SETALL clear their adjustments).
    var undos: [SemUndo] = []
    let charge: MemoryCharge

    init(perm: IPCPerm, count: Int, charge: MemoryCharge) {
        values = Array(repeating: 0, count: count)
        pids = Array(repeating: 0, count: count)
        otimes = Array(repeating: 0, count: count)
        ctime = IPCNamespace.now()
        self.charge = charge
        super.init(perm: perm)
    }

    var count: Int { values.count }
    var otime: Int64 { otimes.max() ?? 0 }

    /// Callers blocked waiting for semaphore `n` to grow (GETNCNT) or to be zero (GETZCNT).
    func waiting(_ n: Int, forZero: Bool) -> Int {
        blocked.reduce(0) { acc, w in
            guard let b = w.blockingOp, Int(b.num) == n else { return acc }
            return acc + ((forZero ? b.op == 0 : b.op < 0) ? 1 : 0)
        }
    }

    /// The outcome of trying a semop.
    enum Attempt {
        case done
        case wouldBlock(SemOp)
        case failed(Errno)
    }

    /// perform_atomic_semop: every operation in order on a copy; applied only if all pass.
    func attempt(_ ops: [SemOp], undo: SemUndo?, pid: Int32) -> Attempt {
        var vals = values
        var adj = undo?.adjustments
        for op in ops {
            let n = Int(op.num)
            let cur = vals[n]
            if op.op == 0 {
                if cur != 0 { return op.flags & Int16(IPCConst.IPC_NOWAIT) != 0 ? .failed(.resourceTemporarilyUnavailable) : .wouldBlock(op) }
                continue
            }
            let result = cur + Int32(op.op)
            if result < 0 { return op.flags & Int16(IPCConst.IPC_NOWAIT) != 0 ? .failed(.resourceTemporarilyUnavailable) : .wouldBlock(op) }
            if result > SemaphoreSet.SEMVMX { return .failed(.outOfRange) }
            if op.flags & SemOp.SEM_UNDO != 0, adj != nil {
                let u = adj![n] - Int32(op.op)
                if u < -SemaphoreSet.SEMAEM - 1 || u > SemaphoreSet.SEMAEM { return .failed(.outOfRange) }
                adj![n] = u
            }
            vals[n] = result
        }
        values = vals
        if let undo, let adj { undo.adjustments = adj }
        for op in ops { pids[Int(op.num)] = pid }
        otimes[Int(ops[0].num)] = IPCNamespace.now()
        if ops.contains(where: { $0.op != 0 }) { queue.notify(PollEvents.input) }
        return .done
    }

    /// SETVAL and SETALL: the adjustments of every process for `n` (nil: all) are reset.
    func clearAdjustments(_ n: Int?) {
        for u in undos {
            if let n { u.adjustments[n] = 0 } else { for i in u.adjustments.indices { u.adjustments[i] = 0 } }
        }
    }

    /// semid64_ds (104 bytes).
    func encode() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 104)
        perm.encode(into: &b, at: 0)
        b.putLE(otime, at: 48)
        b.putLE(ctime, at: 64)
        b.putLE(UInt64(count), at: 80)
        return b
    }
}

/// One process's adjustments for one set (struct sem_undo).
final class SemUndo {
    let set: SemaphoreSet
    var adjustments: [Int32]
    init(set: SemaphoreSet) {
        self.set = set
        adjustments = Array(repeating: 0, count: set.count)
    }
}

/// A process's undo records (struct sem_undo_list), on its thread group.
final class SemUndoList {
    var entries: [SemUndo] = []

    /// The record for `set`, made on first use (find_alloc_undo).
    func undo(for set: SemaphoreSet) -> SemUndo {
        entries.removeAll { $0.set.removed }
        if let u = entries.first(where: { $0.set === set }) { return u }
        let u = SemUndo(set: set)
        entries.append(u)
        set.undos.append(u)
        return u
    }

    /// exit_sem: each adjustment is added to its semaphore, clamped to 0...SEMVMX, and the
    /// set's waiters try again.
    func apply(pid: Int32) {
        for u in entries {
            let set = u.set
            set.undos.removeAll { $0 === u }
            if set.removed { continue }
            var changed = false
            for i in 0..<min(set.count, u.adjustments.count) where u.adjustments[i] != 0 {
                set.values[i] = min(max(set.values[i] + u.adjustments[i], 0), SemaphoreSet.SEMVMX)
                set.pids[i] = pid
                changed = true
            }
            if changed { set.queue.notify(PollEvents.input) }
        }
        entries.removeAll()
    }
}

/// A semop or semtimedop that waits: its set, its deadline, and the operation it is blocked on
/// (counted by GETNCNT/GETZCNT while it waits). semop is never restarted after a signal, even
/// after a stop (sem.c returns -EINTR): the table's restart class says so.
final class SemWait: BlockedCall {
    let set: SemaphoreSet
    let deadline: UInt64?
    var blockingOp: SemOp?

    init(set: SemaphoreSet, timeout: UInt64?, now: UInt64 = TimerQueue.now()) {
        self.set = set
        if let timeout, timeout < TimedWait.farFuture { deadline = now &+ timeout } else { deadline = nil }
    }

    func expired(now: UInt64 = TimerQueue.now()) -> Bool { deadline.map { now >= $0 } ?? false }

    func block(on op: SemOp) {
        blockingOp = op
        if !set.blocked.contains(where: { $0 === self }) { set.blocked.append(self) }
    }

    func abandon() { set.blocked.removeAll { $0 === self } }
}

extension IPCNamespace {
    /// semget(2).
    func semget(key: Int32, nsems: Int32, flag: Int32, creds: Credentials) throws(Errno) -> Int32 {
        if nsems < 0 || Int(nsems) > semmsl { throw .invalidArgument }
        return try get(semaphores, key: key, flag: flag, creds: creds, check: { (s: SemaphoreSet) throws(Errno) in
            if Int(nsems) > s.count { throw .invalidArgument }
        }, create: { () throws(Errno) -> SemaphoreSet in
            if nsems == 0 { throw .invalidArgument }
            if usedSemaphores + Int(nsems) > semmns { throw .noSpace }
            if semaphores.count >= semmni { throw .noSpace }
            let charge = try memory.hold(256 + 32 * Int(nsems), .ipc, or: .noMemory)
            let s = SemaphoreSet(perm: IPCPerm(key: key, mode: flag, creds: creds), count: Int(nsems), charge: charge)
            try semaphores.add(s, limit: semmni)
            usedSemaphores += Int(nsems)
            return s
        })
    }

    /// IPC_RMID of a set (freeary): parked callers wake to EIDRM.
    func removeSemaphores(_ s: SemaphoreSet) {
        semaphores.remove(s)
        usedSemaphores -= s.count
        for u in s.undos { u.adjustments = [] }
        s.undos.removeAll()
        s.queue.notify(PollEvents.hangUp)
    }
}
