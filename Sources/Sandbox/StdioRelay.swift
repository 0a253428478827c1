import CHusk
import Glibc

/// husk run's side of the program's stdio: copies its own stdin into the program's stdin pipe
/// and the program's stdout/stderr pipes to its own, reads the Sentry's status report and
/// forwards SIGINT/SIGTERM/SIGHUP to the Sentry. The Sentry uses its ends non-blocking, so a
/// slow reader of husk run's stdout parks one task, never the kernel.
struct StdioRelay {
    var stdinW: Int32
    var stdoutR: Int32
    var stderrR: Int32
    var statusR: Int32
    let sentryPid: pid_t
    let sentryPidFD: Int32
    let signalFD: Int32

    private var hostStdinOpen = true
    private var pending: [UInt8] = []
    private var pendingOff = 0
    private(set) var status: [UInt8] = []
    private(set) var sentryWaitStatus: Int32? = nil
    /// --timeout: the monotonic time (ms) at which the Sentry is killed; set once it was.
    var deadlineMillis: UInt64? = nil
    private(set) var timedOut = false
    /// The Gofer: its death before the program's status ends the sandbox (files would hang).
    var goferPid: pid_t = -1
    var goferPidFD: Int32 = -1
    private(set) var goferWaitStatus: Int32? = nil
    private(set) var goferCrashed = false

    init(stdinW: Int32, stdoutR: Int32, stderrR: Int32, statusR: Int32, sentryPid: pid_t, sentryPidFD: Int32, signalFD: Int32) {
        self.stdinW = stdinW; self.stdoutR = stdoutR; self.stderrR = stderrR; self.statusR = statusR
        self.sentryPid = sentryPid; self.sentryPidFD = sentryPidFD; self.signalFD = signalFD
        _ = fcntl(stdinW, F_SETFL, fcntl(stdinW, F_GETFL) | O_NONBLOCK)
    }

    /// Runs until the Sentry has exited and its stdout, stderr and status pipes are at EOF.
    mutating func run() {
        var buf = [UInt8](repeating: 0, count: 65536)
        while sentryWaitStatus == nil || stdoutR >= 0 || stderrR >= 0 || statusR >= 0 {
            var fds: [pollfd] = []
            func add(_ fd: Int32, _ ev: Int32) { fds.append(pollfd(fd: fd, events: Int16(ev), revents: 0)) }
            let wantStdin = hostStdinOpen && stdinW >= 0 && pendingOff >= pending.count
            if wantStdin { add(0, POLLIN) }
            if stdinW >= 0 && pendingOff < pending.count { add(stdinW, POLLOUT) }
            if stdoutR >= 0 { add(stdoutR, POLLIN) }
            if stderrR >= 0 { add(stderrR, POLLIN) }
            if statusR >= 0 { add(statusR, POLLIN) }
            if sentryWaitStatus == nil { add(sentryPidFD, POLLIN) }
            if goferPidFD >= 0 && goferWaitStatus == nil { add(goferPidFD, POLLIN) }
            add(signalFD, POLLIN)
            var wait: Int32 = -1
            if let d = deadlineMillis, !timedOut, sentryWaitStatus == nil, status.count < 4 {
                let now = monotonicMillis()
                if now >= d {
                    // Killing the Sentry ends its PID namespace (every task); the monitor removes the rest.
                    timedOut = true
                    _ = chusk_pidfd_send_signal(sentryPidFD, SIGKILL)
                    continue
                }
                wait = Int32(min(d - now, 60_000))
            }
            let n = poll(&fds, nfds_t(fds.count), wait)
            if n < 0 { if errno == EINTR { continue }; break }
            for p in fds where p.revents != 0 {
                switch p.fd {
                case 0 where wantStdin: readHostStdin(&buf, p.revents)
                case stdinW: flushStdin()
                case stdoutR: stdoutR = relay(stdoutR, to: 1, &buf)
                case stderrR: stderrR = relay(stderrR, to: 2, &buf)
                case statusR: readStatus(&buf)
                case sentryPidFD: reapSentry()
                case goferPidFD: reapGofer()
                case signalFD:
                    while true {
                        let sig = chusk_signalfd_read(signalFD)
                        if sig <= 0 { break }
                        if sentryWaitStatus == nil { kill(sentryPid, sig) }
                    }
                default: break
                }
            }
        }
    }

