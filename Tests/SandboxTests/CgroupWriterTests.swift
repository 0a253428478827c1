import Glibc
import Testing
@testable import Sandbox

/// A temporary directory laid out like cgroupfs (plain files: the writers only open and write).
struct FakeCgroupTree {
    let root: String
    init() throws {
        var template = Array("/tmp/husk-cgtest-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw HuskError("mkdtemp failed") }
        root = String(cString: p)
    }
    func file(_ rel: String, _ text: String = "") throws {
        if let slash = rel.lastIndex(of: "/") { try HostFS.mkdirIfMissing(root + "/" + rel[..<slash]) }
        try HostFS.create(root + "/" + rel, text)
    }
    func read(_ rel: String) -> String? { try? HostFS.read(root + "/" + rel) }
    func remove() { _ = system("rm -rf '\(root)'") }
}

@Suite("cgroup writers")
struct CgroupWriterTests {
    @Test func sizes() {
        #expect(CgroupLimits.parseSize("512m") == 512 << 20)
        #expect(CgroupLimits.parseSize("1G") == 1 << 30)
        #expect(CgroupLimits.parseSize("2GiB") == 2 << 30)
        #expect(CgroupLimits.parseSize("64k") == 64 << 10)
        #expect(CgroupLimits.parseSize("4096") == 4096)
        #expect(CgroupLimits.parseSize("0") == nil)
        #expect(CgroupLimits.parseSize("lots") == nil)
        #expect(CgroupLimits.parseSize("99999999999t") == nil)
    }

    @Test func v2WriterUsesUnifiedFiles() throws {
        let t = try FakeCgroupTree(); defer { t.remove() }
        let p = CgroupPlacement(version: .v2, controllers: ["memory", "pids"], ownDirectory: t.root, id: "s1")
        try HostFS.mkdirIfMissing(p.huskDirectory); try HostFS.mkdirIfMissing(p.sandboxDirectory)
        try t.file("husk/s1/memory.max", "max"); try t.file("husk/s1/pids.max", "max")
        try CgroupLimits(memoryBytes: 256 << 20, pids: 64).write(to: [p])
        #expect(t.read("husk/s1/memory.max") == "268435456")
        #expect(t.read("husk/s1/pids.max") == "64")
    }

    @Test func v1WriterUsesLegacyFiles() throws {
        let t = try FakeCgroupTree(); defer { t.remove() }
        let mem = CgroupPlacement(version: .v1, controllers: ["memory"], ownDirectory: t.root + "/memory", id: "s2")
        let pids = CgroupPlacement(version: .v1, controllers: ["pids"], ownDirectory: t.root + "/pids", id: "s2")
        for p in [mem, pids] {
            try HostFS.mkdirIfMissing(p.ownDirectory); try HostFS.mkdirIfMissing(p.huskDirectory); try HostFS.mkdirIfMissing(p.sandboxDirectory)
        }
        try t.file("memory/husk/s2/memory.limit_in_bytes"); try t.file("pids/husk/s2/pids.max")
        try CgroupLimits(memoryBytes: 1 << 20, pids: 5).write(to: [mem, pids])
        #expect(t.read("memory/husk/s2/memory.limit_in_bytes") == "1048576")
        #expect(t.read("pids/husk/s2/pids.max") == "5")
    }

