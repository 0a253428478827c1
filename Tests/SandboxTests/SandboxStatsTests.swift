import Glibc
import Testing
@testable import Sandbox

/// A fake cgroup tree holding `files` (relative path: contents), directories made as needed.
private func fakeTree(_ files: KeyValuePairs<String, String>) throws -> FakeCgroupTree {
    let t = try FakeCgroupTree()
    for (rel, text) in files {
        var path = t.root
        for name in rel.split(separator: "/").dropLast() { path += "/" + name; try HostFS.mkdirIfMissing(path) }
        try t.file(rel, text)
    }
    return t
}

@Suite("--stats: the cgroup counters and the Sentry's record")
struct SandboxStatsTests {
    @Test("v2: cpu.stat, memory.peak, memory.stat file, io.stat, memory.events, pids.events")
    func v2FakeTree() throws {
        let t = try fakeTree([
            "husk/s1/cpu.stat": "usage_usec 30000\nuser_usec 20000\nsystem_usec 10000\n",
            "husk/s1/memory.peak": "8388608\n",
            "husk/s1/memory.stat": "anon 4096\nfile 104857600\nkernel 8192\nfile_mapped 0\n",
            "husk/s1/io.stat": "254:0 rbytes=4096 wbytes=104857600 rios=1 wios=25 dbytes=0 dios=0\n8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n",
            "husk/s1/memory.events": "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n",
            "husk/s1/pids.events": "max 2\n"
        ]); defer { t.remove() }
        let p = CgroupPlacement(version: .v2, controllers: ["memory", "pids", "cpu", "io"], ownDirectory: t.root, id: "s1")
        var s = SandboxStats()
        s.readCgroups([p])
        #expect(s.cgroupVersion == "v2")
        #expect(s.userSeconds == 0.02 && s.systemSeconds == 0.01)
        #expect(s.peakMemoryBytes == 8 << 20)
        #expect(s.pageCacheBytes == 100 << 20)
        #expect(s.readBytes == 8192 && s.writeBytes == 100 << 20 && s.readOps == 2 && s.writeOps == 25)
        #expect(s.oomKills == 1 && s.pidsLimitEvents == 2)
        #expect(s.line.contains("page cache 100.0 MiB"), "\(s.line)")
        #expect(s.line.contains("written 100.0 MiB in 25 ops"), "\(s.line)")
        #expect(s.line.contains("OOM kills 1, pids-limit events 2"), "\(s.line)")
    }

    @Test("v1: cpuacct.usage_user/_sys, max_usage_in_bytes, memory.stat cache, blkio throttle files")
    func v1FakeTree() throws {
        let t = try fakeTree([
            "cpuacct/husk/s2/cpuacct.usage_user": "1500000000\n",
            "cpuacct/husk/s2/cpuacct.usage_sys": "250000000\n",
            "memory/husk/s2/memory.max_usage_in_bytes": "4194304\n",
            "memory/husk/s2/memory.stat": "cache 2097152\nrss 1048576\ntotal_cache 9999\n",
            "memory/husk/s2/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
            "blkio/husk/s2/blkio.throttle.io_service_bytes": "254:0 Read 512\n254:0 Write 1048576\n254:0 Sync 1048576\n254:0 Total 1049088\nTotal 1049088\n",
            "blkio/husk/s2/blkio.throttle.io_serviced": "254:0 Read 1\n254:0 Write 4\n254:0 Total 5\nTotal 5\n",
            "pids/husk/s2/pids.events": "max 0\n"
        ]); defer { t.remove() }
        func place(_ c: String) -> CgroupPlacement {
            CgroupPlacement(version: .v1, controllers: [c], ownDirectory: t.root + "/" + c, id: "s2")
        }
        var s = SandboxStats()
        s.readCgroups(["cpuacct", "memory", "blkio", "pids"].map(place))
        #expect(s.cgroupVersion == "v1")
        #expect(s.userSeconds == 1.5 && s.systemSeconds == 0.25)
        #expect(s.peakMemoryBytes == 4 << 20 && s.pageCacheBytes == 2 << 20)
        #expect(s.readBytes == 512 && s.writeBytes == 1 << 20 && s.readOps == 1 && s.writeOps == 4)
        #expect(s.oomKills == 0 && s.pidsLimitEvents == 0)
    }

    @Test("no cgroup: every cgroup figure is n/a in the line and null in the JSON")
    func noCgroup() {
        var s = SandboxStats()
        s.readCgroups([])
        #expect(s.line.contains("peak memory n/a") && s.line.contains("block I/O n/a"), "\(s.line)")
        #expect(s.json.contains("\"memory_peak_bytes\":null") && s.json.contains("\"cgroup\":\"none\""), "\(s.json)")
    }

    @Test("the Sentry's record names the served and unimplemented calls; the top list is by count")
    func sentryRecord() {
        var s = SandboxStats()
        s.readSentryRecord(ArraySlice("served 0:5,1:7,257:7,59:1;unimplemented 335:2\n".utf8))
        #expect(s.served == ["read": 5, "write": 7, "openat": 7, "execve": 1])
        #expect(s.servedTotal == 20)
        #expect(s.topServed(2).map(\.name) == ["openat", "write"])
        #expect(s.unimplemented.count == 1 && s.unimplemented.values.first == 2)
        #expect(s.line.contains("syscalls served 20 (openat×7 write×7 read×5 execve×1), native not counted"), "\(s.line)")
        #expect(s.json.contains("\"served\":20,\"native\":null"), "\(s.json)")
    }

    @Test("durations and sizes in the line")
    func formatting() {
        #expect(SandboxStats.seconds(0.0123) == "12.3 ms")
        #expect(SandboxStats.seconds(1.256) == "1.26 s")
        #expect(SandboxStats.seconds(2.05) == "2.05 s")
        #expect(SandboxStats.bytes(512) == "512 B")
        #expect(SandboxStats.bytes(1536) == "1.5 KiB")
        #expect(format6(0.5) == "0.500000")
    }
}
