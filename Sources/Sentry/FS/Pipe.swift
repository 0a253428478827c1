import Glibc
import LinuxABI
import SystemPackage

// Pipes: Linux's ring of page-sized slots, shared by the read and write end descriptions.
// Modelled slot for slot (a small write merges into the last slot when it fits, otherwise it
// takes a fresh slot; nothing merges into a packet (O_DIRECT) slot; a read stops after a packet and
// drops what of it did not fit), so capacities, EAGAIN points and FIONREAD match Linux
// exactly. The syscall layer moves the bytes in two phases (plan, copy to/from the task through
// the scratch buffer in one remote access, commit) so a fault leaves the pipe unchanged.

/// The shared state of one pipe (Linux `struct pipe_inode_info`).
public final class Pipe {
    /// Default capacity (16 pages), PIPE_BUF (the atomic write size) and pipe-max-size.
    public static let defaultCapacity = 65536
    public static let atomicSize = 4096
    public static let maximumSize = 1 << 20
    static let pageSize = 4096

    nonisolated(unsafe) private static var nextIno: UInt64 = 0x1000

    private struct Slot {
        var offset = 0
        var length = 0
        var packet = false
    }

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

    private var pages: UnsafeMutableRawPointer?
    private var slots: UnsafeMutablePointer<Slot>
    /// Ring positions: slots [tail, head) are occupied.
    private var head = 0
    private var tail = 0

    public init(capacity: Int = Pipe.defaultCapacity) {
        slotCount = max(capacity / Pipe.pageSize, 1)
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: Slot(), count: slotCount)
        Pipe.nextIno &+= 1
        ino = Pipe.nextIno
    }

    deinit {
        pages?.deallocate()
        slots.deallocate()
    }

    private var occupied: Int { head - tail }
    public var isFull: Bool { occupied >= slotCount }
    @inline(__always) private func index(_ i: Int) -> Int { i & (slotCount - 1) }
    @inline(__always) private func page(_ i: Int) -> UnsafeMutableRawPointer { pages! + index(i) * Pipe.pageSize }

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

    /// F_SETPIPE_SZ with a rounded size: EBUSY when the occupied slots would not fit.
    public func setCapacity(_ newCapacity: Int) throws(Errno) {
        let n = max(newCapacity / Pipe.pageSize, 1)
        if n < occupied { throw .resourceBusy }
        if n == slotCount { return }
        let newSlots = UnsafeMutablePointer<Slot>.allocate(capacity: n)
        newSlots.initialize(repeating: Slot(), count: n)
        var newPages: UnsafeMutableRawPointer?
        if let pages {
            let np = UnsafeMutableRawPointer.allocate(byteCount: n * Pipe.pageSize, alignment: 16)
            for k in 0..<occupied {
                let s = slots[index(tail + k)]
                newSlots[k] = s
                (np + k * Pipe.pageSize).copyMemory(from: page(tail + k), byteCount: Pipe.pageSize)
            }
            pages.deallocate()
            newPages = np
        }
        let occ = occupied
        slots.deallocate()
        slots = newSlots
        pages = newPages
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

    /// Appends `data`, which must be at most `acceptable(length: data.count, merge:)` bytes.
    public func append(_ data: UnsafeRawBufferPointer, packet: Bool, merge: Bool = true) {
        if data.isEmpty { return }
        if pages == nil { pages = .allocate(byteCount: slotCount * Pipe.pageSize, alignment: 16) }
        var done = 0
        let chars = data.count & (Pipe.pageSize - 1)
        if merge && chars != 0 && head != tail {
            let i = index(head - 1)
            if !slots[i].packet && slots[i].offset + slots[i].length + chars <= Pipe.pageSize {
                (page(head - 1) + slots[i].offset + slots[i].length).copyMemory(from: data.baseAddress!, byteCount: chars)
                slots[i].length += chars
                done = chars
            }
        }
        while done < data.count {
            precondition(occupied < slotCount, "pipe append beyond acceptable()")
            let part = min(Pipe.pageSize, data.count - done)
            page(head).copyMemory(from: data.baseAddress! + done, byteCount: part)
            slots[index(head)] = Slot(offset: 0, length: part, packet: packet)
            head += 1
            done += part
        }
        count += data.count
        queue.notify(PollEvents.input | PollEvents.readNormal)
    }

    /// A whole non-blocking write from Sentry memory: EPIPE with no reader, EAGAIN when
    /// nothing goes in; else the bytes written (all of them up to PIPE_BUF).
    public func write(_ data: UnsafeRawBufferPointer, packet: Bool = false) throws(Errno) -> Int {
        if data.isEmpty { return 0 }
        if readers == 0 { throw .brokenPipe }
        let n = acceptable(length: data.count)
        if n == 0 { throw .resourceTemporarilyUnavailable }
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
            if slots[i].length == 0 { tail += 1 }
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

    /// Creates the two ends of a new pipe.
    public static func makePair(statusFlags: Int32) -> (read: PipeFile, write: PipeFile) {
        let p = Pipe()
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
