import CHusk
import Glibc
import Sentry
import SystemPackage

/// What the Sentry gets from config.json beyond husk run's options.
public struct SentryExtras: Sendable {
    public var files: [OCIFile] = []
    public var maskedPaths: [String] = []
    public var readonlyPaths: [String] = []
    public var groups: [UInt32] = []
    public var capabilities: CapabilitySets?
    public var rlimits: [String] = []
    public var seccomp: OCISeccompFilter?
    public init(_ p: OCIPlan) {
        files = p.files; maskedPaths = p.maskedPaths; readonlyPaths = p.readonlyPaths; groups = p.additionalGids; capabilities = p.capabilities
        rlimits = p.rlimits.map { "\($0.resource):\($0.soft):\($0.hard)" }
        seccomp = p.seccomp
    }
    func apply(to a: inout SentryArguments) {
        a.files = files; a.maskedPaths = maskedPaths; a.readonlyPaths = readonlyPaths; a.groups = groups; a.capabilities = capabilities
        a.rlimits = rlimits; a.seccomp = seccomp; a.runtimeControl = true
    }
}

/// The OCI shim's end of a sandbox (docs/oci.md "Process tree"): the control socket in the
/// state directory that `husk start` and `husk kill` talk to, the Sentry's RuntimeControl
/// socket, and the ready pipe to `husk create`.
final class ShimChannel {
    let store: OCIStore
    var state: OCIState
    let extras: SentryExtras
    /// Our end of the Sentry's RuntimeControl socket.
    var sentryFD: Int32 = -1
    var sentryPid: pid_t = -1
    /// The listening control socket (state dir/control.sock).
    private(set) var listenFD: Int32 = -1
    /// The pipe to `husk create`: "h" once created; EOF alone: failed.
    var readyFD: Int32
    private(set) var started = false
    /// The sandbox's cgroups (pause, resume, ps) and the parts' host pids in them (the Gofer,
    /// the Sentry, pasta), which `ps` leaves out.
    var cgroups: [CgroupPlacement] = []
    var partPids: Set<pid_t> = []
    private(set) var paused = false
    /// `husk exec` sessions: each client's connection by session id, kept until the process
    /// exits (OCIExecShim.swift); the Sentry's answers as they arrive.
    var execClients: [UInt32: Int32] = [:]
    var nextSession: UInt32 = 1
    var sentryReplies: [UInt8] = []
    var sentryHungUp = false
    /// The exec holder's pid in the sandbox (ExecSpawner), once the Sentry said it.
    var holderPid: Int32 = -1

    init(store: OCIStore, state: OCIState, extras: SentryExtras, readyFD: Int32) {
        self.store = store; self.state = state; self.extras = extras; self.readyFD = readyFD
    }

    /// Blocks until the Sentry holds the program ("h"); false if it failed first (EOF).
    func awaitHeld() -> Bool {
        var b: UInt8 = 0
        var n: Int
        repeat { n = read(sentryFD, &b, 1) } while n < 0 && errno == EINTR
        return n == 1 && b == UInt8(ascii: "h")
    }

    /// The sandbox exists and holds the program: the control socket listens, the state says
    /// created, and `husk create` is told.
    func created() {
        listenFD = OCIControl.listen(store.directory(state.id))
        if listenFD < 0 { huskWarn("oci: cannot listen on \(store.controlSocket(state.id)): \(Errno(rawValue: errno))"); return }
        state.status = .created
        do throws(HuskError) { try store.write(state) } catch { huskWarn(error.message); return }
        var h = UInt8(ascii: "h")
        _ = write(readyFD, &h, 1)
        close(readyFD); readyFD = -1
    }

    /// Accepts one request on the control socket and answers it ("ok" or "error: ...").
    func serveOne(running: Bool) {
        let c = accept(listenFD, nil, nil)
        if c < 0 { return }
        _ = fcntl(c, F_SETFD, FD_CLOEXEC)
        guard let line = OCIControl.readLine(c, timeoutMillis: 2000) else { close(c); return }
        if line.hasPrefix("exec ") {
            // The connection stays open for the session's answers (or is closed there).
            return startExec(c, line, running: running)
        }
        OCIControl.send(c, handle(line, running: running))
        close(c)
    }

