import DequeModule
import Glibc
import LinuxABI
import SystemPackage

// Pipes: a byte ring shared by the read and write end descriptions. Transfers copy straight
// between the ring and the task's memory (at most two segments each way, no byte loops).
//
// Departures from Linux, which counts capacity in page slots: the capacity is in bytes, so
// small writes that Linux could not merge into a partly used page still fit here; a packet
// (O_DIRECT) write also only costs its bytes, not a whole slot.

/// The shared state of one pipe (Linux `struct pipe_inode_info`).
public final class Pipe {
    /// Default capacity (16 pages), PIPE_BUF (the atomic write size) and pipe-max-size.
    public static let defaultCapacity = 65536
    public static let atomicSize = 4096
    public static let maximumSize = 1 << 20
    static let pageSize = 4096

    nonisolated(unsafe) private static var nextIno: UInt64 = 0x1000

    public private(set) var capacity: Int
    /// Bytes buffered.
    public private(set) var count = 0
    /// Open descriptions that can read / write (an O_RDWR FIFO open counts in both).
    public fileprivate(set) var readers = 0
    public fileprivate(set) var writers = 0
    /// Readiness changes of either end.
    public let queue = WaitQueue()
    /// The pipefs inode number (fstat, /proc/PID/fd).
    public let ino: UInt64

    private var storage: UnsafeMutableRawPointer?
    private var storageSize = 0
    private var head = 0
    /// Stream positions (bytes ever read / the start of each packet) for O_DIRECT packets.
    private var consumed: UInt64 = 0
    private var packets = Deque<(start: UInt64, length: Int)>()

    public init(capacity: Int = Pipe.defaultCapacity) {
        self.capacity = capacity
        Pipe.nextIno &+= 1
        ino = Pipe.nextIno
    }

    deinit { storage?.deallocate() }

    public var freeSpace: Int { capacity - count }

