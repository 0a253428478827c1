import Glibc
import LinuxABI
import SystemPackage

/// The program's stdio: a host pipe end (relayed by husk run) that the Sentry uses
/// non-blocking, so a slow reader parks one task instead of stalling the kernel.
final class HostStreamFile: FileDescription {
    let fd: Int32
    let queue = WaitQueue()
    let terminal: TerminalInfo?
    override var waitQueue: WaitQueue? { queue }

    init(kernel: Kernel, fd: Int32, accessMode: Int32, terminal: TerminalInfo?) {
        self.fd = fd
        self.terminal = terminal
        let fl = fcntl(fd, F_GETFL)
        if fl >= 0 { _ = fcntl(fd, F_SETFL, fl | O_NONBLOCK) }
        super.init(accessMode: accessMode, statusFlags: 0)
        kernel.watch(fd, queue: queue)
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

    /// What /proc/PID/fd shows: the relayed pipe, or the terminal husk run sits on.
    override var path: [UInt8]? {
        if terminal != nil { return Array("/dev/pts/0".utf8) }
        var st = Glibc.stat()
        guard fstat(fd, &st) == 0 else { return nil }
        return Array("pipe:[\(st.st_ino)]".utf8)
    }

    override func stat() throws(Errno) -> FileStat {
        var s = FileStat()
        if terminal != nil {
            s.mode = FileMode.S_IFCHR | 0o620
            s.rdev = 0x8800   // /dev/pts/0
        } else {
            s.mode = FileMode.S_IFIFO | 0o600
        }
        s.blksize = 4096
        return s
    }

    override func readiness(_ mask: EventMask) -> EventMask {
        var p = pollfd(fd: fd, events: Int16(truncatingIfNeeded: mask), revents: 0)
        _ = poll(&p, 1, 0)
        return EventMask(UInt16(bitPattern: p.revents)) & (mask | PollEvents.error | PollEvents.hangUp)
    }

    /// Terminal requests answer from husk run's terminal; without one, ENOTTY as Linux does for a pipe.
    override func ioctl(_ task: Task, _ request: UInt32, _ argument: UInt64) -> SyscallReturn {
        guard let terminal else { return .error(.inappropriateIOCTLForDevice) }
        do {
            switch request {
            case Ioctl.TCGETS:
                try task.copyOut(argument, terminal.termios)
                return .zero
            case Ioctl.TIOCGWINSZ:
                try task.copyOutStruct(argument, WinSize(ws_row: terminal.rows, ws_col: terminal.columns))
                return .zero
            case Ioctl.TCSETS, Ioctl.TCSETSW, Ioctl.TCSETSF:
                return .zero
            case Ioctl.TIOCGPGRP, Ioctl.TIOCSPGRP:
                // The relayed stream is nobody's controlling terminal: Linux's tiocgpgrp and
                // tiocspgrp answer ENOTTY then. (Answering the caller's own pid made dash, whose
                // process group differs, loop on tcgetpgrp and kill(0, SIGTTIN) for ever.)
                return .error(.inappropriateIOCTLForDevice)
            default:
                return .error(.inappropriateIOCTLForDevice)
            }
        } catch { return .error(error) }
    }
}
