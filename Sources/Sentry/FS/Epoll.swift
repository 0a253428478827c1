import DequeModule
import Glibc
import LinuxABI
import SystemPackage

// epoll instances: an interest list keyed by (file, fd) and a ready list fed by the files'
// wait queues. Level-triggered entries go back on the ready list after being reported,
// edge-triggered ones only when their file signals again, one-shot ones are disabled until
// EPOLL_CTL_MOD. The instance holds its files weakly: the last close of a file drops its entry,
// as Linux does. Each entry is charged to the sandbox's memory account (ep_insert's epitem:
// ENOMEM when it cannot be paid for).

/// One registration (Linux `struct epitem`).
final class EpollEntry {
    let fd: Int32
    let fileID: ObjectIdentifier
    weak var file: FileDescription?
    /// The requested events with EPOLLERR | EPOLLHUP and the flag bits (ET, ONESHOT…).
    var events: UInt32
    var data: UInt64
    var waiter: Waiter?
    var onReadyList = false
    /// Removed by EPOLL_CTL_DEL (still possibly in the ready deque).
    var removed = false
    /// A one-shot entry that fired: reports nothing until EPOLL_CTL_MOD.
    var disabled = false

    init(fd: Int32, file: FileDescription, events: UInt32, data: UInt64) {
        self.fd = fd
        self.fileID = ObjectIdentifier(file)
        self.file = file
        self.events = events
        self.data = data
    }

    var interest: EventMask { events & ~(Epoll.EPOLLET | Epoll.EPOLLONESHOT | Epoll.EPOLLEXCLUSIVE | Epoll.EPOLLWAKEUP) }

    /// The file's current readiness restricted to the interest (0 when disabled or gone).
    func currentEvents() -> EventMask {
        guard !disabled, !removed, let file else { return 0 }
        return normalizedReadiness(file, interest) & interest
    }
}

/// The readiness of a file with POLLRDNORM/POLLWRNORM derived from POLLIN/POLLOUT (Linux's
/// files report both; some of ours report only the first).
func normalizedReadiness(_ file: FileDescription, _ mask: EventMask) -> EventMask {
    var r = file.readiness(mask | PollEvents.input | PollEvents.output | PollEvents.error | PollEvents.hangUp)
    if r & PollEvents.input != 0 { r |= PollEvents.readNormal }
    if r & PollEvents.output != 0 { r |= PollEvents.writeNormal }
    return r
}

public final class EpollFile: FileDescription {
    struct Key: Hashable {
        let file: ObjectIdentifier
        let fd: Int32
    }

    private var entries: [Key: EpollEntry] = [:]
    private var ready = Deque<EpollEntry>()
    let queue = WaitQueue()
    override public var waitQueue: WaitQueue? { queue }
    /// What the entries are charged to (nil: unaccounted), and the instance's own charge.
    private let account: MemoryAccount?
    private var charge: MemoryCharge?

    init(statusFlags: Int32 = 0, account: MemoryAccount? = nil) throws(Errno) {
        self.account = account
        super.init(accessMode: O_RDONLY, statusFlags: statusFlags)
        charge = try account?.hold(MemoryAccount.Cost.epollItem, .epoll, or: .noMemory)
    }

    deinit {
        for e in entries.values { e.waiter?.cancel() }
        account?.uncharge(entries.count * MemoryAccount.Cost.epollItem, .epoll)
    }

    /// The files this instance watches (for the loop check of nested instances).
    var watchedFiles: [FileDescription] { entries.values.compactMap { $0.file } }

    func entry(fd: Int32, file: FileDescription) -> EpollEntry? {
        let key = Key(file: ObjectIdentifier(file), fd: fd)
        guard let e = entries[key] else { return nil }
        if e.file == nil { drop(key, e); return nil }   // a stale entry of a freed file
        return e
    }

