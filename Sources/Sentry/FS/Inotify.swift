import Glibc
import LinuxABI
import SystemPackage

/// Each user's inotify instances (the INOTIFY_INSTANCES ucount), the Kernel's.
public final class InotifyInstances {
    /// /proc/sys/fs/inotify/max_user_instances: inotify_init past it is EMFILE (root too).
    public static let maxPerUser = 128
    public private(set) var byUser: [UInt32: Int] = [:]
    public init() {}
    func take(_ user: UInt32) throws(Errno) {
        let n = byUser[user] ?? 0
        if n >= InotifyInstances.maxPerUser { throw .tooManyOpenFiles }
        byUser[user] = n + 1
    }
    func give(_ user: UInt32) {
        let n = (byUser[user] ?? 1) - 1
        byUser[user] = n > 0 ? n : nil
    }
}

/// An inotify instance (Linux `struct fsnotify_group` with inotify's ops): the watches it
/// holds and the queue of events read(2) returns as struct inotify_event records. The
/// instance, its watches and its queued events are charged to the sandbox's memory account:
/// an event it cannot pay for is lost and IN_Q_OVERFLOW queued instead, as Linux does when the
/// event's allocation fails; a watch it cannot pay for is ENOMEM.
public final class InotifyFile: FileDescription {
    /// /proc/sys/fs/inotify/max_queued_events: past it one IN_Q_OVERFLOW ends the queue.
    public static let maxQueuedEvents = 16384
    /// /proc/sys/fs/inotify/max_user_watches (per instance here).
    public static let maxWatches = 65536

    struct Event: Equatable {
        var wd: Int32
        var mask: UInt32
        var cookie: UInt32
        var name: [UInt8]?
        /// The record's size: the header and the name padded with NULs to 16 bytes.
        var size: Int { 16 + paddedNameLength }
        var paddedNameLength: Int { guard let name else { return 0 }; return (name.count + 1 + 15) & ~15 }
        /// What the queued event is charged (the overflow event is the instance's own).
        var cost: Int { mask == InotifyMask.queueOverflow ? 0 : MemoryAccount.Cost.inotifyEvent + (name?.count ?? 0) }
    }

    private var events: [Event] = []
    private var head = 0
    /// Bytes of the queued events (FIONREAD).
    private(set) var queuedBytes = 0
    /// IN_Q_OVERFLOW is queued and not read yet (the queue holds one at most).
    private var overflowQueued = false
    private var watches: [Int32: InotifyWatch] = [:]
    private var lastWd: Int32 = 0
    let queue = WaitQueue()
    public override var waitQueue: WaitQueue? { queue }
    /// The memory account (nil: unaccounted) and the instance count this one holds a place in.
    private let account: MemoryAccount?
    private let instances: (counts: InotifyInstances, user: UInt32)?
    private var charge: MemoryCharge?

    /// The sandbox's fsnotify state, which counts this instance's watches.
    private let registry: FSNotifyRegistry

    /// An unaccounted instance (tests).
    public init(statusFlags: Int32, registry: FSNotifyRegistry = FSNotifyRegistry()) {
        account = nil
        instances = nil
        self.registry = registry
        super.init(accessMode: O_RDONLY, statusFlags: statusFlags)
    }

    /// inotify_init for `user` (the caller's euid): EMFILE past max_user_instances, ENOMEM when
    /// the memory account cannot hold the instance. Its watches count in `registry`.
    public init(statusFlags: Int32, user: UInt32, instances: InotifyInstances, account: MemoryAccount, registry: FSNotifyRegistry) throws(Errno) {
        try instances.take(user)
        do { charge = try account.hold(MemoryAccount.Cost.inotifyInstance, .inotify, or: .noMemory) } catch {
            instances.give(user)
            throw error
        }
        self.account = account
        self.instances = (instances, user)
        self.registry = registry
        super.init(accessMode: O_RDONLY, statusFlags: statusFlags)
    }

    deinit {
        // Closing the instance drops its watches without events.
        for w in watches.values { w.inode.watches.removeAll { $0 === w } }
        registry.watchCount -= watches.count
        if let account {
            account.uncharge(watches.count * MemoryAccount.Cost.inotifyWatch, .inotify)
            for e in events[head...] { account.uncharge(e.cost, .inotify) }
        }
        if let instances { instances.counts.give(instances.user) }
    }

    var pendingCount: Int { events.count - head }

    /// Queues an event (fsnotify_insert_event with inotify_merge): identical to the last queued
    /// one it merges; a full queue takes one IN_Q_OVERFLOW and drops the rest, and so does an
    /// event the memory account cannot pay for (inotify_handle_inode_event's failed kmalloc).
    func enqueue(wd: Int32, mask: UInt32, cookie: UInt32, name: [UInt8]?) {
        let e = Event(wd: wd, mask: mask, cookie: cookie, name: name)
        if pendingCount >= InotifyFile.maxQueuedEvents {
            queueOverflow()
            return
        }
        if pendingCount > 0, let last = events.last, last.mask & InotifyMask.ignored == 0,
           last.mask == e.mask, last.wd == e.wd, last.name == e.name { return }
        if let account, !account.tryCharge(e.cost, .inotify) {
            queueOverflow()
            return
        }
        append(e)
    }

