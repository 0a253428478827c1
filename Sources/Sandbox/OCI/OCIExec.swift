import CHusk
import Glibc
import Sentry
import SystemPackage

/// `husk exec` (docs/oci.md "exec"): a new process in a running container, as runc's exec.
/// The process is the container's config.json process with the command line's changes, or
/// `--process FILE` whole. Its stdio are relayed through pipes by this process, which stays
/// until it exits and then exits with its status (128+N for death by signal N); with
/// `--detach`, a child of ours does that and `--pid-file` names it, as engines expect (conmon
/// and containerd's shim wait for that pid). Under a terminal (`-t`, or the process's
/// `terminal`), the process gets a new pty of the Sentry's devpts; ours is the pty whose master
/// went to `--console-socket`, or our own terminal.
struct ExecOptions {
    var id = ""
    var args: [String] = []
    var processFile: String?
    var tty = false
    var consoleSocket: String?
    var pidFile: String?
    var detach = false
    var cwd: String?
    var env: [String] = []
    var user: String?
    var groups: [UInt32] = []
    var capabilities: [String] = []
}

extension OCIRuntime {
    func parseExec(_ args: [String]) throws(HuskError) -> ExecOptions {
        var o = ExecOptions()
        var cursor = ArgumentCursor(args)
        var sawID = false
        words: while let a = cursor.next() {
            if sawID {
                o.args = cursor.remaining()
                if o.args.first == "--" { o.args.removeFirst() }
                break
            }
            switch a {
            case "--process", "-p": o.processFile = try cursor.value()
            case "--tty", "-t": o.tty = true
            case "--console-socket": o.consoleSocket = try cursor.value()
            case "--pid-file": o.pidFile = try cursor.value()
            case "--detach", "-d": o.detach = true
            case "--cwd": o.cwd = try cursor.value()
            case "--env", "-e": o.env.append(try cursor.value())
            case "--user", "-u": o.user = try cursor.value()
            case "--additional-gids", "-g":
                let v = try cursor.value()
                guard let g = UInt32(v) else { throw HuskError("--additional-gids \(v): not a number") }
                o.groups.append(g)
            case "--cap", "-c": o.capabilities.append(try cursor.value())
            case "--no-new-privs", "--ignore-paused": break   // every sandboxed process has no_new_privs
            case "--process-label", "--apparmor", "--cgroup": _ = try cursor.value()
            case "--preserve-fds":
                let v = try cursor.value()
                guard v == "0" else { throw HuskError("--preserve-fds is not supported by husk exec") }
            case "--":
                let rest = cursor.remaining().dropFirst()
                if let id = rest.first { o.id = id; o.args = Array(rest.dropFirst()) }
                break words
            default:
                if a.hasPrefix("-") && a != "-" { throw HuskError("unknown option \(a)") }
                o.id = a
                sawID = true
            }
        }
        guard !o.id.isEmpty else { throw HuskError("usage: husk exec [OPTIONS] ID [COMMAND [ARG...]]") }
        if o.processFile == nil && o.args.isEmpty { throw HuskError("exec needs a command (or --process FILE)") }
        return o
    }

    /// The process to start: `--process` whole, else config.json's with the flags' changes.
    func execProcess(_ o: ExecOptions, bundle: String) throws(HuskError) -> OCIProcess {
        var p: OCIProcess
        if let file = o.processFile {
            let text: String
            do throws(Errno) { text = try HostFS.read(file) } catch { throw HuskError("--process \(file)", error) }
            let json: JSON
            do throws(JSON.ParseError) { json = try JSON.parse(text) } catch {
                throw HuskError("--process \(file): malformed JSON at byte \(error.offset): \(error.message)")
            }
            p = try OCISpec.process(json)
        } else {
            let plan = try OCISpec.load(bundle: bundle)
            p = OCIProcess(args: o.args)
            p.env = plan.options.env
            p.cwd = plan.options.cwd
            p.user = plan.options.user
            p.additionalGids = plan.additionalGids
            p.capabilities = plan.capabilities
        }
        if !o.args.isEmpty && o.processFile == nil { p.args = o.args }
        for e in o.env {
            // A later value of a name replaces the earlier one (getenv finds the first).
            let name = e.split(separator: "=", maxSplits: 1).first.map(String.init) ?? e
            p.env.removeAll { $0 == name || $0.hasPrefix(name + "=") }
            p.env.append(e)
        }
        if let c = o.cwd {
            guard c.hasPrefix("/") else { throw HuskError("--cwd \(c) is not absolute") }
            p.cwd = c
        }
        if let u = o.user {
            let parts = u.split(separator: ":", maxSplits: 1)
            guard let uid = UInt32(parts[0]), parts.count == 1 || UInt32(parts[1]) != nil else {
                throw HuskError("--user \(u): UID[:GID] in numbers")
            }
            p.user = (uid, parts.count == 2 ? UInt32(parts[1])! : 0)
        }
        if !o.groups.isEmpty { p.additionalGids = o.groups }
        if !o.capabilities.isEmpty {
            var c = p.capabilities ?? CapabilitySets()
            for name in o.capabilities {
                guard let bit = OCISpec.capabilityNumber(name) else { throw HuskError("--cap \(name): unknown capability") }
                for k in [\CapabilitySets.bounding, \.effective, \.permitted, \.inheritable] { c[keyPath: k] |= 1 << UInt64(bit) }
            }
            p.capabilities = c
        }
        if o.tty { p.terminal = true }
        return p
    }

