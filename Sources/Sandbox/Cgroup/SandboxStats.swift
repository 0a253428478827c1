import Glibc
import Sentry

/// `husk run --stats` / `--stats-json FILE`: what one run cost, read from the sandbox's cgroups
/// after the program exited (before they are removed) and from the Sentry's count of the calls
/// it served. Every figure names where it comes from in docs/startup.md ("--stats").
public struct SandboxStats: Equatable, Sendable {
    public var wallSeconds: Double = 0
    /// cgroup CPU time of every process of the sandbox (the Sentry and the Gofer included).
    public var userSeconds: Double?
    public var systemSeconds: Double?
    /// v1 memory.max_usage_in_bytes, v2 memory.peak.
    public var peakMemoryBytes: UInt64?
    /// File pages charged to the sandbox when it ended: v1 memory.stat `cache`, v2 `file`.
    public var pageCacheBytes: UInt64?
    /// Block I/O of the sandbox: v1 blkio.throttle.io_service_bytes / io_serviced, v2 io.stat.
    public var readBytes: UInt64?
    public var writeBytes: UInt64?
    public var readOps: UInt64?
    public var writeOps: UInt64?
    /// Calls that stopped in the Sentry (served), by syscall name.
    public var served: [String: UInt64] = [:]
    /// Calls that reached the Sentry without a handler (answered ENOSYS), by name.
    public var unimplemented: [String: UInt64] = [:]
    /// The kernel's OOM kills in the sandbox, and forks refused by the pids limit.
    public var oomKills: UInt64?
    public var pidsLimitEvents: UInt64?
    public var cgroupVersion: String = "none"

    public init() {}

    public var servedTotal: UInt64 { served.values.reduce(0, +) }

    /// The most frequent served calls, most frequent first (ties by name).
    public func topServed(_ n: Int) -> [(name: String, count: UInt64)] {
        served.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(n).map { ($0.key, $0.value) }
    }

    /// Why native calls are not counted: the application filter lets them run on the host
    /// without a stop, so nothing in the sandbox sees them.
    public static let nativeNote = "not counted (allowed calls run on the host without stopping)"

    // MARK: Reading the cgroups

    /// Fills the cgroup figures from the sandbox's directories (v1: one per controller; v2:
    /// the one unified directory).
    public mutating func readCgroups(_ placements: [CgroupPlacement]) {
        for p in placements {
            let d = p.sandboxDirectory
            func file(_ name: String) -> String? { try? HostFS.read(d + "/" + name) }
            switch p.version {
            case .v2:
                cgroupVersion = "v2"
                if let t = file("cpu.stat") {
                    if let u = Self.counter(t, "user_usec") { userSeconds = Double(u) / 1e6 }
                    if let s = Self.counter(t, "system_usec") { systemSeconds = Double(s) / 1e6 }
                }
                if let t = file("memory.peak"), let v = UInt64(t.trimmingWhitespace) { peakMemoryBytes = v }
                if let t = file("memory.stat"), let v = Self.counter(t, "file") { pageCacheBytes = v }
                if let t = file("io.stat") {
                    let io = Self.parseIOStat(t)
                    readBytes = io.rbytes; writeBytes = io.wbytes; readOps = io.rios; writeOps = io.wios
                }
                if let t = file("memory.events"), let v = Self.counter(t, "oom_kill") { oomKills = v }
                if let t = file("pids.events"), let v = Self.counter(t, "max") { pidsLimitEvents = v }
            case .v1:
                if cgroupVersion == "none" { cgroupVersion = "v1" }
                if p.controllers.contains("cpuacct") {
                    // cpuacct.usage_user/_sys are in ns (cpuacct.stat only in USER_HZ ticks).
                    if let u = file("cpuacct.usage_user").flatMap({ UInt64($0.trimmingWhitespace) }) { userSeconds = Double(u) / 1e9 }
                    if let s = file("cpuacct.usage_sys").flatMap({ UInt64($0.trimmingWhitespace) }) { systemSeconds = Double(s) / 1e9 }
                }
                if p.controllers.contains("memory") {
                    if let t = file("memory.max_usage_in_bytes"), let v = UInt64(t.trimmingWhitespace) { peakMemoryBytes = v }
                    if let t = file("memory.stat"), let v = Self.counter(t, "cache") { pageCacheBytes = v }
                    if let t = file("memory.oom_control"), let v = Self.counter(t, "oom_kill") { oomKills = v }
                }
                if p.controllers.contains("blkio") {
                    if let t = file("blkio.throttle.io_service_bytes") {
                        let v = Self.parseBlkioV1(t); readBytes = v.read; writeBytes = v.write
                    }
                    if let t = file("blkio.throttle.io_serviced") {
                        let v = Self.parseBlkioV1(t); readOps = v.read; writeOps = v.write
                    }
                }
                if p.controllers.contains("pids"), let t = file("pids.events"), let v = Self.counter(t, "max") { pidsLimitEvents = v }
            }
        }
    }

