import CHusk
import Glibc
import Sentry
import SystemPackage

/// `husk run`: sets up the sandbox (cgroup, monitor, Gofer, Sentry), relays stdio and returns
/// the program's exit status (128+N for signal N; 125 for husk's own failures).
public enum SandboxRun {
    public static func run(_ o: RunOptions) -> Int32 {
        do throws(HuskError) { return try runOrThrow(o) } catch {
            huskWarn(error.message)
            return HuskExitStatus.internalError
        }
    }

    /// `runtime`: the OCI shim's side (docs/oci.md): the Sentry holds the program until `start`.
    static func runOrThrow(_ o: RunOptions, runtime: ShimChannel? = nil) throws(HuskError) -> Int32 {
        // Started by another user than root: rootless mode, each part in a user namespace of
        // its own that maps that user to its root (docs/security.md "What needs root").
        let rootless = geteuid() != 0
        if rootless && o.network == .joined {
            throw HuskError("joining the network namespace \(o.networkNamespacePath ?? "") needs root")
        }
        if rootless && o.network == .pasta {
            // pasta's namespaces are owned by nobody, which only root can become.
            throw HuskError("--network pasta needs root so far (rootless runs: --network none or host)")
        }
        if o.noCgroup && !o.limits.isEmpty {
            throw HuskError("--no-cgroup: resource limits (--memory, --pids, --cpus, ...) need a cgroup")
        }
        DebugTiming.mark("command line parsed")
        if runtime == nil, let status = PoolClient.run(o) { return status }
        let exe = try PartsExecutable.open()
        // The parts' zygote (Parts/Zygote.swift), started before the command line was parsed
        // (husk run) or now (the OCI shim); it clones the Gofer and the Sentry. Without it they
        // are exec'd.
        var zygote = takeEarlyZygote() ?? PartsZygote.begin(exe)
        var zygoteHandedOver = false
        defer { if !zygoteHandedOver { zygote?.end() } }
        _ = chusk_ignore_signal(SIGPIPE)
        let forwarded: [Int32] = o.tty ? [SIGINT, SIGTERM, SIGHUP, SIGWINCH] : [SIGINT, SIGTERM, SIGHUP]
        let signalFD = chusk_signalfd_block(forwarded, Int32(forwarded.count))
        if signalFD < 0 { throw HuskError("signalfd", errnoFrom(signalFD)) }

        let id = newSandboxID()
        let cgroups: CgroupSet
        if o.noCgroup {
            cgroups = CgroupSet(placements: [])
        } else {
            do throws(HuskError) { cgroups = try CgroupSet.create(CgroupSet.planForSelf(id: id)) } catch {
                guard rootless, let e = error.errno, e == .permissionDenied || e == .notPermitted || e == .readOnlyFileSystem else { throw error }
                let who = "no delegated cgroup for \(userName(geteuid()))"
                if !o.limits.isEmpty {
                    throw HuskError(who + ": resource limits need root or a delegated cgroup (run without --memory/--pids/--cpus/--cpu-shares/--cpuset-cpus/--device-*)")
                }
                throw HuskError(who + ": run with --no-cgroup to run without one (no resource limits)")
            }
        }
        DebugTiming.mark("cgroup created")
        var parts = Parts(cgroups: cgroups)
        parts.zygote = zygote
        zygoteHandedOver = true
        parts.userNamespace = rootless ? (geteuid(), getegid()) : nil
        var ends = try start(&parts, o, exe: exe, runtime: runtime)
        return ends.relayAndReport(o, signalFD: signalFD, placements: cgroups.placements, runtime: runtime)
    }

    /// A sandbox for the pool (docs/pool.md): started as husk run starts one for `o`, its
    /// Sentry booted and waiting for its launch.
    static func startPooled(_ o: RunOptions, exe: PartsExecutable) throws(HuskError) -> SandboxEnds {
        var parts = Parts(cgroups: try CgroupSet.create(CgroupSet.planForSelf(id: newSandboxID())))
        parts.zygote = PartsZygote.begin(exe)
        parts.userNamespace = geteuid() != 0 ? (geteuid(), getegid()) : nil
        return try start(&parts, o, exe: exe, pooled: true)
    }

