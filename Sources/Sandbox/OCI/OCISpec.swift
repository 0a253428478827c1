import Glibc
import Platform
import Sentry
import SystemPackage

/// A regular file bind-mounted by config.json (podman's /etc/hosts, /etc/hostname,
/// /etc/resolv.conf, /run/.containerenv): the Sentry shows a snapshot of its contents taken at
/// create, read-only (docs/oci.md "Departures").
public struct OCIFile: Equatable, Sendable {
    public var guest: String
    public var contents: [UInt8]
    public init(guest: String, contents: [UInt8]) { self.guest = guest; self.contents = contents }
}

/// One hook of config.json (runtime-spec config.md "POSIX-platform Hooks").
public struct OCIHook: Equatable, Sendable {
    public var path: String
    public var args: [String]
    public var env: [String]
    public var timeoutSeconds: Int?
}

/// The capability sets of process.capabilities, as bit masks (bit N: capability N).
public struct CapabilitySets: Equatable, Sendable {
    public var bounding: UInt64 = 0, effective: UInt64 = 0, inheritable: UInt64 = 0, permitted: UInt64 = 0, ambient: UInt64 = 0
    public init() {}
    /// "B:E:I:P:A" in hex, for the Sentry's command line.
    public var encoded: String {
        [bounding, effective, inheritable, permitted, ambient].map { String($0, radix: 16) }.joined(separator: ":")
    }
    public static func decode(_ s: String) -> CapabilitySets? {
        let v = s.split(separator: ":", omittingEmptySubsequences: false).compactMap { UInt64($0, radix: 16) }
        guard v.count == 5 else { return nil }
        var c = CapabilitySets()
        (c.bounding, c.effective, c.inheritable, c.permitted, c.ambient) = (v[0], v[1], v[2], v[3], v[4])
        return c
    }
}

/// What config.json asks for, in the terms of husk run (RunOptions) plus what only the OCI
/// runtime has (hooks, extra groups, rlimits, capabilities, file snapshots, masked paths).
public struct OCIPlan: Sendable {
    public var options: RunOptions
    public var additionalGids: [UInt32] = []
    public var rlimits: [(resource: Int32, soft: UInt64, hard: UInt64)] = []
    public var capabilities: CapabilitySets?
    public var noNewPrivileges = false
    public var terminal = false
    /// process.consoleSize (rows, columns), the terminal's first size.
    public var consoleSize: (rows: UInt16, columns: UInt16)?
    public var files: [OCIFile] = []
    public var maskedPaths: [String] = []
    public var readonlyPaths: [String] = []
    public var hooks: [String: [OCIHook]] = [:]
    public var annotations: [(String, String)] = []
    public var ociVersion = ""
    /// linux.seccomp, compiled.
    public var seccomp: OCISeccompFilter?
}

/// A runtime-spec `process`: what husk create runs, and what husk exec starts beside it.
public struct OCIProcess: Sendable {
    public var args: [String]
    public var env: [String] = []
    public var cwd = "/"
    public var user: (uid: UInt32, gid: UInt32)?
    public var additionalGids: [UInt32] = []
    public var terminal = false
    public var consoleSize: (rows: UInt16, columns: UInt16)?
    public var noNewPrivileges = false
    public var rlimits: [(resource: Int32, soft: UInt64, hard: UInt64)] = []
    public var capabilities: CapabilitySets?
    public init(args: [String]) { self.args = args }
}

