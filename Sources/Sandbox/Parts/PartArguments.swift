import Platform
import Sentry

/// The command lines of the hidden parts (`husk gofer|sentry|monitor`). husk run builds them,
/// the re-executed binary parses them without swift-argument-parser (cheap start-up). The fd
/// numbers are fixed: the spawn helper installs exactly these.
public enum PartFD {
    /// Gofer: its end of the socketpair, and a pipe on which it writes one byte once its root is ready.
    public static let goferSocket: Int32 = 3
    public static let goferReady: Int32 = 4
    /// Sentry: the Gofer socket, the program's stdio pipe ends and the status pipe.
    public static let sentryGofer: Int32 = 3
    public static let sentryStdin: Int32 = 4
    public static let sentryStdout: Int32 = 5
    public static let sentryStderr: Int32 = 6
    public static let sentryStatus: Int32 = 7
    /// husk run -t: window sizes for the console (4 bytes each).
    public static let sentryControl: Int32 = 8
    /// The OCI shim's control socket (RuntimeControl in the Sentry): start, then signals.
    public static let sentryRuntime: Int32 = 10
    /// One byte from husk run once the Gofer serves: the Sentry enters its jail and compiles its
    /// filter while the Gofer builds the root view, then waits here before it boots (EOF: the
    /// Gofer failed, husk run says why, the Sentry exits without a word).
    public static let sentryGo: Int32 = 9
    /// A pooled Sentry's launch socket (docs/pool.md): husk run sends the program here.
    public static let sentryLaunch: Int32 = 11
    /// Monitor: one byte once it watches everything.
    public static let monitorReady: Int32 = 3
    /// Monitor: husk run's end of the sandbox. husk run writes one byte once it has read the
    /// sandbox's counters and reported its limits, then closes it; EOF alone means husk run died.
    public static let monitorDone: Int32 = 4
}

public struct GoferArguments: Equatable, Sendable {
    public var rootfs: String?
    /// The volumes' host directories (guest paths are the Sentry's business), in order: tree i+1.
    public var volumes: [VolumeSpec] = []
    /// `--host-uds open`: connect to host unix sockets in volumes for the Sentry.
    public var hostUDS = false
    /// A pooled sandbox's Gofer (docs/pool.md): its first idle spell is the wait for the launch,
    /// whose requests should not fault its pages back in; it trims from the next one on.
    public var pooled = false
    public init(rootfs: String? = nil, volumes: [VolumeSpec] = [], hostUDS: Bool = false) {
        self.rootfs = rootfs
        self.volumes = volumes.map { VolumeSpec(host: $0.host, guest: "", readOnly: $0.readOnly) }
        self.hostUDS = hostUDS
    }
    public var arguments: [String] {
        ["gofer"] + (rootfs.map { ["--rootfs", $0] } ?? []) + (hostUDS ? ["--host-uds"] : []) + (pooled ? ["--pooled"] : [])
            + volumes.flatMap { [$0.readOnly ? "--volume-ro" : "--volume-rw", $0.host] }
    }
    /// Whether any part of the view is writable (read-write volumes): the Gofer then keeps the
    /// capabilities and syscalls writing needs.
    public var writable: Bool { volumes.contains { !$0.readOnly } }
    /// Parses what follows `husk gofer`.
    public static func parse(_ args: ArraySlice<String>) -> GoferArguments? {
        var out = GoferArguments()
        var it = args.makeIterator()
        while let a = it.next() {
            switch a {
            case "--rootfs": guard let v = it.next() else { return nil }; out.rootfs = v
            case "--host-uds": out.hostUDS = true
            case "--pooled": out.pooled = true
            case "--volume-ro", "--volume-rw":
                guard let v = it.next(), v.hasPrefix("/") else { return nil }
                out.volumes.append(VolumeSpec(host: v, guest: "", readOnly: a == "--volume-ro"))
            default: return nil
            }
        }
        return out
    }
}