    /// The limits, then the parts (undone on a failure).
    private static func start(_ parts: inout Parts, _ o: RunOptions, exe: PartsExecutable, runtime: ShimChannel? = nil,
                              pooled: Bool = false) throws(HuskError) -> SandboxEnds {
        let cgroups = parts.cgroups
        do throws(HuskError) {
            try o.limits.write(to: cgroups.placements)
            if o.wantsStats { BlockIOAccounting.enable(cgroups.placements, paths: [o.rootfs ?? "/"] + o.volumes.map(\.host)) }
            // The joins' one slow step (an RCU grace period) overlaps with the spawns from here
            // (after the mkdirs: the warming write holds the cgroup mutex while it waits).
            // Only for moves by pid, into v2 placements (the parts and pasta move themselves
            // into v1 ones without that wait).
            if cgroups.needsProcsJoin, let first = cgroups.placements.first {
                _ = chusk_cgroup_warm_start(first.ownDirectory + "/cgroup.procs")
            }
            defer { chusk_cgroup_warm_wait() }
            DebugTiming.mark("limits written")
            return try parts.start(o, exe: exe, runtime: runtime, pooled: pooled)
        } catch {
            parts.fail()
            throw error
        }
    }

    /// The zygote `husk run` starts before it parses its command line, so that its exec
    /// overlaps with the parsing; unused (a parse error, --help), it ends with husk run.
    nonisolated(unsafe) static var earlyZygote: PartsZygote? = nil

    public static func startZygoteEarly() {
        guard earlyZygote == nil, let exe = try? PartsExecutable.open() else { return }
        earlyZygote = PartsZygote.begin(exe)
        close(exe.fd)
        DebugTiming.mark("zygote spawned")
    }

    static func takeEarlyZygote() -> PartsZygote? {
        defer { earlyZygote = nil }
        return earlyZygote
    }

    /// The user's name for messages, or the number.
    static func userName(_ uid: uid_t) -> String {
        if let pw = getpwuid(uid), let name = pw.pointee.pw_name { return String(cString: name) }
        return "uid \(uid)"
    }
}

/// The running parts of one sandbox, so that a failure half-way can undo exactly what exists.
struct Parts {
    let cgroups: CgroupSet
    var gofer: PendingChild? = nil
    var sentry: PendingChild? = nil
    var released: [pid_t] = []
    var monitorPidFD: Int32 = -1
    /// `--network pasta`: pasta (held until the cgroup joins) and its namespaces.
    var pasta: PendingChild? = nil
    var pastaNetwork: PastaNetwork? = nil
    /// husk run's end of the monitor's done pipe (PartFD.monitorDone).
    var monitorDoneW: Int32 = -1
    /// Rootless: the host uid and gid each part's user namespace maps to its root.
    var userNamespace: (uid: uid_t, gid: gid_t)? = nil
    /// Clones the Gofer and the Sentry; ended once both exist.
    var zygote: PartsZygote? = nil

    init(cgroups: CgroupSet) { self.cgroups = cgroups }

    /// chusk_monitor_fork with `margs` as C strings, made before the fork (the child allocates
    /// nothing). The child's pid, or -errno.
    static func forkMonitor(_ margs: MonitorArguments, readyW: Int32, doneR: Int32, parts: Int32, devNull: Int32) -> Int32 {
        var args: [UnsafeMutablePointer<CChar>?] = margs.arguments.map { strdup($0) } + [nil]
        defer { for a in args { free(a) } }
        let pids: [Int32] = [margs.watch, margs.sentry, margs.gofer, margs.pasta]
        return args.withUnsafeMutableBufferPointer { a in
            pids.withUnsafeBufferPointer { p in chusk_monitor_fork(readyW, doneR, parts, devNull, p.baseAddress, a.baseAddress, environ) }
        }
    }

