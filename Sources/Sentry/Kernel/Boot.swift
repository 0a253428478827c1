import CHusk
import Glibc
import GoferProtocol
import LinuxABI
import Platform
import SystemPackage

/// Runs the Sentry kernel until the program's PID 1 exits; writes its wait status to
/// `config.statusFD` and returns the Sentry's own exit status (0 once a status was reported).
public func sentryMain(_ config: SentryConfig) -> Int32 {
    chusk_timing_mark("kernel boot")
    let gofer = GoferClient(socketFD: config.goferSocketFD)
    // The sandbox's memory account: the VFS's tmpfs mounts charge it, the Kernel owns it.
    let memory = MemoryAccount(memoryLimit: config.memoryLimit)
    let vfs: VFS
    do { vfs = try VFS.sandbox(gofer: gofer, attach: try gofer.attach(), overlay: !config.rootfsReadonly, memory: memory) } catch {
        return bootFailure("cannot attach the root view: \(error)")
    }
    for (i, v) in config.volumes.enumerated() {
        do { try vfs.mountVolume(gofer, root: UInt32(i + 1), at: v.guest, writable: !v.readOnly) } catch {
            return refuseInSandbox(config, "volume target \(v.guest)", error)
        }
    }
    for t in config.tmpfs {
        do { try vfs.mountTmpFS(at: t.path, mode: t.mode, sizeBytes: t.sizeBytes) } catch {
            return refuseInSandbox(config, "--tmpfs \(t.path)", error)
        }
    }
    let hostname = config.hostname ?? "husk"
    // An OCI bundle's own /etc/hosts or /etc/resolv.conf (config.files) takes their place.
    if !config.files.contains(where: { $0.path == "/etc/hosts" || $0.path == "/etc/resolv.conf" }) {
        do {
            try vfs.mountNetworkFiles(hosts: NetworkFiles.hosts(mode: config.network, hostname: hostname, hostFile: config.hostHosts),
                                      resolvConf: NetworkFiles.resolvConf(mode: config.network, hostFile: config.hostResolvConf))
        } catch { return bootFailure("cannot place /etc/hosts and /etc/resolv.conf: \(error)") }
    }
    for f in config.files {
        let contents = f.contents
        do { try vfs.mount(GeneratedFile(device: vfs.devices.tmpfs, mode: 0o444) { _ in contents }, at: f.path, source: "bind", type: "snapshot", options: "ro") } catch {
            return bootFailure("cannot show the file \(f.path): \(error)")
        }
    }
    // runc's order: the read-only binds, then the masks (a mask below a read-only path covers
    // the view's node).
    for path in config.readonlyPaths { vfs.makeReadOnly(path) }
    for path in config.maskedPaths { vfs.mask(path) }
    // --network none (and pasta): the sandbox's own namespace has only `lo`, down; bring it up while the
    // Sentry still holds CAP_NET_ADMIN there (before its host filter), and let any user bind
    // any port there, as Docker does (net.ipv4.ip_unprivileged_port_start 0): the Sentry, which
    // makes the sockets, keeps no CAP_NET_BIND_SERVICE.
    if config.network != .host {
        if let e = bringLoopbackUp() { return bootFailure("cannot bring up the loopback interface: \(e)") }
        allowUnprivilegedPorts()
    }
    chusk_timing_mark("root view attached, mounts made")
    let platform: any Platform
    // A missing kernel feature (ptrace instead of unotify) is told under --strace or HUSK_DEBUG=1.
    let tellPlatform = config.strace || config.envp.contains("HUSK_DEBUG=1")
    do { platform = try config.platform.make(filter: SyscallTable.applicationFilter) { if tellPlatform { report($0) } } } catch {
        return bootFailure("cannot start the \(config.platform.rawValue) platform: \(error)")
    }
    let kernel = Kernel(platform: platform, vfs: vfs, strace: config.strace ? Strace() : nil, terminal: config.terminal)
    kernel.debugEvents = config.envp.contains("HUSK_DEBUG=1")
    if let h = config.hostname { kernel.uts.hostname = Array(h.utf8) }
    kernel.network.mode = config.network
    kernel.network.hostUDS = config.hostUDS

    let fdTable = FDTable(account: memory)
    if let t = config.terminal {
        // husk run -t: the console pty (TTY/Console.swift) is the program's stdio.
        do {
            let console = try Console(kernel: kernel, inFD: config.stdinFD, outFD: config.stdoutFD, controlFD: config.controlFD,
                                      rows: t.rows, columns: t.columns)
            kernel.console = console
            for fd: Int32 in 0...2 { _ = try? fdTable.install(console.slave, at: fd, closeOnExec: false) }
        } catch { return bootFailure("cannot create the console: \(error)") }
    } else {
        _ = try? fdTable.install(HostStreamFile(kernel: kernel, fd: config.stdinFD, accessMode: O_RDONLY), at: 0, closeOnExec: false)
        _ = try? fdTable.install(HostStreamFile(kernel: kernel, fd: config.stdoutFD, accessMode: O_WRONLY), at: 1, closeOnExec: false)
        _ = try? fdTable.install(HostStreamFile(kernel: kernel, fd: config.stderrFD, accessMode: O_WRONLY), at: 2, closeOnExec: false)
    }
    var creds = Credentials(uid: config.user?.uid ?? 0, gid: config.user?.gid ?? 0)
    creds.groups = config.groups
    if let caps = config.capabilities { creds.setCapabilities(bounding: caps.bounding, inheritable: caps.inheritable) }
    let fs = FSContext(root: vfs.root, cwd: vfs.root, umask: 0o022)
    let boot = BootedKernel(config: config, kernel: kernel, platform: platform, vfs: vfs, fdTable: fdTable, fs: fs, creds: creds)
    if config.launchFD >= 0 { return boot.runPooled() }
    do throws(Errno) {
        try fs.enter(config.workingDirectory, vfs: vfs, creds: creds)
    } catch {
        return refuseInSandbox(config, "--cwd \(config.workingDirectory)", error)
    }

    // Find and check the program before any task exists, so that a missing or unusable
    // program is reported the way shells and container runtimes do (127, 126).
    let argv = config.argv.map(ArgumentBytes.bytes)
    let envp = config.envp.map { Array($0.utf8) }
    guard !(argv.first ?? []).isEmpty else { return bootFailure("no program given") }
    guard let plan = boot.locateProgram(argv: argv, envp: envp) else { return 0 }

    // husk run's rlimits (inherited by the Sentry), read before anything here changes them.
    var husksLimits = boot.inheritedLimits
    for r in config.rlimits where r.resource >= 0 && Int(r.resource) < husksLimits.limits.count {
        husksLimits.limits[Int(r.resource)] = (r.soft, r.hard)
    }
    chusk_timing_mark("program found")
    let task: Task
    do throws(Errno) {
        task = try boot.startFirstTask(shown: plan.argv, rlimits: husksLimits)
        task.nice = Int32(HostProc.statField(task.hostTID, 19) ?? 0)   // husk run's nice, as its child's
        boot.applyHostLimits(task)   // an OCI config's rlimits (husk run's are inherited)
    } catch {
        return bootFailure("cannot start the first task: \(error)")
    }
    if let failure = boot.confine(task) { return failure }
    if config.runtimeControlFD >= 0 {
        // The OCI runtime's create/start split: held here until `husk start` (or a kill).
        let endedBy = RuntimeControl.awaitStart(config.runtimeControlFD)
        if endedBy != 0 {
            // Killed before start: the program never ran; its status is death by that signal.
            kernel.kill(task, signal: SIGKILL)
            writeStatus(config.statusFD, endedBy)
            return 0
        }
        kernel.runtimeControl = RuntimeControl(kernel: kernel, fd: config.runtimeControlFD)
    }
    if let sc = config.seccompFilter {
        // The container's profile (config.json), as the program's own first filter.
        if let error = SysSeccomp.installFirst(task, program: sc.program, flags: sc.flags) {
            kernel.kill(task, signal: SIGKILL)
            return bootFailure("cannot install the container's seccomp profile: \(error)")
        }
    }
    if let control = kernel.runtimeControl {
        // husk exec's processes are cloned from a holder made now, from the fresh image.
        let spawner = ExecSpawner(kernel: kernel, initTask: task) { [unowned control] in control.send($0) }
        do throws(Errno) {
            try spawner.makeHolder(from: task)
            kernel.execSpawner = spawner
        } catch {
            report("husk: sentry: cannot prepare husk exec (\(error)): exec will fail in this container")
        }
    }
    return boot.run(task, plan)
}

