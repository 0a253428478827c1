import Glibc
import Platform
import Sentry

/// What `husk run` was asked to do, after the command line was parsed.
public struct RunOptions: Sendable {
    /// The program's arguments as `ArgumentBytes` strings (their exact bytes).
    public var argv: [String]
    public var env: [String]
    public var cwd: String
    public var rootfs: String?
    public var strace: Bool
    public var limits: CgroupLimits
    /// `--platform`: how the Sentry intercepts the program's syscalls.
    public var platform: PlatformKind = .standard
    /// --rootfs-readonly: the root without the writable overlay.
    public var rootfsReadonly = false
    /// `--user UID:GID`: the program's ids inside the sandbox (root when nil).
    public var user: (uid: UInt32, gid: UInt32)?
    /// `--timeout`: the sandbox is killed once this many milliseconds have passed (exit 124).
    public var timeoutMillis: UInt64?
    /// `-v HOST:GUEST[:ro|:rw]`, in the order given.
    public var volumes: [VolumeSpec] = []
    /// `--no-cgroup`: run without a cgroup (no resource limits; the monitor ends the sandbox
    /// through the parts' pidfds alone). What an unprivileged user without a delegated cgroup needs.
    public var noCgroup = false
    /// `--hostname`: what uname and hostname show inside (nil: "husk").
    public var hostname: String?
    /// `--network`: none (the sandbox's own namespace with only lo) or host (the host's).
    public var network: NetworkNamespace.Mode = .none
    /// With `network == .joined`: the network namespace file the Sentry joins (OCI only).
    public var networkNamespacePath: String?
    /// `--host-uds open`: a connect to a socket file of a volume reaches the host's socket (the
    /// Gofer connects and donates it); `none` (false): ECONNREFUSED.
    public var hostUDS = false
    /// `-p HOSTPORT:PORT[/udp]` (`--network pasta`), in order.
    public var publish: [PublishSpec] = []
    /// `--tmpfs PATH[:size=N,mode=M]`, in the order given.
    public var tmpfs: [TmpfsSpec] = []
    /// `-t`: the program's stdio is a terminal (the Sentry's console pty), relayed to husk run's
    /// own terminal in raw mode. `-i`: keep stdin open (with -t, stdin is relayed only with -i).
    public var tty = false
    public var interactive = false
    /// `--stats`: one `husk: stats:` line on exit; `--stats-json FILE`: the record as JSON.
    public var stats = false
    public var statsJSONPath: String?
    /// When husk run started (CLOCK_MONOTONIC ns): the origin of --stats' wall time.
    public var startNanos: UInt64 = 0
    public var wantsStats: Bool { stats || statsJSONPath != nil }
    /// `--no-pool`: start a sandbox of its own even when a pool (docs/pool.md) has one ready.
    public var noPool = false
    public init(argv: [String], env: [String], cwd: String = "/", rootfs: String? = nil, strace: Bool = false,
                limits: CgroupLimits = CgroupLimits()) {
        self.argv = argv; self.env = env; self.cwd = cwd; self.rootfs = rootfs; self.strace = strace; self.limits = limits
    }
}

extension RunOptions {
    /// "10s", "500ms", "2m", "1h", "1.5s", "30" (seconds, as timeout(1)): milliseconds, nil if bad or 0.
    public static func parseDuration(_ text: String) -> UInt64? {
        var s = Substring(text)
        var unit: Double = 1000
        for (suffix, ms) in [("ms", 1.0), ("s", 1000.0), ("m", 60_000.0), ("h", 3_600_000.0), ("d", 86_400_000.0)] where s.hasSuffix(suffix) {
            s = s.dropLast(suffix.count); unit = ms; break
        }
        guard let v = Double(s), v.isFinite, v > 0, s.first != "+" else { return nil }
        let ms = (v * unit).rounded(.up)
        return ms >= 1 && ms < 1e15 ? UInt64(ms) : nil
    }

    /// How `husk: timed out after …` names a duration.
    public static func describeDuration(_ ms: UInt64) -> String {
        if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}

/// One `-v/--volume HOST:GUEST[:ro|:rw]`: host directory HOST shown at GUEST (read-write
/// unless `:ro`). The Gofer serves it as its own tree; the Sentry mounts it at GUEST.
public struct VolumeSpec: Equatable, Sendable {
    public var host: String
    public var guest: String
    public var readOnly: Bool
    public init(host: String, guest: String, readOnly: Bool) {
        self.host = host; self.guest = guest; self.readOnly = readOnly
    }

    /// Parses "HOST:GUEST", "HOST:GUEST:ro" or "HOST:GUEST:rw". Both paths absolute; GUEST not
    /// "/" and without "." or ".." components.
    public static func parse(_ s: String) -> VolumeSpec? {
        var parts = s.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var readOnly = false
        if parts.count == 3 {
            switch parts[2] {
            case "ro": readOnly = true
            case "rw": readOnly = false
            default: return nil
            }
            parts.removeLast()
        }
        guard parts.count == 2, parts[0].hasPrefix("/"), parts[1].hasPrefix("/") else { return nil }
        let names = parts[1].split(separator: "/")
        guard !names.isEmpty, !names.contains(where: { $0 == "." || $0 == ".." }) else { return nil }
        return VolumeSpec(host: parts[0], guest: "/" + names.joined(separator: "/"), readOnly: readOnly)
    }
}

public enum ProgramEnvironment {
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// The program's environment: PATH, HOME=/root and the host's TERM, then every `-e`
    /// (`K=V` sets, a bare `K` copies the host's value if it has one). Nothing else leaks in.
    public static func build(overrides: [String], host: [String: String]) -> [String] {
        var order = ["PATH", "HOME"]
        var values = ["PATH": defaultPath, "HOME": "/root"]
        if let term = host["TERM"] { order.append("TERM"); values["TERM"] = term }
        for e in overrides {
            let key: String, value: String
            if let eq = e.firstIndex(of: "=") {
                key = String(e[..<eq]); value = String(e[e.index(after: eq)...])
            } else {
                guard let v = host[e] else { continue }
                key = e; value = v
            }
            if values[key] == nil { order.append(key) }
            values[key] = value
        }
        return order.map { "\($0)=\(values[$0]!)" }
    }

    /// The host environment of this process as a dictionary.
    public static func host() -> [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { out[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return out
    }
}

/// The terminal husk run sits on, if its stdin or stdout is one.
func currentTerminal() -> TerminalInfo? {
    for fd: Int32 in [0, 1] where isatty(fd) != 0 {
        var bytes = [UInt8](repeating: 0, count: 64)
        let n = chusk_tcgets_bytes(fd, &bytes)
        guard n > 0 else { continue }
        var rows: UInt16 = 0, cols: UInt16 = 0
        _ = chusk_winsize(fd, &rows, &cols)
        return TerminalInfo(termios: Array(bytes[0..<n]), rows: rows, columns: cols)
    }
    return nil
}
