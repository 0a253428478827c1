import CHusk
import Glibc
import Testing
@testable import Sandbox

@Suite("monitor and CLI (real processes)", .serialized, SharedChildren())
struct MonitorAndCLITests {
    @Test("the monitor (a fork of husk run running C, then husk-parts' clean-up) kills the sandbox's processes and removes its cgroup when husk run dies")
    func monitorCleansUp() throws {
        let parts = try #require(huskBinary(), "husk binary next to the tests") + "-parts"
        let placements = CgroupSet.planForSelf(id: "test" + newSandboxID(), wanted: ["pids"])
        try #require(!placements.isEmpty, "a pids cgroup controller")
        let cg = try CgroupSet.create(placements)
        // Two "sandbox" processes in the cgroup: a Sentry stand-in and a task.
        let sentry = spawn(["/bin/sleep", "100"]), task = spawn(["/bin/sleep", "100"])
        try #require(sentry > 0 && task > 0)
        try cg.join(pid: sentry); try cg.join(pid: task)
        // This test process is husk run: it forks the monitor as husk run does.
        let partsFD = open(parts, Int32(CHUSK_SB_O_PATH) | O_CLOEXEC), devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        var ready: [Int32] = [-1, -1], done: [Int32] = [-1, -1]
        try #require(partsFD >= 0 && devNull >= 0 && chusk_pipe_cloexec(&ready) == 0 && chusk_pipe_cloexec(&done) == 0)
        defer { close(partsFD); close(devNull); close(ready[0]) }
        let margs = MonitorArguments(watch: getpid(), sentry: sentry, gofer: 0, cgroups: cg.directories)
        let monitor = Parts.forkMonitor(margs, readyW: ready[1], doneR: done[0], parts: partsFD, devNull: devNull)
        close(ready[1]); close(done[0])
        try #require(monitor > 0)
        var byte: UInt8 = 0
        #expect(read(ready[0], &byte, 1) == 1, "the monitor says it is ready")
        usleep(100_000)
        #expect(HostFS.exists(cg.directories[0]) && kill(sentry, 0) == 0, "it waits while husk run lives")
        // husk run dies: its end of the done pipe closes without a byte.
        close(done[1])
        // Our children: reaped here as they die (zombies leave the cgroup), then the monitor.
        let s1 = waitStatus(sentry), s2 = waitStatus(task)
        #expect(s1.map { $0 & 0x7f } == SIGKILL)
        #expect(s2.map { $0 & 0x7f } == SIGKILL)
        let m = waitStatus(monitor)
        #expect(m.map { $0 & 0x7f } == 0 && m.map { ($0 >> 8) & 0xff } == 0, "the clean-up exits 0: \(String(describing: m))")
        var gone = false
        for _ in 0..<200 where !gone { gone = !HostFS.exists(cg.directories[0]); usleep(10_000) }
        #expect(gone, "sandbox cgroup removed")
        if !gone { CgroupSet.killAndRemove(cg.directories) }
    }

    func runHusk(_ args: [String]) throws -> (status: Int32, output: String) {
        let husk = try #require(huskBinary())
        let out = "/tmp/husk-sandboxtest-\(getpid()).out"
        defer { unlink(out) }
        let pid = spawn([husk] + args, output: out)
        let st = try #require(waitStatus(pid))
        return (shellStatus(waitStatus: st), (try? HostFS.read(out)) ?? "")
    }

    @Test func badFlagIs125WithOneHuskLine() throws {
        let r = try runHusk(["run", "--bogus", "--", "/bin/true"])
        #expect(r.status == 125)
        #expect(r.output.hasPrefix("husk: ") && r.output.contains("--bogus"), "\(r.output)")
        #expect(r.output.split(separator: "\n").count == 1, "\(r.output)")
    }

    @Test func missingRootfsIs125() throws {
        let r = try runHusk(["run", "--rootfs", "/nonexistent-husk-root", "--", "/bin/true"])
        #expect(r.status == 125)
        #expect(r.output.hasPrefix("husk: ") && r.output.contains("/nonexistent-husk-root"), "\(r.output)")
    }

    @Test func noProgramAndBadValuesAre125() throws {
        #expect(try runHusk(["run"]).status == 125)
        #expect(try runHusk(["run", "--memory", "lots", "--", "/bin/true"]).status == 125)
        #expect(try runHusk(["run", "--platform", "kvm", "--", "/bin/true"]).status == 125)
        #expect(try runHusk(["run", "--cwd", "relative", "--", "/bin/true"]).status == 125)
    }

    @Test func helpExplainsUsage() throws {
        let r = try runHusk(["run", "--help"])
        #expect(r.status == 0)
        #expect(r.output.contains("--rootfs") && r.output.contains("125"))
        let top = try runHusk(["--help"])
        #expect(top.status == 0 && top.output.contains("husk run -- /bin/echo hello"))
    }
}