    /// Starts the Gofer, the Sentry and the monitor and lets the Sentry boot; returns husk
    /// run's ends of it. `pooled`: the Sentry gets no program but a launch socket (docs/pool.md),
    /// whose other end is in the result.
    mutating func start(_ o: RunOptions, exe: PartsExecutable, runtime: ShimChannel? = nil, pooled: Bool = false) throws(HuskError) -> SandboxEnds {
        let socks = try socketPair()
        let stdinP = try makePipe(), stdoutP = try makePipe(), stderrP = try makePipe(), statusP = try makePipe()
        let goferReady = try makePipe(), monitorReady = try makePipe()
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        if devNull < 0 { throw HuskError("/dev/null", Errno(rawValue: errno)) }
        let childSide = [socks.0, socks.1, stdinP.read, stdoutP.write, stderrP.write, statusP.write,
                         goferReady.write, monitorReady.write, devNull]
        var stillOpen = Set(childSide)
        func done(_ fd: Int32) { if stillOpen.remove(fd) != nil { close(fd) } }
        defer { for fd in stillOpen { close(fd) } }

        // Each part (and pasta) moves itself into the v1 cgroups as soon as it is released
        // (CHUSK_JOIN_CGROUP).
        let selfJoin = try cgroups.openSelfJoinFiles()
        defer { for fd in selfJoin { close(fd) } }
        let joinFDs = selfJoin.map { (source: $0, target: Int32(CHUSK_JOIN_CGROUP)) }
        var goferArgs = GoferArguments(rootfs: o.rootfs, volumes: o.volumes, hostUDS: o.hostUDS)
        goferArgs.pooled = pooled
        gofer = try spawnPart(exe, argv: ["husk"] + goferArgs.arguments,
            fds: [(devNull, 0), (devNull, 1), (2, 2), (socks.0, PartFD.goferSocket), (goferReady.write, PartFD.goferReady)] + joinFDs,
            cloneFlags: Namespaces.gofer | userFlag)
        try mapRoot(gofer!.pid)
        lowerOOMScore(gofer!.pid)
        DebugTiming.mark("gofer spawned (held)")
        // -t: the console's first window size; sizes that follow go through the control pipe.
        let terminal = o.tty ? (currentTerminal() ?? TerminalInfo(termios: [], rows: 24, columns: 80)) : nil
        let controlP = o.tty ? try makePipe() : nil
        if let c = controlP { stillOpen.insert(c.read) }
        var sentryArgs = SentryArguments(argv: pooled ? [] : o.argv, env: pooled ? [] : o.env, cwd: o.cwd, strace: o.strace, terminal: terminal)
        sentryArgs.awaitLaunch = pooled
        let launchP = pooled ? try socketPair() : nil
        if let l = launchP { stillOpen.insert(l.1) }
        var launchOurs = launchP?.0 ?? -1
        defer { if launchOurs >= 0 { close(launchOurs) } }
        sentryArgs.platform = o.platform
        sentryArgs.rootfsReadonly = o.rootfsReadonly
        sentryArgs.memoryLimit = o.limits.memoryBytes
        sentryArgs.volumes = o.volumes.map { VolumeSpec(host: "", guest: $0.guest, readOnly: $0.readOnly) }
        sentryArgs.hostname = o.hostname
        sentryArgs.network = o.network
        sentryArgs.hostUDS = o.hostUDS
        (sentryArgs.hostHosts, sentryArgs.hostResolvConf) = try hostNetworkFiles(o.network)
        sentryArgs.tmpfs = o.tmpfs
        if let u = o.user { sentryArgs.user = "\(u.uid):\(u.gid)" }
        var runtimeFDs: [(Int32, Int32)] = []
        if let r = runtime {
            r.extras.apply(to: &sentryArgs)
            let pair = try socketPair(stream: true)
            stillOpen.insert(pair.1)
            r.sentryFD = pair.0
            runtimeFDs = [(pair.1, PartFD.sentryRuntime)]
        }
        // --network pasta: the namespace the Sentry joins and pasta serves (PastaNetwork).
        if o.network == .pasta { pastaNetwork = try PastaNetwork.prepare() }
        // A network namespace given by path (OCI): the Sentry joins it as it joins pasta's.
        var joinedNetns: Int32 = -1
        if o.network == .joined { joinedNetns = try openNetworkNamespace(o.networkNamespacePath ?? "") }
        defer { if joinedNetns >= 0 { close(joinedNetns) } }
        let sentryGo = try makePipe()
        stillOpen.insert(sentryGo.read)
        defer { close(sentryGo.write) }
        sentry = try spawnPart(exe, argv: ["husk"] + sentryArgs.arguments,
            fds: [(devNull, 0), (devNull, 1), (2, 2), (socks.1, PartFD.sentryGofer), (stdinP.read, PartFD.sentryStdin),
                  (stdoutP.write, PartFD.sentryStdout), (stderrP.write, PartFD.sentryStderr), (statusP.write, PartFD.sentryStatus)]
                  + (controlP.map { [($0.read, PartFD.sentryControl)] } ?? []) + [(sentryGo.read, PartFD.sentryGo)] + runtimeFDs + joinFDs
                  + (launchP.map { [($0.1, PartFD.sentryLaunch)] } ?? []),
            cloneFlags: Namespaces.sentry(network: o.network) | userFlag,
            netnsFD: pastaNetwork?.netFD ?? joinedNetns)
        zygote?.end(); zygote = nil
        try mapRoot(sentry!.pid)
        lowerOOMScore(sentry!.pid)
        DebugTiming.mark("sentry spawned (held)")

        var pastaReady: Int32 = -1
        if let net = pastaNetwork {
            let (child, readyR) = try net.spawn(publish: o.publish, devNull: devNull, joinFDs: joinFDs)
            pasta = child
            pastaReady = readyR
            DebugTiming.mark("pasta spawned (held before exec)")
        }
        // The monitor first: from the moment the parts may run, someone outlives us to clean up.
        // A pooled sandbox's monitor watches its done pipe alone: the pool hands it to husk run.
        let margs = MonitorArguments(watch: pooled ? 0 : getpid(), sentry: sentry!.pid, gofer: gofer!.pid, cgroups: cgroups.directories,
                                     pasta: pasta?.pid ?? 0)
        let monitorDone = try makePipe()
        monitorDoneW = monitorDone.write
        stillOpen.insert(monitorDone.read)
        // Its waiting half is a fork running C only (chusk_monitor_fork), which shares husk
        // run's pages; the clean-up it execs is husk-parts' `monitor --end`.
        let monitorPid = Self.forkMonitor(margs, readyW: monitorReady.write, doneR: monitorDone.read, parts: exe.fd, devNull: devNull)
        done(monitorDone.read)
        guard monitorPid > 0 else { throw HuskError("cannot start the monitor: \(Errno(rawValue: -monitorPid))") }
        monitorPidFD = chusk_pidfd_open(monitorPid)
        done(monitorReady.write)
        defer { close(monitorReady.read) }
        guard readByte(monitorReady.read) else { throw HuskError("monitor did not start") }
        DebugTiming.mark("monitor ready")

        // Both parts go now. Each first moves itself into the v1 cgroups (its confirm() reports
        // a failure), then does its trusted set-up (jails, the root view, the Sentry's filter).
        // The v2 ones, where a pid must be written and the move's grace period is paid, are
        // joined here while that set-up runs. Either way the parts are in the cgroup before the
        // Gofer serves and before the Sentry boots, unshares its cgroup namespace (so that its
        // root is the sandbox's cgroup) and forks the first task (docs/startup.md).
        try gofer!.letGo(); released.append(gofer!.pid)
        try sentry!.letGo(); released.append(sentry!.pid)
        if cgroups.needsProcsJoin {
            chusk_cgroup_warm_wait()
            DebugTiming.mark("cgroup move warmed up")
            try cgroups.join(pid: gofer!.pid, v2Only: true)
            try cgroups.join(pid: sentry!.pid, v2Only: true)
            DebugTiming.mark("gofer and sentry joined the v2 cgroups")
        }
        if pasta != nil {
            if cgroups.needsProcsJoin { try cgroups.join(pid: pasta!.pid, v2Only: true) }
            try pasta!.release(); released.append(pasta!.pid)
            try PastaNetwork.waitReady(pastaReady)
            pastaNetwork?.close(); pastaNetwork = nil
            DebugTiming.mark("pasta ready")
        }
        try gofer!.confirm()
        done(goferReady.write)
        defer { close(goferReady.read) }
        // The Sentry starts, enters its jail and compiles its filter meanwhile; it boots on the go byte.
        try sentry!.confirm()
        done(sentryGo.read)
        DebugTiming.mark("gofer and sentry started")
        guard readByte(goferReady.read) else { throw HuskError("gofer: the root view could not be set up") }
        DebugTiming.mark("gofer ready")
        var one: UInt8 = 1
        if write(sentryGo.write, &one, 1) != 1 { throw HuskError("sentry did not start", Errno(rawValue: errno)) }

        let sentryPidFD = chusk_pidfd_open(sentry!.pid)
        if sentryPidFD < 0 { throw HuskError("pidfd_open", errnoFrom(sentryPidFD)) }
        // Only the Sentry holds the far ends now: EOF on them means it is gone.
        for fd in stillOpen { close(fd) }
        stillOpen = []
        var ends = SandboxEnds(stdinW: stdinP.write, stdoutR: stdoutP.read, stderrR: stderrP.read, statusR: statusP.read,
                               sentryPid: sentry!.pid, sentryPidFD: sentryPidFD, goferPid: gofer!.pid,
                               goferPidFD: chusk_pidfd_open(gofer!.pid), monitorDoneW: monitorDoneW,
                               cgroups: cgroups.directories)
        monitorDoneW = -1
        ends.controlW = controlP?.write ?? -1
        if pooled {
            ends.launchW = launchOurs
            launchOurs = -1
            return ends
        }
        if let r = runtime {
            // Created: the Sentry holds the program before its first instruction (or failed,
            // and its status follows on the status pipe as for husk run).
            r.sentryPid = sentry!.pid
            r.cgroups = cgroups.placements
            r.partPids = Set([gofer!.pid, sentry!.pid] + (pasta.map { [$0.pid] } ?? []))
            if r.awaitHeld() { r.created() }
        }
        return ends
    }