public struct SentryArguments: Equatable, Sendable {
    public var argv: [String]
    public var env: [String]
    public var cwd: String
    public var strace: Bool
    public var terminal: TerminalInfo?
    /// --platform: the Sentry builds it (always passed, so the Sentry never guesses).
    public var platform: PlatformKind = .standard
    /// The root without the writable overlay.
    public var rootfsReadonly = false
    /// "UID:GID" the program runs as inside the sandbox.
    public var user: String?
    /// The sandbox's memory limit, which sysinfo and /proc/meminfo report as the total.
    public var memoryLimit: UInt64?
    /// The volumes' guest paths, in order (tree i+1 of the Gofer).
    public var volumes: [VolumeSpec] = []
    /// --hostname: the sandbox's UTS hostname.
    public var hostname: String?
    /// --network: where its inet sockets live.
    public var network: NetworkNamespace.Mode = .none
    /// The host's /etc/hosts (`--network host`) and /etc/resolv.conf (`host`, `pasta`).
    public var hostHosts: String?
    public var hostResolvConf: String?
    /// `--host-uds open`: connect to a volume's host socket through the Gofer.
    public var hostUDS = false
    /// --tmpfs: extra tmpfs mounts, in order.
    public var tmpfs: [TmpfsSpec] = []
    /// The OCI runtime's extras (docs/oci.md): file snapshots (guest path, bytes), masked
    /// paths, the control socket on PartFD.sentryRuntime, supplementary groups, capability sets
    /// and rlimits of the program.
    public var files: [OCIFile] = []
    public var maskedPaths: [String] = []
    public var readonlyPaths: [String] = []
    public var runtimeControl = false
    public var groups: [UInt32] = []
    public var capabilities: CapabilitySets?
    public var rlimits: [String] = []
    /// linux.seccomp compiled (OCISeccomp): the program's own first filter.
    public var seccomp: OCISeccompFilter?
    /// A pooled Sentry: no program on the command line; it comes on PartFD.sentryLaunch.
    public var awaitLaunch = false
    public init(argv: [String], env: [String], cwd: String = "/", strace: Bool = false, terminal: TerminalInfo? = nil) {
        self.argv = argv; self.env = env; self.cwd = cwd; self.strace = strace; self.terminal = terminal
    }

    public var arguments: [String] {
        var a = ["sentry", "--cwd", cwd, "--platform", platform.rawValue]
        if strace { a.append("--strace") }
        if rootfsReadonly { a.append("--rootfs-readonly") }
        if let u = user { a += ["--user", u] }
        if let m = memoryLimit { a += ["--memory-limit", String(m)] }
        for v in volumes { a += [v.readOnly ? "--volume-ro" : "--volume-rw", v.guest] }
        if let h = hostname { a += ["--hostname", h] }
        if network != .none { a += ["--network", network.rawValue] }
        if let h = hostHosts { a += ["--host-hosts", h] }
        if let r = hostResolvConf { a += ["--host-resolv-conf", r] }
        if hostUDS { a.append("--host-uds") }
        // MODE:SIZE:PATH (octal mode, bytes or "-"; the path last, as it may hold a colon).
        for t in tmpfs { a += ["--tmpfs", String(t.mode, radix: 8) + ":" + (t.sizeBytes.map { String($0) } ?? "-") + ":" + t.path] }
        if let t = terminal { a += ["--terminal", Self.encode(t)] }
        // HEX:PATH (the path last, as it may hold a colon).
        for f in files { a += ["--file", Self.hex(f.contents) + ":" + f.guest] }
        for m in maskedPaths { a += ["--mask", m] }
        for m in readonlyPaths { a += ["--readonly-path", m] }
        if runtimeControl { a.append("--runtime-control") }
        if !groups.isEmpty { a += ["--groups", groups.map { String($0) }.joined(separator: ",")] }
        if let c = capabilities { a += ["--caps", c.encoded] }
        for r in rlimits { a += ["--rlimit", r] }
        if let s = seccomp { a += ["--seccomp", String(s.flags) + ":" + Self.hex(s.program)] }
        for e in env { a += ["--env", e] }
        if awaitLaunch { a.append("--await-launch") }
        return a + ["--"] + argv
    }

