import CHusk
import Glibc
import SystemPackage

/// The OCI runtime command line (docs/oci.md): runc's conventions, as podman's conmon and
/// containerd's shim call them. `husk [GLOBAL...] create|start|state|kill|delete|run|features ...`.
public struct OCIRuntime {
    public var root = OCIStore.defaultRoot
    public var logPath: String?
    public var logJSON = false
    public var debug = false

    public static let verbs: Set<String> = ["create", "start", "state", "kill", "delete", "features", "exec", "ps", "pause", "resume", "update", "list"]
    static let globalsWithValue: Set<String> = ["--root", "--log", "--log-format", "--criu", "--rootless"]
    static let globalFlags: Set<String> = ["--systemd-cgroup", "--debug"]

    /// Whether `args` (without argv[0]) is an OCI runtime command: global flags first, then one
    /// of the verbs; `run` only with a global flag before it or runc's options (--bundle, -b,
    /// --pid-file, --detach, -d, --console-socket) before the id, so that `husk run -- PROGRAM`
    /// keeps its meaning.
    public static func claims(_ args: [String]) -> Bool {
        var i = 0, sawGlobal = false
        while i < args.count {
            let a = args[i]
            let name = a.split(separator: "=", maxSplits: 1).first.map(String.init) ?? a
            if globalsWithValue.contains(name) { sawGlobal = true; i += a.contains("=") ? 1 : 2; continue }
            if globalFlags.contains(a) { sawGlobal = true; i += 1; continue }
            break
        }
        guard i < args.count else { return sawGlobal }
        if verbs.contains(args[i]) { return true }
        guard args[i] == "run" else { return sawGlobal }
        if sawGlobal { return true }
        for a in args[(i + 1)...] {
            if a == "--" || !a.hasPrefix("-") { return false }
            if ["--bundle", "-b", "--pid-file", "--detach", "-d", "--console-socket"].contains(a.split(separator: "=").first.map(String.init) ?? a) { return true }
        }
        return false
    }

    /// Runs one command; the exit status.
    public static func main(_ args: [String]) -> Int32 {
        var r = OCIRuntime()
        // A hook that exits without reading the state on its stdin is EPIPE, not our death.
        _ = chusk_ignore_signal(SIGPIPE)
        var args = ArgumentCursor(args)
        var rest: [String] = []
        do throws(HuskError) {
            while let a = args.next() {
                switch a {
                case "--root": r.root = try args.value()
                case "--log": r.logPath = try args.value()
                case "--log-format":
                    let v = try args.value()
                    guard v == "text" || v == "json" else { throw HuskError("--log-format must be text or json") }
                    r.logJSON = v == "json"
                case "--debug": r.debug = true
                case "--systemd-cgroup":
                    throw HuskError("--systemd-cgroup is not supported: husk manages its own cgroup below the caller's (use the cgroupfs manager, e.g. podman --cgroup-manager cgroupfs)")
                case "--criu", "--rootless": _ = try args.value()
                default:
                    rest = args.remaining()
                }
                if !rest.isEmpty { break }
            }
        } catch { return r.fail(error.message) }
        guard let verb = rest.first else { return r.fail("no command given (create, start, state, kill, delete, run, features)") }
        let sub = Array(rest.dropFirst())
        do throws(HuskError) {
            switch verb {
            case "create": return try r.create(sub, detachedRun: false)
            case "run": return try r.run(sub)
            case "start": return try r.start(sub)
            case "state": return try r.state(sub)
            case "kill": return try r.kill(sub)
            case "delete": return try r.delete(sub)
            case "features": print(OCIRuntime.features.text); return 0
            case "list": return r.list()
            case "exec": return try r.exec(sub)
            case "pause", "resume": return try r.pauseOrResume(sub, pause: verb == "pause")
            case "ps": return try r.ps(sub)
            case "update": return try r.update(sub)
            default: return r.fail("unknown command '\(verb)'")
            }
        } catch {
            return r.fail(error.message)
        }
    }

    // MARK: Errors and the log

    /// One line on stderr and, with --log, one record in the log file (runc's JSON shape with
    /// --log-format json: {"level":"error","msg":...,"time":...}). Exit status 1, as runc.
    func fail(_ message: String) -> Int32 {
        huskWarn(message)
        log("error", message)
        return 1
    }

