import Testing
import Sentry
@testable import Sandbox

@Suite("husk run's value parsers")
struct CLISpecsTests {
    @Test func fractionalAndUpperCaseSizes() {
        #expect(CgroupLimits.parseSize("1.5g") == 3 << 29)
        #expect(CgroupLimits.parseSize("1.5G") == 3 << 29)
        #expect(CgroupLimits.parseSize("0.5k") == 512)
        #expect(CgroupLimits.parseSize("2.25m") == (2 << 20) + (1 << 18))
        #expect(CgroupLimits.parseSize("1.5") == 1)
        #expect(CgroupLimits.parseSize("1.5gb") == 3 << 29)
        for bad in ["1.", ".5g", "1.2.3m", "1e3", "-1m", "+1m", "0.0001", "0.0g", "١m", "1 m", ""] {
            #expect(CgroupLimits.parseSize(bad) == nil, "\(bad)")
        }
    }

    @Test func platformNames() throws {
        #expect(try PlatformName.parse("ptrace").get() == .ptrace)
        #expect(try PlatformName.parse("unotify").get() == .unotify)
        func refusal(_ name: String) -> String {
            if case .failure(let e) = PlatformName.parse(name) { return e.message }
            return ""
        }
        #expect(refusal("systrap") == "--platform systrap: not available yet (available: ptrace, unotify)")
        #expect(refusal("unotfy").contains("did you mean 'unotify'?"))
        #expect(refusal("ptrce") == "--platform ptrce: unknown platform; did you mean 'ptrace'? (available: ptrace, unotify)")
        #expect(refusal("systrp").contains("did you mean 'systrap'?"))
        #expect(refusal("kvm") == "--platform kvm: unknown platform (available: ptrace, unotify)")
        #expect(closestName(to: "rn", among: ["run", "version"]) == "run")
        #expect(closestName(to: "x", among: ["run"]) == nil)
    }

    @Test func envFileLines() throws {
        let ok = try EnvFile.parse("# c\n\nA=1\n  B=two words \nC=\"q\"\nBARE\nD=\nE=x=y\r\n  # indented comment\n").get()
        #expect(ok == ["A=1", "B=two words ", "C=\"q\"", "BARE", "D=", "E=x=y"])
        #expect(ProgramEnvironment.build(overrides: ok, host: ["BARE": "h"]).contains("BARE=h"))
        #expect(!ProgramEnvironment.build(overrides: ok, host: [:]).contains { $0.hasPrefix("BARE") })
        for (bad, line) in [("=v", "line 1"), ("A=1\nB C=2", "line 2"), ("A\tB", "line 1")] {
            guard case .failure(let e) = EnvFile.parse(bad) else { Issue.record("\(bad) accepted"); continue }
            #expect(e.message.hasPrefix(line), "\(e.message)")
        }
    }

    @Test func tmpfsSpecs() throws {
        #expect(try TmpfsSpec.parse("/scratch").get() == TmpfsSpec(path: "/scratch"))
        #expect(try TmpfsSpec.parse("/a//b/:size=64m,mode=700").get() == TmpfsSpec(path: "/a/b", sizeBytes: 64 << 20, mode: 0o700))
        for bad in ["scratch", "/", "/a/../b", "/x:size=", "/x:mode=9", "/x:mode=17777", "/x:noexec", "/x:"] {
            if case .success = TmpfsSpec.parse(bad) { Issue.record("\(bad) accepted") }
        }
    }

    @Test func userSpecs() {
        let etc: (String) -> String? = { name in
            name == "passwd" ? "root:x:0:0::/root:/bin/sh\nalice:x:1000:1001::/home/alice:/bin/sh\n# x:y:z:w\n"
                : "root:x:0:\nstaff:x:50:alice\n"
        }
        func ids(_ s: String) -> [UInt32]? { (try? UserSpec.resolve(s, readEtc: etc).get()).map { [$0.uid, $0.gid] } }
        #expect(ids("alice") == [1000, 1001])
        #expect(ids("alice:staff") == [1000, 50])
        #expect(ids("alice:7") == [1000, 7])
        #expect(ids("1000") == [1000, 1001])
        #expect(ids("4321") == [4321, 0])
        #expect(ids("4321:staff") == [4321, 50])
        #expect(ids("0:0") == [0, 0])
        for bad in ["bob", "alice:wheel", "", ":1", "1:", "1:2:3", "4294967295", "1:4294967295"] {
            #expect(ids(bad) == nil, "\(bad)")
        }
        #expect(ids("4321") == [4321, 0])
        let none: (String) -> String? = { _ in nil }
        #expect((try? UserSpec.resolve("5:6", readEtc: none).get()).map { [$0.uid, $0.gid] } == [5, 6])
        #expect((try? UserSpec.resolve("alice", readEtc: none).get()) == nil)
    }

    @Test func cpuLists() {
        #expect(HostCPUs.cpus(inList: "0-2,4") == [0, 1, 2, 4])
        #expect(HostCPUs.cpus(inList: "3-1") == nil)
        #expect(HostCPUs.describe([0, 1, 2, 4, 6, 7]) == "0-2,4,6-7")
        #expect(HostCPUs.online().map { !$0.isEmpty } == true)
    }

    @Test func hostnames() {
        #expect(isValidHostname("box"))
        #expect(isValidHostname(String(repeating: "a", count: 64)))
        #expect(!isValidHostname(String(repeating: "a", count: 65)))
        #expect(!isValidHostname(""))
        #expect(!isValidHostname("a\u{0}b"))
    }

    @Test func sentryArgumentsCarryHostnameAndTmpfs() {
        var s = SentryArguments(argv: ["/bin/true"], env: [])
        s.hostname = "box"
        s.tmpfs = [TmpfsSpec(path: "/a:b", sizeBytes: 4096, mode: 0o700), TmpfsSpec(path: "/c")]
        #expect(SentryArguments.parse(ArraySlice(s.arguments.dropFirst())) == s)
        #expect(SentryArguments.parse(["--tmpfs", "777:x:/a", "--", "x"]) == nil)
        #expect(SentryArguments.parse(["--tmpfs", "777:-:rel", "--", "x"]) == nil)
    }
}
