import CHusk
import Glibc

/// husk run's side of the program's stdio: copies its own stdin into the program's stdin pipe
/// and the program's stdout/stderr pipes to its own, reads the Sentry's status report and
/// forwards SIGINT/SIGTERM/SIGHUP to the Sentry. The Sentry uses its ends non-blocking, so a
/// slow reader of husk run's stdout parks one task, never the kernel.
///
/// A forwarded SIGINT or SIGTERM is a request to stop: a second one while the sandbox still
/// runs, or a sandbox still running `stopGraceMillis` after it, makes husk run kill the Sentry
/// and the Gofer (each is init of its PID namespace, so every task dies; the monitor removes
/// the cgroup). SIGHUP is only forwarded: a program may handle it and go on.
struct StdioRelay {
    var stdinW: Int32
    var stdoutR: Int32
    var stderrR: Int32
    var statusR: Int32
    let sentryPid: pid_t
    let sentryPidFD: Int32
    let signalFD: Int32

    private var hostStdinOpen = true
    /// Whether husk's clean binary pages were dropped since the relay last had work.
    private var idleTrimmed = false
    /// How long the relay is idle before it drops them.
    static let idleTrimMillis: Int32 = 200
    /// husk run -t: the pipe on which window sizes go to the console (4 bytes, rows and columns).
    var controlW: Int32 = -1
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
    /// How long the sandbox has to end after a forwarded SIGINT or SIGTERM.
    static let stopGraceMillis: UInt64 = 5000
    /// The first forwarded SIGINT or SIGTERM and the monotonic time (ms) its grace ends.
    private var stopRequest: (signal: Int32, deadline: UInt64)? = nil
    /// Set when husk run ended the sandbox itself after a forwarded signal: the one line it
    /// prints and its exit status (128 + the signal that decided it).
    private(set) var forcedKill: (message: String, status: Int32)? = nil
    /// The OCI shim's control socket (start, kill), served between the copies.
    var control: ShimChannel? = nil
    /// false for a pooled sandbox (docs/pool.md): the Sentry and the Gofer are the pool's
    /// children, so their wait statuses are not ours to read; their pidfds tell their ends, and
    /// the relay is over once the Sentry has closed its pipes (its exit), without waiting for its
    /// PID namespace's teardown.
    var partsAreChildren = true

    init(stdinW: Int32, stdoutR: Int32, stderrR: Int32, statusR: Int32, sentryPid: pid_t, sentryPidFD: Int32, signalFD: Int32) {
        self.stdinW = stdinW; self.stdoutR = stdoutR; self.stderrR = stderrR; self.statusR = statusR
        self.sentryPid = sentryPid; self.sentryPidFD = sentryPidFD; self.signalFD = signalFD
        _ = fcntl(stdinW, F_SETFL, fcntl(stdinW, F_GETFL) | O_NONBLOCK)
    }

    /// Runs until the Sentry has exited and its stdout, stderr and status pipes are at EOF.
    mutating func run() {
        var buf = [UInt8](repeating: 0, count: 65536)
        while (sentryWaitStatus == nil && partsAreChildren) || stdoutR >= 0 || stderrR >= 0 || statusR >= 0 {
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
            if let c = control, c.listenFD >= 0 { add(c.listenFD, POLLIN) }
            for fd in control?.execPollFDs ?? [] { add(fd, POLLIN) }
            var wait: Int32 = -1
            if let d = deadlineMillis, !timedOut, sandboxRunning {
                let now = monotonicMillis()
                if now >= d {
                    // Killing the Sentry ends its PID namespace (every task); the monitor removes the rest.
                    timedOut = true
                    _ = chusk_pidfd_send_signal(sentryPidFD, SIGKILL)
                    continue
                }
                wait = Int32(min(d - now, 60_000))
            }
            if let stop = stopRequest, !timedOut, sandboxRunning {
                let now = monotonicMillis()
                if now >= stop.deadline {
                    killSandbox("sandbox did not stop within \(Self.stopGraceMillis / 1000)s of \(signalName(stop.signal)); killed",
                                signal: stop.signal)
                    continue
                }
                let w = Int32(min(stop.deadline - now, 60_000))
                wait = wait < 0 ? w : min(wait, w)
            }
            // Idle for a while (nothing to relay): drop husk's clean binary pages, once per
            // idle spell; they fault back in from the page cache (docs/startup.md "Memory").
            let shortened = !idleTrimmed && (wait < 0 || wait > Self.idleTrimMillis)
            var n = poll(&fds, nfds_t(fds.count), shortened ? Self.idleTrimMillis : wait)
            if n == 0 && shortened {
                // The drop and the rest of the wait in one C call (chusk_idle_trim_poll).
                idleTrimmed = true
                n = chusk_idle_trim_poll(&fds, UInt(fds.count), wait < 0 ? -1 : wait - Self.idleTrimMillis)
            }
            if n < 0 { if errno == EINTR { continue }; break }
            idleTrimmed = n == 0 && idleTrimmed
            for p in fds where p.revents != 0 {
                switch p.fd {
                case 0 where wantStdin: readHostStdin(&buf, p.revents)
                case stdinW: flushStdin()
                case stdoutR: stdoutR = relay(stdoutR, to: 1, &buf)
                case stderrR: stderrR = relay(stderrR, to: 2, &buf)
                case statusR: readStatus(&buf)
                case sentryPidFD: reapSentry()
                case goferPidFD: reapGofer()
                case control?.listenFD ?? -2: control?.serveOne(running: sandboxRunning)
                case signalFD:
                    while true {
                        let sig = chusk_signalfd_read(signalFD)
                        if sig <= 0 { break }
                        if sig == SIGWINCH { sendWindowSize(); continue }
                        forward(sig)
                    }
                default: control?.execReady(p.fd)
                }
            }
        }
    }