    func log(_ level: String, _ message: String) {
        guard let path = logPath else { return }
        let line: String
        if logJSON {
            line = JSON.object([("level", .string(level)), ("msg", .string(message)), ("time", .string(OCIRuntime.timestamp()))]).text
        } else {
            line = "time=\"\(OCIRuntime.timestamp())\" level=\(level) msg=\"\(message)\""
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if fd < 0 { return }
        let b = Array((line + "\n").utf8)
        _ = writeAll(fd, b, b.count)
        close(fd)
    }

    /// RFC 3339 in UTC, as runc's logrus writes it.
    static func timestamp() -> String {
        var t = time(nil)
        var tm = tm()
        gmtime_r(&t, &tm)
        var buf = [CChar](repeating: 0, count: 64)
        let n = strftime(&buf, 64, "%Y-%m-%dT%H:%M:%SZ", &tm)
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    var store: OCIStore { OCIStore(root: root) }

    // MARK: Commands

    struct CreateOptions {
        var bundle = "."
        var pidFile: String?
        var consoleSocket: String?
        var detach = false
        var id = ""
    }

    func parseCreate(_ args: [String], allowDetach: Bool) throws(HuskError) -> CreateOptions {
        var c = CreateOptions()
        var args = ArgumentCursor(args)
        var ids: [String] = []
        while let a = args.next() {
            switch a {
            case "--bundle", "-b": c.bundle = try args.value()
            case "--pid-file": c.pidFile = try args.value()
            case "--console-socket": c.consoleSocket = try args.value()
            case "--detach", "-d":
                guard allowDetach else { throw HuskError("unknown option \(a) (create always detaches)") }
                c.detach = true
            case "--no-pivot", "--no-new-keyring": break
            case "--preserve-fds":
                guard Int(try args.value()) == 0 else { throw HuskError("--preserve-fds: passing extra fds into the sandbox is not supported") }
            default:
                if a.hasPrefix("-") { throw HuskError("unknown option \(a)") }
                ids.append(a)
            }
        }
        guard ids.count == 1 else { throw HuskError("expected one container id, got \(ids.count)") }
        c.id = ids[0]
        guard OCIStore.validID(c.id) else { throw HuskError("invalid container id '\(c.id)'") }
        return c
    }

    /// `create [--bundle DIR] [--pid-file F] [--console-socket S] ID`.
    func create(_ args: [String], detachedRun: Bool) throws(HuskError) -> Int32 {
        let c = try parseCreate(args, allowDetach: false)
        return try create(c)
    }

    func create(_ c: CreateOptions) throws(HuskError) -> Int32 {
        let bundle: String
        do throws(Errno) { bundle = try HostFS.realpath(c.bundle) } catch { throw HuskError("bundle \(c.bundle)", error) }
        // Checked here, so that a bad config is one line from create (the shim reads it again).
        let plan = try OCISpec.load(bundle: bundle)
        if plan.terminal && c.consoleSocket == nil { throw HuskError("config.json: process.terminal needs --console-socket (where the pty's master goes)") }
        if !plan.terminal && c.consoleSocket != nil { throw HuskError("--console-socket without process.terminal in config.json") }
        for name in ["createContainer", "startContainer"] where !(plan.hooks[name] ?? []).isEmpty {
            throw HuskError("config.json: hooks.\(name) is not supported (it would run inside the container's namespaces, which the Sentry does not provide to host programs)")
        }
        try store.makeDirectory(c.id)
        var keep = false
        defer { if !keep { store.remove(c.id) } }
        let exe = try PartsExecutable.open()
        let ready = try makePipe()
        var shimArgs = ["husk", "oci-shim", "--root", root, "--bundle", bundle]
        if let s = c.consoleSocket {
            do throws(Errno) { shimArgs += ["--console-socket", s.hasPrefix("/") ? s : try HostFS.realpath(".") + "/" + s] } catch {
                throw HuskError("--console-socket \(s)", error)
            }
        }
        // With a terminal the shim leads a session of its own, whose controlling terminal is the pty.
        var shim = try PendingChild.spawn(exe, argv: shimArgs + [c.id], fds: [(0, 0), (1, 1), (2, 2), (ready.write, 3)],
                                          setsid: plan.terminal)
        close(ready.write)
        defer { close(ready.read) }
        do throws(HuskError) { try shim.release() } catch { shim.abandon(); throw error }
        guard readByte(ready.read) else {
            var st: Int32 = 0
            _ = waitpid(shim.pid, &st, 0)
            throw HuskError("create \(c.id): the sandbox did not start (\(describe(waitStatus: st)))")
        }
        // Created. The hooks of the create phase, on the host, with the state on stdin.
        var state = try store.read(c.id)
        for name in ["prestart", "createRuntime"] {
            if let e = OCIHooks.run(plan.hooks[name] ?? [], state: state.json, phase: name) {
                _ = OCIControl.request(store.directory(c.id), "kill \(SIGKILL) all")
                var st: Int32 = 0
                _ = waitpid(shim.pid, &st, 0)
                throw e
            }
        }
        if let f = c.pidFile { try writePidFile(f, shim.pid) }
        state.pid = shim.pid
        keep = true
        log("info", "created \(c.id), pid \(shim.pid)")
        return 0
    }

    /// `run [--bundle DIR] [--pid-file F] [--detach] ID`: create, start, and without --detach
    /// wait for the container and delete it, exiting with its status.
    func run(_ args: [String]) throws(HuskError) -> Int32 {
        let c = try parseCreate(args, allowDetach: true)
        let r = try create(c)
        if r != 0 { return r }
        _ = try start([c.id])
        if c.detach { return 0 }
        let s = try store.read(c.id)
        let pidfd = chusk_pidfd_open(s.pid)
        if pidfd >= 0 {
            var p = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
            while poll(&p, 1, -1) < 0 && errno == EINTR {}
            close(pidfd)
        }
        var st: Int32 = 0
        _ = waitpid(s.pid, &st, 0)
        let status = (try? store.read(c.id))?.exitStatus ?? shellStatus(waitStatus: st)
        _ = try? delete(["--force", c.id])
        return status
    }

    /// Writes `pid` to an engine's --pid-file, atomically (it may be read at any time).
    func writePidFile(_ f: String, _ pid: pid_t) throws(HuskError) {
        do throws(Errno) {
            let tmp = f + ".husk-tmp"
            try HostFS.create(tmp, "\(pid)")
            if rename(tmp, f) != 0 { throw Errno(rawValue: errno) }
        } catch { throw HuskError("--pid-file \(f)", error) }
    }

    /// `start ID`: releases the program; the poststart hooks run once it runs.
    func start(_ args: [String]) throws(HuskError) -> Int32 {
        let id = try oneID(args, "start")
        let s = try store.current(id)
        guard s.status == .created else { throw HuskError("cannot start a container that is \(s.status.rawValue)") }
        guard let answer = OCIControl.request(store.directory(id), "start") else { throw HuskError("container \(id) is not running") }
        if answer != "ok" { throw HuskError(answer.hasPrefix("error: ") ? String(answer.dropFirst(7)) : answer) }
        if let plan = try? OCISpec.load(bundle: s.bundle) {
            let running = (try? store.current(id)) ?? s
            if let e = OCIHooks.run(plan.hooks["poststart"] ?? [], state: running.json, phase: "poststart") { huskWarn(e.message); log("warning", e.message) }
        }
        return 0
    }

    /// `state ID`: the runtime-spec state as JSON.
    func state(_ args: [String]) throws(HuskError) -> Int32 {
        let id = try oneID(args, "state")
        print(try store.current(id).json.text)
        return 0
    }

    /// `kill [--all] ID [SIGNAL]` (default SIGTERM; names with or without SIG, or numbers).
    func kill(_ args: [String]) throws(HuskError) -> Int32 {
        var all = false
        var pos: [String] = []
        for a in args {
            if a == "--all" || a == "-a" { all = true } else if a.hasPrefix("--pid") || a.hasPrefix("-") && Int(a) == nil { throw HuskError("unknown option \(a)") } else { pos.append(a) }
        }
        guard pos.count == 1 || pos.count == 2 else { throw HuskError("usage: husk kill [--all] ID [SIGNAL]") }
        let sigText = pos.count == 2 ? pos[1] : "SIGTERM"
        guard let sig = OCISignals.parse(sigText) else { throw HuskError("unknown signal \(sigText)") }
        let s = try store.current(pos[0])
        guard s.status == .created || s.status == .running || s.status == .paused else { throw HuskError("container \(pos[0]) is not running") }
        guard let answer = OCIControl.request(store.directory(pos[0]), "kill \(sig) \(all ? "all" : "init")") else {
            throw HuskError("container \(pos[0]) is not running")
        }
        if answer != "ok" { throw HuskError(answer.hasPrefix("error: ") ? String(answer.dropFirst(7)) : answer) }
        return 0
    }

    /// `pause ID` and `resume ID`: the shim freezes or thaws the sandbox's cgroup (the Sentry
    /// and the Gofer with the program: nothing runs, nothing is served) and records `paused`.
    func pauseOrResume(_ args: [String], pause: Bool) throws(HuskError) -> Int32 {
        let verb = pause ? "pause" : "resume"
        let id = try oneID(args, verb)
        let s = try store.current(id)
        guard s.status == (pause ? .running : .paused) else { throw HuskError("container \(id) is \(s.status.rawValue), not \(pause ? "running" : "paused")") }
        guard let answer = OCIControl.request(store.directory(id), verb) else { throw HuskError("container \(id) is not running") }
        if answer != "ok" { throw HuskError(answer.hasPrefix("error: ") ? String(answer.dropFirst(7)) : answer) }
        return 0
    }

    /// `ps [--format table|json] ID [PS_ARGS...]`: the host pids of the container's processes
    /// (its cgroup without the Gofer and the Sentry). json: an array of pids, which containerd's
    /// shim reads; table: the host's `ps` (default `-ef`) limited to those pids, as runc does.
    func ps(_ args: [String]) throws(HuskError) -> Int32 {
        var format = "table"
        var rest = args[...]
        while let a = rest.first, a.hasPrefix("-") {
            rest = rest.dropFirst()
            if a == "--format" || a == "-f" {
                guard let v = rest.first else { throw HuskError("--format needs a value (table or json)") }
                format = v; rest = rest.dropFirst()
            } else if a.hasPrefix("--format=") {
                format = String(a.dropFirst(9))
            } else if a == "--" {
                break
            } else {
                throw HuskError("unknown option \(a)")
            }
        }
        guard format == "table" || format == "json" else { throw HuskError("invalid format \(format): table or json") }
        guard let id = rest.first else { throw HuskError("usage: husk ps [--format table|json] ID [PS_ARGS...]") }
        let psArgs = Array(rest.dropFirst().drop { $0 == "--" })
        let s = try store.current(id)
        guard s.status != .stopped else { throw HuskError("container \(id) is not running") }
        guard let answer = OCIControl.request(store.directory(id), "ps"), answer.hasPrefix("ok") else {
            throw HuskError("container \(id) is not running")
        }
        let pids = answer.split(separator: " ").dropFirst().compactMap { Int32($0) }
        if format == "json" {
            print(JSON.array(pids.map { .number(Double($0)) }).text)
            return 0
        }
        let table = try OCIPs.table(psArgs.isEmpty ? ["-ef"] : psArgs, pids: Set(pids))
        print(table, terminator: "")
        return 0
    }

    /// `delete [--force] ID`: removes a stopped container (--force kills a live one first); the
    /// poststop hooks run, then the state directory goes.
    func delete(_ args: [String]) throws(HuskError) -> Int32 {
        let force = args.contains("--force") || args.contains("-f")
        let pos = args.filter { $0 != "--force" && $0 != "-f" }
        let id = try oneID(pos, "delete")
        let s: OCIState
        do throws(HuskError) { s = try store.current(id) } catch {
            if force && !HostFS.exists(store.directory(id)) { return 0 }
            if !force { throw error }
            store.remove(id)
            return 0
        }
        if s.status != .stopped {
            guard force else { throw HuskError("cannot delete container \(id) that is not stopped: \(s.status.rawValue)") }
            _ = OCIControl.request(store.directory(id), "kill \(SIGKILL) all", timeoutMillis: 2000)
            if !OCIRuntime.waitGone(s.pid, millis: 3000) {
                // The shim itself: its monitor then ends the sandbox and removes its cgroup.
                Glibc.kill(s.pid, SIGKILL)
                _ = OCIRuntime.waitGone(s.pid, millis: 5000)
            }
        }
        if let plan = try? OCISpec.load(bundle: s.bundle) {
            var stopped = s
            stopped.status = .stopped
            if let e = OCIHooks.run(plan.hooks["poststop"] ?? [], state: stopped.json, phase: "poststop") { huskWarn(e.message); log("warning", e.message) }
        }
        store.remove(id)
        return 0
    }

    /// `list`: the containers under --root, one line each (runc's table columns).
    func list() -> Int32 {
        print("ID\tPID\tSTATUS\tBUNDLE")
        for id in store.list() {
            guard let s = try? store.current(id) else { continue }
            print("\(id)\t\(s.status == .stopped ? 0 : s.pid)\t\(s.status.rawValue)\t\(s.bundle)")
        }
        return 0
    }

    static func waitGone(_ pid: Int32, millis: UInt64) -> Bool {
        let end = monotonicMillis() + millis
        while OCIStore.alive(pid) {
            if monotonicMillis() >= end { return false }
            usleep(10_000)
        }
        return true
    }

    func oneID(_ args: [String], _ verb: String) throws(HuskError) -> String {
        guard args.count == 1, !args[0].hasPrefix("-") else { throw HuskError("usage: husk \(verb) ID") }
        return args[0]
    }

    /// `features` (runtime-spec features.md).
    public static var features: JSON {
        .object([
            ("ociVersionMin", .string("1.0.0")), ("ociVersionMax", .string("1.1.0")),
            ("hooks", .array(["prestart", "createRuntime", "poststart", "poststop"].map { .string($0) })),
            ("mountOptions", .array(["bind", "rbind", "ro", "rw", "nosuid", "nodev", "noexec", "size", "mode"].map { .string($0) })),
            ("linux", .object([
                ("namespaces", .array(["pid", "network", "ipc", "uts", "mount", "cgroup"].map { .string($0) })),
                ("capabilities", .array(OCISpec.capabilityNames.map { .string("CAP_" + $0) })),
                ("cgroup", .object([("v1", .bool(true)), ("v2", .bool(true)), ("systemd", .bool(false)), ("systemdUser", .bool(false))])),
                ("seccomp", .object([("enabled", .bool(false))])),
                ("apparmor", .object([("enabled", .bool(false))])),
                ("selinux", .object([("enabled", .bool(false))])),
            ])),
            ("annotations", .object([("org.opencontainers.runtime-spec.features.husk.sandbox", .string("sentry"))])),
        ])
    }
}

/// Walks a command line: `--name=value` or `--name value`.
struct ArgumentCursor {
    private let args: [String]
    private var i = 0
    private var inline: String?
    private var name = ""
    init(_ args: [String]) { self.args = args }

    /// The next word, with an inline `=value` split off.
    mutating func next() -> String? {
        guard i < args.count else { return nil }
        var a = args[i]
        i += 1
        inline = nil
        if a.hasPrefix("--"), let eq = a.firstIndex(of: "=") { inline = String(a[a.index(after: eq)...]); a = String(a[..<eq]) }
        name = a
        return a
    }

    /// The value of the option `next()` returned.
    mutating func value() throws(HuskError) -> String {
        if let v = inline { inline = nil; return v }
        guard i < args.count else { throw HuskError("\(name) needs a value") }
        i += 1
        return args[i - 1]
    }

    /// The word `next()` returned and every one after it.
    func remaining() -> [String] { Array(args[(i - 1)...]) }
}

/// Hooks run on the host with the state JSON on stdin (runtime-spec config.md "Hooks").
enum OCIHooks {
    /// Runs `hooks` in order; the first failure as an error naming the phase.
    static func run(_ hooks: [OCIHook], state: JSON, phase: String) -> HuskError? {
        for h in hooks {
            if let e = runOne(h, stdin: state.text) { return HuskError("\(phase) hook \(h.path): \(e)") }
        }
        return nil
    }

    static func runOne(_ h: OCIHook, stdin: String) -> String? {
        var fds: [Int32] = [-1, -1]
        if chusk_pipe_cloexec(&fds) != 0 { return "pipe: \(Errno(rawValue: errno))" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        var argv: [UnsafeMutablePointer<CChar>?] = (h.args.isEmpty ? [h.path] : h.args).map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = h.env.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) }; for p in envp { free(p) } }
        // The hook gets SIGPIPE's default back (husk ignores it) and an empty mask.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults); sigaddset(&defaults, SIGPIPE); sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let r = posix_spawn(&pid, h.path, &actions, &attr, &argv, &envp)
        close(fds[0])
        if r != 0 { close(fds[1]); return "\(Errno(rawValue: r))" }
        let b = Array(stdin.utf8)
        _ = writeAll(fds[1], b, b.count)
        close(fds[1])
        let pidfd = chusk_pidfd_open(pid)
        if let t = h.timeoutSeconds, pidfd >= 0 {
            var p = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
            var n: Int32
            repeat { n = poll(&p, 1, Int32(min(t, 86_400)) * 1000) } while n < 0 && errno == EINTR
            if n == 0 { Glibc.kill(pid, SIGKILL); _ = waitpid(pid, nil, 0); close(pidfd); return "timed out after \(t)s" }
        }
        if pidfd >= 0 { close(pidfd) }
        var st: Int32 = 0
        var w: pid_t
        repeat { w = waitpid(pid, &st, 0) } while w < 0 && errno == EINTR
        if w != pid { return "wait: \(Errno(rawValue: errno))" }
        if chusk_wifexited(st) != 0 && chusk_wexitstatus(st) == 0 { return nil }
        return describe(waitStatus: st)
    }
}
