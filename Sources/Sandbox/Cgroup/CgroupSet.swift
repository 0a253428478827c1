import Glibc
import SystemPackage

/// The sandbox's cgroup directories: created by husk run, joined by the Gofer and the Sentry
/// (so by every task), emptied and removed by the monitor.
public struct CgroupSet: Sendable {
    public var placements: [CgroupPlacement]
    public init(placements: [CgroupPlacement]) { self.placements = placements }
    public var directories: [String] { placements.map(\.sandboxDirectory) }

    /// The placements for this process, read from /proc/self/cgroup and /proc/self/mountinfo.
    public static func planForSelf(id: String, wanted: [String] = CgroupLayout.defaultControllers) -> [CgroupPlacement] {
        let membership = CgroupLayout.parseMembership((try? HostFS.read("/proc/self/cgroup")) ?? "")
        let mounts = CgroupLayout.parseMounts((try? HostFS.read("/proc/self/mountinfo")) ?? "")
        var v2: [String] = []
        if let m = mounts.first(where: { $0.version == .v2 }),
           let line = membership.first(where: { $0.hierarchyID == 0 && $0.controllers.isEmpty }),
           let dir = CgroupLayout.directory(of: line.path, mountPoint: m.mountPoint, mountRoot: m.mountRoot) {
            v2 = ((try? HostFS.read(dir + "/cgroup.controllers")) ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        }
        return CgroupLayout.plan(membership: membership, mounts: mounts, v2Available: v2, wanted: wanted, id: id)
    }

    /// Creates `husk/<id>` in every placement. On failure removes what it created.
    public static func create(_ placements: [CgroupPlacement]) throws(HuskError) -> CgroupSet {
        var made: [String] = []
        for p in placements {
            do {
                if p.version == .v2 { enableV2(p, in: p.ownDirectory) }
                // Another sandbox's teardown removes the shared `husk` parent once it is empty:
                // when that happens at any point before our directory exists in it (the mkdir's
                // EEXIST then finds no directory, the cpuset copy or the mkdir ENOENT, or ENODEV
                // from a directory being removed as we write to it), make the parent again.
                for attempt in 1... {
                    do throws(Errno) {
                        try HostFS.mkdirIfMissing(p.huskDirectory)
                        if p.controllers.contains("cpuset") { try copyCpuset(into: p.huskDirectory, from: p.ownDirectory) }
                        if p.version == .v2 { enableV2(p, in: p.huskDirectory) }
                        try HostFS.mkdirIfMissing(p.sandboxDirectory)
                        break
                    } catch where (error == .noSuchFileOrDirectory || error == .fileExists || error == .operationNotSupportedByDevice) && attempt < 50 {}
                }
                made.append(p.sandboxDirectory)
                if p.controllers.contains("cpuset") { try copyCpuset(into: p.sandboxDirectory, from: p.huskDirectory) }
            } catch {
                for d in made.reversed() { rmdir(d) }
                throw HuskError("cgroup \(p.sandboxDirectory)", error)
            }
        }
        return CgroupSet(placements: placements)
    }

    /// A new v1 cpuset starts with empty cpus and mems, and refuses tasks until they are set.
    static func copyCpuset(into dir: String, from parent: String) throws(Errno) {
        for f in ["cpuset.cpus", "cpuset.mems"] {
            let mine = (try? HostFS.read(dir + "/" + f)) ?? ""
            if !mine.trimmingWhitespace.isEmpty { continue }
            let value = try HostFS.read(parent + "/" + f).trimmingWhitespace
            if !value.isEmpty { try HostFS.write(dir + "/" + f, value) }
        }
    }

    /// v2 delegates controllers to children through cgroup.subtree_control (best effort: a
    /// cgroup that holds processes itself cannot enable them, the "no internal processes" rule).
    static func enableV2(_ p: CgroupPlacement, in dir: String) {
        let line = p.controllers.map { "+" + $0 }.joined(separator: " ")
        try? HostFS.write(dir + "/cgroup.subtree_control", line)
    }

    /// The v1 placements' `tasks` files, opened for writing, for the Gofer and the Sentry to
    /// move themselves in (CHUSK_JOIN_CGROUP in their fd maps): a single-threaded process that
    /// writes "0" there skips the kernel's global threadgroup lock and its RCU grace period
    /// (5–20 ms here), which a pid written to cgroup.procs pays (docs/startup.md). The opener's
    /// credentials are the ones the kernel checks. The caller closes them.
    public func openSelfJoinFiles() throws(HuskError) -> [Int32] {
        var fds: [Int32] = []
        for p in placements where p.version == .v1 {
            let path = p.sandboxDirectory + "/tasks"
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            if fd < 0 {
                let e = Errno(rawValue: errno)
                for f in fds { close(f) }
                throw HuskError("cannot open \(path): \(e.description)")
            }
            fds.append(fd)
        }
        return fds
    }

    /// A failed move into the sandbox's cgroup (by pid here, or a part's own: PendingChild).
    static func moveFailure(_ e: Errno, directory: String? = nil) -> HuskError {
        let hint = e == .noSpace ? " (a cpuset cgroup without CPUs or memory nodes)" : ""
        return HuskError("cannot move the sandbox into its cgroup\(directory.map { " " + $0 } ?? ""): \(e.description)\(hint)")
    }

    /// Whether a part must be moved in by a pid written to cgroup.procs (v2 placements, where a
    /// process cannot move itself into another domain through cgroup.threads).
    public var needsProcsJoin: Bool { placements.contains { $0.version == .v2 } }

    /// Moves a process (all its threads) into the sandbox's cgroup in every hierarchy, or in
    /// the v2 ones only (`v2Only`: the parts moved themselves into the v1 ones).
    public func join(pid: pid_t, v2Only: Bool = false) throws(HuskError) {
        for p in placements where !v2Only || p.version == .v2 {
            let d = p.sandboxDirectory
            do { try HostFS.write(d + "/cgroup.procs", String(pid)) } catch { throw Self.moveFailure(error, directory: d) }
        }
    }

    /// SIGKILLs everything in the directories (v1 has no cgroup.kill) until they are empty,
    /// then removes them (children first). Returns false if something could not be removed.
    @discardableResult
    public static func killAndRemove(_ dirs: [String], timeoutMillis: Int = 10_000) -> Bool {
        var all: [String] = []
        for d in dirs { all.append(contentsOf: subtree(d)) }   // deepest first
        CgroupFreezer.thaw(all)   // a paused sandbox: frozen tasks cannot die
        var waited = 0
        while true {
            var busy = false
            for d in all {
                let text = (try? HostFS.read(d + "/cgroup.procs")) ?? ""
                for line in text.split(separator: "\n") {
                    if let pid = pid_t(line), pid > 0 { busy = true; kill(pid, SIGKILL) }
                }
            }
            if !busy || waited >= timeoutMillis { break }
            usleep(5_000); waited += 5
        }
        var ok = true
        for d in all {
            // EBUSY while the last tasks are still being released: many sandboxes ending at once
            // (a density run) take seconds. The monitor is off everyone's critical path: wait.
            var waitedMillis = 0
            while rmdir(d) != 0 {
                let e = errno
                if e == ENOENT { break }
                if waitedMillis >= timeoutMillis || e != EBUSY { ok = false; break }
                usleep(5_000); waitedMillis += 5
            }
        }
        // The shared `husk` parent goes too once no sandbox uses it (EBUSY otherwise): a
        // leftover child cgroup would keep the caller's own cgroup from being removed.
        for d in dirs where d.split(separator: "/").dropLast().last == "husk" {
            rmdir(String(d[..<d.lastIndex(of: "/")!]))
        }
        return ok
    }

    /// Removes sandboxes' directories that a monitor killed before its clean-up left behind
    /// (SIGKILL from outside, a crash): siblings of `dirs` under each `husk` parent that hold no
    /// process anywhere below them and have not changed for `minimumAgeSeconds` (a sandbox being
    /// set up is younger; a live one always holds its Sentry). Only rmdir: a populated cgroup
    /// answers EBUSY and stays. At most `limit` per call, so one clean-up never runs long.
    public static func sweepStale(besides dirs: [String], minimumAgeSeconds: Int = 60, limit: Int = 64) {
        var removed = 0
        var parents: [String] = []
        for d in dirs where d.split(separator: "/").dropLast().last == "husk" {
            let parent = String(d[..<d.lastIndex(of: "/")!])
            if !parents.contains(parent) { parents.append(parent) }
        }
        let now = time(nil)
        for parent in parents {
            guard let dp = opendir(parent) else { continue }
            var candidates: [String] = []
            while let e = readdir(dp) {
                guard e.pointee.d_type == UInt8(DT_DIR) else { continue }
                let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
                // Sandbox ids are 12 hex digits (newSandboxID); nothing else here is ours.
                guard name.utf8.count == 12, name.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) else { continue }
                candidates.append(parent + "/" + name)
            }
            closedir(dp)
            for c in candidates where removed < limit {
                var st = stat()
                guard stat(c, &st) == 0, Int(now) - Int(st.st_mtim.tv_sec) >= minimumAgeSeconds else { continue }
                let tree = subtree(c)
                guard tree.allSatisfy({ ((try? HostFS.read($0 + "/cgroup.procs")) ?? "x").isEmpty }) else { continue }
                for d in tree { _ = rmdir(d) }
                removed += 1
            }
            _ = rmdir(parent)   // the shared parent, once nothing is left in it
        }
    }

    /// The directory and its cgroup subdirectories, deepest first.
    static func subtree(_ dir: String) -> [String] {
        guard let d = opendir(dir) else { return [dir] }
        var subs: [String] = []
        while let e = readdir(d) {
            guard e.pointee.d_type == UInt8(DT_DIR) else { continue }
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name == "." || name == ".." { continue }
            subs.append(dir + "/" + name)
        }
        closedir(d)
        return subs.flatMap { subtree($0) } + [dir]
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\n" || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\n" || c == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// A fresh sandbox id: 12 hex digits.
public func newSandboxID() -> String {
    var bytes = [UInt8](repeating: 0, count: 6)
    if bytes.withUnsafeMutableBytes({ chusk_getrandom_bytes($0) }) != 6 {
        let t = UInt64(getpid()) << 20 ^ UInt64(time(nil))
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: t >> (8 * i)) }
    }
    return bytes.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
}
