// Pausing a sandbox (`husk pause`/`resume`, docs/oci.md): every process of its cgroup, the
// Sentry and the Gofer included, is frozen by the kernel: v1's freezer controller, or v2's
// cgroup.freeze. A frozen task cannot die, so whatever kills a sandbox thaws it first.

import Glibc
import SystemPackage

public enum CgroupFreezer {
    /// Freezes (or thaws) the sandbox and waits until the kernel says every task is.
    public static func set(_ placements: [CgroupPlacement], frozen: Bool, timeoutMillis: Int = 5000) throws(HuskError) {
        let file: String, request: String, done: (String) -> Bool
        if let p = placements.first(where: { $0.version == .v1 && $0.controllers.contains("freezer") }) {
            file = p.sandboxDirectory + "/freezer.state"
            request = frozen ? "FROZEN" : "THAWED"
            done = { $0.trimmingWhitespace == request }
        } else if let p = placements.first(where: { $0.version == .v2 }) {
            file = p.sandboxDirectory + "/cgroup.freeze"
            request = frozen ? "1" : "0"
            let events = p.sandboxDirectory + "/cgroup.events"
            done = { _ in ((try? HostFS.read(events)) ?? "").split(separator: "\n").contains(Substring("frozen " + request)) }
        } else {
            throw HuskError("pausing needs the freezer controller (cgroup v1) or a cgroup v2 hierarchy, and this sandbox has neither")
        }
        var waited = 0
        while true {
            // v1 may stop at FREEZING (a task in an uninterruptible wait): asking again retries.
            do throws(Errno) { try HostFS.write(file, request) } catch {
                throw HuskError("cannot \(frozen ? "freeze" : "thaw") the sandbox (\(file)): \(error)")
            }
            if done((try? HostFS.read(file)) ?? "") { return }
            if waited >= timeoutMillis {
                if frozen { try? HostFS.write(file, placements.first?.version == .v2 ? "0" : "THAWED") }
                throw HuskError("the sandbox did not \(frozen ? "freeze" : "thaw") within \(timeoutMillis / 1000) s")
            }
            usleep(1000); waited += 1
        }
    }

    /// Thaws every cgroup below `dirs` that is frozen (v1 freezer.state, v2 cgroup.freeze).
    public static func thaw(_ dirs: [String]) {
        for d in dirs {
            if let s = try? HostFS.read(d + "/freezer.state"), s.trimmingWhitespace != "THAWED" { try? HostFS.write(d + "/freezer.state", "THAWED") }
            if let s = try? HostFS.read(d + "/cgroup.freeze"), s.trimmingWhitespace == "1" { try? HostFS.write(d + "/cgroup.freeze", "0") }
        }
    }

    /// The host pids in the sandbox's cgroup (and its subdirectories), in order, minus `parts`.
    public static func processes(_ placements: [CgroupPlacement], excluding parts: Set<pid_t>) -> [pid_t] {
        guard let p = placements.first else { return [] }
        var pids = Set<pid_t>()
        for d in CgroupSet.subtree(p.sandboxDirectory) {
            for line in ((try? HostFS.read(d + "/cgroup.procs")) ?? "").split(separator: "\n") {
                if let pid = pid_t(line), !parts.contains(pid) { pids.insert(pid) }
            }
        }
        return pids.sorted()
    }
}
