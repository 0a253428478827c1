import Glibc

/// What the sandbox's limits did, read from its cgroups just before they are removed: OOM
/// kills (v1 memory.oom_control `oom_kill`, v2 memory.events `oom_kill`) and refused forks
/// (pids.events `max`). One line each, for husk run's stderr.
public enum LimitReport {
    /// The counter `key` of a "key value" per line file, or nil.
    static func counter(_ text: String, _ key: String) -> UInt64? {
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 2, f[0] == key, let v = UInt64(f[1]) { return v }
        }
        return nil
    }

    public static func lines(directories: [String]) -> [String] {
        var out: [String] = []
        var oom: UInt64 = 0, pidsMax: UInt64 = 0
        var memLimit: String? = nil, pidsLimit: String? = nil
        for d in directories {
            if let t = try? HostFS.read(d + "/memory.oom_control"), let n = counter(t, "oom_kill") { oom += n }
            if let t = try? HostFS.read(d + "/memory.events"), let n = counter(t, "oom_kill") { oom += n }
            if let t = try? HostFS.read(d + "/pids.events"), let n = counter(t, "max") { pidsMax += n }
            if let l = try? HostFS.read(d + "/memory.limit_in_bytes") { memLimit = l.trimmingWhitespace }
            if let l = try? HostFS.read(d + "/memory.max") { memLimit = l.trimmingWhitespace }
            if let l = try? HostFS.read(d + "/pids.max") { pidsLimit = l.trimmingWhitespace }
        }
        if oom > 0 {
            let limit = memLimit.flatMap(UInt64.init).map { " of \(formatBytes($0))" } ?? ""
            out.append("memory limit\(limit) reached: the kernel killed \(oom) process\(oom == 1 ? "" : "es") of the sandbox (OOM)")
        }
        if pidsMax > 0 {
            out.append("pids limit\(pidsLimit.map { " of \($0)" } ?? "") reached: \(pidsMax) fork\(pidsMax == 1 ? "" : "s") or clone\(pidsMax == 1 ? "" : "s") failed with EAGAIN")
        }
        return out
    }

    static func formatBytes(_ b: UInt64) -> String {
        if b % (1 << 30) == 0 { return "\(b >> 30) GiB" }
        if b % (1 << 20) == 0 { return "\(b >> 20) MiB" }
        if b % (1 << 10) == 0 { return "\(b >> 10) KiB" }
        return "\(b) bytes"
    }
}
