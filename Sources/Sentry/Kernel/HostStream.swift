import Glibc
import LinuxABI
import SystemPackage

/// The program's stdio without -t: a host pipe end (relayed by husk run) that the Sentry uses
/// non-blocking, so a slow reader parks one task instead of stalling the kernel. It is a pipe,
/// not a terminal, whatever husk run sits on: terminal calls answer ENOTTY, as on Linux
/// (husk run -t gives the program the console pty instead, TTY/Console.swift).
final class HostStreamFile: FileDescription {
    let fd: Int32
    let queue = WaitQueue()
    override var waitQueue: WaitQueue? { queue }
    /// An exec'd process's pipe (ExecSpawner) is closed with its last reference; husk run's
    /// three stay open for the Sentry's life.
    private unowned let kernel: Kernel
    private let ownsFD: Bool

    init(kernel: Kernel, fd: Int32, accessMode: Int32, ownsFD: Bool = false) {
        self.fd = fd
        self.kernel = kernel
        self.ownsFD = ownsFD
        let fl = fcntl(fd, F_GETFL)
        if fl >= 0 { _ = fcntl(fd, F_SETFL, fl | O_NONBLOCK) }
        super.init(accessMode: accessMode, statusFlags: 0)
        kernel.watch(fd, queue: queue)
    }

    deinit {
        if ownsFD {
            kernel.unwatch(fd)
            close(fd)
        }
    }

    override func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
        if n < 0 { throw Errno(rawValue: errno) }
        return n
    }

    override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        let n = Glibc.write(fd, buffer.baseAddress, buffer.count)
        if n < 0 { throw Errno(rawValue: errno) }
        return n
    }

    override func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 { throw .illegalSeek }

    /// What /proc/PID/fd shows: the relayed pipe.
    override var path: [UInt8]? {
        var st = Glibc.stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return Array("pipe:[\(st.st_ino)]".utf8)
    }

    override func stat() throws(Errno) -> FileStat {
        var s = FileStat()
        s.mode = FileMode.S_IFIFO | 0o600
        s.blksize = 4096
        return s
    }

    override func readiness(_ mask: EventMask) -> EventMask {
        var p = pollfd(fd: fd, events: Int16(truncatingIfNeeded: mask), revents: 0)
        _ = poll(&p, 1, 0)
        return EventMask(UInt16(bitPattern: p.revents)) & (mask | PollEvents.error | PollEvents.hangUp)
    }
}