    public static func parse(_ args: ArraySlice<String>) -> SentryArguments? {
        var out = SentryArguments(argv: [], env: [])
        var i = args.startIndex
        while i < args.endIndex {
            let a = args[i]
            func value() -> String? { i += 1; return i < args.endIndex ? args[i] : nil }
            switch a {
            case "--cwd": guard let v = value() else { return nil }; out.cwd = v
            case "--strace": out.strace = true
            case "--platform": guard let v = value(), let k = PlatformKind(rawValue: v) else { return nil }; out.platform = k
            case "--rootfs-readonly": out.rootfsReadonly = true
            case "--user": guard let v = value() else { return nil }; out.user = v
            case "--memory-limit": guard let v = value(), let m = UInt64(v) else { return nil }; out.memoryLimit = m
            case "--volume-ro", "--volume-rw":
                guard let v = value(), v.hasPrefix("/") else { return nil }
                out.volumes.append(VolumeSpec(host: "", guest: v, readOnly: a == "--volume-ro"))
            case "--hostname": guard let v = value() else { return nil }; out.hostname = v
            case "--network": guard let v = value(), let m = NetworkNamespace.Mode(rawValue: v) else { return nil }; out.network = m
            case "--host-uds": out.hostUDS = true
            case "--host-hosts": guard let v = value() else { return nil }; out.hostHosts = v
            case "--host-resolv-conf": guard let v = value() else { return nil }; out.hostResolvConf = v
            case "--tmpfs":
                guard let v = value() else { return nil }
                let f = v.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                guard f.count == 3, let mode = UInt32(f[0], radix: 8), f[2].hasPrefix("/") else { return nil }
                let size: UInt64? = f[1] == "-" ? nil : UInt64(f[1])
                if f[1] != "-" && size == nil { return nil }
                out.tmpfs.append(TmpfsSpec(path: String(f[2]), sizeBytes: size, mode: mode))
            case "--terminal": guard let v = value(), let t = decode(v) else { return nil }; out.terminal = t
            case "--file":
                guard let v = value(), let colon = v.firstIndex(of: ":"), let bytes = unhex(v[..<colon]) else { return nil }
                let path = String(v[v.index(after: colon)...])
                guard path.hasPrefix("/") else { return nil }
                out.files.append(OCIFile(guest: path, contents: bytes))
            case "--mask": guard let v = value(), v.hasPrefix("/") else { return nil }; out.maskedPaths.append(v)
            case "--readonly-path": guard let v = value(), v.hasPrefix("/") else { return nil }; out.readonlyPaths.append(v)
            case "--runtime-control": out.runtimeControl = true
            case "--groups":
                guard let v = value() else { return nil }
                let g = v.split(separator: ",").compactMap { UInt32($0) }
                guard g.count == v.split(separator: ",").count else { return nil }
                out.groups = g
            case "--caps": guard let v = value(), let c = CapabilitySets.decode(v) else { return nil }; out.capabilities = c
            case "--rlimit": guard let v = value(), RlimitArgument.parse(v) != nil else { return nil }; out.rlimits.append(v)
            case "--seccomp":
                // FLAGS:HEX, whole instructions, at most BPF_MAXINSNS.
                guard let v = value(), let colon = v.firstIndex(of: ":"), let flags = UInt64(v[..<colon]),
                      let program = unhex(v[v.index(after: colon)...]), !program.isEmpty, program.count % 8 == 0, program.count <= 4096 * 8 else { return nil }
                out.seccomp = OCISeccompFilter(program: program, flags: flags)
            case "--env": guard let v = value() else { return nil }; out.env.append(v)
            case "--await-launch": out.awaitLaunch = true
            case "--": out.argv = Array(args[(i + 1)...]); return out.argv.isEmpty != out.awaitLaunch ? nil : out
            default: return nil
            }
            i += 1
        }
        return nil
    }

    /// "rows:columns:hex-termios".
    static func encode(_ t: TerminalInfo) -> String {
        "\(t.rows):\(t.columns):\(hex(t.termios))"
    }

