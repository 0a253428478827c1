// Escape suite, confinement of the parts: read from the host's /proc while a sandbox runs.
// Each check says what held.
import Foundation
import Glibc
import Testing

/// "Key:\tvalue" fields of /proc/PID/status.
func procStatus(_ pid: pid_t) -> [String: String] {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return [:] }
    var out: [String: String] = [:]
    for line in text.split(separator: "\n") {
        guard let colon = line.firstIndex(of: ":") else { continue }
        out[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return out
}

func hostFDs(_ pid: pid_t) -> [Int] {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).compactMap { Int($0) }.sorted()
}

@Suite("Escape: confinement of the Sentry, the Gofer and the tasks", .serialized)
struct EscapeConfinementTests {
    @Test("Sentry: CAP_KILL+CAP_SYS_PTRACE only, not dumpable, NO_NEW_PRIVS, filter; Gofer: CAP_DAC_READ_SEARCH only, not dumpable, filter; task: another uid, no capability, NO_NEW_PRIVS, filter, host fds 1000/1001 only, no /proc in its mount namespace")
    func partsAreConfined() throws {
        let husk = try Spawned([try Husk.require(), "run", "--", "/bin/sleep", "3"], env: Husk.defaultEnvironment)
        var sentry: pid_t = 0, gofer: pid_t = 0, task: pid_t = 0
        var s: [String: String] = [:], g: [String: String] = [:], t: [String: String] = [:]
        var taskFDs: [Int] = []
        var mounts: [String] = []
        var sentryDumpable = true, goferDumpable = true
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            let table = ProcessTable()
            sentry = table.role("sentry", below: husk.pid).first ?? 0
            gofer = table.role("gofer", below: husk.pid).first ?? 0
            task = sentry > 0 ? (table.descendants(of: sentry).first ?? 0) : 0
            if sentry > 0 && gofer > 0 && task > 0 {
                s = procStatus(sentry); g = procStatus(gofer); t = procStatus(task); taskFDs = hostFDs(task)
                // The Sentry locks down once the first task exists: wait for it. A file mapping
                // installs a host fd for a moment (every fd call is served, so the program cannot
                // reach it): wait for the steady state too.
                if s["Seccomp"] == "2" && t["Seccomp"] == "2" && taskFDs == [1000, 1001] {
                    mounts = ((try? String(contentsOfFile: "/proc/\(task)/mountinfo", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
                    sentryDumpable = Self.dumpable(sentry)
                    goferDumpable = Self.dumpable(gofer)
                    break
                }
            }
            usleep(20_000)
        }
        let result = husk.wait(timeout: 30)
        #expect(result.status == 0, "\(result)")
        #expect(sentry > 0 && gofer > 0 && task > 0, "found the Sentry, the Gofer and the task")
        let zero = "0000000000000000"
        for key in ["CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb"] {
            // Its tasks run under another uid: it keeps CAP_KILL and CAP_SYS_PTRACE for them.
            let sentryCaps = key == "CapInh" || key == "CapAmb" ? zero : "0000000000080020"
            #expect(s[key] == sentryCaps, "Sentry \(key) = \(s[key] ?? "?")")
            #expect(t[key] == zero, "task \(key) = \(t[key] ?? "?")")
        }
        #expect(t["Uid"] == "2147483646\t2147483646\t2147483646\t2147483646", "the task runs under its own host uid: \(t["Uid"] ?? "?")")
        #expect(t["Gid"] == "2147483646\t2147483646\t2147483646\t2147483646" && t["Groups"] == "", "and gid, no groups")
        #expect(s["Uid"]?.hasPrefix("0\t") == true)
        #expect(g["CapEff"] == "0000000000000004" && g["CapBnd"] == "0000000000000004",
                "Gofer keeps CAP_DAC_READ_SEARCH only: eff \(g["CapEff"] ?? "?") bnd \(g["CapBnd"] ?? "?")")
        for (name, st) in [("Sentry", s), ("Gofer", g), ("task", t)] {
            #expect(st["NoNewPrivs"] == "1", "\(name) NoNewPrivs")
            #expect(st["Seccomp"] == "2", "\(name) runs under a seccomp filter")
        }
        #expect(taskFDs == [1000, 1001], "the task's host fd table holds only what the Sentry put there: \(taskFDs)")
        #expect(mounts.count == 1 && mounts.first?.contains(" / / ro,") == true && !mounts.contains { $0.contains(" proc ") },
                "the task's mount namespace holds only the read-only empty root, no /proc: \(mounts)")
        #expect(!sentryDumpable && !goferDumpable, "a capability-less process of the same uid cannot open the Sentry's (\(sentryDumpable)) or the Gofer's (\(goferDumpable)) /proc/PID/environ")
    }

    /// Whether a process of uid 0 without any capability may open /proc/PID/environ: only when
    /// PID is dumpable (ptrace_may_access).
    static func dumpable(_ pid: pid_t) -> Bool {
        guard let r = try? run(["/usr/bin/setpriv", "--bounding-set=-all", "--inh-caps=-all", "/bin/cat", "/proc/\(pid)/environ"], timeout: 10) else { return true }
        return r.status == 0
    }
}