/// Reads a bundle's config.json (runtime-spec 1.x) into an OCIPlan, refusing what Husk cannot
/// honour with one line that names it.
public enum OCISpec {
    /// `"dev.husk.platform": "ptrace"` in config.json's annotations (podman --annotation).
    public static let platformAnnotation = "dev.husk.platform"
    public static let hookNames = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]

    /// Loads BUNDLE/config.json. `readFile` reads a host file (tests pass their own).
    public static func load(bundle: String) throws(HuskError) -> OCIPlan {
        let text: String
        do throws(Errno) { text = try HostFS.read(bundle + "/config.json") } catch {
            throw HuskError("\(bundle)/config.json", error)
        }
        return try plan(configText: text, bundle: bundle, readFile: readSmallFile)
    }

    static func fail(_ m: String) -> HuskError { HuskError("config.json: " + m) }

    /// The plan for config text; `bundle` resolves a relative root.path; `readFile` returns a
    /// host file's bytes for a file bind mount (nil: not a regular file).
    public static func plan(configText: String, bundle: String, readFile: (String) -> FileKind) throws(HuskError) -> OCIPlan {
        let root: JSON
        do throws(JSON.ParseError) { root = try JSON.parse(configText) } catch {
            throw fail("malformed JSON at byte \(error.offset): \(error.message)")
        }
        guard root.members != nil else { throw fail("not a JSON object") }
        guard let version = root["ociVersion"]?.string else { throw fail("ociVersion is missing") }
        guard version.hasPrefix("1.") else { throw fail("ociVersion \(version) is not 1.x") }
        guard let process = root["process"], process.members != nil else { throw fail("process is missing (husk create needs a process to run)") }
        let p = try self.process(process)
        var o = RunOptions(argv: p.args.map { ArgumentBytes.string($0.utf8) }, env: p.env, cwd: p.cwd)
        o.user = p.user
        var plan = OCIPlan(options: o)
        plan.ociVersion = version
        plan.additionalGids = p.additionalGids
        plan.terminal = p.terminal
        plan.consoleSize = p.consoleSize
        plan.noNewPrivileges = p.noNewPrivileges
        plan.rlimits = p.rlimits
        plan.capabilities = p.capabilities
        // process.apparmorProfile, selinuxLabel and oomScoreAdj are not read: the Sentry's own
        // confinement stands in for them (docs/oci.md "Departures").

        // root
        guard let rootPath = root["root"]?["path"]?.string, !rootPath.isEmpty else { throw fail("root.path is missing") }
        o.rootfs = rootPath.hasPrefix("/") ? rootPath : bundle + "/" + rootPath
        o.rootfsReadonly = root["root"]?["readonly"]?.bool ?? false
        if let h = root["hostname"]?.string, !h.isEmpty {
            guard h.utf8.count <= 64 else { throw fail("hostname \(h) is longer than 64 bytes") }
            o.hostname = h
        }

        // mounts
        for m in root["mounts"]?.array ?? [] {
            try mount(m, into: &o, plan: &plan, readFile: readFile)
        }

        // linux
        let linux = root["linux"] ?? .null
        var sawNetwork = false
        for ns in linux["namespaces"]?.array ?? [] {
            guard let type = ns["type"]?.string else { throw fail("linux.namespaces: an entry without a type") }
            guard ["pid", "network", "ipc", "uts", "mount", "cgroup", "user"].contains(type) else {
                throw fail("linux.namespaces: \(type) namespaces are not supported")
            }
            if let p = ns["path"]?.string, !p.isEmpty {
                // The network namespace alone can be joined: the Sentry makes the sandbox's
                // sockets there (podman's bridge, a CRI pod's sandbox).
                guard type == "network" else {
                    throw fail("linux.namespaces: joining the \(type) namespace at \(p) is not supported (the sandbox makes its own)")
                }
                guard p.hasPrefix("/") else { throw fail("linux.namespaces: network namespace path \(p) is not absolute") }
                o.networkNamespacePath = p
            }
            if type == "network" { sawNetwork = true }
        }
        // No network namespace asked for: the container shares the runtime's (runtime-spec).
        o.network = o.networkNamespacePath != nil ? .joined : sawNetwork || linux.isNull ? .none : .host
        if let res = linux["resources"], !res.isNull { o.limits = try limits(res) }
        plan.maskedPaths = try strings(linux["maskedPaths"], "linux.maskedPaths") ?? []
        plan.readonlyPaths = try strings(linux["readonlyPaths"], "linux.readonlyPaths") ?? []
        for p in plan.maskedPaths + plan.readonlyPaths where !p.hasPrefix("/") { throw fail("linux.maskedPaths/readonlyPaths: \(p) is not absolute") }
        if let devs = linux["devices"]?.array, !devs.isEmpty {
            throw fail("linux.devices: device nodes are not supported (the sandbox's /dev is the Sentry's own)")
        }
        if let u = linux["uidMappings"]?.array, !u.isEmpty { throw fail("linux.uidMappings: user namespace mappings are not supported") }
        if let sc = linux["seccomp"], !sc.isNull { plan.seccomp = try OCISeccomp.compile(sc) }

        // hooks
        if let hooks = root["hooks"], !hooks.isNull {
            guard let members = hooks.members else { throw fail("hooks is not an object") }
            for (name, list) in members {
                guard hookNames.contains(name) else { throw fail("hooks.\(name) is not a hook of the runtime-spec") }
                var out: [OCIHook] = []
                for h in list.array ?? [] {
                    guard let path = h["path"]?.string, path.hasPrefix("/") else { throw fail("hooks.\(name): a hook needs an absolute path") }
                    let t = h["timeout"]?.int64
                    if let t, t <= 0 { throw fail("hooks.\(name): timeout must be positive") }
                    out.append(OCIHook(path: path, args: try strings(h["args"], "hooks.\(name).args") ?? [path],
                                       env: try strings(h["env"], "hooks.\(name).env") ?? [], timeoutSeconds: t.map(Int.init)))
                }
                plan.hooks[name] = out
            }
        }
        for (k, v) in root["annotations"]?.members ?? [] { if let s = v.string { plan.annotations.append((k, s)) } }
        // The one annotation Husk reads: the platform, as husk run's --platform.
        if let name = plan.annotations.last(where: { $0.0 == platformAnnotation })?.1 {
            guard let kind = PlatformKind(rawValue: name) else {
                throw fail("annotations.\(platformAnnotation): \(name) is not a platform (\(PlatformKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            o.platform = kind
        }
        plan.options = o
        return plan
    }

    /// A `process` object (config.json's, or `husk exec --process`'s).
    public static func process(_ process: JSON) throws(HuskError) -> OCIProcess {
        guard let args = try strings(process["args"], "process.args"), !args.isEmpty else { throw fail("process.args is missing or empty") }
        var p = OCIProcess(args: args)
        p.env = try strings(process["env"], "process.env") ?? []
        p.cwd = process["cwd"]?.string ?? "/"
        guard p.cwd.hasPrefix("/") else { throw fail("process.cwd \(p.cwd) is not absolute") }
        if let user = process["user"] {
            guard let uid = user["uid"]?.int64, let gid = user["gid"]?.int64,
                  (0..<Int64(UInt32.max)).contains(uid), (0..<Int64(UInt32.max)).contains(gid) else {
                throw fail("process.user needs numeric uid and gid")
            }
            p.user = (UInt32(uid), UInt32(gid))
            for g in user["additionalGids"]?.array ?? [] {
                guard let v = g.int64, (0..<Int64(UInt32.max)).contains(v) else { throw fail("process.user.additionalGids holds a bad gid") }
                p.additionalGids.append(UInt32(v))
            }
            if user["username"]?.string != nil { throw fail("process.user.username is Windows-only") }
        }
        p.terminal = process["terminal"]?.bool ?? false
        if let cs = process["consoleSize"], let h = cs["height"]?.int64, let w = cs["width"]?.int64,
           (1...Int64(UInt16.max)).contains(h), (1...Int64(UInt16.max)).contains(w) {
            p.consoleSize = (UInt16(h), UInt16(w))
        }
        p.noNewPrivileges = process["noNewPrivileges"]?.bool ?? false
        for r in process["rlimits"]?.array ?? [] {
            guard let type = r["type"]?.string, let res = rlimitNumber(type) else {
                throw fail("process.rlimits: unknown type \(r["type"]?.string ?? "(missing)")")
            }
            guard let soft = r["soft"]?.int64, let hard = r["hard"]?.int64, soft >= 0, hard >= 0, soft <= hard else {
                throw fail("process.rlimits \(type): soft and hard must be numbers with soft <= hard")
            }
            p.rlimits.append((res, UInt64(soft), UInt64(hard)))
        }
        if let caps = process["capabilities"], !caps.isNull {
            var c = CapabilitySets()
            for (name, keyPath) in [("bounding", \CapabilitySets.bounding), ("effective", \.effective), ("inheritable", \.inheritable),
                                    ("permitted", \.permitted), ("ambient", \.ambient)] {
                for n in try strings(caps[name], "process.capabilities.\(name)") ?? [] {
                    guard let bit = capabilityNumber(n) else { throw fail("process.capabilities.\(name): unknown capability \(n)") }
                    c[keyPath: keyPath] |= 1 << UInt64(bit)
                }
            }
            // Ambient capabilities matter only to a non-root program, which the Sentry's
            // credentials (no ambient set) would leave without them: refused rather than dropped.
            if c.ambient != 0 && (p.user?.uid ?? 0) != 0 { throw fail("process.capabilities.ambient for a non-root user is not supported") }
            p.capabilities = c
        }
        return p
    }

    static func strings(_ v: JSON?, _ what: String) throws(HuskError) -> [String]? {
        guard let v, !v.isNull else { return nil }
        guard let a = v.array else { throw fail("\(what) is not an array") }
        var out: [String] = []
        for e in a {
            guard let s = e.string else { throw fail("\(what) holds a non-string") }
            out.append(s)
        }
        return out
    }

    /// A bind source: a directory, a regular file's bytes, or something else.
    public enum FileKind { case directory, file([UInt8]), other }

    static func readSmallFile(_ path: String) -> FileKind {
        var st = stat()
        guard stat(path, &st) == 0 else { return .other }
        if st.st_mode & S_IFMT == S_IFDIR { return .directory }
        guard st.st_mode & S_IFMT == S_IFREG, st.st_size <= 1 << 20, let text = try? HostFS.read(path) else { return .other }
        return .file(Array(text.utf8))
    }

    /// One entry of mounts: a volume, a tmpfs, a file snapshot, or one of the Sentry's own.
    static func mount(_ m: JSON, into o: inout RunOptions, plan: inout OCIPlan, readFile: (String) -> FileKind) throws(HuskError) {
        guard let dest = m["destination"]?.string, dest.hasPrefix("/") else { throw fail("mounts: an entry without an absolute destination") }
        let names = dest.split(separator: "/")
        guard !names.contains(where: { $0 == "." || $0 == ".." }) else { throw fail("mounts: \(dest) has . or .. in it") }
        let guest = "/" + names.joined(separator: "/")
        let options = try strings(m["options"], "mounts \(dest) options") ?? []
        var type = m["type"]?.string ?? ""
        if options.contains("bind") || options.contains("rbind") { type = "bind" }
        let own: [String: String] = ["proc": "/proc", "sysfs": "/sys", "devpts": "/dev/pts", "mqueue": "/dev/mqueue", "cgroup": "/sys/fs/cgroup", "cgroup2": "/sys/fs/cgroup"]
        if let at = own[type] {
            guard guest == at else { throw fail("mounts: \(type) at \(guest) is not supported (the Sentry serves its own at \(at))") }
            return
        }
        switch type {
        case "tmpfs":
            // The Sentry's /dev is its own devfs (with /dev/shm); an engine's tmpfs there maps to it.
            if guest == "/dev" || guest == "/dev/shm" { return }
            var spec = TmpfsSpec(path: guest)
            for opt in options {
                if opt.hasPrefix("size=") {
                    guard let n = CgroupLimits.parseSize(String(opt.dropFirst(5))) else { throw fail("mounts: tmpfs at \(guest): bad \(opt)") }
                    spec.sizeBytes = n
                } else if opt.hasPrefix("mode=") {
                    guard let md = UInt32(opt.dropFirst(5), radix: 8), md <= 0o7777 else { throw fail("mounts: tmpfs at \(guest): bad \(opt)") }
                    spec.mode = md
                } else if !["nosuid", "nodev", "noexec", "rw", "strictatime", "relatime", "noatime", "rprivate", "private", "tmpcopyup"].contains(opt)
                            && !opt.hasPrefix("uid=") && !opt.hasPrefix("gid=") && !opt.hasPrefix("nr_inodes=") {
                    throw fail("mounts: tmpfs at \(guest): option \(opt) is not supported")
                }
            }
            o.tmpfs.append(spec)
        case "bind":
            guard let source = m["source"]?.string, source.hasPrefix("/") else { throw fail("mounts: bind at \(guest) needs an absolute source") }
            let ro = options.contains("ro")
            if guest == "/dev/shm" { return }   // the Sentry's own /dev/shm (docs/oci.md)
            if guest == "/" { throw fail("mounts: a bind mount on / is not supported (use root.path)") }
            switch readFile(source) {
            case .directory:
                if o.volumes.contains(where: { $0.guest == guest }) { throw fail("mounts: two mounts at \(guest)") }
                o.volumes.append(VolumeSpec(host: source, guest: guest, readOnly: ro))
            case .file(let bytes):
                plan.files.removeAll { $0.guest == guest }
                plan.files.append(OCIFile(guest: guest, contents: bytes))
            case .other:
                throw fail("mounts: bind of \(source) at \(guest): only directories and regular files up to 1 MiB are supported")
            }
        default:
            throw fail("mounts: \(type.isEmpty ? "(no type)" : type) at \(guest) is not supported")
        }
    }

    /// linux.resources in husk's limits.
    static func limits(_ r: JSON) throws(HuskError) -> CgroupLimits {
        var l = CgroupLimits()
        if let m = r["memory"]?["limit"]?.int64, m > 0 { l.memoryBytes = UInt64(m) }
        if let p = r["pids"]?["limit"]?.int64, p > 0 { l.pids = Int(p) }
        if let cpu = r["cpu"], !cpu.isNull {
            if let s = cpu["shares"]?.int64, s > 0 { l.cpuShares = UInt64(max(2, min(s, 262_144))) }
            if let q = cpu["quota"]?.int64, q > 0 {
                let period = cpu["period"]?.int64.flatMap { $0 > 0 ? $0 : nil } ?? Int64(CgroupLimits.cpuPeriodMicros)
                l.cpus = Double(q) / Double(period)
            }
            if let c = cpu["cpus"]?.string, !c.isEmpty {
                guard CgroupLimits.isCpuList(c) else { throw fail("linux.resources.cpu.cpus \(c) is not a CPU list") }
                l.cpusetCpus = c
            }
            if cpu["realtimeRuntime"]?.int64.map({ $0 != 0 }) == true { throw fail("linux.resources.cpu.realtimeRuntime is not supported") }
        }
        if let b = r["blockIO"], !b.isNull {
            if b["weight"]?.int64 != nil || b["weightDevice"]?.array.map({ !$0.isEmpty }) == true {
                throw fail("linux.resources.blockIO weight is not supported (only the throttle*Device limits)")
            }
            for (key, kind) in [("throttleReadBpsDevice", DeviceRate.Kind.readBps), ("throttleWriteBpsDevice", .writeBps),
                                ("throttleReadIOPSDevice", .readIops), ("throttleWriteIOPSDevice", .writeIops)] {
                for d in b[key]?.array ?? [] {
                    guard let ma = d["major"]?.int64, let mi = d["minor"]?.int64, let rate = d["rate"]?.int64, rate > 0 else {
                        throw fail("linux.resources.blockIO.\(key): an entry needs major, minor and a positive rate")
                    }
                    l.deviceRates.append(DeviceRate(kind: kind, major: UInt32(ma), minor: UInt32(mi), rate: UInt64(rate)))
                }
            }
        }
        if let h = r["hugepageLimits"]?.array, !h.isEmpty { throw fail("linux.resources.hugepageLimits is not supported") }
        return l
    }

    static let rlimitNames = ["RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS",
                              "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS",
                              "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME"]
    static func rlimitNumber(_ name: String) -> Int32? { rlimitNames.firstIndex(of: name).map(Int32.init) }

    static let capabilityNames = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
                                  "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
                                  "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
                                  "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
                                  "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
                                  "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"]
    /// "CAP_NET_RAW" → 13.
    public static func capabilityNumber(_ name: String) -> Int? {
        guard name.hasPrefix("CAP_") else { return nil }
        return capabilityNames.firstIndex(of: String(name.dropFirst(4)))
    }
}
