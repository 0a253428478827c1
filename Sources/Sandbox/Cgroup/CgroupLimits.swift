import SystemPackage

/// Resource limits of a sandbox (issue 6 adds cpu, cpuset and io).
public struct CgroupLimits: Sendable, Equatable {
    public var memoryBytes: UInt64?
    public var pids: Int?
    public init(memoryBytes: UInt64? = nil, pids: Int? = nil) { self.memoryBytes = memoryBytes; self.pids = pids }
    public var isEmpty: Bool { memoryBytes == nil && pids == nil }

    /// "512m", "1g", "64k", "1048576", "2GiB": bytes (binary units, like docker).
    public static func parseSize(_ text: String) -> UInt64? {
        var s = Substring(text.lowercased())
        if s.hasSuffix("ib") { s = s.dropLast(2) } else if s.hasSuffix("b") { s = s.dropLast() }
        var mult: UInt64 = 1
        switch s.last {
        case "k": mult = 1 << 10
        case "m": mult = 1 << 20
        case "g": mult = 1 << 30
        case "t": mult = 1 << 40
        default: break
        }
        if mult != 1 { s = s.dropLast() }
        guard let n = UInt64(s), n > 0 else { return nil }
        let (r, overflow) = n.multipliedReportingOverflow(by: mult)
        return overflow ? nil : r
    }

    /// The cgroupfs files and values that carry these limits for one placement.
    public func files(for p: CgroupPlacement) -> [(file: String, value: String)] {
        var out: [(String, String)] = []
        if let m = memoryBytes, p.controllers.contains("memory") {
            out.append((p.version == .v2 ? "memory.max" : "memory.limit_in_bytes", String(m)))
        }
        if let n = pids, p.controllers.contains("pids") { out.append(("pids.max", String(n))) }
        return out
    }

    /// Writes the limits into the sandbox directories; a limit no placement can carry is an error.
    public func write(to placements: [CgroupPlacement]) throws(HuskError) {
        if memoryBytes != nil && !placements.contains(where: { $0.controllers.contains("memory") }) {
            throw HuskError("--memory: no memory cgroup controller available")
        }
        if pids != nil && !placements.contains(where: { $0.controllers.contains("pids") }) {
            throw HuskError("--pids: no pids cgroup controller available")
        }
        for p in placements {
            for (file, value) in files(for: p) {
                let path = p.sandboxDirectory + "/" + file
                do { try HostFS.write(path, value) } catch { throw HuskError("cgroup \(path)", error) }
            }
        }
    }
}
