import Testing
import Sentry
@testable import Sandbox

@Suite("hidden part command lines")
struct PartArgumentsTests {
    @Test func sentryRoundTrip() {
        let t = TerminalInfo(termios: [0, 1, 0xfe, 0x7f], rows: 24, columns: 80)
        let s = SentryArguments(argv: ["/bin/sh", "-c", "echo --cwd -- x"], env: ["PATH=/bin", "A=b=c"], cwd: "/tmp",
                                strace: true, terminal: t)
        let back = SentryArguments.parse(ArraySlice(s.arguments.dropFirst()))
        #expect(back == s)
        #expect(SentryArguments.parse(["--cwd", "/"]) == nil)            // no program
        #expect(SentryArguments.parse(["--bogus", "--", "x"]) == nil)
        #expect(SentryArguments.parse(["--terminal", "1:2:zz", "--", "x"]) == nil)
    }

    @Test("the network mode and the host's /etc/hosts and resolv.conf travel to the Sentry")
    func sentryNetworkFiles() {
        var s = SentryArguments(argv: ["/bin/true"], env: [], cwd: "/")
        s.network = .host
        s.hostHosts = "127.0.0.1 localhost\n10.0.0.1 --not-an-option\n"
        s.hostResolvConf = "nameserver 10.0.0.53\nsearch example.org\n"
        #expect(SentryArguments.parse(ArraySlice(s.arguments.dropFirst())) == s)
        s.network = .pasta; s.hostHosts = nil
        #expect(SentryArguments.parse(ArraySlice(s.arguments.dropFirst())) == s)
        s.seccomp = OCISeccompFilter(program: [6, 0, 0, 0, 0, 0, 0xff, 0x7f], flags: 4)
        #expect(SentryArguments.parse(ArraySlice(s.arguments.dropFirst())) == s)
        #expect(SentryArguments.parse(["--seccomp", "4:0600", "--", "/bin/true"]) == nil, "not whole instructions")
        #expect(SentryArguments.parse(["--host-hosts"]) == nil)
    }

    @Test("/etc/hosts and /etc/resolv.conf fit the network mode")
    func networkFiles() {
        let none = NetworkFiles.hosts(mode: .none, hostname: "box", hostFile: "10.1.1.1 host-only\n")
        #expect(none.hasPrefix("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"))
        #expect(none.hasSuffix("127.0.1.1\tbox\n") && !none.contains("host-only"))
        #expect(NetworkFiles.hosts(mode: .pasta, hostname: "box", hostFile: nil) == none)
        #expect(NetworkFiles.hosts(mode: .host, hostname: "box", hostFile: "10.1.1.1 h\n") == "10.1.1.1 h\n")
        let resolv = "nameserver 10.0.0.53\nsearch example.org\noptions ndots:2\n"
        #expect(!NetworkFiles.resolvConf(mode: .none, hostFile: resolv).contains("\nnameserver"))
        #expect(NetworkFiles.resolvConf(mode: .host, hostFile: resolv) == resolv)
        let pasta = NetworkFiles.resolvConf(mode: .pasta, hostFile: resolv)
        #expect(pasta.contains("nameserver 169.254.1.1\n") && !pasta.contains("10.0.0.53"))
        #expect(pasta.hasSuffix("search example.org\noptions ndots:2\n"))
    }

    @Test func sentryPlatformIsPassedByName() {
        var s = SentryArguments(argv: ["/bin/true"], env: [], cwd: "/", strace: false, terminal: nil)
        #expect(s.platform == .standard)
        s.platform = .ptrace
        let line = s.arguments
        #expect(line.firstIndex(of: "--platform").map { line[$0 + 1] } == "ptrace")
        #expect(SentryArguments.parse(ArraySlice(line.dropFirst()))?.platform == .ptrace)
        #expect(SentryArguments.parse(["--platform", "bogus", "--", "x"]) == nil)
        #expect(SentryArguments.parse(["--platform"]) == nil)
        // A command line without it means the default platform.
        #expect(SentryArguments.parse(["--cwd", "/", "--", "x"])?.platform == .standard)
    }

    @Test func goferRoundTrip() {
        let g = GoferArguments(rootfs: "/srv/root fs")
        #expect(GoferArguments.parse(ArraySlice(g.arguments.dropFirst())) == g)
        #expect(GoferArguments.parse([]) == GoferArguments())
        #expect(GoferArguments.parse(["--rootfs"]) == nil)
    }

    @Test func monitorOnlyAcceptsSandboxDirectories() {
        let m = MonitorArguments(watch: 10, sentry: 11, gofer: 12, cgroups: ["/sys/fs/cgroup/pids/husk/abc"])
        #expect(MonitorArguments.parse(ArraySlice(m.arguments)) == m)
        // The clean-up's line, as chusk_monitor_fork execs it.
        var ended = m
        ended.end = "died"; ended.pidFDs = [6, 7, -1, -1]
        #expect(MonitorArguments.parse(ArraySlice(["--end", "died", "--pidfds", "6,7,-1,-1"] + m.arguments)) == ended)
        #expect(MonitorArguments.parse(ArraySlice(["--end", "later"] + m.arguments)) == nil)
        #expect(MonitorArguments.parse(ArraySlice(["--pidfds", "6,7"] + m.arguments)) == nil)
        #expect(MonitorArguments.parse(["--watch", "1", "--cgroup", "/sys/fs/cgroup/pids"]) == nil)
        #expect(MonitorArguments.parse(["--watch", "1", "--cgroup", "relative/husk/x"]) == nil)
        #expect(MonitorArguments.parse(["--sentry", "1"]) == nil)   // nothing to watch
    }

    @Test func programEnvironment() {
        let host = ["TERM": "xterm", "SECRET": "s", "USER": "me"]
        #expect(ProgramEnvironment.build(overrides: [], host: host)
                == ["PATH=\(ProgramEnvironment.defaultPath)", "HOME=/root", "TERM=xterm"])
        #expect(ProgramEnvironment.build(overrides: ["HOME=/home/x", "A=1=2", "USER", "MISSING"], host: [:])
                == ["PATH=\(ProgramEnvironment.defaultPath)", "HOME=/home/x", "A=1=2"])
        #expect(ProgramEnvironment.build(overrides: ["USER"], host: host).last == "USER=me")
    }

    @Test func shellStatuses() {
        #expect(shellStatus(waitStatus: 42 << 8) == 42)
        #expect(shellStatus(waitStatus: 9) == 137)
        #expect(shellStatus(waitStatus: 15) == 143)
    }
}