    private mutating func readHostStdin(_ buf: inout [UInt8], _ revents: Int16) {
        if revents & Int16(POLLNVAL) != 0 { closeStdin(); return }
        let n = buf.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n > 0 { pending = Array(buf[0..<n]); pendingOff = 0; flushStdin() }
        else if n == 0 || (errno != EAGAIN && errno != EINTR) { closeStdin() }
    }

    private mutating func flushStdin() {
        while pendingOff < pending.count && stdinW >= 0 {
            let n = pending.withUnsafeBytes { write(stdinW, $0.baseAddress! + pendingOff, $0.count - pendingOff) }
            if n > 0 { pendingOff += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
            closeStdin()   // EPIPE: the Sentry closed the program's stdin
        }
    }

    private mutating func closeStdin() {
        hostStdinOpen = false
        if stdinW >= 0 { close(stdinW); stdinW = -1 }
        pending = []; pendingOff = 0
    }

    /// Copies what is readable; returns the fd, or -1 once it is closed (EOF, or our side of
    /// the copy failed: closing makes the program see EPIPE, as with a direct pipe).
    private func relay(_ from: Int32, to: Int32, _ buf: inout [UInt8]) -> Int32 {
        let n = buf.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) }
        if n < 0 && (errno == EAGAIN || errno == EINTR) { return from }
        if n <= 0 || !writeAll(to, buf, n) { close(from); return -1 }
        return from
    }

    private mutating func readStatus(_ buf: inout [UInt8]) {
        let n = buf.withUnsafeMutableBytes { read(statusR, $0.baseAddress, $0.count) }
        if n > 0 { status.append(contentsOf: buf[0..<n]); return }
        if n < 0 && (errno == EAGAIN || errno == EINTR) { return }
        close(statusR); statusR = -1
    }

    /// A Gofer gone before the program's status came is a crash: the Sentry goes with it.
    private mutating func reapGofer() {
        var st: Int32 = 0
        let r = waitpid(goferPid, &st, WNOHANG)
        guard r == goferPid || (r < 0 && errno == ECHILD) else { return }
        goferWaitStatus = r == goferPid ? st : 0x7f00
        // Not a crash: the Sentry went first (the monitor then kills the Gofer; it is a zombie
        // by then), or the Gofer ended cleanly on the Sentry's closed socket.
        if sentryWaitStatus == nil { reapSentry() }
        let clean = r == goferPid && chusk_wifexited(st) != 0 && chusk_wexitstatus(st) == 0
        if sentryWaitStatus == nil && !timedOut && !clean {
            goferCrashed = true
            _ = chusk_pidfd_send_signal(sentryPidFD, SIGKILL)
        }
    }

    private mutating func reapSentry() {
        var st: Int32 = 0
        let r = waitpid(sentryPid, &st, WNOHANG)
        if r == sentryPid || (r < 0 && errno == ECHILD) {
            sentryWaitStatus = r == sentryPid ? st : 0x7f00
            if stdinW >= 0 { closeStdin() }
        }
    }
}

/// CLOCK_MONOTONIC in milliseconds.
func monotonicMillis() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
}

/// write(2) until done; waits out EAGAIN on a non-blocking fd. False on any other error.
func writeAll(_ fd: Int32, _ bytes: [UInt8], _ count: Int) -> Bool {
    var off = 0
    while off < count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, count - off) }
        if n > 0 { off += n; continue }
        if n < 0 && errno == EINTR { continue }
        if n < 0 && errno == EAGAIN {
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&p, 1, -1)
            continue
        }
        return false
    }
    return true
}