/// The Sentry after its boot: the kernel with its VFS and platform, and what the first task
/// gets (its fd table, fs context and credentials).
struct BootedKernel {
    let config: SentryConfig
    let kernel: Kernel
    let platform: any Platform
    let vfs: VFS
    let fdTable: FDTable
    let fs: FSContext
    let creds: Credentials
    /// This process's resource limits at boot, which the first task inherits (read before the
    /// Sentry's own filter, which refuses prlimit64).
    let inheritedLimits = ResourceLimits.ofThisProcess()

    /// The first task, `shown` as its host argv, adopted as PID 1.
    func startFirstTask(shown argv: [[UInt8]], rlimits: ResourceLimits) throws(Errno) -> Task {
        let stub = try makeStubMemfd()
        defer { close(stub) }
        let shown = argv.prefix(64).map { String(decoding: $0.prefix(4096), as: UTF8.self) }
        var spec = FirstTaskSpec(argv: shown, envp: [], fixedFDs: [], stubFD: stub)
        spec.hideMounts = true
        if TaskHostIdentity.isMapped() { spec.hostIDs = (TaskHostIdentity.uid, TaskHostIdentity.gid) }
        let tid = try platform.startFirstTask(spec)
        for fd in platform.lateEventFDs { kernel.watch(fd, queue: nil) }
        let task = kernel.adoptFirstTask(hostTID: tid, fdTable: fdTable, fs: fs, creds: creds, rlimits: rlimits)
        chusk_timing_mark("first task started")
        return task
    }

