import Glibc
import Testing
@testable import Sandbox

/// The cpu, cpuset and block I/O writers against fake cgroupfs trees (v1 and v2), and the
/// parsers behind --cpus, --cpu-shares, --cpuset-cpus, --device-*, --timeout.
@Suite("cgroup cpu, cpuset and io writers")
struct CgroupLimitsTests {
    static let limits = CgroupLimits(cpus: 0.5, cpuShares: 512, cpusetCpus: "0-1,3", deviceRates: [
        DeviceRate(kind: .readBps, major: 8, minor: 0, rate: 1 << 20),
        DeviceRate(kind: .writeIops, major: 8, minor: 0, rate: 100),
        DeviceRate(kind: .writeBps, major: 254, minor: 16, rate: 4096),
    ])

    @Test func v1WritesQuotaPeriodSharesCpusetAndThrottleFiles() throws {
        let t = try FakeCgroupTree(); defer { t.remove() }
        var placements: [CgroupPlacement] = []
        for c in ["cpu", "cpuset", "blkio"] {
            let p = CgroupPlacement(version: .v1, controllers: [c], ownDirectory: t.root + "/" + c, id: "s")
            try HostFS.mkdirIfMissing(p.ownDirectory); try HostFS.mkdirIfMissing(p.huskDirectory); try HostFS.mkdirIfMissing(p.sandboxDirectory)
            placements.append(p)
        }
        let files = Self.limits.files(for: placements[2]).map { "\($0.file)=\($0.value)" }
        #expect(files == ["blkio.throttle.read_bps_device=8:0 1048576", "blkio.throttle.write_iops_device=8:0 100",
                          "blkio.throttle.write_bps_device=254:16 4096"])
        // The period goes before the quota (a quota above the old period's limit is refused otherwise).
        #expect(Self.limits.files(for: placements[0]).map(\.file) == ["cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.shares"])
        // cgroupfs has every file from the start; the writers only open and write.
        for p in placements { for (f, _) in Self.limits.files(for: p) { try HostFS.create(p.sandboxDirectory + "/" + f) } }
        try Self.limits.write(to: placements)
        #expect(t.read("cpu/husk/s/cpu.cfs_period_us") == "100000")
        #expect(t.read("cpu/husk/s/cpu.cfs_quota_us") == "50000")
        #expect(t.read("cpu/husk/s/cpu.shares") == "512")
        #expect(t.read("cpuset/husk/s/cpuset.cpus") == "0-1,3")
        #expect(t.read("blkio/husk/s/blkio.throttle.read_bps_device") == "8:0 1048576")
        #expect(t.read("blkio/husk/s/blkio.throttle.write_iops_device") == "8:0 100")
        #expect(t.read("blkio/husk/s/blkio.throttle.write_bps_device") == "254:16 4096")
        #expect(t.read("cpu/husk/s/cpu.max") == nil)
    }

    @Test func v2WritesCpuMaxWeightCpusetAndIoMax() throws {
        let t = try FakeCgroupTree(); defer { t.remove() }
        let p = CgroupPlacement(version: .v2, controllers: ["cpu", "cpuset", "io"], ownDirectory: t.root, id: "u")
        try HostFS.mkdirIfMissing(p.huskDirectory); try HostFS.mkdirIfMissing(p.sandboxDirectory)
        let files = Self.limits.files(for: p).map { "\($0.file)=\($0.value)" }
        #expect(files == ["cpu.max=50000 100000", "cpu.weight=20", "cpuset.cpus=0-1,3",
                          "io.max=8:0 rbps=1048576 wiops=100", "io.max=254:16 wbps=4096"])
        for (f, _) in files.map({ ($0.split(separator: "=")[0], 0) }) { try HostFS.create(p.sandboxDirectory + "/" + f) }
        try Self.limits.write(to: [p])
        #expect(t.read("husk/u/cpu.max") == "50000 100000")
        #expect(t.read("husk/u/cpu.weight") == "20")
        #expect(t.read("husk/u/cpuset.cpus") == "0-1,3")
        // A plain file keeps the last write; cgroupfs takes each line as one device's settings.
        #expect(t.read("husk/u/io.max") == "254:16 wbps=4096")
        #expect(t.read("husk/u/cpu.cfs_quota_us") == nil)
    }

    @Test func limitWithoutItsControllerIsAnError() {
        let p = CgroupPlacement(version: .v1, controllers: ["memory"], ownDirectory: "/nonexistent", id: "z")
        #expect(throws: HuskError.self) { try CgroupLimits(cpus: 1).write(to: [p]) }
        #expect(throws: HuskError.self) { try CgroupLimits(cpuShares: 100).write(to: [p]) }
        #expect(throws: HuskError.self) { try CgroupLimits(cpusetCpus: "0").write(to: [p]) }
        #expect(throws: HuskError.self) {
            try CgroupLimits(deviceRates: [DeviceRate(kind: .readBps, major: 8, minor: 0, rate: 1)]).write(to: [p])
        }
    }

    @Test func v2PlanNamesIoAndFoldsCpuacct() {
        let cg = "0::/a\n"
        let mi = "30 23 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
        let plan = CgroupLayout.plan(membership: CgroupLayout.parseMembership(cg), mounts: CgroupLayout.parseMounts(mi),
                                     v2Available: ["cpu", "io", "pids"], wanted: ["cpu", "cpuacct", "blkio", "pids"], id: "q")
        #expect(plan.count == 1)
        #expect(plan.first?.controllers == ["cpu", "io", "pids"])
    }

    @Test func cpusParsing() {
        #expect(CgroupLimits.parseCpus("0.5") == 0.5)
        #expect(CgroupLimits.parseCpus("2") == 2)
        #expect(CgroupLimits.parseCpus("0.01") == 0.01)
        #expect(CgroupLimits.parseCpus("0.001") == nil)   // quota below 1 ms
        #expect(CgroupLimits.parseCpus("0") == nil)
        #expect(CgroupLimits.parseCpus("-1") == nil)
        #expect(CgroupLimits.parseCpus("nan") == nil)
        #expect(CgroupLimits.parseCpus("two") == nil)
    }

    @Test func sharesToWeightMatchesRunc() {
        #expect(CgroupLimits.weight(fromShares: 2) == 1)
        #expect(CgroupLimits.weight(fromShares: 1024) == 39)
        #expect(CgroupLimits.weight(fromShares: 262_144) == 10_000)
    }

    @Test func cpuLists() {
        for ok in ["0", "0-3", "0,2-3", "1,5,7-9"] { #expect(CgroupLimits.isCpuList(ok), "\(ok)") }
        for bad in ["", "a", "3-1", "0,", "-1", "0--2", "0-1-2"] { #expect(!CgroupLimits.isCpuList(bad), "\(bad)") }
    }

    @Test func deviceRates() throws {
        let a = try DeviceRate.parse("8:0:1m", kind: .writeBps).get()
        #expect(a == DeviceRate(kind: .writeBps, major: 8, minor: 0, rate: 1 << 20))
        let b = try DeviceRate.parse("259:3:250", kind: .readIops).get()
        #expect(b.device == "259:3" && b.rate == 250)
        // A path: its st_rdev (/dev/loop0 may not exist; find any block device under /dev).
        if let dev = ["/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/loop0"].first(where: { p in
            var st = stat(); return stat(p, &st) == 0 && st.st_mode & S_IFMT == S_IFBLK }) {
            var st = stat(); _ = stat(dev, &st)
            let r = try DeviceRate.parse(dev + ":4k", kind: .readBps).get()
            #expect(r.major == UInt32(truncatingIfNeeded: (UInt64(st.st_rdev) >> 8) & 0xfff))
            #expect(r.rate == 4096)
        }
        for bad in ["8:0", "8:0:0", "8:0:-1", "x:0:1m", "/dev/null:1m", "/no/such/dev:1m", "1m"] {
            #expect(throws: HuskError.self, "\(bad)") { try DeviceRate.parse(bad, kind: .readBps).get() }
        }
        #expect(throws: HuskError.self) { try DeviceRate.parse("8:0:1m", kind: .writeIops).get() }   // iops are counts
    }

    @Test func durations() {
        #expect(RunOptions.parseDuration("10s") == 10_000)
        #expect(RunOptions.parseDuration("500ms") == 500)
        #expect(RunOptions.parseDuration("2m") == 120_000)
        #expect(RunOptions.parseDuration("1h") == 3_600_000)
        #expect(RunOptions.parseDuration("1.5s") == 1_500)
        #expect(RunOptions.parseDuration("30") == 30_000)
        for bad in ["", "s", "0", "0s", "-1s", "+1s", "10x", "ms", "inf"] { #expect(RunOptions.parseDuration(bad) == nil, "\(bad)") }
        #expect(RunOptions.describeDuration(10_000) == "10s")
        #expect(RunOptions.describeDuration(120_000) == "2m")
        #expect(RunOptions.describeDuration(1_500) == "1500ms")
    }

    @Test func sentryGetsTheMemoryLimit() {
        var s = SentryArguments(argv: ["/bin/true"], env: [])
        s.memoryLimit = 64 << 20
        #expect(s.arguments.contains("--memory-limit"))
        #expect(SentryArguments.parse(ArraySlice(s.arguments.dropFirst())) == s)
    }
    @Test("husk update's line: every limit survives encode and decode; malformed words are refused")
    func updateLine() {
        var l = Self.limits
        l.memoryBytes = 64 << 20
        l.pids = 77
        #expect(CgroupLimits.decode(l.encoded) == l)
        #expect(CgroupLimits.decode("") == CgroupLimits())
        for bad in ["mem=0", "mem=x", "pids=-1", "cpus=inf", "shares=1", "cpuset=a-b", "rate=9:8:0:1", "rate=0:8:0", "size=1", "mem"] {
            #expect(CgroupLimits.decode(bad) == nil, "\(bad)")
        }
    }
}
