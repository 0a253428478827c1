import Glibc
import LinuxABI
import SystemPackage

// Pipes: Linux's ring of page-sized slots, shared by the read and write end descriptions.
// Modelled slot for slot (a small write merges into the last slot when it fits, otherwise it
// takes a fresh slot; nothing merges into a packet (O_DIRECT) slot; a read stops after a packet and
// drops what of it did not fit), so capacities, EAGAIN points and FIONREAD match Linux
// exactly. The syscall layer moves the bytes in two phases (plan, copy to/from the task through
// the scratch buffer in one remote access, commit) so a fault leaves the pipe unchanged.
//
// Memory, as fs/pipe.c: a slot's page is allocated when a write takes the slot and freed when a
// read empties it, each charged to the sandbox's memory account (a write the account cannot pay
// for fails with ENOMEM, or returns what it wrote); the pipe object and its ring are charged when
// made and resized. The user who made the pipe is accounted its capacity in slots against
// pipe-user-pages-soft/-hard (PipeLimits), and F_SETPIPE_SZ above pipe-max-size needs
// CAP_SYS_RESOURCE.

/// Linux's pipe sysctls (/proc/sys/fs/pipe-*) and each user's pipe slots (user_struct's
/// pipe_bufs): a pipe counts for its capacity in slots, written or not, against the real uid of
/// the task that made it. Past the soft limit an unprivileged user's new pipes get 2 slots and
/// cannot grow; past the hard limit (0: none) they cannot be made. It is the Kernel's pipefs
/// instance, so it also numbers the pipes' inodes.
public final class PipeLimits {
    /// PIPE_MIN_DEF_BUFFERS: a new pipe's slots once its user is past the soft limit.
    public static let minimumSlots = 2
    /// Linux's defaults of pipe-max-size, pipe-user-pages-soft and pipe-user-pages-hard.
    public static let defaultMaxSize = 1 << 20
    public static let defaultUserPagesSoft = 16384
    public static let defaultUserPagesHard = 0
    public var maxSize = PipeLimits.defaultMaxSize
    public var userPagesSoft = PipeLimits.defaultUserPagesSoft
    public var userPagesHard = PipeLimits.defaultUserPagesHard
    /// Slots of the pipes each user made.
    public private(set) var userSlots: [UInt32: Int] = [:]
    /// The last pipefs inode number given out (Linux numbers pipes per pipefs superblock).
    private var lastIno: UInt64 = 0x1000

    public init() {}

    /// The inode number of a new pipe.
    func allocateIno() -> UInt64 {
        lastIno &+= 1
        return lastIno
    }

    /// account_pipe_buffers: moves one pipe of `user` from `old` to `new` slots; the user's total.
    @discardableResult
    func account(_ user: UInt32, from old: Int, to new: Int) -> Int {
        let total = (userSlots[user] ?? 0) + new - old
        userSlots[user] = total == 0 ? nil : total
        return total
    }
    func tooManySoft(_ total: Int) -> Bool { userPagesSoft != 0 && total > userPagesSoft }
    func tooManyHard(_ total: Int) -> Bool { userPagesHard != 0 && total > userPagesHard }
    /// pipe_is_unprivileged_user: neither CAP_SYS_RESOURCE nor CAP_SYS_ADMIN.
    static func unprivileged(_ creds: Credentials) -> Bool {
        !creds.has(Capability.sysResource) && !creds.has(Capability.sysAdmin)
    }
}

/// The shared state of one pipe (Linux `struct pipe_inode_info`).
public final class Pipe {
    /// Default capacity (16 pages), PIPE_BUF (the atomic write size) and pipe-max-size.
    public static let defaultCapacity = 65536
    public static let atomicSize = 4096
    public static let maximumSize = PipeLimits.defaultMaxSize
    static let pageSize = 4096

    private struct Slot {
        var offset = 0
        var length = 0
        var packet = false
        /// The slot's page while it holds data (nil: free slot).
        var page: UnsafeMutableRawPointer?
    }

    /// Where the pipe is accounted: the limits and the user it counts against, and the memory
    /// account its object, ring and pages are charged to. nil: unaccounted (unit tests).
    private let accounting: (limits: PipeLimits, memory: MemoryAccount, user: UInt32)?