    /// The limits the host enforces (`ResourceLimits.hostEnforced`: CPU time, data, stack,
    /// locked memory, address space, real-time) made the first task's `group.rlimits`, as a
    /// fresh sandbox's first task inherits husk run's: a pooled task inherited the pool's, and
    /// an OCI config names its own. Only where they differ from what the task inherited. A hard
    /// limit is never raised above the inherited one (that needs CAP_SYS_RESOURCE): the
    /// inherited one holds, and the Sentry's record says so.
    func applyHostLimits(_ task: Task) {
        for r in ResourceLimits.hostEnforced {
            let hard = min(task.group.rlimits.limits[r].hard, inheritedLimits.limits[r].hard)
            let soft = min(task.group.rlimits.limits[r].soft, hard)
            task.group.rlimits.limits[r] = (soft, hard)
            guard soft != inheritedLimits.limits[r].soft || hard != inheritedLimits.limits[r].hard else { continue }
            do throws(Errno) { try task.setHostLimit(r, soft: soft, hard: hard) } catch {
                report("husk: sentry: cannot set the program's resource limit \(r): \(error)")
            }
        }
    }

    /// The program's OOM score, then the Sentry's own filter (after the first task exists, so
    /// that it does not inherit it). A boot failure's status, or nil.
    func confine(_ task: Task) -> Int32? {
        // Before lockdown (after it the Sentry opens nothing for writing): the program first when
        // the memory limit is reached. Its children inherit it and exec keeps it.
        if let error = setOOMScoreAdjust(task.hostTID, OOMScore.program) {
            report("husk: sentry: cannot set the program's oom_score_adj: \(error)")
        }
        if let lockdown = config.lockdown, let error = lockdown(TaskHostIdentity.isMapped()) {
            kernel.kill(task, signal: SIGKILL)
            return bootFailure("cannot confine the sentry: \(error)")
        }
        chusk_timing_mark("sentry filter loaded")
        return nil
    }

