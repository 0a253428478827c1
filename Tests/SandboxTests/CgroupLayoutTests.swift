import Testing
@testable import Sandbox

@Suite("cgroup placement")
struct CgroupLayoutTests {
    // Laid out like the development VM: v1 per controller, memory nested, unified has only hugetlb.
    static let procSelfCgroup = """
    9:name=systemd:/
    8:pids:/
    7:blkio:/
    6:freezer:/
    5:devices:/
    4:memory:/process_api/f6e4
    3:cpuset:/
    2:cpuacct:/
    1:cpu:/
    0::/

    """
    static let mountinfo = """
    31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
    32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
    33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
    34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
    35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
    36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
    37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
    38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
    39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
    40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
    41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
    """

    @Test func v1PerControllerBelowOwnCgroup() {
        let plan = CgroupLayout.plan(membership: CgroupLayout.parseMembership(Self.procSelfCgroup),
                                     mounts: CgroupLayout.parseMounts(Self.mountinfo), v2Available: ["hugetlb"], id: "abc")
        #expect(plan.allSatisfy { $0.version == .v1 })
        let dirs = Dictionary(uniqueKeysWithValues: plan.map { ($0.controllers.joined(separator: ","), $0.sandboxDirectory) })
        #expect(dirs["memory"] == "/sys/fs/cgroup/memory/process_api/f6e4/husk/abc")
        #expect(dirs["pids"] == "/sys/fs/cgroup/pids/husk/abc")
        #expect(dirs["cpuset"] == "/sys/fs/cgroup/cpuset/husk/abc")
        #expect(Set(dirs.keys) == ["memory", "pids", "cpu", "cpuacct", "cpuset", "blkio", "freezer"])
        // devices and name=systemd are never used.
        #expect(!plan.contains { $0.ownDirectory.contains("devices") || $0.ownDirectory.contains("systemd") })
    }

    @Test func coMountedControllersShareOneDirectory() {
        let cg = "4:cpu,cpuacct:/user.slice/session-3.scope\n3:memory:/user.slice\n0::/user.slice/session-3.scope\n"
        let mi = """
        40 31 0:40 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
        41 31 0:41 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
        """
        let plan = CgroupLayout.plan(membership: CgroupLayout.parseMembership(cg), mounts: CgroupLayout.parseMounts(mi),
                                     v2Available: [], id: "x")
        #expect(plan.count == 2)
        let cpu = plan.first { $0.controllers.contains("cpu") }
        #expect(cpu?.controllers.sorted() == ["cpu", "cpuacct"])
        #expect(cpu?.sandboxDirectory == "/sys/fs/cgroup/cpu,cpuacct/user.slice/session-3.scope/husk/x")
    }

    @Test func v2WhenUnifiedOffersTheControllers() {
        let cg = "0::/user.slice/app.scope\n"
        let mi = "30 23 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n"
        let plan = CgroupLayout.plan(membership: CgroupLayout.parseMembership(cg), mounts: CgroupLayout.parseMounts(mi),
                                     v2Available: ["cpuset", "cpu", "io", "memory", "pids"], id: "y")
        #expect(plan.count == 1)
        #expect(plan.first?.version == .v2)
        #expect(plan.first?.controllers == ["memory", "pids", "cpu", "cpuset", "io"])
        #expect(plan.first?.sandboxDirectory == "/sys/fs/cgroup/user.slice/app.scope/husk/y")
    }

    @Test func mountRootIsStrippedAndInvisiblePathsSkipped() {
        // A cgroup namespace or bind mount showing /outer at the mount point.
        #expect(CgroupLayout.directory(of: "/outer/inner", mountPoint: "/sys/fs/cgroup/pids", mountRoot: "/outer")
                == "/sys/fs/cgroup/pids/inner")
        #expect(CgroupLayout.directory(of: "/outer", mountPoint: "/sys/fs/cgroup/pids", mountRoot: "/outer")
                == "/sys/fs/cgroup/pids")
        #expect(CgroupLayout.directory(of: "/other", mountPoint: "/sys/fs/cgroup/pids", mountRoot: "/outer") == nil)
        #expect(CgroupLayout.directory(of: "/", mountPoint: "/sys/fs/cgroup/pids", mountRoot: "/") == "/sys/fs/cgroup/pids")
    }

    @Test func mountinfoEscapes() {
        let mi = "50 31 0:50 / /mnt/with\\040space rw - cgroup cgroup rw,pids\n"
        #expect(CgroupLayout.parseMounts(mi).first?.mountPoint == "/mnt/with space")
    }
}
