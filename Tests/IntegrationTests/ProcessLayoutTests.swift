// The Gofer and the Sentry are separate host processes in namespaces of their own, and the
// program runs below the Sentry, never below the Gofer.
import Foundation
import Glibc
import Testing

/// A snapshot of the host's /proc: parent and argv of every process.
struct ProcessTable {
    var parent: [pid_t: pid_t] = [:]
    var argv: [pid_t: [String]] = [:]
    var comm: [pid_t: String] = [:]

    init() {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = pid_t(entry) else { continue }
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // "pid (comm) state ppid ...": comm may hold spaces, so parse after the last ')'.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, let ppid = pid_t(fields[1]) else { continue }
            parent[pid] = ppid
            if let open = stat.firstIndex(of: "(") { comm[pid] = String(stat[stat.index(after: open)..<close]) }
            let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            argv[pid] = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    func isDescendant(_ pid: pid_t, of ancestor: pid_t) -> Bool {
        var p = pid
        for _ in 0..<64 {
            guard let pp = parent[p], pp > 0 else { return false }
            if pp == ancestor { return true }
            p = pp
        }
        return false
    }

    func descendants(of ancestor: pid_t) -> [pid_t] {
        parent.keys.filter { isDescendant($0, of: ancestor) }.sorted()
    }

    /// The husk processes started as `husk <role> ...` below `ancestor`.
    func role(_ role: String, below ancestor: pid_t) -> [pid_t] {
        descendants(of: ancestor).filter { (argv[$0] ?? []).dropFirst().first == role }
    }

    func describe(below ancestor: pid_t) -> String {
        descendants(of: ancestor).map { "\($0) <- \(parent[$0] ?? 0): \((argv[$0] ?? []).joined(separator: " "))" }
            .joined(separator: "\n")
    }
}

func namespace(_ kind: String, of pid: pid_t) -> String? {
    var buf = [CChar](repeating: 0, count: 256)
    let n = readlink("/proc/\(pid)/ns/\(kind)", &buf, buf.count - 1)
    return n > 0 ? String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
}

@Suite("Process layout", .serialized)
struct ProcessLayoutTests {
    @Test("Gofer and Sentry are separate processes; the program runs below the Sentry")
    func goferAndSentryAreSeparate() throws {
        let husk = try Spawned([try Husk.require(), "run", "--", "/bin/sleep", "3"], env: Husk.defaultEnvironment)
        var table = ProcessTable()
        var gofers: [pid_t] = [], sentries: [pid_t] = [], sleepers: [pid_t] = []
        var richest = ""          // the fullest tree seen, for the failure messages
        var richestCount = -1
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            table = ProcessTable()
            let below = table.descendants(of: husk.pid).count
            if below > richestCount { richestCount = below; richest = table.describe(below: husk.pid) }
            gofers = table.role("gofer", below: husk.pid)
            sentries = table.role("sentry", below: husk.pid)
            sleepers = table.descendants(of: husk.pid).filter { table.argv[$0]?.first?.hasSuffix("sleep") == true }
            if !gofers.isEmpty && !sentries.isEmpty && !sleepers.isEmpty { break }
            usleep(50_000)
        }
        let tree = richest
        // Namespaces are read while the processes live.
        let kinds = ["mnt", "pid"]
        let mine = kinds.map { namespace($0, of: getpid()) }
        let goferNS = kinds.map { kind in gofers.first.flatMap { namespace(kind, of: $0) } }
        let sentryNS = kinds.map { kind in sentries.first.flatMap { namespace(kind, of: $0) } }
        let result = husk.wait(timeout: 30)
        #expect(result.status == 0, "husk run -- /bin/sleep 3: \(result)")

        #expect(gofers.count == 1, "one `husk gofer` process below husk run:\n\(tree)")
        #expect(sentries.count == 1, "one `husk sentry` process below husk run:\n\(tree)")
        guard let gofer = gofers.first, let sentry = sentries.first else { return }
        #expect(gofer != sentry)
        #expect(!table.isDescendant(gofer, of: sentry), "the Gofer must not run below the Sentry:\n\(tree)")
        #expect(!table.isDescendant(sentry, of: gofer), "the Sentry must not run below the Gofer:\n\(tree)")
        #expect(sleepers.count == 1, "the program appears once:\n\(tree)")
        if let sleeper = sleepers.first {
            #expect(table.isDescendant(sleeper, of: sentry), "the program runs below the Sentry:\n\(tree)")
            #expect(!table.isDescendant(sleeper, of: gofer))
        }
        // Fresh namespaces: neither shares the test's mount or PID namespace, nor each other's.
        for (i, kind) in kinds.enumerated() {
            #expect(goferNS[i] != nil && sentryNS[i] != nil, "readable \(kind) namespaces")
            #expect(goferNS[i] != mine[i], "the Gofer has its own \(kind) namespace")
            #expect(sentryNS[i] != mine[i], "the Sentry has its own \(kind) namespace")
            #expect(goferNS[i] != sentryNS[i], "Gofer and Sentry do not share the \(kind) namespace")
        }
    }

    @Test("the parts and the program are in the sandbox's cgroup; the Sentry's cgroup namespace is rooted there")
    func cgroupPlacement() throws {
        let husk = try Spawned([try Husk.require(), "run", "--", "/bin/sleep", "3"], env: Husk.defaultEnvironment)
        var table = ProcessTable(), parts: [pid_t] = [], sleeper: pid_t? = nil, sentry: pid_t? = nil
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            table = ProcessTable()
            sentry = table.role("sentry", below: husk.pid).first
            parts = table.role("gofer", below: husk.pid) + (sentry.map { [$0] } ?? [])
            sleeper = table.descendants(of: husk.pid).first { table.argv[$0]?.first?.hasSuffix("sleep") == true }
            if parts.count == 2 && sleeper != nil { break }
            usleep(50_000)
        }
        /// The memory controller's line of /proc/PID/cgroup as `reader` sees it (nil: the test's own view).
        func memoryCgroup(_ pid: pid_t, seenFrom reader: pid_t? = nil) throws -> String {
            let cat = ["/bin/cat", "/proc/\(pid)/cgroup"]
            let argv = reader.map { ["/usr/bin/nsenter", "--cgroup=/proc/\($0)/ns/cgroup"] + cat } ?? cat
            let r = try IntegrationTests.run(argv)
            let l = lines(r.stdout)
            // v1's memory hierarchy, else the unified one.
            let line = l.first { $0.split(separator: ":").dropFirst().first?.split(separator: ",").contains("memory") == true }
                ?? l.first { $0.hasPrefix("0::") }
            return line.map { String($0.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).last ?? "") } ?? "(none: \(r))"
        }
        let sentryPid = try #require(sentry, "\(table.describe(below: husk.pid))")
        let program = try #require(sleeper, "\(table.describe(below: husk.pid))")
        let sandbox = try memoryCgroup(program)
        #expect(sandbox.split(separator: "/").dropLast().last == "husk", "the program is in husk/<id>: \(sandbox)")
        for p in parts { #expect(try memoryCgroup(p) == sandbox, "part \(p) in the sandbox's cgroup") }
        // Seen from the Sentry's cgroup namespace, the sandbox's cgroup is its root.
        #expect(try memoryCgroup(program, seenFrom: sentryPid) == "/")
        #expect(namespace("cgroup", of: sentryPid) != namespace("cgroup", of: getpid()))
        #expect(husk.wait(timeout: 30).status == 0)
    }
}
