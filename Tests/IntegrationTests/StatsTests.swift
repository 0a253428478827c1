// husk run --stats and --stats-json: one line on exit, a JSON record, with the cgroup's
// counters (CPU, peak memory, page cache, block I/O) and the Sentry's served calls.
import Foundation
import Glibc
import Testing

@Suite("husk run --stats", .serialized)
struct StatsTests {
    @Test("--stats prints one line after the program's output: wall, CPU, memory, served calls")
    func statsLine() throws {
        let r = try Husk.run(["/bin/sh", "-c", "echo out; ls / > /dev/null"], options: ["--stats"])
        #expect(r.status == 0 && r.stdout == "out\n", "\(r)")
        let l = r.stderr.split(separator: "\n")
        #expect(l.count == 1, "\(r)")
        let line = String(l.first ?? "")
        #expect(line.hasPrefix("husk: stats: wall "), "\(r)")
        for part in ["cpu ", " user + ", "peak memory ", "page cache ", "block I/O ", "syscalls served ",
                     "native not counted", "unimplemented none", "OOM kills 0", "pids-limit events 0"] {
            #expect(line.contains(part), "\(part): \(line)")
        }
        // sh execs ls (a served execve) and ls reads / (getdents64).
        #expect(line.contains("execve") || line.contains("getdents64") || line.contains("openat"), "\(line)")
        // Without --stats nothing is printed.
        let quiet = try Husk.run(["/bin/true"])
        #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet)")
    }

    @Test("--stats-json of a program writing 100 MiB through a file (fsync): page cache and block I/O")
    func statsJSONWrite() throws {
        // A volume on a disk (ext4 under /var/tmp here), so the Gofer's writes reach a block device.
        var template = Array("/var/tmp/husk-stats-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        let dir = String(cString: try #require(made))
        defer { _ = system("rm -rf '\(dir)'") }
        let json = dir + ".json"
        defer { unlink(json) }
        let r = try Husk.run(["/bin/sh", "-c", "dd if=/dev/zero of=/data/f bs=1M count=100 conv=fsync 2>/dev/null && echo written"],
                             options: ["-v", "\(dir):/data", "--stats-json", json], timeout: 120)
        #expect(r.status == 0 && r.stdout == "written\n" && r.stderr.isEmpty, "\(r)")
        let data = try Data(contentsOf: URL(fileURLWithPath: json))
        let o = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let mib = Double(1 << 20)
        #expect((o["wall_seconds"] as? Double ?? 0) > 0, "\(o)")
        #expect((o["cpu_system_seconds"] as? Double ?? 0) > 0, "\(o)")
        // The file's pages were charged to the sandbox when the Gofer first wrote them.
        let cache = o["page_cache_bytes"] as? Double ?? 0
        #expect(cache >= 90 * mib, "page cache \(cache / mib) MiB: \(o)")
        let io = try #require(o["block_io"] as? [String: Any])
        let written = io["write_bytes"] as? Double ?? 0
        #expect(written >= 100 * mib, "written \(written / mib) MiB: \(io)")
        #expect((io["write_ops"] as? Double ?? 0) >= 1, "\(io)")
        #expect((o["memory_peak_bytes"] as? Double ?? 0) > 0, "\(o)")
        let calls = try #require(o["syscalls"] as? [String: Any])
        #expect((calls["served"] as? Double ?? 0) >= 100, "\(calls)")   // 100 writes of 1 MiB at least
        #expect(calls["native"] is NSNull, "\(calls)")
        let top = try #require(calls["top_served"] as? [[String: Any]])
        #expect(top.first?["name"] as? String == "write", "\(top)")
        #expect(o["oom_kills"] as? Double == 0 && o["pids_limit_events"] as? Double == 0, "\(o)")
    }

    @Test("--stats-json counts the OOM kill and the refused forks of the limits")
    func statsLimitEvents() throws {
        let json = "/tmp/husk-stats-limits-\(getpid()).json"
        defer { unlink(json) }
        let r = try Husk.run(["/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 1 & done; wait; true"],
                             options: ["--pids", "4", "--stats-json", json])
        #expect(r.stderr.contains("pids limit of 4 reached"), "\(r)")
        let o = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        #expect((o["pids_limit_events"] as? Double ?? 0) >= 1, "\(o)")
        let calls = try #require(o["syscalls"] as? [String: Any])
        #expect(calls["unimplemented"] is [Any], "\(calls)")
    }
}