    /// fsnotify_queue_overflow: one IN_Q_OVERFLOW in the queue at a time.
    private func queueOverflow() {
        if overflowQueued { return }
        overflowQueued = true
        append(Event(wd: -1, mask: InotifyMask.queueOverflow, cookie: 0, name: nil))
    }

    private func append(_ e: Event) {
        let wasEmpty = pendingCount == 0
        events.append(e)
        queuedBytes += e.size
        if wasEmpty { queue.notify(PollEvents.input | PollEvents.readNormal) }
    }

    /// inotify_add_watch on `inode`: the same node keeps its wd (mask replaced, or OR'd with
    /// IN_MASK_ADD; EEXIST with IN_MASK_CREATE).
    func addWatch(_ inode: Inode, mask: UInt32) throws(Errno) -> Int32 {
        let kept = mask & (InotifyMask.allEvents | InotifyMask.oneShot | InotifyMask.exclUnlink)
        if let w = inode.watches.first(where: { $0.instance === self }) {
            if mask & InotifyMask.maskCreate != 0 { throw .fileExists }
            w.mask = mask & InotifyMask.maskAdd != 0 ? w.mask | kept : kept
            return w.wd
        }
        if watches.count >= InotifyFile.maxWatches { throw .noSpace }
        try account?.charge(MemoryAccount.Cost.inotifyWatch, .inotify, or: .noMemory)
        var wd = lastWd &+ 1
        if wd <= 0 { wd = 1 }
        while watches[wd] != nil { wd &+= 1; if wd <= 0 { wd = 1 } }
        lastWd = wd
        let w = InotifyWatch(wd: wd, mask: kept, instance: self, inode: inode)
        watches[wd] = w
        inode.watches.append(w)
        registry.watchCount += 1
        return wd
    }

    /// inotify_rm_watch: EINVAL for an unknown wd.
    func removeWatch(wd: Int32) throws(Errno) {
        guard let w = watches[wd] else { throw .invalidArgument }
        removeWatch(w)
    }

    /// Drops a watch and queues its IN_IGNORED.
    func removeWatch(_ w: InotifyWatch) {
        guard watches[w.wd] === w else { return }
        watches[w.wd] = nil
        w.inode.watches.removeAll { $0 === w }
        registry.watchCount -= 1
        account?.uncharge(MemoryAccount.Cost.inotifyWatch, .inotify)
        enqueue(wd: w.wd, mask: InotifyMask.ignored, cookie: 0, name: nil)
    }

    /// Whole events that fit; EINVAL when the first does not; EAGAIN when none is queued.
    public override func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        if pendingCount == 0 { throw .resourceTemporarilyUnavailable }
        var used = 0
        while head < events.count {
            let e = events[head]
            let size = e.size
            if used + size > buffer.count {
                if used == 0 { throw .invalidArgument }
                break
            }
            buffer.storeBytes(of: e.wd.littleEndian, toByteOffset: used, as: Int32.self)
            buffer.storeBytes(of: e.mask.littleEndian, toByteOffset: used + 4, as: UInt32.self)
            buffer.storeBytes(of: e.cookie.littleEndian, toByteOffset: used + 8, as: UInt32.self)
            buffer.storeBytes(of: UInt32(e.paddedNameLength).littleEndian, toByteOffset: used + 12, as: UInt32.self)
            if let name = e.name {
                let start = used + 16
                for i in 0..<e.paddedNameLength { buffer[start + i] = i < name.count ? name[i] : 0 }
            }
            used += size
            queuedBytes -= size
            head += 1
            account?.uncharge(e.cost, .inotify)
            if e.mask == InotifyMask.queueOverflow { overflowQueued = false }
        }
        if head == events.count { events.removeAll(keepingCapacity: true); head = 0 }
        else if head > 1024 && head * 2 > events.count { events.removeFirst(head); head = 0 }
        return used
    }

    public override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int { throw .badFileDescriptor }
    public override func pread(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int { throw .illegalSeek }
    public override func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 { throw .illegalSeek }
    public override func stat() throws(Errno) -> FileStat { anonInodeStat() }
    public override var path: [UInt8]? { Array("anon_inode:inotify".utf8) }

    public override func readiness(_ mask: EventMask) -> EventMask {
        (pendingCount > 0 ? PollEvents.input | PollEvents.readNormal : 0) & mask
    }

    /// FIONREAD: the bytes of the queued events.
    public override func ioctl(_ task: Task, _ request: UInt32, _ argument: UInt64) -> SyscallReturn {
        guard request == Ioctl.FIONREAD else { return .error(.inappropriateIOCTLForDevice) }
        do { try task.copyOutValue(argument, Int32(truncatingIfNeeded: queuedBytes)) } catch { return .error(error) }
        return .zero
    }
}