    /// The program found as execvp would, or nil once its absence was reported (127, 126).
    func locateProgram(argv: [[UInt8]], envp: [[UInt8]]) -> ExecPlan? {
        do {
            return try findProgram(argv: argv, envp: envp, vfs: vfs, fs: fs, creds: creds)
        } catch {
            let program = String(decoding: argv.first ?? [], as: UTF8.self)
            report("husk: \(program): \(String(cString: strerror(error.rawValue)))")
            let code = error == .noSuchFileOrDirectory || error == .notDirectory ? HuskExitStatus.notFound : HuskExitStatus.cannotExecute
            writeStatus(config.statusFD, code << 8)
            return nil
        }
    }

    /// Loads the program into the first task and serves it until PID 1 exits; writes its wait
    /// status and the stats record on the status pipe.
    func run(_ task: Task, _ plan: ExecPlan) -> Int32 {
        kernel.finishExec(task, plan)
        chusk_timing_mark("program loaded, running")
        let status = kernel.run()
        chusk_timing_mark("program exited")
        if config.strace, let line = kernel.unimplementedReport { report(line) }
        if kernel.debugEvents { debugLog(kernel.memory.report) }
        writeStatus(config.statusFD, status)
        var record = kernel.statsRecord
        record.withUTF8 { b in _ = write(config.statusFD, b.baseAddress, b.count) }
        return 0
    }

    /// A pooled Sentry (docs/pool.md): everything that needs no program is done before anyone
    /// asks (the first task exists, the Sentry is confined); then it waits for the launch that
    /// names the program. EOF instead (the pool ended it unused): exit without a word.
    func runPooled() -> Int32 {
        let task: Task
        do throws(Errno) {
            task = try startFirstTask(shown: [Array("husk-pooled".utf8)], rlimits: inheritedLimits)
        } catch {
            return bootFailure("cannot start the first task: \(error)")
        }
        if let failure = confine(task) { return failure }
        guard let (launch, stderrFD) = SentryLaunch.receive(config.launchFD) else {
            kernel.kill(task, signal: SIGKILL)
            return 0
        }
        close(config.launchFD)
        // From now on the Sentry's messages are husk run's, until the program's status is out.
        var poolStderr: Int32 = -1
        if stderrFD >= 0 {
            poolStderr = dup(2)
            _ = chusk_dup3(stderrFD, 2, 0)
            close(stderrFD)
        }
        if launch.timingOrigin != 0 { chusk_timing_start(launch.timingOrigin, "sentry"); chusk_timing_mark("launched") }
        task.nice = max(-20, min(19, launch.nice))
        // The host's scheduling of the program follows husk run's nice too (`nice -n 19 husk
        // run` of a busy program), as a fresh sandbox's task inherits it; a task cannot go
        // below the pool's nice without CAP_SYS_NICE, which it lacks: the pool's then holds.
        if let hostNice = HostProc.statField(task.hostTID, 19), hostNice != Int64(task.nice) {
            _ = try? task.inject(SyscallNumber.setpriority, [0, 0, UInt64(bitPattern: Int64(task.nice))])
        }
        for i in 0..<min(launch.rlimits.count / 2, task.group.rlimits.limits.count) {
            let hard = launch.rlimits[2 * i + 1]
            task.group.rlimits.limits[i] = (min(launch.rlimits[2 * i], hard), hard)
        }
        let nrOpen: UInt64 = 1_048_576
        task.group.rlimits.limits[7] = (min(task.group.rlimits.limits[7].soft, nrOpen), min(task.group.rlimits.limits[7].hard, nrOpen))
        applyHostLimits(task)   // the pooled task inherited the pool's
        kernel.debugEvents = launch.env.contains("HUSK_DEBUG=1")
        do throws(Errno) { try fs.enter(launch.cwd, vfs: vfs, creds: creds) } catch {
            kernel.kill(task, signal: SIGKILL)
            return refuseInSandbox(config, "--cwd \(launch.cwd)", error)
        }
        guard let plan = locateProgram(argv: launch.argv.map(ArgumentBytes.bytes), envp: launch.env.map { Array($0.utf8) }) else {
            kernel.kill(task, signal: SIGKILL)
            return 0
        }
        chusk_timing_mark("program found")
        let status = run(task, plan)
        // husk run's relay ends at EOF on these, and whoever waits for husk run's stderr at its
        // EOF: the Sentry's exit would close them only after its address space and its PID
        // namespace are torn down (exit_mm comes before exit_files).
        for fd in [config.statusFD, config.stdoutFD, config.stderrFD, config.stdinFD] { close(fd) }
        if poolStderr >= 0 { _ = chusk_dup3(poolStderr, 2, 0); close(poolStderr) }
        return status
    }
}