    func handle(_ line: String, running: Bool) -> String {
        let words = line.split(separator: " ").map(String.init)
        switch words.first {
        case "start":
            if started { return "error: container \(state.id) is already started" }
            guard running else { return "error: container \(state.id) is not running" }
            var g = UInt8(ascii: "g")
            guard write(sentryFD, &g, 1) == 1 else { return "error: the sandbox is gone" }
            started = true
            state.status = .running
            do throws(HuskError) { try store.write(state) } catch { return "error: " + error.message }
            return "ok"
        case "kill":
            guard words.count == 3, let sig = Int32(words[1]), sig >= 1, sig <= 64 else { return "error: bad kill request" }
            guard running else { return "error: container \(state.id) is not running" }
            // SIGKILL ends a paused container (runc thaws it after the kill); other signals wait
            // in the frozen Sentry's socket until resume, as they would pend in frozen tasks.
            if sig == SIGKILL && paused { CgroupFreezer.thaw(cgroups.flatMap { CgroupSet.subtree($0.sandboxDirectory) }) }
            if !started {
                // Held before its first instruction: a fatal signal ends it, another is dropped
                // (as init's rule would have it for a program without handlers).
                if sig == SIGKILL || OCISignals.terminatesByDefault(sig) {
                    var b = UInt8(sig)
                    _ = write(sentryFD, &b, 1)
                }
                return "ok"
            }
            var req: [UInt8] = [words[2] == "all" ? UInt8(ascii: "a") : UInt8(ascii: "i"), UInt8(sig)]
            guard write(sentryFD, &req, 2) == 2 else { return "error: the sandbox is gone" }
            return "ok"
        case "pause", "resume":
            guard running, started else { return "error: container \(state.id) is not running" }
            let pause = words.first == "pause"
            if pause == paused { return "error: container \(state.id) is \(paused ? "already paused" : "not paused")" }
            do throws(HuskError) { try CgroupFreezer.set(cgroups, frozen: pause) } catch { return "error: " + error.message }
            paused = pause
            state.status = pause ? .paused : .running
            do throws(HuskError) { try store.write(state) } catch { return "error: " + error.message }
            return "ok"
        case "update":
            guard running else { return "error: container \(state.id) is not running" }
            guard let limits = CgroupLimits.decode(words.dropFirst().joined(separator: " ")) else { return "error: bad update request" }
            do throws(HuskError) { try limits.write(to: cgroups) } catch { return "error: " + error.message }
            return "ok"
        case "ps":
            guard running else { return "error: container \(state.id) is not running" }
            if !sentryHungUp, sentryFD >= 0, started { readPendingReplies() }
            return (["ok"] + withoutHolder(CgroupFreezer.processes(cgroups, excluding: partPids)).map(String.init)).joined(separator: " ")
        case "ping": return "ok"
        default: return "error: unknown request"
        }
    }

    /// The program's status: recorded before the shim exits with it.
    func finished(status: Int32) {
        endExecSessions()
        if listenFD >= 0 { close(listenFD); listenFD = -1; unlink(store.controlSocket(state.id)) }
        state.status = .stopped
        state.exitStatus = status
        try? store.write(state)
    }
}

/// The control socket: one request line, one answer line.
public enum OCIControl {
    /// Binds and listens on `control.sock` in `dir` (a relative name after fchdir-free chdir:
    /// a sun_path holds only 108 bytes, a state directory may be longer).
    static func listen(_ dir: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { return -1 }
        guard chdir(dir) == 0 else { close(fd); return -1 }
        unlink("control.sock")
        let ok = withAddress("control.sock") { bind(fd, $0, $1) == 0 } && Glibc.listen(fd, 16) == 0
        _ = chdir("/")
        if !ok { close(fd); return -1 }
        return fd
    }

