// The OCI runtime's in-process parts (docs/oci.md): the JSON reader and writer, config.json into
// husk run's options, signal names, which command lines are runc's, and the Sentry's extras
// on its command line.
import Testing
import Sentry
@testable import Sandbox

@Suite("OCI runtime: JSON, config.json, signals, command lines")
struct OCISpecTests {
    @Test func jsonParsesAndWritesBack() throws {
        let v = try JSON.parse(#" { "a": [1, -2.5, 3e2, true, false, null], "s": "q\"\\\/\n\u00e9\ud83d\ude00", "o": {} } "#)
        #expect(v["a"]?.array?.count == 6)
        #expect(v["a"]?.array?[0].int64 == 1)
        #expect(v["a"]?.array?[2].int64 == 300)
        #expect(v["a"]?.array?[1].int64 == nil)
        #expect(v["s"]?.string == "q\"\\/\né😀")
        #expect(try JSON.parse(v.text) == v)
        #expect(JSON.object([("k", .string("a\u{1}b"))]).text == #"{"k":"a\u0001b"}"#)
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\u{1}\"", "\"\\ud800\"", "tru", "[1] x", "{\"a\":1,}", "-"] {
            #expect(throws: JSON.ParseError.self, "\(bad)") { try JSON.parse(bad) }
        }
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSON.ParseError.self) { try JSON.parse(deep) }
    }

    func plan(_ json: String, files: [String: OCISpec.FileKind] = [:]) throws(HuskError) -> OCIPlan {
        try OCISpec.plan(configText: json, bundle: "/b", readFile: { files[$0] ?? .other })
    }

    let minimal = #""ociVersion": "1.0.2", "process": {"args": ["sh"], "cwd": "/w", "env": ["A=1"], "user": {"uid": 5, "gid": 6, "additionalGids": [7]}}, "root": {"path": "rootfs"}"#

    @Test func configMapsToRunOptions() throws {
        let p = try plan("{" + minimal + #"""
            , "hostname": "h", "mounts": [{"destination": "/proc", "type": "proc"}, {"destination": "/dev", "type": "tmpfs", "options": ["mode=755"]},
            {"destination": "/v", "type": "bind", "source": "/host/v", "options": ["rbind", "ro"]}, {"destination": "/etc/hosts", "type": "bind", "source": "/host/hosts", "options": ["bind"]},
            {"destination": "/t", "type": "tmpfs", "options": ["nosuid", "size=1m", "mode=700"]}, {"destination": "/dev/shm", "type": "bind", "source": "/host/shm", "options": ["bind"]}],
            "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}], "resources": {"memory": {"limit": 67108864}, "pids": {"limit": 20},
            "cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0"}}, "maskedPaths": ["/proc/kcore"]},
            "process2": 1, "annotations": {"x": "y"}}
            """#,
            files: ["/host/v": .directory, "/host/hosts": .file(Array("h\n".utf8)), "/host/shm": .directory])
        let o = p.options
        #expect(o.argv == ["sh"] && o.env == ["A=1"] && o.cwd == "/w")
        #expect(o.user?.uid == 5 && o.user?.gid == 6 && p.additionalGids == [7])
        #expect(o.rootfs == "/b/rootfs" && !o.rootfsReadonly && o.hostname == "h")
        #expect(o.volumes == [VolumeSpec(host: "/host/v", guest: "/v", readOnly: true)])
        #expect(o.tmpfs == [TmpfsSpec(path: "/t", sizeBytes: 1 << 20, mode: 0o700)])
        #expect(p.files == [OCIFile(guest: "/etc/hosts", contents: Array("h\n".utf8))])
        #expect(o.network == .host, "no network namespace: the runtime's own (runtime-spec)")
        #expect(o.limits == CgroupLimits(memoryBytes: 64 << 20, pids: 20, cpus: 0.5, cpuShares: 512, cpusetCpus: "0"))
        #expect(p.maskedPaths == ["/proc/kcore"])
        #expect(p.annotations.first?.0 == "x")
        let withNet = try plan("{" + minimal + #", "linux": {"namespaces": [{"type": "network"}]}}"#)
        #expect(withNet.options.network == .none)
        let joined = try plan("{" + minimal + #", "linux": {"namespaces": [{"type": "network", "path": "/run/netns/n1"}]}}"#)
        #expect(joined.options.network == .joined && joined.options.networkNamespacePath == "/run/netns/n1")
        let onPtrace = try plan("{" + minimal + #", "annotations": {"dev.husk.platform": "ptrace"}}"#)
        #expect(onPtrace.options.platform == .ptrace)
        #expect(throws: HuskError.self) { try plan("{" + minimal + #", "annotations": {"dev.husk.platform": "kvm"}}"#) }
    }

    @Test("linux.seccomp compiles into one BPF program with its flags; unknown names are skipped; NOTIFY, listeners, unknown actions and operators are refused")
    func seccompProfile() throws {
        func profile(_ body: String) -> String { "{" + minimal + #", "linux": {"seccomp": "# + body + "}}" }
        let p = try plan(profile(#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "flags": ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"], "syscalls": [{"names": ["read", "write", "no_such_call"], "action": "SCMP_ACT_ALLOW"}, {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]}, {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}]}"#))
        let sc = try #require(p.seccomp)
        #expect(sc.flags == 4 && !sc.program.isEmpty && sc.program.count % 8 == 0)
        #expect(try plan("{" + minimal + "}").seccomp == nil)
        for (body, says) in [(#"{"defaultAction": "SCMP_ACT_NOTIFY"}"#, "SCMP_ACT_NOTIFY is not supported"),
                             (#"{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/x"}"#, "listenerPath is not supported"),
                             (#"{"defaultAction": "SCMP_ACT_BOGUS"}"#, "unknown action SCMP_ACT_BOGUS"),
                             (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 7, "value": 1, "op": "SCMP_CMP_EQ"}]}]}"#, "an argument condition needs an index"),
                             (#"{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NEW_LISTENER"]}"#, "is not supported"),
                             (#"{"syscalls": []}"#, "defaultAction is missing")] {
            #expect(throws: HuskError.self, "\(body)") { _ = try plan(profile(body)) }
            do { _ = try plan(profile(body)) } catch { #expect(error.message.contains(says), "\(error.message)") }
        }
    }

    @Test("ps's table keeps the header and the rows of the container's pids, by the PID column")
    func psTableFilter() {
        let out = "UID          PID    PPID  C STIME TTY          TIME CMD\nroot           1       0  0 10:00 ?        00:00:01 /sbin/init\n"
            + "root        4242       1  0 10:01 ?        00:00:00 sh -c sleep\nroot        4243    4242  0 10:01 ?        00:00:00 sleep 9\n"
        #expect(OCIPs.filter(out, pids: [4242, 4243, 1]) == out)
        #expect(OCIPs.filter(out, pids: [4243]) == "UID          PID    PPID  C STIME TTY          TIME CMD\nroot        4243    4242  0 10:01 ?        00:00:00 sleep 9\n")
        // PPID 4242 is not a match: only the PID column counts.
        #expect(OCIPs.filter(out, pids: [4242])?.contains("sleep 9") == false)
        #expect(OCIPs.filter("no header here\n1 2 3\n", pids: [1]) == nil)
    }

    @Test func configRefusalsNameWhatIsRefused() {
        func refusal(_ body: String, files: [String: OCISpec.FileKind] = [:]) -> String {
            do { _ = try plan(body, files: files); return "accepted" } catch { return error.message }
        }
        #expect(refusal("[]") == "config.json: not a JSON object")
        #expect(refusal(#"{"ociVersion": "2.0.0"}"#) == "config.json: ociVersion 2.0.0 is not 1.x")
        #expect(refusal(#"{"ociVersion": "1.0.0", "process": {"args": []}, "root": {"path": "r"}}"#) == "config.json: process.args is missing or empty")
        #expect(refusal("{" + minimal + #", "mounts": [{"destination": "/m", "type": "overlay"}]}"#) == "config.json: mounts: overlay at /m is not supported")
        #expect(refusal("{" + minimal + #", "mounts": [{"destination": "/x", "type": "proc"}]}"#).contains("proc at /x is not supported"))
        #expect(refusal("{" + minimal + #", "mounts": [{"destination": "/d", "type": "bind", "source": "/dev/sda"}]}"#).contains("only directories and regular files"))
        #expect(refusal("{" + minimal + #", "linux": {"namespaces": [{"type": "net", "path": "/x"}]}}"#) == "config.json: linux.namespaces: net namespaces are not supported")
        #expect(refusal("{" + minimal + #", "linux": {"namespaces": [{"type": "ipc", "path": "/proc/1/ns/ipc"}]}}"#).contains("joining the ipc namespace at /proc/1/ns/ipc"))
        #expect(refusal("{" + minimal + #", "linux": {"namespaces": [{"type": "network", "path": "run/netns/x"}]}}"#).contains("is not absolute"))
        #expect(refusal("{" + minimal + #", "linux": {"resources": {"blockIO": {"weight": 10}}}}"#).contains("blockIO weight is not supported"))
        #expect(refusal("{" + minimal + #", "process": {"args": ["x"], "rlimits": [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]}}"#).contains("unknown type RLIMIT_BOGUS"))
        #expect(refusal("{" + minimal + #", "hooks": {"preStart": []}}"#) == "config.json: hooks.preStart is not a hook of the runtime-spec")
        #expect(refusal("{" + minimal + #", "linux": {"devices": [{"path": "/dev/fuse"}]}}"#).contains("linux.devices"))
    }

    @Test func capabilitiesAndRlimits() throws {
        let p = try plan(#"""
            {"ociVersion": "1.1.0", "root": {"path": "/r", "readonly": true}, "process": {"args": ["x"], "capabilities": {"bounding": ["CAP_CHOWN", "CAP_NET_RAW"], "effective": ["CAP_CHOWN"]},
            "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 10, "hard": 20}], "noNewPrivileges": true}, "hooks": {"poststop": [{"path": "/bin/true", "timeout": 3}]}}
            """#)
        #expect(p.capabilities?.bounding == (1 << 0 | 1 << 13) && p.capabilities?.effective == 1)
        #expect(p.rlimits.count == 1 && p.rlimits[0].resource == 7 && p.rlimits[0].soft == 10 && p.rlimits[0].hard == 20)
        #expect(p.options.rootfs == "/r" && p.options.rootfsReadonly && p.noNewPrivileges)
        #expect(p.hooks["poststop"] == [OCIHook(path: "/bin/true", args: ["/bin/true"], env: [], timeoutSeconds: 3)])
        #expect(OCISpec.capabilityNumber("CAP_CHECKPOINT_RESTORE") == 40 && OCISpec.capabilityNumber("CHOWN") == nil)
        let caps = try #require(p.capabilities)
        #expect(CapabilitySets.decode(caps.encoded) == caps)
    }

    @Test func signalNames() {
        #expect(OCISignals.parse("TERM") == 15 && OCISignals.parse("SIGKILL") == 9 && OCISignals.parse("9") == 9)
        #expect(OCISignals.parse("sigusr1") == 10 && OCISignals.parse("RTMIN+2") == 36 && OCISignals.parse("SIGRTMAX") == 64)
        #expect(OCISignals.parse("0") == nil && OCISignals.parse("65") == nil && OCISignals.parse("BOGUS") == nil)
        #expect(OCISignals.terminatesByDefault(15) && !OCISignals.terminatesByDefault(17))
    }

    @Test func whichCommandLinesAreRuncs() {
        #expect(OCIRuntime.claims(["create", "--bundle", "/b", "id"]))
        #expect(OCIRuntime.claims(["--root", "/r", "--log", "/l", "--log-format=json", "kill", "id", "KILL"]))
        #expect(OCIRuntime.claims(["--systemd-cgroup", "start", "x"]))
        #expect(OCIRuntime.claims(["run", "--bundle", "/b", "id"]) && OCIRuntime.claims(["run", "-d", "id"]))
        #expect(OCIRuntime.claims(["--root", "/r", "run", "id"]))
        #expect(!OCIRuntime.claims(["run", "--", "/bin/echo", "hi"]))
        #expect(!OCIRuntime.claims(["run", "-t", "sh"]) && !OCIRuntime.claims(["run", "--memory", "1g", "--", "sh"]))
        #expect(!OCIRuntime.claims(["syscalls"]) && !OCIRuntime.claims([]))
        #expect(OCIStore.validID("a-b_c.1") && !OCIStore.validID("-a") && !OCIStore.validID("a/b") && !OCIStore.validID(""))
    }

    @Test func sentryExtrasRoundTrip() {
        var s = SentryArguments(argv: ["/bin/true"], env: [])
        s.files = [OCIFile(guest: "/etc/a:b", contents: [0, 0xff, 10])]
        s.maskedPaths = ["/proc/kcore"]
        s.runtimeControl = true
        s.groups = [1, 2]
        var c = CapabilitySets(); c.bounding = 5; c.inheritable = 1
        s.capabilities = c
        s.rlimits = ["7:10:20"]
        #expect(SentryArguments.parse(ArraySlice(s.arguments.dropFirst())) == s)
        #expect(SentryArguments.parse(["--file", "zz:/x", "--", "x"]) == nil)
        #expect(SentryArguments.parse(["--rlimit", "7:20:10", "--", "x"]) == nil)
    }

    @Test func stateJSONFollowsTheSpec() throws {
        var s = OCIState(id: "c", status: .created, pid: 42, bundle: "/b")
        s.annotations = [("k", "v")]
        #expect(s.json.text == #"{"ociVersion":"1.0.2","id":"c","status":"created","pid":42,"bundle":"/b","annotations":{"k":"v"}}"#)
        s.status = .stopped
        s.exitStatus = 3
        #expect(s.json["pid"] == nil)
        #expect(OCIState.from(s.record) == s)
    }
}