/// The program of `argv` found as execvp finds it, checked and read for the Loader (the first
/// task's at boot, `husk exec`'s).
func findProgram(argv: [[UInt8]], envp: [[UInt8]], vfs: VFS, fs: FSContext, creds: Credentials) throws(Errno) -> ExecPlan {
    guard let name = argv.first, !name.isEmpty else { throw .noSuchFileOrDirectory }
    let path = try searchPath(name, envp: envp, vfs: vfs, fs: fs, creds: creds)
    return try ExecPlan.prepare(path: path, argv: argv, envp: envp) { (p: [UInt8]) throws(Errno) -> FileDescription in
        try openExecutable(vfs: vfs, fs: fs, creds: creds, p, at: nil, followFinal: true)
    }
}

extension FSContext {
    /// Makes the directory at absolute `path` (in `vfs`, as `creds` sees it) the cwd.
    func enter(_ path: String, vfs: VFS, creds: Credentials) throws(Errno) {
        let d = try vfs.lookup(self, at: nil, Array(path.utf8), followFinal: true, creds: creds)
        guard d.inode?.fileType == FileType.directory else { throw .notDirectory }
        cwd = d
    }
}

extension Credentials {
    /// A new process's sets (husk create's config.json, husk exec's): bounding and inheritable
    /// as given; root's permitted and effective follow from them as at its first exec.
    mutating func setCapabilities(bounding: UInt64, inheritable: UInt64) {
        self.bounding = bounding & Credentials.allCapabilities
        self.inheritable = inheritable & Credentials.allCapabilities
        if uid == 0 { permitted = self.bounding | self.inheritable; effective = permitted }
    }
}

/// execvp's search: a name without a slash is looked up in the program's PATH.
func searchPath(_ name: [UInt8], envp: [[UInt8]], vfs: VFS, fs: FSContext, creds: Credentials) throws(Errno) -> [UInt8] {
    if name.contains(UInt8(ascii: "/")) { return name }
    let prefix = Array("PATH=".utf8)
    let pathValue = envp.last { $0.starts(with: prefix) }.map { Array($0.dropFirst(prefix.count)) }
        ?? Array("/usr/local/bin:/usr/bin:/bin".utf8)
    var sawDenied = false
    for dir in pathValue.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false) {
        let candidate = (dir.isEmpty ? [UInt8(ascii: ".")] : Array(dir)) + [UInt8(ascii: "/")] + name
        do {
            _ = try openExecutable(vfs: vfs, fs: fs, creds: creds, candidate, at: nil, followFinal: true)
            return candidate
        } catch {
            if error == .permissionDenied { sawDenied = true }
        }
    }
    throw sawDenied ? .permissionDenied : .noSuchFileOrDirectory
}