    /// `exec [OPTIONS] ID [COMMAND [ARG...]]`.
    func exec(_ args: [String]) throws(HuskError) -> Int32 {
        let o = try parseExec(args)
        let s = try store.current(o.id)
        if s.status == .paused { throw HuskError("cannot exec in a paused container \(o.id)") }
        guard s.status == .running else { throw HuskError("cannot exec in a container that is \(s.status.rawValue)") }
        let p = try execProcess(o, bundle: s.bundle)
        var request = ExecRequest()
        request.argv = p.args
        request.env = p.env
        request.cwd = p.cwd
        request.uid = p.user?.uid ?? 0
        request.gid = p.user?.gid ?? 0
        request.groups = p.additionalGids
        if let c = p.capabilities {
            var caps = ExecRequest.Capabilities()
            caps.bounding = c.bounding; caps.effective = c.effective; caps.inheritable = c.inheritable; caps.permitted = c.permitted
            request.capabilities = caps
        }
        var session = try ExecSession.open(store.directory(o.id), terminal: p.terminal, consoleSocket: o.consoleSocket,
                                           consoleSize: p.consoleSize)
        if let t = session.terminalSize { request.terminal = ExecRequest.Terminal(rows: t.rows, columns: t.columns) }
        switch try session.start(request) {
        case .running: break
        case .refused(let message, let code):
            huskWarn(message)
            log("error", message)
            return code
        }
        if o.detach {
            // Engines wait for the pid in the pid file once we return: a child of ours keeps
            // the session and exits with the process's status.
            let child = fork()
            if child < 0 { throw HuskError("fork", Errno(rawValue: errno)) }
            if child > 0 {
                var code: Int32 = 0
                if let f = o.pidFile {
                    do throws(HuskError) { try writePidFile(f, child) } catch { code = fail(error.message); Glibc.kill(child, SIGTERM) }
                }
                _exit(code)
            }
        } else if let f = o.pidFile {
            try writePidFile(f, getpid())
        }
        return session.relay()
    }
}

/// The client's end of one exec: the control connection, the pipes to the process and the
/// relay between them and our stdio.
struct ExecSession {
    let connection: Int32
    /// Our ends: what we write to the process's stdin (or terminal input), what we read from
    /// its stdout and stderr (or terminal output; stderr -1), and window sizes (-1: none).
    var input: Int32, output: Int32, errors: Int32, sizes: Int32
    /// The process's ends, sent with the request.
    var remote: [Int32]
    let terminalSize: (rows: UInt16, columns: UInt16)?
    let raw: Bool
    /// Our terminal is the pty whose master went to the engine's console socket.
    let consoleSocketUsed: Bool

    static func open(_ dir: String, terminal: Bool, consoleSocket: String?, consoleSize: (rows: UInt16, columns: UInt16)?) throws(HuskError) -> ExecSession {
        var size: (rows: UInt16, columns: UInt16)? = nil
        var raw = false
        if terminal {
            if let path = consoleSocket {
                if let e = takeTerminal(consoleSocket: path, size: consoleSize, claim: false) { throw HuskError("--console-socket \(path)", e) }
            } else if isatty(0) == 0 {
                throw HuskError("exec with a terminal needs --console-socket or a terminal on stdin")
            }
            // A pty made without a size says 0x0 until the engine resizes it.
            if let t = currentTerminal(), t.rows > 0 { size = (t.rows, t.columns) } else { size = consoleSize ?? (24, 80) }
            raw = true
        }
        guard let c = OCIControl.connect(dir) else { throw HuskError("the container is not running") }
        var pipes: [(read: Int32, write: Int32)] = []
        for _ in 0..<3 {
            do throws(HuskError) { pipes.append(try makePipe()) } catch {
                for p in pipes { close(p.read); close(p.write) }
                close(c)
                throw error
            }
        }
        // Terminal: input, output, window sizes; pipes: stdin, stdout, stderr.
        let remote = terminal ? [pipes[0].read, pipes[1].write, pipes[2].read] : [pipes[0].read, pipes[1].write, pipes[2].write]
        return ExecSession(connection: c, input: pipes[0].write, output: pipes[1].read,
                           errors: terminal ? -1 : pipes[2].read, sizes: terminal ? pipes[2].write : -1,
                           remote: remote, terminalSize: size, raw: raw, consoleSocketUsed: terminal && consoleSocket != nil)
    }

    enum Outcome { case running(pid: Int32), refused(String, exitStatus: Int32) }