    /// EPOLL_CTL_ADD of a file without an entry here; ENOMEM when the account cannot pay for it.
    func add(fd: Int32, file: FileDescription, events: UInt32, data: UInt64) throws(Errno) {
        let key = Key(file: ObjectIdentifier(file), fd: fd)
        if let stale = entries[key] { drop(key, stale) }
        try account?.charge(MemoryAccount.Cost.epollItem, .epoll, or: .noMemory)
        let e = EpollEntry(fd: fd, file: file, events: events, data: data)
        entries[key] = e
        if let q = file.waitQueue {
            let w = Waiter(mask: e.interest) { [weak self, weak e] _ in
                guard let self, let e else { return }
                if e.file == nil { self.drop(Key(file: e.fileID, fd: e.fd), e); return }
                self.markReady(e)
            }
            e.waiter = w
            q.add(w)
        }
        if e.currentEvents() != 0 { markReady(e) }
    }

    func modify(_ e: EpollEntry, events: UInt32, data: UInt64) {
        e.events = events
        e.data = data
        e.disabled = false
        if let w = e.waiter, let file = e.file, let q = file.waitQueue {
            w.cancel()
            let nw = Waiter(mask: e.interest) { [weak self, weak e] _ in
                guard let self, let e else { return }
                if e.file == nil { self.drop(Key(file: e.fileID, fd: e.fd), e); return }
                self.markReady(e)
            }
            e.waiter = nw
            q.add(nw)
        }
        if e.currentEvents() != 0 { markReady(e) }
    }

    func remove(_ e: EpollEntry) {
        drop(Key(file: e.fileID, fd: e.fd), e)
    }

    private func drop(_ key: Key, _ e: EpollEntry) {
        e.removed = true
        e.waiter?.cancel()
        e.waiter = nil
        if entries[key] === e {
            entries[key] = nil
            account?.uncharge(MemoryAccount.Cost.epollItem, .epoll)
        }
    }

    private func markReady(_ e: EpollEntry) {
        if e.removed || e.disabled { return }
        if !e.onReadyList {
            e.onReadyList = true
            ready.append(e)
        }
        queue.notify(PollEvents.input | PollEvents.readNormal)
    }

    /// Collects up to `max` ready events, (events, data) in ready-list order, without changing
    /// anything; returns how many ready-list entries it looked at, for `commitHarvest`.
    func harvest(max: Int, into out: inout [(UInt32, UInt64)]) -> Int {
        var scanned = 0
        for e in ready {
            if out.count >= max { break }
            scanned += 1
            let ev = e.currentEvents()
            if ev != 0 { out.append((ev, e.data)) }
        }
        return scanned
    }

    /// Applies a harvest whose events reached the task: the scanned entries leave the ready
    /// list; reported level-triggered ones go back at its tail, one-shot ones are disabled.
    func commitHarvest(scanned: Int) {
        var again: [EpollEntry] = []
        for _ in 0..<scanned {
            guard let e = ready.popFirst() else { break }
            e.onReadyList = false
            if e.currentEvents() == 0 { continue }
            if e.events & Epoll.EPOLLONESHOT != 0 {
                e.disabled = true
            } else if e.events & Epoll.EPOLLET == 0 {
                again.append(e)
            }
        }
        for e in again where !e.onReadyList {
            e.onReadyList = true
            ready.append(e)
        }
    }

    /// True when some entry has an event to report.
    var hasEvents: Bool {
        for e in ready where e.currentEvents() != 0 { return true }
        return false
    }

    override public func readiness(_ mask: EventMask) -> EventMask {
        hasEvents ? (PollEvents.input | PollEvents.readNormal) & mask : 0
    }

    override public func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int { throw .invalidArgument }
    override public func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int { throw .invalidArgument }
    /// noop_llseek: the position stays 0.
    override public func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 { 0 }

    override public func stat() throws(Errno) -> FileStat { anonInodeStat() }

    override public var path: [UInt8]? { Array("anon_inode:[eventpoll]".utf8) }
}

/// fstat of an anonymous-inode file (eventfd, epoll): mode 0600 with no type bits, as Linux's
/// anon_inode shows.
func anonInodeStat() -> FileStat {
    var s = FileStat()
    s.mode = 0o600
    s.dev = 0xe
    s.ino = 1
    s.blksize = 4096
    return s
}