/// Opens a file for execution: a regular file with an execute bit the caller may use. Read
/// permission is not needed (do_open_execat asks MAY_EXEC only): once the caller's walk and the
/// execute check passed, the Loader's own read-only description is opened past the mode bits
/// (an unreadable program runs, not dumpable: Kernel/Dumpable.swift).
func openExecutable(vfs: VFS, fs: FSContext, creds: Credentials, _ path: [UInt8], at base: Dentry?, followFinal: Bool) throws(Errno) -> FileDescription {
    let flags = OpenFlags.O_PATH | (followFinal ? 0 : OpenFlags.O_NOFOLLOW)
    let found = try vfs.open(fs, at: base, path, flags: flags, mode: 0, creds: creds)
    let st = try found.stat()
    // O_PATH|O_NOFOLLOW opens a final symlink itself, where an exec's open meets ELOOP.
    if st.mode & FileMode.S_IFMT == FileType.symlink { throw .tooManySymbolicLinkLevels }
    if st.mode & FileMode.S_IFMT != FileMode.S_IFREG { throw .permissionDenied }
    // path_noexec: nothing runs from a mount made with MS_NOEXEC.
    if let d = found.dentry, vfs.mountEntry(holding: d)?.has("noexec") == true { throw .permissionDenied }
    if st.mode & 0o111 == 0 { throw .permissionDenied }
    if !creds.isRoot {
        let bits: UInt32 = st.uid == creds.euid ? 0o100 : (st.gid == creds.egid || creds.groups.contains(st.gid) ? 0o010 : 0o001)
        if st.mode & bits == 0 { throw .permissionDenied }
    }
    guard let dentry = found.dentry else { throw .permissionDenied }
    var loader = creds
    loader.fsuid = 0
    loader.effective |= UInt64(1) << UInt64(Capability.dacOverride)
    return try vfs.openResolved(WalkContext(fs: fs, creds: loader, task: nil), dentry, flags: OpenFlags.O_RDONLY, mode: 0)
}

private func writeStatus(_ fd: Int32, _ status: Int32) {
    var v = status.littleEndian
    _ = withUnsafeBytes(of: &v) { write(fd, $0.baseAddress, 4) }
}

/// One line on the Sentry's stderr (husk run's).
func report(_ line: String) {
    var s = line
    s.append("\n")
    s.withUTF8 { b in _ = write(2, b.baseAddress, b.count) }
}

/// An option the sandbox's own view cannot honour (a --cwd missing there, a mount point of the
/// wrong type), as a missing program: one `husk:` line, and husk's own status (the program
/// never ran).
private func refuseInSandbox(_ config: SentryConfig, _ what: String, _ error: Errno) -> Int32 {
    report("husk: \(what): \(String(cString: strerror(error.rawValue))) in the sandbox")
    writeStatus(config.statusFD, HuskExitStatus.internalError << 8)
    return 0
}

private func bootFailure(_ message: String) -> Int32 {
    report("husk: sentry: " + message)
    return HuskExitStatus.internalError
}

/// The OOM killer's preferences. In the sandbox's memory cgroup the kernel kills the process
/// with the highest badness, its pages plus oom_score_adj thousandths of the limit; at 1000 the
/// program's tasks go before the Sentry and the Gofer whatever their sizes, so a program that
/// outgrows the limit dies itself (status 137) and the Sentry reports it.
public enum OOMScore {
    /// The program's tasks: first (OOM_SCORE_ADJ_MAX).
    public static let program: Int32 = 1000
    /// What husk run gives the Sentry and the Gofer when it may lower a score (CAP_SYS_RESOURCE).
    public static let sandboxParts: Int32 = -900
}

/// Writes /proc/<hostTID>/oom_score_adj (the Sentry's own procfs; raising needs no privilege).
func setOOMScoreAdjust(_ hostTID: HostTID, _ value: Int32) -> Errno? {
    let fd = open("/proc/\(hostTID)/oom_score_adj", O_WRONLY | O_CLOEXEC)
    if fd < 0 { return Errno(rawValue: errno) }
    defer { close(fd) }
    let text = Array("\(value)\n".utf8)
    if write(fd, text, text.count) != text.count { return Errno(rawValue: errno) }
    return nil
}
