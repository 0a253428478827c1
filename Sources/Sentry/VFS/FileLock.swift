import SystemPackage

// Advisory file locks, kept per inode (Linux fs/locks.c):
//   - flock(2): whole-file shared/exclusive locks owned by the open file description, released
//     by LOCK_UN or when the description's last reference goes (`LockHandle.deinit`);
//   - fcntl record locks (F_SETLK/F_SETLKW/F_GETLK): byte ranges owned by the process's fd table
//     (Linux's files_struct), merged and split per owner, released when the process closes any
//     fd of the file or its table goes away (`FDTable.lockTable`);
//   - OFD locks (F_OFD_*): the same ranges owned by the open file description.
// Record and OFD locks conflict with each other; flock locks are a separate world, as in Linux.
// A blocked F_SETLKW/flock parks on the inode's wait queue and retries on every release.
// The table is the VFS's (`VFS.locks`): each sandbox has its own, as each Linux has its own.

/// One byte-range lock: [start, end] inclusive, end == Int64.max up to the end of file.
struct RecordLock {
    var owner: ObjectIdentifier
    var pid: Int32          // F_GETLK's l_pid: the owner's pid, -1 for OFD locks
    var exclusive: Bool
    var start: Int64
    var end: Int64
    func overlaps(_ s: Int64, _ e: Int64) -> Bool { start <= e && s <= end }
}

/// The locks of one inode.
final class InodeLocks {
    let inode: Inode
    var flocks: [(owner: ObjectIdentifier, exclusive: Bool)] = []
    var records: [RecordLock] = []
    let queue = WaitQueue()
    init(_ inode: Inode) { self.inode = inode }
    var isEmpty: Bool { flocks.isEmpty && records.isEmpty }
}

/// What a description carries once it has taken a flock or OFD lock: its owner identity, and
/// the release of those locks when the description goes away.
final class LockHandle {
    var inodes: [ObjectIdentifier] = []
    /// The table key of a file without an inode (a pipe's flock).
    var key: Inode?
    /// The table its locks are in (set with the first lock).
    weak var table: FileLocks?
    deinit { table?.releaseAll(owner: ObjectIdentifier(self), inodes: inodes) }
}

/// A sandbox's lock table (the kernel is single-threaded, so it has no lock of its own).
public final class FileLocks {
    private(set) var byInode: [ObjectIdentifier: InodeLocks] = [:]
    /// Owners parked in F_SETLKW, with the owner they wait for (EDEADLK detection).
    var waiting: [ObjectIdentifier: Waiting] = [:]

    public init() {}

    final class Waiting {
        let blocker: ObjectIdentifier
        weak var task: Task?
        init(_ blocker: ObjectIdentifier, _ task: Task) { self.blocker = blocker; self.task = task }
    }

    func locks(_ inode: Inode) -> InodeLocks {
        let key = ObjectIdentifier(inode)
        if let l = byInode[key] { return l }
        let l = InodeLocks(inode)
        byInode[key] = l
        return l
    }

    func existing(_ inode: Inode) -> InodeLocks? { byInode[ObjectIdentifier(inode)] }

    /// Drops an empty entry and wakes waiters after a release.
    func changed(_ l: InodeLocks) {
        l.queue.notify(PollEvents.input | PollEvents.output)
        if l.isEmpty && l.queue.isEmpty { byInode[ObjectIdentifier(l.inode)] = nil }
    }

    /// Drops the entry of an inode nothing locks and nobody waits on.
    func dropIfEmpty(_ l: InodeLocks) {
        if l.isEmpty && l.queue.isEmpty { byInode[ObjectIdentifier(l.inode)] = nil }
    }

    /// The handle (owner identity) of a description's flock/OFD locks.
    func handle(_ file: FileDescription, _ l: InodeLocks) -> ObjectIdentifier {
        let h: LockHandle
        if let existing = file.lockHandle as? LockHandle { h = existing } else { h = LockHandle(); file.lockHandle = h }
        h.table = self
        let key = ObjectIdentifier(l.inode)
        if !h.inodes.contains(key) { h.inodes.append(key) }
        return ObjectIdentifier(h)
    }