    static func decode(_ s: String) -> TerminalInfo? {
        let p = s.split(separator: ":", omittingEmptySubsequences: false)
        guard p.count == 3, let r = UInt16(p[0]), let c = UInt16(p[1]), let bytes = unhex(p[2]) else { return nil }
        return TerminalInfo(termios: bytes, rows: r, columns: c)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex(_ s: Substring) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo); i += 2
        }
        return out
    }
}

/// "RESOURCE:SOFT:HARD" (numbers) for the Sentry's --rlimit.
public enum RlimitArgument {
    public static func parse(_ s: String) -> (resource: Int32, soft: UInt64, hard: UInt64)? {
        let p = s.split(separator: ":", omittingEmptySubsequences: false)
        guard p.count == 3, let r = Int32(p[0]), r >= 0, r < 16, let soft = UInt64(p[1]), let hard = UInt64(p[2]), soft <= hard else { return nil }
        return (r, soft, hard)
    }
}

extension TerminalInfo: Equatable {
    public static func == (a: TerminalInfo, b: TerminalInfo) -> Bool {
        a.termios == b.termios && a.rows == b.rows && a.columns == b.columns
    }
}

public struct MonitorArguments: Equatable, Sendable {
    /// husk run: its death ends the sandbox.
    public var watch: Int32
    /// The Sentry: its exit ends the sandbox; the Gofer is killed with it.
    public var sentry: Int32
    public var gofer: Int32
    /// The sandbox's cgroup directories (`.../husk/<id>`), emptied and removed at the end.
    public var cgroups: [String]
    /// `--network pasta`: pasta, killed with the Sentry and the Gofer (0: none).
    public var pasta: Int32 = 0
    /// Set by the waiting half (chusk_monitor_fork), which execs the clean-up: whether husk
    /// run said it was done ("reported") or died, and the pidfds it opened for watch, sentry,
    /// gofer and pasta (-1 for none).
    public var end: String? = nil
    public var pidFDs: [Int32] = []
    public init(watch: Int32, sentry: Int32, gofer: Int32, cgroups: [String], pasta: Int32 = 0) {
        self.watch = watch; self.sentry = sentry; self.gofer = gofer; self.cgroups = cgroups; self.pasta = pasta
    }

    /// What follows `monitor --end X --pidfds LIST` (chusk_monitor_fork puts those first).
    public var arguments: [String] {
        ["--watch", String(watch), "--sentry", String(sentry), "--gofer", String(gofer)]
            + (pasta > 0 ? ["--pasta", String(pasta)] : [])
            + cgroups.flatMap { ["--cgroup", $0] }
    }

    public static func parse(_ args: ArraySlice<String>) -> MonitorArguments? {
        var out = MonitorArguments(watch: 0, sentry: 0, gofer: 0, cgroups: [])
        var it = args.makeIterator()
        while let a = it.next() {
            guard let v = it.next() else { return nil }
            switch a {
            case "--watch": guard let n = Int32(v), n >= 0 else { return nil }; out.watch = n
            case "--sentry": guard let n = Int32(v) else { return nil }; out.sentry = n
            case "--gofer": guard let n = Int32(v) else { return nil }; out.gofer = n
            case "--pasta": guard let n = Int32(v), n > 0 else { return nil }; out.pasta = n
            case "--end": guard v == "reported" || v == "died" else { return nil }; out.end = v
            case "--pidfds":
                let fds = v.split(separator: ",").compactMap { Int32($0) }
                guard fds.count == 4, fds.allSatisfy({ $0 >= -1 }) else { return nil }
                out.pidFDs = fds
            case "--cgroup":
                // Only ever a sandbox directory: the monitor removes what it is given.
                guard v.hasPrefix("/"), v.split(separator: "/").dropLast().last == "husk" else { return nil }
                out.cgroups.append(v)
            default: return nil
            }
        }
        // --watch 0: a pooled sandbox's monitor, which watches its done pipe alone.
        return out.watch > 0 || (out.watch == 0 && out.end != nil) ? out : nil
    }
}