    /// Number of slots (a power of two).
    public private(set) var slotCount: Int
    public var capacity: Int { slotCount * Pipe.pageSize }
    /// Bytes buffered.
    public private(set) var count = 0
    /// Open descriptions that can read / write (an O_RDWR FIFO open counts in both).
    public fileprivate(set) var readers = 0
    public fileprivate(set) var writers = 0
    /// Opens of each side so far (Linux's r_counter/w_counter): a FIFO opener parked for its
    /// partner wakes when the other counter moved, even if that opener is gone again.
    public fileprivate(set) var readerOpens: UInt64 = 0
    public fileprivate(set) var writerOpens: UInt64 = 0
    /// What a new open of either side notifies (no poll bit: only parked FIFO opens wait for it).
    public static let openEvent: EventMask = 0x4000_0000
    /// Readiness changes of either end.
    public let queue = WaitQueue()
    /// The pipefs inode number (fstat, /proc/PID/fd).
    public let ino: UInt64

    private var slots: UnsafeMutablePointer<Slot>
    /// Ring positions: slots [tail, head) are occupied.
    private var head = 0
    private var tail = 0
    /// Pages allocated (one per occupied slot).
    public private(set) var pageCount = 0

    /// An unaccounted pipe of `capacity` bytes (unit tests, FIFOs opened outside a task), with
    /// inode number `ino`.
    public init(capacity: Int = Pipe.defaultCapacity, ino: UInt64 = 0) {
        slotCount = max(capacity / Pipe.pageSize, 1)
        accounting = nil
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: Slot(), count: slotCount)
        self.ino = ino
    }

    private init(slotCount: Int, accounting: (limits: PipeLimits, memory: MemoryAccount, user: UInt32)) {
        self.slotCount = slotCount
        self.accounting = accounting
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: Slot(), count: slotCount)
        ino = accounting.limits.allocateIno()
    }

    /// What the object and a ring of `slots` slots are charged.
    private static func objectCost(slots: Int) -> Int { MemoryAccount.Cost.pipe + slots * MemoryAccount.Cost.pipeSlot }

    /// alloc_pipe_info for a task with `creds`: 16 slots (fewer if pipe-max-size is smaller and
    /// the task lacks CAP_SYS_RESOURCE), 2 when an unprivileged user is past
    /// pipe-user-pages-soft; nil when it is past pipe-user-pages-hard or the memory account
    /// cannot hold the pipe (pipe(2) then fails with ENFILE, a FIFO open with ENOMEM).
    public static func allocate(creds: Credentials, limits: PipeLimits, memory: MemoryAccount) -> Pipe? {
        var slots = Pipe.defaultCapacity / Pipe.pageSize
        if slots * Pipe.pageSize > limits.maxSize && !creds.has(Capability.sysResource) {
            slots = max(limits.maxSize / Pipe.pageSize, 1)
        }
        let user = creds.uid
        let unprivileged = PipeLimits.unprivileged(creds)
        var total = limits.account(user, from: 0, to: slots)
        if limits.tooManySoft(total) && unprivileged {
            total = limits.account(user, from: slots, to: PipeLimits.minimumSlots)
            slots = PipeLimits.minimumSlots
        }
        if (limits.tooManyHard(total) && unprivileged) || !memory.tryCharge(objectCost(slots: slots), .pipes) {
            limits.account(user, from: slots, to: 0)
            return nil
        }
        return Pipe(slotCount: slots, accounting: (limits, memory, user))
    }

    deinit {
        var t = tail
        while t != head { releasePage(t); t += 1 }
        slots.deallocate()
        if let a = accounting {
            a.limits.account(a.user, from: slotCount, to: 0)
            a.memory.uncharge(Pipe.objectCost(slots: slotCount), .pipes)
        }
    }

    private var occupied: Int { head - tail }
    public var isFull: Bool { occupied >= slotCount }
    @inline(__always) private func index(_ i: Int) -> Int { i & (slotCount - 1) }
    @inline(__always) private func page(_ i: Int) -> UnsafeMutableRawPointer { slots[index(i)].page! }

    /// Gives the slot at ring position `i` a page (charged; `affordable` checked there is room).
    private func takePage(_ i: Int) {
        slots[index(i)].page = .allocate(byteCount: Pipe.pageSize, alignment: 16)
        pageCount += 1
        accounting?.memory.forceCharge(Pipe.pageSize, .pipePages)
    }

    /// Frees the page of the slot at ring position `i` (a read emptied it, or the pipe is freed).
    private func releasePage(_ i: Int) {
        guard let p = slots[index(i)].page else { return }
        p.deallocate()
        slots[index(i)].page = nil
        pageCount -= 1
        accounting?.memory.uncharge(Pipe.pageSize, .pipePages)
    }

    /// Readiness of an end that can read and/or write, in poll bits.
    public func readiness(reading: Bool, writing: Bool) -> EventMask {
        var m: EventMask = 0
        if reading {
            if count > 0 { m |= PollEvents.input | PollEvents.readNormal }
            if writers == 0 { m |= PollEvents.hangUp }
        }
        if writing {
            if !isFull { m |= PollEvents.output | PollEvents.writeNormal }
            if readers == 0 { m |= PollEvents.error }
        }
        return m
    }

    /// Rounds a requested F_SETPIPE_SZ size the way Linux does: at least a page, a power of two;
    /// nil when it cannot be represented (above 2^31).
    public static func roundSize(_ size: Int) -> Int? {
        if size < 0 || size > 1 << 31 { return nil }
        if size <= pageSize { return pageSize }
        var r = pageSize
        while r < size { r <<= 1 }
        return r
    }

    /// pipe_set_size (F_SETPIPE_SZ) with a rounded size, for a task with `creds`; the new
    /// capacity. Growing needs CAP_SYS_RESOURCE above pipe-max-size (EPERM), and an
    /// unprivileged user past pipe-user-pages-soft or -hard cannot grow a pipe (EPERM);
    /// shrinking is always allowed, but not below what the pipe holds (EBUSY). ENOMEM when the
    /// memory account cannot hold the larger ring.
    public func resize(to size: Int, creds: Credentials) throws(Errno) -> Int {
        let n = max(size / Pipe.pageSize, 1)
        let growing = n > slotCount
        let maxSize = accounting?.limits.maxSize ?? Pipe.maximumSize
        if growing && size > maxSize && !creds.has(Capability.sysResource) { throw .notPermitted }
        guard let a = accounting else {
            try setCapacity(n * Pipe.pageSize)
            return capacity
        }
        let total = a.limits.account(a.user, from: slotCount, to: n)
        if growing && (a.limits.tooManyHard(total) || a.limits.tooManySoft(total)) && PipeLimits.unprivileged(creds) {
            a.limits.account(a.user, from: n, to: slotCount)
            throw .notPermitted
        }
        let old = slotCount
        do throws(Errno) {
            if growing { try a.memory.charge((n - old) * MemoryAccount.Cost.pipeSlot, .pipes, or: .noMemory) }
            do throws(Errno) { try setCapacity(n * Pipe.pageSize) } catch {
                if growing { a.memory.uncharge((n - old) * MemoryAccount.Cost.pipeSlot, .pipes) }
                throw error
            }
        } catch {
            a.limits.account(a.user, from: n, to: old)
            throw error
        }
        if !growing { a.memory.uncharge((old - n) * MemoryAccount.Cost.pipeSlot, .pipes) }
        return capacity
    }

    /// The ring resized to `newCapacity` bytes (pipe_resize_ring): EBUSY when the occupied
    /// slots would not fit. The slots keep their pages. No permission or accounting checks.
    public func setCapacity(_ newCapacity: Int) throws(Errno) {
        let n = max(newCapacity / Pipe.pageSize, 1)
        if n < occupied { throw .resourceBusy }
        if n == slotCount { return }
        let newSlots = UnsafeMutablePointer<Slot>.allocate(capacity: n)
        newSlots.initialize(repeating: Slot(), count: n)
        let occ = occupied
        for k in 0..<occ { newSlots[k] = slots[index(tail + k)] }
        slots.deallocate()
        slots = newSlots
        slotCount = n
        tail = 0
        head = occ
        queue.notify(PollEvents.output | PollEvents.writeNormal)
    }

    // MARK: Writing

    /// How many bytes of a `length`-byte write go in now (0: the write would block). `merge`
    /// allows the first (length % PAGE_SIZE) bytes to join the last slot, as pipe_write does
    /// once at the start of a call.
    public func acceptable(length: Int, merge: Bool = true) -> Int {
        if length == 0 { return 0 }
        var n = 0
        let chars = length & (Pipe.pageSize - 1)
        if merge && chars != 0 && head != tail {
            let last = slots[index(head - 1)]
            if !last.packet && last.offset + last.length + chars <= Pipe.pageSize { n = chars }
        }
        return n + min((slotCount - occupied) * Pipe.pageSize, length - n)
    }

    /// The bytes of an append of `count` bytes that go into the last slot (no new page), as
    /// `append` decides it.
    private func merged(_ count: Int, merge: Bool) -> Int {
        let chars = count & (Pipe.pageSize - 1)
        if merge && chars != 0 && head != tail {
            let last = slots[index(head - 1)]
            if !last.packet && last.offset + last.length + chars <= Pipe.pageSize { return chars }
        }
        return 0
    }

    /// How many of `count` bytes (at most `acceptable`) an append can take with the pages the
    /// memory account can still pay for: all of them, or the merged bytes and whole pages.
    /// A write of up to PIPE_BUF needs at most one page, so it stays all or nothing.
    public func affordable(_ count: Int, merge: Bool = true) -> Int {
        guard let a = accounting, count > 0 else { return count }
        let m = merged(count, merge: merge)
        let pages = (count - m + Pipe.pageSize - 1) / Pipe.pageSize
        let free = a.memory.availablePages
        return pages <= free ? count : m + free * Pipe.pageSize
    }

    /// What a write of `length` bytes (at most `limit` at once) can put in now: `bytes` 0 with
    /// `shortOfMemory` false means the pipe is full (EAGAIN, or wait); `shortOfMemory` means the
    /// memory account stopped it (pipe_write's failed page allocation: ENOMEM when nothing was
    /// written).
    public func room(for length: Int, merge: Bool = true, limit: Int = Int.max) -> (bytes: Int, shortOfMemory: Bool) {
        let fit = min(acceptable(length: length, merge: merge), limit)
        let n = affordable(fit, merge: merge)
        if n < fit { accounting?.memory.refused() }
        return (n, n < fit)
    }

    /// Appends `data`, which must be at most `room(for: data.count, merge:).bytes` bytes.
    public func append(_ data: UnsafeRawBufferPointer, packet: Bool, merge: Bool = true) {
        if data.isEmpty { return }
        var done = merged(data.count, merge: merge)
        if done > 0 {
            let i = index(head - 1)
            (page(head - 1) + slots[i].offset + slots[i].length).copyMemory(from: data.baseAddress!, byteCount: done)
            slots[i].length += done
        }
        while done < data.count {
            precondition(occupied < slotCount, "pipe append beyond acceptable()")
            let part = min(Pipe.pageSize, data.count - done)
            slots[index(head)] = Slot(offset: 0, length: part, packet: packet)
            takePage(head)
            page(head).copyMemory(from: data.baseAddress! + done, byteCount: part)
            head += 1
            done += part
        }
        count += data.count
        queue.notify(PollEvents.input | PollEvents.readNormal)
    }

    /// A whole non-blocking write from Sentry memory: EPIPE with no reader, EAGAIN when
    /// nothing goes in, ENOMEM when the memory account cannot pay for a page; else the bytes
    /// written (all of them up to PIPE_BUF).
    public func write(_ data: UnsafeRawBufferPointer, packet: Bool = false) throws(Errno) -> Int {
        if data.isEmpty { return 0 }
        if readers == 0 { throw .brokenPipe }
        let (n, short) = room(for: data.count)
        if n == 0 { throw short ? .noMemory : .resourceTemporarilyUnavailable }
        append(UnsafeRawBufferPointer(rebasing: data[0..<n]), packet: packet)
        return n
    }

    // MARK: Reading

    /// Copies into `buffer` what a read of `buffer.count` bytes returns, without consuming.
    public func peek(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var total = buffer.count
        var ret = 0
        var t = tail
        while t != head && total > 0 {
            let s = slots[index(t)]
            let chars = min(s.length, total)
            if chars > 0 {
                (buffer.baseAddress! + ret).copyMemory(from: page(t) + s.offset, byteCount: chars)
            }
            ret += chars
            if s.packet { break }
            total -= chars
            t += 1
        }
        return ret
    }

    /// Consumes what a read returning `n` bytes (from `peek`) takes: a packet read in part is
    /// dropped whole.
    public func consume(_ n: Int) {
        if n == 0 { return }
        var left = n
        while head != tail {
            let i = index(tail)
            let chars = min(slots[i].length, left)
            slots[i].offset += chars
            slots[i].length -= chars
            count -= chars
            left -= chars
            if slots[i].packet {
                count -= slots[i].length
                slots[i].length = 0
            }
            if slots[i].length == 0 { releasePage(tail); tail += 1 }
            if left == 0 || slots[i].packet { break }
        }
        if n > 0 { queue.notify(PollEvents.output | PollEvents.writeNormal) }
    }

    /// A whole non-blocking read into Sentry memory: 0 at EOF, EAGAIN when empty with a writer.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        if buffer.isEmpty { return 0 }
        if count == 0 {
            if writers == 0 { return 0 }
            throw .resourceTemporarilyUnavailable
        }
        let n = peek(into: buffer)
        consume(n)
        return n
    }
}