    /// Readiness of an end that can read and/or write, in poll bits.
    public func readiness(reading: Bool, writing: Bool) -> EventMask {
        var m: EventMask = 0
        if reading {
            if count > 0 { m |= PollEvents.input | PollEvents.readNormal }
            if writers == 0 { m |= PollEvents.hangUp }
        }
        if writing {
            if freeSpace >= min(Pipe.atomicSize, capacity) { m |= PollEvents.output | PollEvents.writeNormal }
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

    /// F_SETPIPE_SZ: EBUSY when the buffered bytes would not fit.
    public func setCapacity(_ newCapacity: Int) throws(Errno) {
        if newCapacity < count { throw .resourceBusy }
        if newCapacity < storageSize { relocate(to: max(newCapacity, 1)) }
        let grew = newCapacity > capacity
        capacity = newCapacity
        if grew { queue.notify(PollEvents.output) }
    }

    // MARK: Transfers

    /// Moves up to `length` bytes in. `fill(destination, offset)` copies the caller's bytes
    /// [offset, offset + destination.count) of this write into the ring. A write of at most
    /// PIPE_BUF with `atomic` goes in whole or not at all; others may be partial.
    /// Throws EPIPE with no reader, EAGAIN when nothing (or not the atomic whole) fits.
    public func write(length: Int, packet: Bool = false, atomic: Bool = true,
                      _ fill: (UnsafeMutableRawBufferPointer, Int) throws(Errno) -> Void) throws(Errno) -> Int {
        if length == 0 { return 0 }
        if readers == 0 { throw .brokenPipe }
        let free = freeSpace
        if free == 0 || (atomic && length <= Pipe.atomicSize && free < length) { throw .resourceTemporarilyUnavailable }
        let n = min(length, free)
        reserve(count + n)
        var tail = head + count
        if tail >= storageSize { tail -= storageSize }
        let first = min(n, storageSize - tail)
        var filled = 0
        do {
            try fill(UnsafeMutableRawBufferPointer(start: storage! + tail, count: first), 0)
            filled = first
            if first < n {
                try fill(UnsafeMutableRawBufferPointer(start: storage!, count: n - first), first)
                filled = n
            }
        } catch {
            if filled == 0 { throw error }
        }
        if packet {
            var start = consumed &+ UInt64(count)
            var left = filled
            while left > 0 {
                let p = min(left, Pipe.pageSize)
                packets.append((start, p))
                start &+= UInt64(p)
                left -= p
            }
        }
        count += filled
        queue.notify(PollEvents.input | PollEvents.readNormal)
        return filled
    }

    /// Moves up to `length` bytes out: `drain(source, offset)` copies ring bytes to the caller's
    /// offset. A read stops after one packet and drops what of it did not fit.
    /// Returns 0 at end of file (empty, no writer); throws EAGAIN when empty with a writer.
    public func read(length: Int, _ drain: (UnsafeRawBufferPointer, Int) throws(Errno) -> Void) throws(Errno) -> Int {
        if length == 0 { return 0 }
        if count == 0 {
            if writers == 0 { return 0 }
            throw .resourceTemporarilyUnavailable
        }
        var copy = min(length, count)
        var consume = copy
        if let p = packets.first {
            let before = Int(p.start &- consumed)
            if before < copy {
                copy = before + min(length - before, p.length)
                consume = before + p.length
            }
        }
        let first = min(copy, storageSize - head)
        var done = 0
        do {
            try drain(UnsafeRawBufferPointer(start: storage! + head, count: first), 0)
            done = first
            if first < copy {
                try drain(UnsafeRawBufferPointer(start: storage!, count: copy - first), first)
                done = copy
            }
        } catch {
            if done == 0 { throw error }
            consume = done
        }
        discard(consume)
        queue.notify(PollEvents.output | PollEvents.writeNormal)
        return done
    }

    private func discard(_ n: Int) {
        head += n
        if head >= storageSize { head -= storageSize }
        count -= n
        consumed &+= UInt64(n)
        while let p = packets.first, p.start < consumed {
            packets.removeFirst()
            if p.start &+ UInt64(p.length) > consumed {
                // A packet read in part: the rest of it was dropped with it.
                let extra = Int(p.start &+ UInt64(p.length) &- consumed)
                head += extra
                if head >= storageSize { head -= storageSize }
                count -= extra
                consumed &+= UInt64(extra)
            }
        }
        if count == 0 { head = 0 }
    }

    /// Makes the storage hold at least `needed` bytes (grown by doubling up to the capacity).
    private func reserve(_ needed: Int) {
        if needed <= storageSize { return }
        var size = max(storageSize, Pipe.pageSize)
        while size < needed { size <<= 1 }
        relocate(to: min(max(size, needed), max(capacity, needed)))
    }

    /// Moves the buffered bytes to the start of fresh storage of `size` bytes.
    private func relocate(to size: Int) {
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        if let storage, count > 0 {
            let first = min(count, storageSize - head)
            fresh.copyMemory(from: storage + head, byteCount: first)
            if first < count { (fresh + first).copyMemory(from: storage, byteCount: count - first) }
        }
        storage?.deallocate()
        storage = fresh
        storageSize = size
        head = 0
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
        if canRead { pipe.readers += 1 }
        if canWrite { pipe.writers += 1 }
    }

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
        try pipe.read(length: buffer.count) { src, off throws(Errno) in
            UnsafeMutableRawBufferPointer(rebasing: buffer[off..<(off + src.count)]).copyMemory(from: src)
        }
    }

    /// A non-blocking write from a Sentry buffer.
    override public func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        try pipe.write(length: buffer.count, packet: isPacketized) { dst, off throws(Errno) in
            dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[off..<(off + dst.count)]))
        }
    }

    override public func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 { throw .illegalSeek }

    override public func stat() throws(Errno) -> FileStat {
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

    override public var path: [UInt8]? { Array("pipe:[\(pipe.ino)]".utf8) }
}
