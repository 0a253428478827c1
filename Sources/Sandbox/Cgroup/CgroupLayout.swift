/// Where the sandbox's cgroups go: computed from /proc/self/cgroup and /proc/self/mountinfo
/// texts (pure, so tests feed fake ones). The sandbox's directory is always `husk/<id>` below
/// husk run's OWN cgroup in each hierarchy, never at a hierarchy's root: the caller may itself
/// be confined, and a sibling outside its cgroup would escape its limits.

public enum CgroupVersion: Sendable, Equatable { case v1, v2 }

/// One mounted cgroup hierarchy.
public struct CgroupHierarchy: Sendable, Equatable {
    public var version: CgroupVersion
    public var mountPoint: String
    /// The cgroup path the mount shows at its mount point ("/" unless bind-mounted or namespaced).
    public var mountRoot: String
    /// v1: the controllers the hierarchy was mounted with; v2: empty (read cgroup.controllers).
    public var controllers: [String]
}

/// One line of /proc/self/cgroup.
public struct CgroupMembership: Sendable, Equatable {
    public var hierarchyID: Int
    public var controllers: [String]   // empty for the v2 line "0::/path"
    public var path: String
}

/// Where the sandbox lives in one hierarchy.
public struct CgroupPlacement: Sendable, Equatable {
    public var version: CgroupVersion
    public var controllers: [String]
    /// husk run's own cgroup directory in this hierarchy.
    public var ownDirectory: String
    public var id: String
    /// `<own>/husk`: created when missing, never removed.
    public var huskDirectory: String { ownDirectory + "/husk" }
    /// `<own>/husk/<id>`: the sandbox's cgroup; the only directory husk ever removes.
    public var sandboxDirectory: String { huskDirectory + "/" + id }
}

public enum CgroupLayout {
    /// The controllers a sandbox uses when they are available.
    public static let defaultControllers = ["memory", "pids", "cpu", "cpuacct", "cpuset", "blkio", "freezer"]

    public static func parseMembership(_ text: String) -> [CgroupMembership] {
        var out: [CgroupMembership] = []
        for line in text.split(separator: "\n") {
            // "ID:controllers:path"; the path itself may contain ':'.
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, let id = Int(parts[0]) else { continue }
            let ctl = parts[1].split(separator: ",").map(String.init)
            out.append(CgroupMembership(hierarchyID: id, controllers: ctl, path: String(parts[2])))
        }
        return out
    }

    /// cgroup and cgroup2 mounts from mountinfo ("ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [tags] - TYPE SOURCE SUPEROPTS").
    public static func parseMounts(_ mountinfo: String) -> [CgroupHierarchy] {
        var out: [CgroupHierarchy] = []
        for line in mountinfo.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard let dash = fields.firstIndex(of: "-"), dash >= 6, fields.count >= dash + 4 else { continue }
            let type = fields[dash + 1]
            let root = unescape(fields[3]), point = unescape(fields[4])
            if type == "cgroup2" {
                out.append(CgroupHierarchy(version: .v2, mountPoint: point, mountRoot: root, controllers: []))
            } else if type == "cgroup" {
                let opts = fields[dash + 3].split(separator: ",").map(String.init)
                let known: Set<String> = ["rw", "ro", "relatime", "noatime", "nosuid", "nodev", "noexec", "clone_children", "xattr", "nsdelegate", "noprefix"]
                let ctl = opts.filter { !known.contains($0) && !$0.hasPrefix("release_agent=") }
                out.append(CgroupHierarchy(version: .v1, mountPoint: point, mountRoot: root, controllers: ctl))
            }
        }
        return out
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo.
    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\"), i + 4 <= b.count,
               let v = UInt8(String(decoding: b[(i + 1)..<(i + 4)], as: UTF8.self), radix: 8) {
                out.append(v); i += 4
            } else { out.append(b[i]); i += 1 }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The directory of cgroup `path` under a hierarchy mounted at `point` showing `root`;
    /// nil when the path is not visible through that mount.
    public static func directory(of path: String, mountPoint point: String, mountRoot root: String) -> String? {
        var rel: Substring
        if root == "/" { rel = Substring(path) }
        else if path == root { rel = "" }
        else if path.hasPrefix(root + "/") { rel = path.dropFirst(root.count) }
        else { return nil }
        while rel.hasSuffix("/") { rel = rel.dropLast() }
        let base = point.hasSuffix("/") ? String(point.dropLast()) : point
        return base + rel
    }

    /// The unified hierarchy's name of a v1 controller: blkio became io, cpuacct's figures are cpu's.
    public static func v2Name(_ c: String) -> String {
        switch c {
        case "blkio": return "io"
        case "cpuacct": return "cpu"
        default: return c
        }
    }

    /// Places the sandbox: v2 for the controllers the unified hierarchy offers in husk run's
    /// own cgroup (`v2Available`, read from its cgroup.controllers), v1 for the rest.
    public static func plan(membership: [CgroupMembership], mounts: [CgroupHierarchy], v2Available: [String],
                            wanted: [String] = defaultControllers, id: String) -> [CgroupPlacement] {
        var out: [CgroupPlacement] = []
        var remaining = wanted
        if let v2 = mounts.first(where: { $0.version == .v2 }),
           let line = membership.first(where: { $0.hierarchyID == 0 && $0.controllers.isEmpty }),
           let dir = directory(of: line.path, mountPoint: v2.mountPoint, mountRoot: v2.mountRoot) {
            var use: [String] = []
            for c in remaining where v2Available.contains(v2Name(c)) && !use.contains(v2Name(c)) { use.append(v2Name(c)) }
            if !use.isEmpty {
                out.append(CgroupPlacement(version: .v2, controllers: use, ownDirectory: dir, id: id))
                remaining.removeAll { use.contains(v2Name($0)) }
            }
        }
        for c in remaining {
            if out.contains(where: { $0.version == .v1 && $0.controllers.contains(c) }) { continue }
            guard let h = mounts.first(where: { $0.version == .v1 && $0.controllers.contains(c) }),
                  let line = membership.first(where: { $0.controllers.contains(c) }),
                  let dir = directory(of: line.path, mountPoint: h.mountPoint, mountRoot: h.mountRoot) else { continue }
            if let i = out.firstIndex(where: { $0.version == .v1 && $0.ownDirectory == dir }) {
                out[i].controllers.append(c)
            } else {
                let ctl = h.controllers.filter { wanted.contains($0) }
                out.append(CgroupPlacement(version: .v1, controllers: ctl.isEmpty ? [c] : ctl, ownDirectory: dir, id: id))
            }
        }
        return out
    }
}