extension PollEvents {
    public static let readNormal: EventMask = 0x040   // POLLRDNORM
    public static let readBand: EventMask = 0x080     // POLLRDBAND
    public static let writeNormal: EventMask = 0x100  // POLLWRNORM
    public static let writeBand: EventMask = 0x200    // POLLWRBAND
}

/// One end of a pipe (or an open of a FIFO): a description that counts as a reader and/or a
/// writer while it exists. The last reference going away (close of the last fd, exit, exec
/// with O_CLOEXEC) drops the count and wakes the other side (EOF, EPIPE).
public final class PipeFile: FileDescription {
    public let pipe: Pipe
    override public var waitQueue: WaitQueue? { pipe.queue }

    public init(pipe: Pipe, accessMode: Int32, statusFlags: Int32) {
        self.pipe = pipe
        super.init(accessMode: accessMode, statusFlags: statusFlags)
        if canRead { pipe.readers += 1; pipe.readerOpens &+= 1 }
        if canWrite { pipe.writers += 1; pipe.writerOpens &+= 1 }
        pipe.queue.notify(Pipe.openEvent)
    }

    /// The FIFO this description was opened through (nil for pipe(2) ends).
    public var fifo: Dentry?

    deinit {
        if canRead {
            pipe.readers -= 1
            if pipe.readers == 0 { pipe.queue.notify(PollEvents.error | PollEvents.output) }
        }
        if canWrite {
            pipe.writers -= 1
            if pipe.writers == 0 { pipe.queue.notify(PollEvents.hangUp | PollEvents.input) }
        }
    }