    /// Sends one request to the shim of the container in `dir`; its answer, or nil when no shim
    /// listens (the container is not running).
    public static func request(_ dir: String, _ line: String, timeoutMillis: Int32 = 10_000) -> String? {
        guard let fd = connect(dir) else { return nil }
        defer { close(fd) }
        send(fd, line)
        return readLine(fd, timeoutMillis: timeoutMillis)
    }

    /// A connection to the shim of the container in `dir`; nil when no shim listens.
    static func connect(_ dir: String) -> Int32? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { return nil }
        let cwd = open(".", Int32(CHUSK_SB_O_PATH) | O_DIRECTORY | O_CLOEXEC)
        guard chdir(dir) == 0 else { if cwd >= 0 { close(cwd) }; close(fd); return nil }
        let ok = withAddress("control.sock") { Glibc.connect(fd, $0, $1) == 0 }
        if cwd >= 0 { _ = fchdir(cwd); close(cwd) }
        guard ok else { close(fd); return nil }
        return fd
    }

    static func withAddress(_ name: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Bool) -> Bool {
        var a = sockaddr_un()
        a.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(name.utf8)
        withUnsafeMutableBytes(of: &a.sun_path) { p in for (i, b) in bytes.enumerated() where i < p.count - 1 { p[i] = b } }
        return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
    }

    static func send(_ fd: Int32, _ line: String) {
        let b = Array((line + "\n").utf8)
        _ = writeAll(fd, b, b.count)
    }

    /// One line (at most 4 KiB) within the timeout; nil on EOF, error or timeout.
    static func readLine(_ fd: Int32, timeoutMillis: Int32) -> String? {
        var out: [UInt8] = []
        let deadline = monotonicMillis() + UInt64(timeoutMillis)
        while out.count < 4096 {
            let now = monotonicMillis()
            if now >= deadline { return nil }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, Int32(deadline - now))
            if r < 0 { if errno == EINTR { continue }; return nil }
            if r == 0 { return nil }
            var b: UInt8 = 0
            let n = read(fd, &b, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            if b == 10 { return String(decoding: out, as: UTF8.self) }
            out.append(b)
        }
        return nil
    }
}

/// `husk-parts oci-shim --root DIR --bundle DIR ID` (fd 3: the ready pipe to husk create): the
/// process engines watch (the pid-file holds its pid). It plays husk run's part for one
/// container: sets up the sandbox with the Sentry holding the program, serves start and kill on
/// the control socket, relays stdio from the fds it inherited from create's caller (conmon's
/// pipes), records the exit status in the state directory and exits with it.
public func ociShimMain(_ args: ArraySlice<String>) -> Int32 {
    var root = OCIStore.defaultRoot, bundle = "", id = "", consoleSocket: String? = nil
    var it = args.makeIterator()
    while let a = it.next() {
        switch a {
        case "--root": root = it.next() ?? ""
        case "--bundle": bundle = it.next() ?? ""
        case "--console-socket": consoleSocket = it.next()
        default: id = a
        }
    }
    let readyFD: Int32 = 3
    guard !root.isEmpty, !bundle.isEmpty, OCIStore.validID(id), fcntl(readyFD, F_GETFD) >= 0 else {
        huskWarn("oci-shim: bad arguments (this is an internal command started by `husk create`)")
        return 125
    }
    _ = fcntl(readyFD, F_SETFD, FD_CLOEXEC)
    let store = OCIStore(root: root)
    let plan: OCIPlan
    do throws(HuskError) { plan = try OCISpec.load(bundle: bundle) } catch {
        huskWarn(error.message)
        return 125
    }
    var state = OCIState(id: id, status: .creating, pid: getpid(), bundle: bundle)
    state.annotations = plan.annotations
    state.created = Int64(time(nil))
    let channel = ShimChannel(store: store, state: state, extras: SentryExtras(plan), readyFD: readyFD)
    var o = plan.options
    o.startNanos = chusk_monotonic_ns()
    if plan.terminal {
        guard let path = consoleSocket else { huskWarn("oci-shim: process.terminal without --console-socket"); return 125 }
        if let e = takeTerminal(consoleSocket: path, size: plan.consoleSize) { huskWarn("--console-socket \(path): \(e)"); return 125 }
        // husk run -it: the program's terminal is the Sentry's console, relayed to ours (the pty).
        o.tty = true
        o.interactive = true
    }
    let status: Int32
    do throws(HuskError) { status = try SandboxRun.runOrThrow(o, runtime: channel) } catch {
        huskWarn(error.message)
        channel.finished(status: HuskExitStatus.internalError)
        return HuskExitStatus.internalError
    }
    channel.finished(status: status)
    return status
}

