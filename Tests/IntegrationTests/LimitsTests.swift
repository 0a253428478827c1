// Resource limits on this VM's cgroup v1: --cpus throttles a CPU-bound loop, --cpuset-cpus
// narrows the CPUs the program sees, --memory shows in sysinfo and /proc/meminfo, --cpu-shares
// and the --device-* throttles land in the sandbox's cgroup files; --timeout ends the program.
import Foundation
import Glibc
import Testing

@Suite("Limits", .serialized)
struct LimitsTests {
    /// CPU time over wall time of a 2-second busy loop inside the sandbox.
    static let busy = """
    import time
    w = time.monotonic(); c = time.process_time()
    while time.monotonic() - w < 2: pass
    print(round((time.process_time() - c) / (time.monotonic() - w), 3))
    """

    func cpuShare(_ options: [String]) throws -> Double {
        let r = try Husk.run(["/usr/bin/python3", "-c", Self.busy], options: options, timeout: 60)
        #expect(r.status == 0, "\(r)")
        return Double(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    @Test("--cpus 0.5 halves a CPU-bound loop's share of one CPU, --cpus 0.25 quarters it")
    func cpusQuota() throws {
        let free = try cpuShare([])
        let half = try cpuShare(["--cpus", "0.5"])
        let quarter = try cpuShare(["--cpus", "0.25"])
        // The quota caps the share from above (a little over for the period edges); a loaded
        // machine may give less, so only the upper bounds and a floor are firm.
        #expect(half > 0.15 && half <= 0.6, "--cpus 0.5: \(half) of a CPU (unlimited: \(free))")
        #expect(quarter > 0.08 && quarter <= 0.33, "--cpus 0.25: \(quarter) of a CPU (unlimited: \(free))")
        #expect(quarter < half, "0.25 (\(quarter)) below 0.5 (\(half))")
    }

    @Test("--cpuset-cpus 0: nproc prints 1, /proc/cpuinfo lists one processor")
    func cpuset() throws {
        let r = try Husk.run(["/bin/sh", "-c", "nproc; grep -c ^processor /proc/cpuinfo"], options: ["--cpuset-cpus", "0"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == "1\n1\n", "\(r)")
        let all = try Husk.run(["/usr/bin/nproc"])
        let native = try Husk.runNative(["/usr/bin/nproc"])
        #expect(all.stdout == native.stdout, "without a cpuset the host's count: \(all)")
    }

    @Test("--memory 256m: MemTotal in /proc/meminfo and sysinfo's total are the limit")
    func memoryReported() throws {
        let script = "import os; print(os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE'))"
        let r = try Husk.run(["/bin/sh", "-c", "grep -E '^Mem(Total|Free|Available):' /proc/meminfo; python3 -c \"\(script)\""],
                             options: ["--memory", "256m"])
        #expect(r.status == 0, "\(r)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "MemTotal:         262144 kB", "\(r)")
        for l in lines.dropFirst().prefix(2) {
            let kb = Int(l.split(separator: " ").dropFirst().first ?? "") ?? -1
            #expect(kb >= 0 && kb <= 262_144, "\(l)")
        }
        #expect(lines.last == String(256 << 20), "sysinfo totalram: \(r)")
        let host = try Husk.run(["/bin/grep", "^MemTotal:", "/proc/meminfo"])
        let native = try Husk.runNative(["/bin/grep", "^MemTotal:", "/proc/meminfo"])
        #expect(host.stdout == native.stdout, "without --memory the host's total")
    }

    /// Reads the sandbox's cgroup files while it runs.
    func cgroupFiles(_ options: [String], _ files: [String]) throws -> [String: String] {
        let husk = try Husk.require()
        let run = try Spawned([husk, "run"] + options + ["--", "/bin/sleep", "60"], env: Husk.defaultEnvironment)
        var parts = SandboxParts()
        _ = waitFor(30) { parts = SandboxParts.find(below: run.pid, in: ProcessTable()); return parts.complete }
        var out: [String: String] = [:]
        for f in files {
            for d in parts.cgroups {
                if let v = try? String(contentsOfFile: d + "/" + f, encoding: .utf8) { out[f] = v.trimmingCharacters(in: .whitespacesAndNewlines) }
            }
        }
        kill(run.pid, SIGTERM)
        let r = run.wait(timeout: 20)
        #expect(parts.complete, "sandbox seen: \(parts) \(r)")
        #expect(waitFor(10) { parts.leftovers().isEmpty }, "left behind: \(parts.leftovers())")
        return out
    }

    /// The block device behind / (this VM: vda), as MAJOR:MINOR.
    static func rootDevice() -> String? {
        var st = stat()
        guard stat("/", &st) == 0 else { return nil }
        let d = UInt64(st.st_dev)
        return "\(((d >> 8) & 0xfff) | ((d >> 32) & ~UInt64(0xfff))):\((d & 0xff) | ((d >> 12) & ~UInt64(0xff)))"
    }

    @Test("--cpus, --cpu-shares, --cpuset-cpus and --device-* are written to the v1 cgroup files")
    func cgroupFilesWritten() throws {
        let dev = try #require(Self.rootDevice())
        let f = try cgroupFiles(["--cpus", "1.5", "--cpu-shares", "256", "--cpuset-cpus", "0",
                                 "--device-read-bps", "\(dev):2m", "--device-write-bps", "\(dev):1m",
                                 "--device-read-iops", "\(dev):300", "--device-write-iops", "\(dev):200"],
                                ["cpu.cfs_quota_us", "cpu.cfs_period_us", "cpu.shares", "cpuset.cpus", "cpuset.mems",
                                 "blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device",
                                 "blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device"])
        #expect(f["cpu.cfs_quota_us"] == "150000", "\(f)")
        #expect(f["cpu.cfs_period_us"] == "100000", "\(f)")
        #expect(f["cpu.shares"] == "256", "\(f)")
        #expect(f["cpuset.cpus"] == "0", "\(f)")
        #expect(f["cpuset.mems"]?.isEmpty == false, "v1 cpuset.mems copied from the parent: \(f)")
        #expect(f["blkio.throttle.read_bps_device"] == "\(dev) 2097152", "\(f)")
        #expect(f["blkio.throttle.write_bps_device"] == "\(dev) 1048576", "\(f)")
        #expect(f["blkio.throttle.read_iops_device"] == "\(dev) 300", "\(f)")
        #expect(f["blkio.throttle.write_iops_device"] == "\(dev) 200", "\(f)")
    }

    @Test("a caller's hard RLIMIT_NOFILE below the tasks' usual host fds (ulimit -n 700) still starts the sandbox")
    func lowOpenFilesLimit() throws {
        let husk = try Husk.require()
        let platform = Husk.testPlatform.map { "--platform \($0) " } ?? ""
        // Python maps its libraries through installed fds and opens 600 files; sh forks and
        // execs (the stub's fd); the program sees the caller's limits.
        let program = "ulimit -n; ulimit -Hn; python3 -c 'fs = [open(\"/etc/hostname\") for _ in range(600)]; print(len(fs))' | cat"
        let r = try IntegrationTests.run(["/bin/sh", "-c", "ulimit -n 700 && exec \(husk) run \(platform)-- /bin/sh -c \"$0\"", program],
                                         env: Husk.defaultEnvironment, timeout: 60)
        #expect(r.status == 0 && r.stdout == "700\n700\n600\n", "\(r)")
        #expect(r.stderr.isEmpty, "\(r)")
    }

    @Test("a program's own setrlimit reaches its host process only for the limits the host enforces, never past the host's hard limits")
    func programLimitsOnTheHost() throws {
        let husk = try Husk.require()
        let platform = Husk.testPlatform.map { "--platform \($0) " } ?? ""
        // The sandbox's root may raise any limit in the Sentry's record; on the host, the CPU
        // hard limit stays husk run's 100 s, RLIMIT_CORE stays 1 (the host never dumps a task)
        // and the open-files and process limits stay husk run's; the address space lowered
        // by the program is lowered on the host.
        let program = """
        import resource, time
        R = resource
        for r in (R.RLIMIT_CORE, R.RLIMIT_CPU, R.RLIMIT_NOFILE, R.RLIMIT_NPROC):
            R.setrlimit(r, (R.RLIM_INFINITY if r != R.RLIMIT_NOFILE else 1 << 20,) * 2)
        R.setrlimit(R.RLIMIT_AS, (1 << 40, 1 << 40))
        print(R.getrlimit(R.RLIMIT_CPU), flush=True)
        time.sleep(20)
        """
        let run = try Spawned(["/bin/sh", "-c", "ulimit -t 100 && exec \(husk) run \(platform)-- python3 -c \"$0\"", program],
                              env: Husk.defaultEnvironment)
        defer { kill(run.pid, SIGTERM); _ = run.wait(timeout: 20) }
        func hostLimits() -> [String: String]? {
            let table = ProcessTable()
            guard let sentry = table.role("sentry", below: run.pid).first, let task = table.descendants(of: sentry).first,
                  let text = try? String(contentsOfFile: "/proc/\(task)/limits", encoding: .utf8) else { return nil }
            var out: [String: String] = [:]
            for line in text.split(separator: "\n").dropFirst() {
                let name = String(line.prefix(26)).trimmingCharacters(in: .whitespaces)
                out[name] = line.dropFirst(26).split(separator: " ").prefix(2).joined(separator: " ")
            }
            return out
        }
        var limits: [String: String]? = nil
        #expect(waitFor(20) { limits = hostLimits(); return limits?["Max address space"] == "1099511627776 1099511627776" },
                "the lowered address space did not reach the host: \(String(describing: limits))")
        let mine = ResourceLimitsOfThisProcess()
        #expect(limits?["Max cpu time"] == "100 100", "\(String(describing: limits))")
        #expect(limits?["Max core file size"] == "1 1", "\(String(describing: limits))")
        #expect(limits?["Max open files"]?.hasSuffix(" \(mine.openFilesHard)") == true, "\(String(describing: limits))")
        #expect(limits?["Max processes"] == mine.processes, "\(String(describing: limits))")
    }

    @Test("bad limit values are refused with status 125 and one line")
    func badValues() throws {
        for (opt, value) in [("--cpus", "0"), ("--cpus", "x"), ("--cpu-shares", "1"), ("--cpuset-cpus", "3-1"),
                             ("--device-write-bps", "/dev/null:1m"), ("--device-read-iops", "8:0:1k"), ("--timeout", "soon")] {
            let r = try Husk.run(["/bin/true"], options: [opt, value])
            #expect(r.status == 125, "\(opt) \(value): \(r)")
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.hasPrefix("husk: "), "\(opt) \(value): \(r)")
        }
    }

    @Test("--timeout 1s ends a sleeping program: one line, status 124, nothing left behind")
    func timeout() throws {
        let start = Date()
        let r = try Husk.run(["/bin/sh", "-c", "sleep 30 & sleep 30"], options: ["--timeout", "1s"], timeout: 30)
        let took = Date().timeIntervalSince(start)
        #expect(r.status == 124, "\(r)")
        #expect(r.stderr == "husk: timed out after 1s\n", "\(r)")
        #expect(took >= 1 && took < 10, "took \(took) s")
        let quick = try Husk.run(["/bin/sh", "-c", "echo hi; exit 3"], options: ["--timeout", "30s"])
        #expect(quick.status == 3 && quick.stdout == "hi\n" && quick.stderr.isEmpty, "\(quick)")
    }

    @Test("--timeout with a running sandbox removes its processes and cgroups")
    func timeoutTeardown() throws {
        let husk = try Husk.require()
        let run = try Spawned([husk, "run", "--timeout", "3s", "--", "/bin/sleep", "60"], env: Husk.defaultEnvironment)
        var parts = SandboxParts()
        _ = waitFor(30) { parts = SandboxParts.find(below: run.pid, in: ProcessTable()); return parts.complete }
        let r = run.wait(timeout: 30)
        #expect(parts.complete, "sandbox seen: \(parts)")
        #expect(r.status == 124, "\(r)")
        #expect(waitFor(10) { parts.leftovers().isEmpty }, "left behind: \(parts.leftovers())")
    }
}

/// This test process's hard RLIMIT_NOFILE and its RLIMIT_NPROC as /proc/PID/limits shows them.
struct ResourceLimitsOfThisProcess {
    let openFilesHard: String
    let processes: String
    init() {
        var rl = rlimit()
        func show(_ v: rlim_t) -> String { v == rlim_t.max ? "unlimited" : String(v) }
        getrlimit(__rlimit_resource_t(7), &rl)   // RLIMIT_NOFILE
        openFilesHard = show(rl.rlim_max)
        getrlimit(__rlimit_resource_t(6), &rl)   // RLIMIT_NPROC
        processes = show(rl.rlim_cur) + " " + show(rl.rlim_max)
    }
}
