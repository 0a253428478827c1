// The pool's messages (Sandbox/Pool/PoolProtocol.swift) and the launch a pooled Sentry reads
// (Sentry/Kernel/Launch.swift): what one side writes the other reads, anything malformed is
// refused whole, and only options that leave the sandbox itself alone may use a pool.
import Glibc
import Testing
@testable import Sandbox
import Sentry

@Suite("pool protocol")
struct PoolProtocolTests {
    var launch: SentryLaunch {
        var l = SentryLaunch(argv: ["/bin/sh", "-c", "echo $A", ""], env: ["PATH=/bin", "A=b c"], cwd: "/tmp")
        l.timingOrigin = 123_456_789
        l.nice = -5
        l.rlimits = [1, 2, 3, UInt64.max]
        return l
    }

    @Test("a launch decodes to itself; every cut of it is refused")
    func launchRoundTrip() {
        #expect(SentryLaunch.decode(launch.encode()) == launch)
        let bytes = launch.encode()
        for n in 0..<bytes.count { #expect(SentryLaunch.decode(bytes.prefix(n)) == nil, "cut at \(n)") }
        #expect(SentryLaunch.decode(bytes + [0]) == nil, "a trailing byte")
    }

    @Test("a launch without a program, with a relative cwd, a bad magic or too many rlimits is refused")
    func launchMalformed() {
        #expect(SentryLaunch.decode(SentryLaunch(argv: [], env: [], cwd: "/").encode()) == nil)
        #expect(SentryLaunch.decode(SentryLaunch(argv: ["x"], env: [], cwd: "tmp").encode()) == nil)
        var magic = launch.encode(); magic[1] = 0x58
        #expect(SentryLaunch.decode(magic) == nil)
        var many = launch
        many.rlimits = Array(repeating: 7, count: 2 * 17)
        #expect(SentryLaunch.decode(many.encode()) == nil)
        // An rlimit count that claims more than the message holds.
        var count = launch.encode(); count[16] = 0xff
        #expect(SentryLaunch.decode(count) == nil)
        #expect(SentryLaunch.decode([UInt8](repeating: 0, count: SentryLaunch.maxSize + 1)) == nil)
    }

    @Test("requests and replies decode to themselves; malformed ones are refused")
    func messages() {
        #expect(PoolMessage.decodeRequest(PoolMessage.request(shape: "husk-pool-1 platform=ptrace")) == "husk-pool-1 platform=ptrace")
        #expect(PoolMessage.decodeRequest(Array("HPX1shape".utf8)) == nil)
        let granted = PoolMessage.Reply.granted(sentryPid: 42, goferPid: 41, cgroups: ["/sys/fs/cgroup/pids/husk/a", "/x"])
        #expect(PoolMessage.decodeReply(PoolMessage.encode(granted)) == granted)
        #expect(PoolMessage.decodeReply(PoolMessage.encode(.refused("no sandbox ready"))) == .refused("no sandbox ready"))
        let bytes = PoolMessage.encode(granted)
        for n in 0..<bytes.count where n != 5 { #expect(PoolMessage.decodeReply(bytes.prefix(n)) == nil, "cut at \(n)") }
        #expect(PoolMessage.decodeReply(bytes + [1]) == nil)
        var kind = bytes; kind[4] = 2
        #expect(PoolMessage.decodeReply(kind) == nil)
        var pid = bytes; pid[5...8] = [0, 0, 0, 0]
        #expect(PoolMessage.decodeReply(pid) == nil, "pid 0")
    }

    @Test("only options that leave the sandbox alone have a pool shape; the platform is part of it")
    func shapes() {
        var plain = RunOptions(argv: ["/bin/true"], env: ["A=1"], cwd: "/tmp")
        plain.timeoutMillis = 1000
        let shape = plain.poolShape
        #expect(shape != nil)
        var other = plain
        other.argv = ["/bin/false"]; other.env = []; other.cwd = "/"
        #expect(other.poolShape == shape, "the program, its environment and cwd are the launch's")
        var ptrace = plain; ptrace.platform = .ptrace
        var unotify = plain; unotify.platform = .unotify
        #expect(ptrace.poolShape != unotify.poolShape)
        var changes: [(String, (inout RunOptions) -> Void)] = [
            ("--no-pool", { $0.noPool = true }), ("--rootfs", { $0.rootfs = "/srv" }), ("--strace", { $0.strace = true }),
            ("--memory", { $0.limits.memoryBytes = 1 << 30 }), ("--read-only", { $0.rootfsReadonly = true }),
            ("--user", { $0.user = (1, 1) }), ("-v", { $0.volumes = [VolumeSpec(host: "/a", guest: "/b", readOnly: true)] }),
            ("--no-cgroup", { $0.noCgroup = true }), ("--hostname", { $0.hostname = "h" }), ("--network", { $0.network = .host }),
            ("--host-uds", { $0.hostUDS = true }), ("-t", { $0.tty = true }), ("-i", { $0.interactive = true }),
            ("--stats", { $0.stats = true }), ("--stats-json", { $0.statsJSONPath = "/tmp/s.json" }),
        ]
        changes.append(("--tmpfs", { $0.tmpfs = [TmpfsSpec(path: "/t", sizeBytes: nil, mode: 0o1777)] }))
        for (name, change) in changes {
            var o = plain
            change(&o)
            #expect(o.poolShape == nil, "\(name) shapes the sandbox")
        }
    }

    @Test("the socket: HUSK_POOL names it or turns it off; only root has a default")
    func socketPath() {
        #expect(PoolSocket.path(environment: [:], euid: 0) == "/run/husk/pool.sock")
        #expect(PoolSocket.path(environment: [:], euid: 1000) == nil)
        #expect(PoolSocket.path(environment: ["HUSK_POOL": "/tmp/p.sock"], euid: 1000) == "/tmp/p.sock")
        #expect(PoolSocket.path(environment: ["HUSK_POOL": "off"], euid: 0) == nil)
    }

    @Test("a pooled Sentry's arguments: no program, the launch flag; a pooled monitor watches no pid")
    func arguments() {
        var s = SentryArguments(argv: [], env: [])
        s.awaitLaunch = true
        #expect(SentryArguments.parse(s.arguments.dropFirst()) == s)
        var both = s
        both.argv = ["/bin/true"]
        #expect(SentryArguments.parse(both.arguments.dropFirst()) == nil, "a program and a launch")
        #expect(SentryArguments.parse(SentryArguments(argv: [], env: []).arguments.dropFirst()) == nil, "neither")
        let m = MonitorArguments(watch: 0, sentry: 11, gofer: 12, cgroups: ["/sys/fs/cgroup/pids/husk/abc"])
        #expect(MonitorArguments.parse(ArraySlice(m.arguments)) == nil, "watch 0 only as a pooled monitor's clean-up")
        #expect(MonitorArguments.parse(ArraySlice(m.arguments + ["--end", "reported", "--pidfds", "-1,6,7,-1"])) != nil)
    }
}