    /// Opens a network namespace file (nsfs: /run/netns/NAME, /proc/PID/ns/net), refusing
    /// anything else in one line.
    func openNetworkNamespace(_ path: String) throws(HuskError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw HuskError("network namespace \(path)", Errno(rawValue: errno)) }
        guard chusk_namespace_type(fd) == Int32(CHUSK_SB_CLONE_NEWNET) else {
            close(fd)
            throw HuskError("network namespace \(path): not a network namespace file")
        }
        return fd
    }

    /// The host's /etc/hosts and /etc/resolv.conf for the modes that show them (NetworkFiles):
    /// hosts with `host`, resolv.conf with `host` and `pasta`. A missing file is an empty one.
    func hostNetworkFiles(_ mode: NetworkNamespace.Mode) throws(HuskError) -> (String?, String?) {
        func read(_ path: String) throws(HuskError) -> String {
            guard let text = try? HostFS.read(path) else { return "" }
            if text.utf8.count > NetworkFiles.maximumHostFileBytes || text.utf8.contains(0) {
                throw HuskError("--network \(mode.rawValue): the host's \(path) is larger than \(NetworkFiles.maximumHostFileBytes / 1024) KiB or holds a NUL byte")
            }
            return text
        }
        switch mode {
        case .none, .joined: return (nil, nil)
        case .host: return (try read("/etc/hosts"), try read("/etc/resolv.conf"))
        case .pasta: return (nil, try read("/etc/resolv.conf"))
        }
    }

    /// CLONE_NEWUSER when rootless.
    var userFlag: UInt { userNamespace == nil ? 0 : UInt(CHUSK_SB_CLONE_NEWUSER) }

    /// Rootless: while the child waits for its release, maps its user namespace's root to our
    /// uid and gid (setgroups denied first, as an unprivileged gid_map needs). One mapping of
    /// one's own ids needs no newuidmap.
    func mapRoot(_ pid: pid_t) throws(HuskError) {
        guard let ids = userNamespace else { return }
        for (file, text) in [("setgroups", "deny"), ("uid_map", "0 \(ids.uid) 1\n"), ("gid_map", "0 \(ids.gid) 1\n")] {
            do throws(Errno) { try HostFS.write("/proc/\(pid)/\(file)", text) } catch {
                throw HuskError("user namespace /proc/\(pid)/\(file)", error)
            }
        }
    }

    /// After a failure: the monitor kills the rest and removes the cgroup; wait for it so
    /// that husk run returns with the sandbox gone, then reap the Gofer.
    mutating func finish() {
        monitorHandOver(&monitorDoneW, reported: false)
        if monitorPidFD >= 0 {
            var p = pollfd(fd: monitorPidFD, events: Int16(POLLIN), revents: 0)
            _ = poll(&p, 1, 10_000)
        }
        var st: Int32 = 0
        while waitpid(-1, &st, WNOHANG) > 0 {}
        if let g = gofer { _ = waitpid(g.pid, &st, 0) }
    }

    /// A held part: cloned by the zygote, or (without one, or when it fails) exec'd.
    private mutating func spawnPart(_ exe: PartsExecutable, argv: [String], fds: [(source: Int32, target: Int32)],
                                    cloneFlags: UInt, netnsFD: Int32 = -1) throws(HuskError) -> PendingChild {
        if let z = zygote {
            do throws(HuskError) { return try z.spawn(argv: argv, fds: fds, cloneFlags: cloneFlags, netnsFD: netnsFD, setsid: true) } catch {
                zygote?.end(); zygote = nil
            }
        }
        return try PendingChild.spawn(exe, argv: argv, fds: fds, cloneFlags: cloneFlags, netnsFD: netnsFD, setsid: true)
    }

    /// A failure before the program ran: undo whatever started.
    mutating func fail() {
        zygote?.end(); zygote = nil
        if var g = gofer, !released.contains(g.pid) { g.abandon() }
        if var s = sentry, !released.contains(s.pid) { s.abandon() }
        if var p = pasta, !released.contains(p.pid) { p.abandon() }
        pastaNetwork?.close(); pastaNetwork = nil
        for pid in released { kill(pid, SIGKILL) }
        var st: Int32 = 0
        for pid in released { _ = waitpid(pid, &st, 0) }
        if monitorPidFD >= 0 { finish() } else { CgroupSet.killAndRemove(cgroups.directories) }
    }

    private func socketPair(stream: Bool = false) throws(HuskError) -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        let type = stream ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_SEQPACKET.rawValue)
        if socketpair(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) != 0 {
            throw HuskError("socketpair", Errno(rawValue: errno))
        }
        return (fds[0], fds[1])
    }
}

/// One byte from a pipe: true; EOF or error: false.
public func readByte(_ fd: Int32) -> Bool {
    var b: UInt8 = 0
    var n: Int
    repeat { n = read(fd, &b, 1) } while n < 0 && errno == EINTR
    return n == 1
}