    /// The value of `key` in a "key value" per line file.
    static func counter(_ text: String, _ key: String) -> UInt64? { LimitReport.counter(text, key) }

    /// v1 blkio "MAJ:MIN Read N" / "MAJ:MIN Write N" lines, summed over devices.
    static func parseBlkioV1(_ text: String) -> (read: UInt64, write: UInt64) {
        var r: UInt64 = 0, w: UInt64 = 0
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 3, f[0].contains(":"), let v = UInt64(f[2]) else { continue }
            if f[1] == "Read" { r += v } else if f[1] == "Write" { w += v }
        }
        return (r, w)
    }

    /// v2 io.stat "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N" lines, summed.
    static func parseIOStat(_ text: String) -> (rbytes: UInt64, wbytes: UInt64, rios: UInt64, wios: UInt64) {
        var out: (rbytes: UInt64, wbytes: UInt64, rios: UInt64, wios: UInt64) = (0, 0, 0, 0)
        for line in text.split(separator: "\n") {
            for kv in line.split(separator: " ").dropFirst() {
                let p = kv.split(separator: "=")
                guard p.count == 2, let v = UInt64(p[1]) else { continue }
                switch p[0] {
                case "rbytes": out.rbytes += v
                case "wbytes": out.wbytes += v
                case "rios": out.rios += v
                case "wios": out.wios += v
                default: break
                }
            }
        }
        return out
    }

    /// The Sentry's record after the status bytes: `served NR:N,NR:N;unimplemented NR:N\n`.
    public mutating func readSentryRecord(_ bytes: ArraySlice<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        for section in text.split(whereSeparator: { $0 == ";" || $0 == "\n" }) {
            let head = section.split(separator: " ", maxSplits: 1)
            guard head.count == 2 else { continue }
            var into: [String: UInt64] = [:]
            for item in head[1].split(separator: ",") {
                let p = item.split(separator: ":")
                guard p.count == 2, let nr = Int(p[0]), let n = UInt64(p[1]) else { continue }
                into[SyscallTable.name(nr), default: 0] += n
            }
            if head[0] == "served" { served = into } else if head[0] == "unimplemented" { unimplemented = into }
        }
    }

    // MARK: Output

    /// The one `husk: stats:` line (without the prefix).
    public var line: String {
        func ms(_ s: Double?) -> String { s.map { Self.seconds($0) } ?? "n/a" }
        func bytes(_ b: UInt64?) -> String { b.map(Self.bytes) ?? "n/a" }
        var parts = ["wall \(Self.seconds(wallSeconds))", "cpu \(ms(userSeconds)) user + \(ms(systemSeconds)) sys",
                     "peak memory \(bytes(peakMemoryBytes))", "page cache \(bytes(pageCacheBytes))"]
        if readBytes == nil && readOps == nil {
            parts.append("block I/O n/a")
        } else {
            parts.append("block I/O read \(bytes(readBytes)) in \(readOps.map(String.init) ?? "n/a") ops, written \(bytes(writeBytes)) in \(writeOps.map(String.init) ?? "n/a") ops")
        }
        let top = topServed(5).map { "\($0.name)×\($0.count)" }.joined(separator: " ")
        parts.append("syscalls served \(servedTotal)" + (top.isEmpty ? "" : " (\(top))") + ", native not counted")
        let un = unimplemented.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
        parts.append("unimplemented " + (un.isEmpty ? "none" : un))
        parts.append("OOM kills \(oomKills.map(String.init) ?? "n/a")")
        parts.append("pids-limit events \(pidsLimitEvents.map(String.init) ?? "n/a")")
        return parts.joined(separator: ", ")
    }

    /// The `--stats-json` record (one JSON object; null where a controller is missing).
    public var json: String {
        func num(_ v: UInt64?) -> String { v.map(String.init) ?? "null" }
        func dbl(_ v: Double?) -> String { v.map { String(format6($0)) } ?? "null" }
        func calls(_ d: [(String, UInt64)]) -> String {
            "[" + d.map { "{\"name\":\"\($0.0)\",\"count\":\($0.1)}" }.joined(separator: ",") + "]"
        }
        let un = unimplemented.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return """
        {"wall_seconds":\(format6(wallSeconds)),"cpu_user_seconds":\(dbl(userSeconds)),"cpu_system_seconds":\(dbl(systemSeconds)),\
        "memory_peak_bytes":\(num(peakMemoryBytes)),"page_cache_bytes":\(num(pageCacheBytes)),\
        "block_io":{"read_bytes":\(num(readBytes)),"write_bytes":\(num(writeBytes)),"read_ops":\(num(readOps)),"write_ops":\(num(writeOps))},\
        "syscalls":{"served":\(servedTotal),"native":null,"native_note":"\(Self.nativeNote)",\
        "top_served":\(calls(topServed(10))),"served_by_name":\(calls(served.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })),\
        "unimplemented":\(calls(un))},\
        "oom_kills":\(num(oomKills)),"pids_limit_events":\(num(pidsLimitEvents)),"cgroup":"\(cgroupVersion)"}

        """
    }

    /// "12.3 ms" below a second, "1.25 s" above.
    static func seconds(_ s: Double) -> String {
        if s < 1 { let t = UInt64((max(s, 0) * 10_000).rounded()); return "\(t / 10).\(t % 10) ms" }
        let h = UInt64((s * 100).rounded())
        return "\(h / 100)." + (h % 100 < 10 ? "0" : "") + "\(h % 100) s"
    }

    /// "512 B", "100.0 MiB".
    static func bytes(_ b: UInt64) -> String {
        if b < 1024 { return "\(b) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var v = Double(b) / 1024, i = 0
        while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        let t = UInt64((v * 10).rounded())
        return "\(t / 10).\(t % 10) \(units[i])"
    }
}