    /// SIGWINCH under -t: husk run's window size to the console, which signals the foreground job.
    private func sendWindowSize() {
        guard controlW >= 0, let t = currentTerminal() else { return }
        let b: [UInt8] = [UInt8(t.rows & 0xff), UInt8(t.rows >> 8), UInt8(t.columns & 0xff), UInt8(t.columns >> 8)]
        _ = b.withUnsafeBytes { Glibc.write(controlW, $0.baseAddress, 4) }
    }

    /// Whether the sandbox may still be running: the Sentry has neither exited, nor reported
    /// the program's status, nor been killed by husk run.
    private var sandboxRunning: Bool { sentryWaitStatus == nil && status.count < 4 && forcedKill == nil }

    /// A signal husk run received: forwarded to the Sentry; a second SIGINT/SIGTERM while the
    /// first is pending ends the sandbox at once.
    private mutating func forward(_ sig: Int32) {
        guard sentryWaitStatus == nil, forcedKill == nil, !timedOut else { return }
        if (sig == SIGINT || sig == SIGTERM) && status.count < 4 {
            if let first = stopRequest {
                let what = first.signal == sig ? "second \(signalName(sig))" : "\(signalName(sig)) after \(signalName(first.signal))"
                killSandbox(what + "; killed", signal: sig)
                return
            }
            stopRequest = (sig, monotonicMillis() + Self.stopGraceMillis)
        }
        _ = chusk_pidfd_send_signal(sentryPidFD, sig)
    }

    /// Ends the sandbox without waiting for the program: SIGKILL to the Sentry, then (once it
    /// is gone, so it never reports the Gofer's end as an error) to the Gofer. Each is init of its
    /// PID namespace, so every task dies with them; the monitor then removes the cgroup.
    private mutating func killSandbox(_ message: String, signal: Int32) {
        forcedKill = (message, 128 + signal)
        _ = chusk_pidfd_send_signal(sentryPidFD, SIGKILL)
        var p = pollfd(fd: sentryPidFD, events: Int16(POLLIN), revents: 0)
        while poll(&p, 1, 1000) < 0 && errno == EINTR {}
        if goferPidFD >= 0 { _ = chusk_pidfd_send_signal(goferPidFD, SIGKILL) } else if goferPid > 0 { kill(goferPid, SIGKILL) }
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

    mutating func closeStdin() {
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
        let r = partsAreChildren ? waitpid(goferPid, &st, WNOHANG) : (Self.hasExited(goferPidFD) ? -2 : 0)
        if r == -2 {
            // Not our child: it ended, how is the pool's to know (0x7f00: unknown).
            goferWaitStatus = 0x7f00
            if sentryWaitStatus == nil { reapSentry() }
            if sentryWaitStatus == nil && !timedOut && forcedKill == nil && status.count < 4 {
                goferCrashed = true
                _ = chusk_pidfd_send_signal(sentryPidFD, SIGKILL)
            }
            return
        }
        guard r == goferPid || (r < 0 && errno == ECHILD) else { return }
        goferWaitStatus = r == goferPid ? st : 0x7f00
        // Not a crash: the Sentry went first (the monitor then kills the Gofer; it is a zombie
        // by then), or the Gofer ended cleanly on the Sentry's closed socket.
        if sentryWaitStatus == nil { reapSentry() }
        let clean = r == goferPid && chusk_wifexited(st) != 0 && chusk_wexitstatus(st) == 0
        if sentryWaitStatus == nil && !timedOut && forcedKill == nil && !clean {
            goferCrashed = true
            _ = chusk_pidfd_send_signal(sentryPidFD, SIGKILL)
        }
    }

    private mutating func reapSentry() {
        if !partsAreChildren {
            if Self.hasExited(sentryPidFD) {
                sentryWaitStatus = 0x7f00
                if stdinW >= 0 { closeStdin() }
            }
            return
        }
        var st: Int32 = 0
        let r = waitpid(sentryPid, &st, WNOHANG)
        if r == sentryPid || (r < 0 && errno == ECHILD) {
            sentryWaitStatus = r == sentryPid ? st : 0x7f00
            if stdinW >= 0 { closeStdin() }
        }
    }
}

extension StdioRelay {
    /// Whether the process of `pidFD` has exited (its pidfd is readable).
    static func hasExited(_ pidFD: Int32) -> Bool {
        var p = pollfd(fd: pidFD, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) == 1 && p.revents & Int16(POLLIN) != 0
    }
}

/// "SIGINT", "SIGTERM", "SIGHUP" (the signals husk run forwards), else "signal N".
func signalName(_ sig: Int32) -> String {
    switch sig {
    case SIGINT: return "SIGINT"
    case SIGTERM: return "SIGTERM"
    case SIGHUP: return "SIGHUP"
    default: return "signal \(sig)"
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