    /// Sends the request; the process's pid in the sandbox once it runs, or the Sentry's
    /// refusal (a program not found: 127, not executable: 126, as for create).
    mutating func start(_ request: ExecRequest) throws(HuskError) -> Outcome {
        let payload = request.encoded
        guard payload.count <= ExecRequest.maxEncodedBytes else { throw HuskError("exec: the command and environment are too long") }
        OCIControl.send(connection, "exec \(payload.count)")
        let sent = payload.withUnsafeBytes { b in remote.withUnsafeBufferPointer { chusk_send_fds(connection, b.baseAddress, b.count, $0.baseAddress, 3) } }
        for fd in remote { close(fd) }
        remote = []
        guard sent == payload.count else { throw HuskError("the container is not running") }
        guard let answer = OCIControl.readLine(connection, timeoutMillis: 30_000) else { throw HuskError("the container is not running") }
        let words = answer.split(separator: " ", maxSplits: 1).map(String.init)
        if words.first == "started", words.count == 2, let pid = Int32(words[1]) { return .running(pid: pid) }
        if words.first == "error", words.count == 2, let e = Int32(words[1]) {
            let code = e == ENOENT || e == ENOTDIR ? HuskExitStatus.notFound : e == EACCES || e == ENOEXEC ? HuskExitStatus.cannotExecute : 1
            return .refused("\(request.argv[0]): \(String(cString: strerror(e)))", exitStatus: code)
        }
        throw HuskError(answer.hasPrefix("error: ") ? String(answer.dropFirst(7)) : answer)
    }

    /// Relays until the process exited and its output ended; its status as an exit code.
    mutating func relay() -> Int32 {
        _ = chusk_ignore_signal(SIGPIPE)
        let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH]
        let signalFD = chusk_signalfd_block(forwarded, Int32(forwarded.count))
        if raw && isatty(0) != 0 {
            // A detached child can lead a session of its own: the terminal's resizes then
            // reach it as SIGWINCH. The size may have changed since the request was made.
            if consoleSocketUsed { _ = chusk_claim_controlling_tty(0) }
            _ = chusk_tty_raw(0)
            sendWindowSize()
        }
        defer { if raw { chusk_tty_restore() } }
        var status: Int32? = nil
        var stdinOpen = true
        var exitedAt: UInt64 = 0
        var buf = [UInt8](repeating: 0, count: 65536)
        var conn = connection
        while output >= 0 || errors >= 0 || status == nil {
            if status != nil && monotonicMillis() > exitedAt + 500 { break }   // a background holder of its output
            var fds: [pollfd] = []
            func add(_ fd: Int32) { if fd >= 0 { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) } }
            if stdinOpen && input >= 0 { add(0) }
            add(output); add(errors)
            if status == nil { add(conn) }
            add(signalFD)
            let n = poll(&fds, nfds_t(fds.count), status == nil ? -1 : 100)
            if n < 0 { if errno == EINTR { continue }; break }
            for p in fds where p.revents != 0 {
                switch p.fd {
                case 0:
                    let r = Glibc.read(0, &buf, buf.count)
                    if r < 0 && errno == EINTR { continue }
                    if r <= 0 || !writeAll(input, buf, r) {
                        stdinOpen = false
                        // Under a terminal, EOF is typed (^D) by the program's user, not sent.
                        if !raw { close(input); input = -1 }
                    }
                case output: if !copy(&output, to: 1, &buf) { output = -1 }
                case errors: if !copy(&errors, to: 2, &buf) { errors = -1 }
                case conn:
                    guard let line = OCIControl.readLine(conn, timeoutMillis: 1000) else {
                        // The shim is gone: the sandbox ended with it.
                        status = SIGKILL; exitedAt = monotonicMillis(); close(conn); conn = -1
                        continue
                    }
                    if line.hasPrefix("exit "), let s = Int32(line.dropFirst(5)) { status = s; exitedAt = monotonicMillis() }
                case signalFD:
                    while case let sig = chusk_signalfd_read(signalFD), sig > 0 {
                        if sig == SIGWINCH && sizes >= 0 {
                            sendWindowSize()
                        } else if conn >= 0 {
                            OCIControl.send(conn, "signal \(sig)")
                        }
                    }
                default: break
                }
            }
        }
        let s = status ?? SIGKILL
        return s & 0x7f == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f)
    }

    /// Our terminal's size to the process's terminal (4 bytes: rows, columns, little-endian).
    private func sendWindowSize() {
        // 0x0: a pty nobody sized yet; the size the request carried stands until it is.
        guard sizes >= 0, let t = currentTerminal(), t.rows > 0 || t.columns > 0 else { return }
        let b: [UInt8] = [UInt8(t.rows & 0xff), UInt8(t.rows >> 8), UInt8(t.columns & 0xff), UInt8(t.columns >> 8)]
        _ = writeAll(sizes, b, 4)
    }

    /// Copies what `fd` has to `to`; false at EOF (fd closed).
    private func copy(_ fd: inout Int32, to: Int32, _ buf: inout [UInt8]) -> Bool {
        let r = Glibc.read(fd, &buf, buf.count)
        if r < 0 && errno == EINTR { return true }
        if r <= 0 { close(fd); return false }
        _ = writeAll(to, buf, r)
        return true
    }
}