/// A Double with six decimals, without Foundation ("12.345678").
func format6(_ v: Double) -> String {
    guard v.isFinite else { return "0" }
    let neg = v < 0
    let scaled = (abs(v) * 1_000_000).rounded()
    let whole = UInt64(scaled / 1_000_000), frac = UInt64(scaled.truncatingRemainder(dividingBy: 1_000_000))
    var f = String(frac)
    while f.count < 6 { f = "0" + f }
    return (neg ? "-" : "") + "\(whole).\(f)"
}

/// v1 blkio counts a cgroup's I/O (blkio.throttle.io_service_bytes, io_serviced) only on a
/// disk whose queue has throttling active (kernel blk_should_throtl: an unthrottled queue skips
/// the accounting). --stats therefore gives the sandbox a no-op write limit (the maximum rate,
/// which the kernel keeps as "no limit") on the disk under each served tree. v2's io.stat needs
/// nothing. Best effort: a path not on a block device (tmpfs, overlay) has no disk to count.
enum BlockIOAccounting {
    static func enable(_ placements: [CgroupPlacement], paths: [String]) {
        guard let blkio = placements.first(where: { $0.version == .v1 && $0.controllers.contains("blkio") }) else { return }
        var disks: Set<String> = []
        for path in paths {
            var st = stat()
            guard stat(path, &st) == 0 else { continue }
            let d = UInt64(st.st_dev)
            // glibc's gnu_dev_major/minor.
            let major = ((d >> 8) & 0xfff) | ((d >> 32) & ~UInt64(0xfff)), minor = (d & 0xff) | ((d >> 12) & ~UInt64(0xff))
            let dev = "\(major):\(minor)"
            guard HostFS.exists("/sys/dev/block/\(dev)") else { continue }
            // A partition's limits go on its disk.
            if HostFS.exists("/sys/dev/block/\(dev)/partition"),
               let parent = try? HostFS.read("/sys/dev/block/\(dev)/../dev") {
                disks.insert(parent.trimmingWhitespace)
            } else {
                disks.insert(dev)
            }
        }
        for d in disks.sorted() {
            try? HostFS.write(blkio.sandboxDirectory + "/blkio.throttle.write_bps_device", "\(d) \(UInt64.max)")
        }
    }
}