    func releaseAll(owner: ObjectIdentifier, inodes: [ObjectIdentifier]) {
        for key in inodes {
            guard let l = byInode[key] else { continue }
            l.flocks.removeAll { $0.owner == owner }
            l.records.removeAll { $0.owner == owner }
            changed(l)
        }
    }

    /// `file` closed by the fd table `owner` (nil: the table went away): its record locks go.
    func releaseRecords(_ owner: ObjectIdentifier, _ file: FileDescription?) {
        if let file {
            guard let inode = file.dentry?.inode, let l = existing(inode) else { return }
            if l.records.contains(where: { $0.owner == owner }) {
                l.records.removeAll { $0.owner == owner }
                changed(l)
            }
        } else {
            for l in Array(byInode.values) where l.records.contains(where: { $0.owner == owner }) {
                l.records.removeAll { $0.owner == owner }
                changed(l)
            }
        }
        waiting[owner] = nil
    }

    // MARK: flock

    /// flock(2) on `l` for the description's handle: true when granted, false on conflict.
    func flock(_ l: InodeLocks, owner: ObjectIdentifier, exclusive: Bool?) -> Bool {
        guard let exclusive else {
            if l.flocks.contains(where: { $0.owner == owner }) { l.flocks.removeAll { $0.owner == owner }; changed(l) }
            return true
        }
        let conflict = l.flocks.contains { $0.owner != owner && ($0.exclusive || exclusive) }
        if conflict {
            // A conversion gives up the old lock first (Linux drops it before waiting).
            if l.flocks.contains(where: { $0.owner == owner }) { l.flocks.removeAll { $0.owner == owner }; changed(l) }
            return false
        }
        if let i = l.flocks.firstIndex(where: { $0.owner == owner }) {
            let downgrade = l.flocks[i].exclusive && !exclusive
            l.flocks[i].exclusive = exclusive
            if downgrade { changed(l) }
        } else {
            l.flocks.append((owner, exclusive))
        }
        return true
    }

    // MARK: Record locks

    /// The first lock of another owner that conflicts with [start, end] of the given kind.
    func conflict(_ l: InodeLocks, owner: ObjectIdentifier, exclusive: Bool, _ start: Int64, _ end: Int64) -> RecordLock? {
        l.records.first { $0.owner != owner && $0.overlaps(start, end) && ($0.exclusive || exclusive) }
    }

    /// Sets (or with `exclusive` nil, clears) the owner's lock over [start, end]: the owner's
    /// other locks are split around the range and neighbours of the same kind merged.
    func setRecord(_ l: InodeLocks, owner: ObjectIdentifier, pid: Int32, exclusive: Bool?, _ start: Int64, _ end: Int64) {
        var kept: [RecordLock] = []
        var released = false
        for r in l.records {
            guard r.owner == owner, r.overlaps(start, end) else { kept.append(r); continue }
            if exclusive == nil || r.exclusive != exclusive! { released = true }
            if r.start < start { var left = r; left.end = start - 1; kept.append(left) }
            if r.end > end { var right = r; right.start = end + 1; kept.append(right) }
            if r.start >= start && r.end <= end { released = true }
        }
        if let exclusive {
            var new = RecordLock(owner: owner, pid: pid, exclusive: exclusive, start: start, end: end)
            // Merge with adjacent or overlapping locks of the same owner and kind.
            var merged: [RecordLock] = []
            for r in kept {
                if r.owner == owner && r.exclusive == exclusive &&
                    (r.overlaps(new.start, new.end) || (new.start > 0 && r.end == new.start - 1) || (new.end < Int64.max && r.start == new.end + 1)) {
                    new.start = min(new.start, r.start); new.end = max(new.end, r.end)
                } else {
                    merged.append(r)
                }
            }
            merged.append(new)
            kept = merged
        }
        l.records = kept.sorted { $0.start < $1.start }
        if released { changed(l) }
    }

    /// Whether `owner` waiting for `blocker` would close a cycle of waiting owners (EDEADLK).
    func wouldDeadlock(owner: ObjectIdentifier, blocker: ObjectIdentifier) -> Bool {
        var b = blocker
        var steps = 0
        while let w = waiting[b], steps < 64 {
            if w.task?.parked == nil { waiting[b] = nil; return false }  // no longer waiting
            if w.blocker == owner { return true }
            b = w.blocker
            steps += 1
        }
        return false
    }
}
