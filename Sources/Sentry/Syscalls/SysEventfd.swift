import Glibc
import LinuxABI
import SystemPackage

// eventfd, eventfd2, and the eventfd file (read/write go through SysRead's generic path).

/// An eventfd counter (Linux `struct eventfd_ctx`).
final class EventFDFile: FileDescription {
    static let maximum = UInt64.max - 1
    var counter: UInt64
    let semaphore: Bool
    let queue = WaitQueue()
    override var waitQueue: WaitQueue? { queue }
    /// Its charge on the sandbox's memory account (eventfd_ctx).
    var charge: MemoryCharge?

    init(initial: UInt64, semaphore: Bool, statusFlags: Int32) {
        counter = initial
        self.semaphore = semaphore
        super.init(accessMode: O_RDWR, statusFlags: statusFlags)
    }

    /// Reads the counter (or 1 in semaphore mode) as 8 bytes; EAGAIN at zero.
    override func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        if buffer.count < 8 { throw .invalidArgument }
        if counter == 0 { throw .resourceTemporarilyUnavailable }
        let v = semaphore ? 1 : counter
        counter -= v
        buffer.storeBytes(of: v.littleEndian, toByteOffset: 0, as: UInt64.self)
        queue.notify(PollEvents.output | PollEvents.writeNormal)
        return 8
    }

    /// Adds an 8-byte value; EINVAL for 2^64-1, EAGAIN when the sum would pass 2^64-2.
    override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        if buffer.count < 8 { throw .invalidArgument }
        let v = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        if v == UInt64.max { throw .invalidArgument }
        if EventFDFile.maximum - counter < v { throw .resourceTemporarilyUnavailable }
        counter += v
        if v > 0 { queue.notify(PollEvents.input | PollEvents.readNormal) }
        return 8
    }

    /// noop_llseek: the position stays 0.
    override func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 { 0 }

    override func stat() throws(Errno) -> FileStat { anonInodeStat() }

    override func readiness(_ mask: EventMask) -> EventMask {
        var m: EventMask = 0
        if counter > 0 { m |= PollEvents.input | PollEvents.readNormal }
        if counter < EventFDFile.maximum { m |= PollEvents.output | PollEvents.writeNormal }
        if counter == UInt64.max { m |= PollEvents.error }
        return m & (mask | PollEvents.error | PollEvents.hangUp)
    }

    override var path: [UInt8]? { Array("anon_inode:[eventfd]".utf8) }
}

/// eventfd(2): eventfd2 with no flags.
func sysEventfd(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    makeEventfd(task, initial: a.uint(0), flags: 0)
}

/// eventfd2(2): EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC.
func sysEventfd2(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let flags = a.int(1)
    let known = FdCreateFlags.EFD_SEMAPHORE | FdCreateFlags.EFD_NONBLOCK | FdCreateFlags.EFD_CLOEXEC
    if flags & ~known != 0 { return .error(.invalidArgument) }
    return makeEventfd(task, initial: a.uint(0), flags: flags)
}

/// ENOMEM when the memory account cannot hold the counter.
private func makeEventfd(_ task: Task, initial: UInt32, flags: Int32) -> SyscallReturn {
    let file = EventFDFile(initial: UInt64(initial), semaphore: flags & FdCreateFlags.EFD_SEMAPHORE != 0,
                           statusFlags: flags & FdCreateFlags.EFD_NONBLOCK)
    do {
        file.charge = try task.kernel.memory.hold(MemoryAccount.Cost.eventfd, .eventfd, or: .noMemory)
        let fd = try task.fdTable.allocate(file, closeOnExec: flags & FdCreateFlags.EFD_CLOEXEC != 0, limit: task.fdLimit)
        return .ok(Int(fd))
    } catch { return .error(error) }
}