    @Test("a limit the kernel refuses is one sentence naming the flag and why")
    func refusalSentences() throws {
        let t = try FakeCgroupTree(); defer { t.remove() }
        let p = CgroupPlacement(version: .v1, controllers: ["cpuset", "cpu", "blkio", "memory", "pids"], ownDirectory: t.root, id: "s")
        try t.file("husk/cpuset.cpus", "0\n")
        let l = CgroupLimits(cpus: 1.5, deviceRates: [DeviceRate(kind: .readBps, major: 254, minor: 1, rate: 1)])
        #expect(l.refusal(file: "cpuset.cpus", value: "1", in: p, .invalidArgument)
                == "--cpuset-cpus 1: husk run's cgroup may only use CPUs 0 (cpuset.cpus of \(t.root)), and a sandbox's CPUs must be among them")
        #expect(l.refusal(file: "cpu.cfs_quota_us", value: "150000", in: p, .invalidArgument)
                == "--cpus 1.5: more CPU time than husk run's cgroup (\(t.root)) or one of its ancestors allows (cfs quota)")
        #expect(l.refusal(file: "blkio.throttle.read_bps_device", value: "254:1 1", in: p, .operationNotSupportedByDevice)
                .hasPrefix("--device-read-bps 254:1: the kernel cannot throttle block device 254:1"))
        #expect(l.refusal(file: "memory.limit_in_bytes", value: "4096", in: p, .resourceBusy)
                == "--memory 4096 bytes: less than the sandbox already uses, and the kernel could not reclaim it")
        // Through write(to:): a pids.max that cannot be written (a directory here).
        try HostFS.mkdirIfMissing(p.sandboxDirectory)
        try HostFS.mkdirIfMissing(p.sandboxDirectory + "/pids.max")
        do {
            try CgroupLimits(pids: 5).write(to: [p])
            Issue.record("the write should have failed")
        } catch {
            #expect(error.message == "--pids 5: the kernel refused pids.max = 5 (Is a directory)", "\(error.message)")
        }
    }

    @Test func limitWithoutItsControllerIsAnError() {
        let p = CgroupPlacement(version: .v1, controllers: ["cpu"], ownDirectory: "/nonexistent", id: "z")
        #expect(throws: HuskError.self) { try CgroupLimits(memoryBytes: 1 << 20).write(to: [p]) }
        #expect(throws: HuskError.self) { try CgroupLimits(pids: 3).write(to: [p]) }
    }

    @Test func createCopiesCpusetFromTheParent() throws {
        let t = try FakeCgroupTree(); defer { t.remove() }
        try t.file("cpuset.cpus", "0-1\n"); try t.file("cpuset.mems", "0\n")
        let p = CgroupPlacement(version: .v1, controllers: ["cpuset"], ownDirectory: t.root, id: "c1")
        // A real cgroupfs creates these files empty with the directory; pre-create the husk level.
        try HostFS.mkdirIfMissing(p.huskDirectory)
        try t.file("husk/cpuset.cpus"); try t.file("husk/cpuset.mems")
        _ = try? CgroupSet.create([p])   // the new leaf has no files on a plain fs: copy creates none
        #expect(t.read("husk/cpuset.cpus") == "0-1")
        #expect(t.read("husk/cpuset.mems") == "0")
    }

    @Test func removeOnlyTakesTheSandboxAndAnEmptyHuskDirectory() throws {
        let t = try FakeCgroupTree(); defer { t.remove() }
        let a = CgroupPlacement(version: .v1, controllers: ["pids"], ownDirectory: t.root, id: "a")
        let b = CgroupPlacement(version: .v1, controllers: ["pids"], ownDirectory: t.root, id: "b")
        for d in [a.huskDirectory, a.sandboxDirectory, b.sandboxDirectory, a.sandboxDirectory + "/nested"] {
            try HostFS.mkdirIfMissing(d)
        }
        #expect(CgroupSet.killAndRemove([a.sandboxDirectory], timeoutMillis: 100))
        #expect(!HostFS.exists(a.sandboxDirectory))
        #expect(HostFS.exists(b.sandboxDirectory))          // another sandbox's: untouched
        #expect(HostFS.exists(a.huskDirectory))             // still used by b
        #expect(CgroupSet.killAndRemove([b.sandboxDirectory], timeoutMillis: 100))
        #expect(!HostFS.exists(a.huskDirectory))            // empty now: removed
        #expect(HostFS.exists(t.root))
    }
}

@Suite("limit report")
struct LimitReportTests {
    @Test("OOM kills (v1 oom_control, v2 memory.events) and pids.events max, one line each")
    func lines() throws {
        let t = try FakeCgroupTree()
        defer { t.remove() }
        try t.file("mem/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
        try t.file("mem/memory.limit_in_bytes", "67108864\n")
        try t.file("pids/pids.events", "max 5\n")
        try t.file("pids/pids.max", "64\n")
        let l = LimitReport.lines(directories: [t.root + "/mem", t.root + "/pids"])
        #expect(l == ["memory limit of 64 MiB reached: the kernel killed 2 processes of the sandbox (OOM)",
                      "pids limit of 64 reached: 5 forks or clones failed with EAGAIN"])
        try t.file("v2/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
        try t.file("v2/memory.max", "max\n")
        #expect(LimitReport.lines(directories: [t.root + "/v2"]) == ["memory limit reached: the kernel killed 1 process of the sandbox (OOM)"])
        try t.file("quiet/pids.events", "max 0\n")
        #expect(LimitReport.lines(directories: [t.root + "/quiet"]).isEmpty)
    }
}
