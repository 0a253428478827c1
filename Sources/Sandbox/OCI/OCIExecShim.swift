import CHusk
import Glibc
import Sentry
import SystemPackage

/// The shim's part in `husk exec` (docs/oci.md "exec"): a client connects to control.sock and
/// sends `exec LENGTH`, then an encoded ExecRequest of that length with its three stdio fds as
/// SCM_RIGHTS. The shim passes both to the Sentry under a new session id and keeps the
/// connection: it answers `started PID` or `error ERRNO`, later `exit STATUS` (a wait status);
/// the client may send `signal N` lines meanwhile. A client that hangs up leaves its process
/// running, as runc's exec does when its caller goes.
extension ShimChannel {
    /// Fds the relay polls for exec sessions: the Sentry's socket once started, and clients.
    var execPollFDs: [Int32] {
        guard started, sentryFD >= 0, !sentryHungUp else { return Array(execClients.values) }
        return [sentryFD] + execClients.values
    }

    func startExec(_ c: Int32, _ line: String, running: Bool) {
        func refuse(_ m: String) { OCIControl.send(c, "error: " + m); close(c) }
        guard running, started else { return refuse("container \(state.id) is not running") }
        if paused { return refuse("container \(state.id) is paused") }
        guard let length = Int(line.dropFirst(5)), length > 0, length <= ExecRequest.maxEncodedBytes else { return refuse("bad exec request") }
        // The request and its fds: read with recvmsg (a plain read would drop the fds).
        var payload: [UInt8] = []
        var fds: [Int32] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        let deadline = monotonicMillis() + 5000
        while payload.count < length {
            var p = pollfd(fd: c, events: Int16(POLLIN), revents: 0)
            let now = monotonicMillis()
            if now >= deadline || poll(&p, 1, Int32(deadline - now)) <= 0 { break }
            var got = [Int32](repeating: -1, count: 8)
            var nfds: Int32 = 0, flags: Int32 = 0
            let want = min(buf.count, length - payload.count)
            let n = buf.withUnsafeMutableBytes { b in
                got.withUnsafeMutableBufferPointer { chusk_gofer_recv(c, b.baseAddress, want, $0.baseAddress, 8, &nfds, &flags) }
            }
            fds += got.prefix(Int(max(0, nfds)))
            if n == -Int(EINTR) { continue }
            if n <= 0 { break }
            payload += buf[0..<n]
        }
        defer { for fd in fds { close(fd) } }
        guard payload.count == length, fds.count == 3, ExecRequest.decode(payload) != nil else { return refuse("bad exec request") }
        let session = nextSession
        nextSession &+= 1
        let message = [RuntimeMessage.exec] + RuntimeMessage.le32(session) + RuntimeMessage.le32(UInt32(length)) + payload
        let sent = message.withUnsafeBytes { b in fds.withUnsafeBufferPointer { chusk_send_fds(sentryFD, b.baseAddress, b.count, $0.baseAddress, 3) } }
        guard sent == message.count else { return refuse("the sandbox is gone") }
        execClients[session] = c
    }

    /// An fd of `execPollFDs` is readable.
    func execReady(_ fd: Int32) {
        if fd == sentryFD { return readSentryReplies() }
        guard let session = execClients.first(where: { $0.value == fd })?.key else { return }
        guard let line = OCIControl.readLine(fd, timeoutMillis: 100) else {
            // Gone: the process runs on, its answers are dropped.
            close(fd)
            execClients[session] = nil
            return
        }
        let words = line.split(separator: " ")
        if words.count == 2, words[0] == "signal", let sig = UInt8(words[1]), sig >= 1, sig <= 64 {
            var m = [RuntimeMessage.signalExec] + RuntimeMessage.le32(session) + [sig]
            _ = Glibc.write(sentryFD, &m, m.count)
        }
    }

    /// Takes in what the Sentry said and the relay has not read yet (never waits).
    func readPendingReplies() {
        var p = pollfd(fd: sentryFD, events: Int16(POLLIN), revents: 0)
        while poll(&p, 1, 0) > 0 && p.revents & Int16(POLLIN) != 0 && !sentryHungUp {
            readSentryReplies()
            p.revents = 0
        }
    }

    private func readSentryReplies() {
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = Glibc.read(sentryFD, &buf, buf.count)
        if n <= 0 {
            if n == 0 || errno != EINTR { sentryHungUp = true }
            return
        }
        sentryReplies += buf[0..<n]
        while sentryReplies.count >= RuntimeMessage.replySize {
            let tag = sentryReplies[0]
            let session = RuntimeMessage.readLE32(sentryReplies[1..<5])
            let value = Int32(bitPattern: RuntimeMessage.readLE32(sentryReplies[5..<9]))
            sentryReplies.removeFirst(RuntimeMessage.replySize)
            if tag == RuntimeMessage.holder { holderPid = value; continue }
            guard let c = execClients[session] else { continue }
            switch tag {
            case RuntimeMessage.started: OCIControl.send(c, "started \(value)")
            case RuntimeMessage.failed: OCIControl.send(c, "error \(value)")
            default: OCIControl.send(c, "exit \(value)")
            }
            if tag != RuntimeMessage.started {
                close(c)
                execClients[session] = nil
            }
        }
    }

    /// `ps` without the holder: the host pid whose innermost pid (NSpid) is the holder's.
    func withoutHolder(_ pids: [Int32]) -> [Int32] {
        guard holderPid > 0 else { return pids }
        return pids.filter { pid in
            guard let status = try? HostFS.read("/proc/\(pid)/status"),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("NSpid:") }) else { return true }
            return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).last.flatMap { Int32($0) } != holderPid
        }
    }

    /// The sandbox ended: its PID namespace took every exec'd process with it.
    func endExecSessions() {
        for c in execClients.values {
            OCIControl.send(c, "exit \(SIGKILL)")
            close(c)
        }
        execClients.removeAll()
    }
}