/// process.terminal: makes a host pty, sends its master to the engine over the console socket
/// (SCM_RIGHTS, as runc does; conmon then owns the container's terminal) and makes the slave the
/// shim's stdin, stdout, stderr and controlling terminal. nil, or what failed.
func takeTerminal(consoleSocket: String, size: (rows: UInt16, columns: UInt16)?, claim: Bool = true) -> Errno? {
    var master: Int32 = -1, slave: Int32 = -1
    let r = chusk_pty_pair(&master, &slave, size?.rows ?? 0, size?.columns ?? 0)
    if r < 0 { return Errno(rawValue: -r) }
    defer { close(master) }
    let sock = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    if sock < 0 { close(slave); return Errno(rawValue: errno) }
    defer { close(sock) }
    let dir = consoleSocket.lastIndex(of: "/").map { String(consoleSocket[..<$0]) } ?? "."
    let name = String(consoleSocket.split(separator: "/").last ?? "")
    let here = open(".", Int32(CHUSK_SB_O_PATH) | O_DIRECTORY | O_CLOEXEC)
    let connected = chdir(dir.isEmpty ? "/" : dir) == 0 && OCIControl.withAddress(name) { connect(sock, $0, $1) == 0 }
    let e = errno
    if here >= 0 { _ = fchdir(here); close(here) }
    if !connected { close(slave); return Errno(rawValue: e) }
    let label = Array("/dev/ptmx".utf8)
    let sent = chusk_gofer_send(sock, label, label.count, master)
    if sent < 0 { close(slave); return Errno(rawValue: Int32(-sent)) }
    for fd: Int32 in 0...2 { _ = dup2(slave, fd) }
    if slave > 2 { close(slave) }
    // The engine resizes the terminal through the master (conmon's resize FIFO, podman attach):
    // as our controlling terminal, each resize is a SIGWINCH to relay (`claim` false: the
    // caller claims it later, in the process that relays).
    if claim { _ = chusk_claim_controlling_tty(0) }
    return nil
}

/// Signal names and numbers as `kill` takes them (TERM, SIGTERM, 15).
public enum OCISignals {
    static let names = ["HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
                        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
                        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"]
    public static func parse(_ text: String) -> Int32? {
        if let n = Int32(text) { return n >= 1 && n <= 64 ? n : nil }
        var s = text.uppercased()
        if s.hasPrefix("SIG") { s = String(s.dropFirst(3)) }
        if s == "IOT" { return SIGABRT }
        if s == "POLL" { return SIGIO }
        if let i = names.firstIndex(of: s) { return Int32(i + 1) }
        if s.hasPrefix("RTMIN") {
            let rest = s.dropFirst(5)
            if rest.isEmpty { return 34 }
            if rest.hasPrefix("+"), let k = Int32(rest.dropFirst()), 34 + k <= 64 { return 34 + k }
        }
        if s.hasPrefix("RTMAX") {
            let rest = s.dropFirst(5)
            if rest.isEmpty { return 64 }
            if rest.hasPrefix("-"), let k = Int32(rest.dropFirst()), 64 - k >= 34 { return 64 - k }
        }
        return nil
    }

    /// Whether the default action of `sig` ends the process (signal(7): Term or Core).
    public static func terminatesByDefault(_ sig: Int32) -> Bool {
        ![SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGWINCH].contains(sig)
    }
}