    /// Creates the two ends of a new pipe (an unaccounted one unless `pipe` is given).
    public static func makePair(statusFlags: Int32, pipe: Pipe? = nil) -> (read: PipeFile, write: PipeFile) {
        let p = pipe ?? Pipe()
        return (PipeFile(pipe: p, accessMode: O_RDONLY, statusFlags: statusFlags),
                PipeFile(pipe: p, accessMode: O_WRONLY, statusFlags: statusFlags))
    }

    var isPacketized: Bool { statusFlags & OpenFlags.O_DIRECT != 0 }

    /// A non-blocking read into a Sentry buffer (the syscalls use `Pipe.read` with the task's memory).
    override public func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try pipe.read(into: buffer)
    }

    /// A non-blocking write from a Sentry buffer.
    override public func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        try pipe.write(buffer, packet: isPacketized)
    }

    override public func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 { throw .illegalSeek }

    override public func stat() throws(Errno) -> FileStat {
        if let f = fifo, let node = f.inode { return try node.stat() }
        var s = FileStat()
        s.mode = FileMode.S_IFIFO | 0o600
        s.ino = pipe.ino
        s.dev = 0xd   // pipefs's anonymous device
        s.blksize = 4096
        return s
    }

    override public func readiness(_ mask: EventMask) -> EventMask {
        pipe.readiness(reading: canRead, writing: canWrite) & (mask | PollEvents.error | PollEvents.hangUp)
    }

    /// FIONREAD: the bytes buffered.
    override public func ioctl(_ task: Task, _ request: UInt32, _ argument: UInt64) -> SyscallReturn {
        guard request == Ioctl.FIONREAD else { return .error(.inappropriateIOCTLForDevice) }
        do {
            try task.copyOutValue(argument, Int32(pipe.count))
            return .zero
        } catch { return .error(error) }
    }

    override public var path: [UInt8]? { fifo.map { VFS.absolutePath($0) } ?? Array("pipe:[\(pipe.ino)]".utf8) }
    override public var dentry: Dentry? { fifo }
}
