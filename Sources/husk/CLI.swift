import ArgumentParser
import Glibc
import Platform
import Sandbox
import Sentry

struct Husk: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "husk",
        abstract: "Run a program in a user-space kernel sandbox.",
        discussion: """
        Husk runs an untrusted Linux x86_64 program as ordinary host processes, but every \
        system call that names a kernel object (a path, a file descriptor, a pipe, a socket, \
        another process, /proc...) is served by the Sentry, a kernel written in Swift. Files \
        come from the Gofer, a separate process that serves a read-only view of the root \
        filesystem. Everything runs in fresh namespaces and its own cgroup.

        Examples:
          husk run -- /bin/echo hello
          husk run --rootfs ./alpine -- /bin/sh -c 'ls /'
          husk run -e GREETING=hi --cwd /tmp -- /bin/sh -c 'echo $GREETING; pwd'
          husk run --memory 256m --pids 64 -- /usr/bin/python3 script.py
          husk run --cpus 0.5 --cpuset-cpus 0 --timeout 2m -- make -j2
          husk run -w /work -v $PWD:/work --user nobody --hostname box -- make

        As an OCI runtime (runc's command line, for podman --runtime and containerd; \
        docs/oci.md): husk [--root DIR] [--log FILE] [--log-format json] \
        create|start|state|kill|delete|list|features ..., and husk run --bundle DIR ID.
        """,
        version: HuskVersion.line,
        subcommands: [Run.self, Pool.self, Syscalls.self, Version.self])

    /// The user-facing subcommands, for "did you mean".
    static let commandNames = ["run", "pool", "syscalls", "version", "help", "create", "start", "state", "kill", "delete", "list", "features"]
}

struct Syscalls: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print every x86_64 syscall with how the sandbox handles it (docs/syscalls.md).")

    @Flag(help: "One JSON object per syscall instead of Markdown.")
    var json = false

    func run() throws { print(json ? SyscallTable.json : SyscallTable.markdown, terminator: "") }
}

struct Pool: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Keep sandboxes started for husk run (docs/pool.md).",
        discussion: """
        Runs in the foreground until SIGINT, SIGTERM or SIGHUP. Each sandbox is started as \
        husk run would start one (its cgroup, namespaces, Gofer and Sentry), up to the point \
        where only the program is missing. A husk run without options that shape the sandbox \
        (-e, --env-file, -w and --timeout are allowed) takes one instead of starting its own, \
        and the pool starts another in its place: a sandbox serves one run. husk run --no-pool \
        or HUSK_POOL=off never uses a pool; HUSK_POOL=PATH names another socket.
        """)

    @Option(help: "How many sandboxes to keep ready (1-256).")
    var size = 2

    @Option(help: ArgumentHelp("The socket husk run asks (default: $HUSK_POOL, else /run/husk/pool.sock).", valueName: "PATH"))
    var socket: String?

    @Option(help: ArgumentHelp("The platform of the pool's sandboxes (as husk run --platform).", valueName: "NAME"))
    var platform = PlatformKind.standard.rawValue

    func validate() throws {
        if case .failure(let e) = PlatformName.parse(platform) { throw ValidationError(e.message) }
        if size < 1 || size > 256 { throw ValidationError("--size \(size): must be within 1...256") }
        if socket == nil && PoolSocket.path() == nil { throw ValidationError("no socket: give --socket PATH or HUSK_POOL (only root has a default)") }
    }

    func run() throws {
        let path = socket ?? PoolSocket.path() ?? ""
        throw ExitCode(SandboxPool.serve(size: size, path: path, platform: try PlatformName.parse(platform).get()))
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print husk's version.")
    func run() throws { print(HuskVersion.line) }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run PROGRAM in a new sandbox and exit with its status.",
        discussion: """
        The exit status is the program's (128+N when a signal N killed it); 125 means husk \
        itself failed (a bad flag, a missing --rootfs or --cwd, an unknown --user name, sandbox setup), 126 that the program \
        cannot be executed, 127 that it was not found and 124 that --timeout elapsed (the \
        sandbox is killed, as timeout(1) does).

        The program's environment is PATH, HOME=/root and the host's TERM, plus each \
        --env-file's entries, then each -e. \
        Its stdin, stdout and stderr are relayed from and to husk's own. Ctrl-C, SIGTERM \
        and SIGHUP are forwarded to the sandbox. A second SIGINT or SIGTERM, or a sandbox \
        still running 5 s after one, kills the sandbox at once (exit status 128+N).

        Run by a user other than root, husk maps that user to the sandbox's root in a user \
        namespace of each part; without a delegated cgroup it then needs --no-cgroup (and no \
        resource limits).
        """)

    @Option(help: ArgumentHelp("Use DIR (read-only) as the root filesystem instead of the host's system directories.", valueName: "DIR"))
    var rootfs: String?

    @Flag(name: [.customLong("read-only"), .customLong("rootfs-readonly")],
          help: "Leave the root filesystem read-only (no writable in-memory overlay).")
    var rootfsReadonly = false

    @Flag(help: "Log every served system call on stderr, as strace does.")
    var strace = false

    @Flag(help: "On exit, print one line on stderr of what the run cost: wall and CPU time, peak memory, page cache, block I/O, served syscalls, limit events.")
    var stats = false

    @Option(help: ArgumentHelp("On exit, write the --stats record to FILE as JSON.", valueName: "FILE"))
    var statsJson: String?

    @Flag(help: "Print the time of each start-up step of husk run and its parts on stderr (also HUSK_DEBUG_TIMING=1; docs/startup.md).")
    var debugTiming = false

    @Flag(name: [.customShort("t"), .customLong("tty")],
          help: "Give the program a terminal (a pty in the sandbox) relayed to husk run's own, which is put in raw mode.")
    var tty = false

    @Flag(name: [.customShort("i"), .customLong("interactive")],
          help: "Keep stdin open (with -t, stdin reaches the terminal only with -i; use -it for a shell).")
    var interactive = false

    @Option(help: ArgumentHelp("How the Sentry intercepts the program's system calls: unotify (default: seccomp user notifications for memory-only calls, ptrace for the rest; ptrace alone on a kernel without them) or ptrace (docs/platforms.md).", valueName: "NAME"))
    var platform = PlatformKind.standard.rawValue

    @Option(name: [.customShort("w"), .customLong("cwd")],
            help: ArgumentHelp("The program's working directory inside the sandbox (an existing directory).", valueName: "DIR"))
    var cwd = "/"

    @Option(name: [.customShort("e"), .customLong("env")],
            help: ArgumentHelp("Set K=V in the program's environment (a bare K copies the host's value).", valueName: "K=V"))
    var env: [String] = []

    @Option(help: ArgumentHelp("Read environment variables from FILE (KEY=VALUE lines, # comments; a bare KEY copies the host's value; repeatable).", valueName: "FILE"))
    var envFile: [String] = []

    @Option(name: [.customShort("u"), .customLong("user")],
            help: ArgumentHelp("Run the program as this user inside the sandbox: UID, UID:GID, NAME or NAME:GROUP, names from the sandbox's /etc/passwd and /etc/group (default 0:0, root of the sandbox).", valueName: "USER[:GROUP]"))
    var user: String?

    @Option(help: ArgumentHelp("The sandbox's hostname, as uname and hostname show it (default husk).", valueName: "NAME"))
    var hostname: String?

    @Option(help: ArgumentHelp("Network: none (default: a namespace of the sandbox's own with only loopback), host (the host's network, as runsc --network=host) or pasta (outbound access through pasta's user-mode NAT, as rootless podman).", valueName: "MODE"))
    var network: String = "none"

    @Option(name: [.customShort("p"), .customLong("publish")],
            help: ArgumentHelp("Forward host port HOSTPORT to PORT inside (TCP, or UDP with /udp; repeatable; --network pasta only).", valueName: "HOSTPORT:PORT[/udp]"))
    var publish: [String] = []

    @Option(help: ArgumentHelp("Host unix sockets in volumes: none (default: connecting to one is refused) or open (connect reaches the host socket, as runsc --host-uds=open).", valueName: "none|open"))
    var hostUds: String = "none"

    @Option(name: [.customShort("v"), .customLong("volume")],
            help: ArgumentHelp("Show host directory or file HOST at GUEST inside (read-write unless :ro; repeatable).", valueName: "HOST:GUEST[:ro|:rw]"))
    var volume: [String] = []

    @Option(help: ArgumentHelp("Mount an empty in-memory tmpfs at PATH (size and mode optional; repeatable).", valueName: "PATH[:size=N,mode=M]"))
    var tmpfs: [String] = []

    @Option(help: ArgumentHelp("Memory limit of the whole sandbox (bytes, or with k, m, g: 512m, 1.5g; at least 4m).", valueName: "SIZE"))
    var memory: String?

    @Option(help: ArgumentHelp("Maximum number of processes and threads in the sandbox.", valueName: "N"))
    var pids: Int?

    @Option(help: ArgumentHelp("CPU time of the whole sandbox, in CPUs (0.5: half of one CPU).", valueName: "N"))
    var cpus: String?

    @Option(help: ArgumentHelp("Relative CPU weight of the sandbox (cgroup v1 cpu.shares, default 1024).", valueName: "N"))
    var cpuShares: UInt64?

    @Option(help: ArgumentHelp("The CPUs the sandbox may run on (e.g. 0 or 0-2,4).", valueName: "LIST"))
    var cpusetCpus: String?

    @Option(help: ArgumentHelp("Limit reads from a block device (path or MAJOR:MINOR) to RATE bytes per second.", valueName: "DEV:RATE"))
    var deviceReadBps: [String] = []
    @Option(help: ArgumentHelp("Limit writes to a block device to RATE bytes per second.", valueName: "DEV:RATE"))
    var deviceWriteBps: [String] = []
    @Option(help: ArgumentHelp("Limit reads from a block device to RATE operations per second.", valueName: "DEV:RATE"))
    var deviceReadIops: [String] = []
    @Option(help: ArgumentHelp("Limit writes to a block device to RATE operations per second.", valueName: "DEV:RATE"))
    var deviceWriteIops: [String] = []

    @Flag(help: "Start a sandbox of its own even when a pool (husk pool) has one ready.")
    var noPool = false

    @Flag(help: "Run without a cgroup (no resource limits): what a user without root or a delegated cgroup needs.")
    var noCgroup = false

    @Option(help: ArgumentHelp("Kill the sandbox after DURATION (10s, 500ms, 2m, 1h; plain seconds) and exit with 124.", valueName: "DURATION"))
    var timeout: String?

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The program and its arguments (after --).", valueName: "PROGRAM ARGS"))
    var command: [String] = []

    var program: [String] { Self.fullProgram ?? (command.first == "--" ? Array(command.dropFirst()) : command) }

    /// The program's arguments when the parser saw only the first (`parseAsRoot(fast:)`).
    nonisolated(unsafe) static var fullProgram: [String]? = nil

    /// `husk run` arguments (from "run" on) cut after the program's first argument, what the
    /// parser then captures, and the whole program; nil when where the program starts cannot
    /// be told without the parser.
    static func shortened(_ a: [String]) -> (short: [String], captured: [String], program: [String])? {
        guard a.count > 2, a[0] == "run" else { return nil }
        if let dd = a.firstIndex(of: "--"), dd + 1 < a.count {
            return (Array(a[...(dd + 1)]), ["--", a[dd + 1]], Array(a[(dd + 1)...]))
        }
        return a[1].hasPrefix("-") ? nil : (Array(a[...1]), [a[1]], Array(a[1...]))
    }

    func validate() throws {
        // captureForPassthrough also takes an unknown option given before the program.
        if let first = command.first, first == "--help" || first == "-h" { throw CleanExit.helpRequest(self) }
        if let first = command.first, first != "--", first.hasPrefix("-") {
            throw ValidationError("Unknown option '\(first)'")
        }
        if program.isEmpty { throw ValidationError("no program given (usage: husk run [OPTIONS] -- PROGRAM ARGS...)") }
        if case .failure(let e) = PlatformName.parse(platform) { throw ValidationError(e.message) }
        if let r = rootfs, !HostFS.isDirectory(r) { throw ValidationError("--rootfs \(r): no such directory") }
        if let m = memory, CgroupLimits.parseSize(m) == nil { throw ValidationError("--memory \(m): not a size (e.g. 512m, 1.5g)") }
        if let p = pids, p <= 0 { throw ValidationError("--pids \(p): must be positive") }
        if let c = cpus, CgroupLimits.parseCpus(c) == nil { throw ValidationError("--cpus \(c): expected a positive number of CPUs (at least 0.01)") }
        if let s = cpuShares, s < 2 || s > 262_144 { throw ValidationError("--cpu-shares \(s): must be within 2...262144") }
        if let l = cpusetCpus, !CgroupLimits.isCpuList(l) { throw ValidationError("--cpuset-cpus \(l): expected a CPU list such as 0-2,4") }
        _ = try deviceRates()
        if let t = timeout, RunOptions.parseDuration(t) == nil { throw ValidationError("--timeout \(t): expected a duration such as 10s, 500ms, 2m") }
        if !cwd.hasPrefix("/") { throw ValidationError("--cwd \(cwd): must be an absolute path") }
        if let h = hostname, !isValidHostname(h) { throw ValidationError("--hostname \(h): must be 1 to 64 bytes") }
        if NetworkNamespace.Mode(rawValue: network) == nil || network == "joined" { throw ValidationError("--network \(network): expected none, host or pasta") }
        for p in publish where PublishSpec.parse(p) == nil { throw ValidationError("-p \(p): expected HOSTPORT:PORT[/tcp|/udp] (ports 1-65535)") }
        if !publish.isEmpty && network != "pasta" { throw ValidationError("-p needs --network pasta (with none the sandbox has no way in; with host its ports are the host's)") }
        switch hostUds {
        case "none", "open": break
        case "create", "all": throw ValidationError("--host-uds \(hostUds): creating host sockets (bind in a volume) is not supported; only none or open")
        default: throw ValidationError("--host-uds \(hostUds): expected none or open")
        }
        for v in volume where VolumeSpec.parse(v) == nil {
            throw ValidationError("-v \(v): expected HOST:GUEST[:ro|:rw] (absolute paths)")
        }
        for t in tmpfs { if case .failure(let e) = TmpfsSpec.parse(t) { throw ValidationError(e.message) } }
        for e in env where e.isEmpty || e.hasPrefix("=") { throw ValidationError("-e \(e): expected K=V") }
    }

    /// Checks of the values against this machine and the root view: one `husk:` line each.
    func checkAgainstHost() throws(HuskError) {
        if let m = memory.flatMap(CgroupLimits.parseSize), m < Run.minimumMemoryBytes {
            throw HuskError("--memory \(memory!): too small; the sandbox needs at least \(Run.minimumMemoryBytes >> 20)m to start (its Sentry and Gofer are charged to it)")
        }
        let online = HostCPUs.online()
        if let c = cpus.flatMap(CgroupLimits.parseCpus), let online, c > Double(online.count) {
            throw HuskError("--cpus \(cpus!): this machine has \(online.count) CPU\(online.count == 1 ? "" : "s")")
        }
        if let l = cpusetCpus, let online, let wanted = HostCPUs.cpus(inList: l), !wanted.isSubset(of: online) {
            let missing = wanted.subtracting(online)
            throw HuskError("--cpuset-cpus \(l): no CPU\(missing.count == 1 ? "" : "s") \(HostCPUs.describe(missing)) on this machine (its CPUs are \(HostCPUs.describe(online)))")
        }
        if let j = statsJson {
            // Written after the run: a directory that is not there is refused now, not then.
            let dir = j.contains("/") ? String(j[..<j.lastIndex(of: "/")!]) : "."
            if !HostFS.isDirectory(dir.isEmpty ? "/" : dir) { throw HuskError("--stats-json \(j): no directory \(dir.isEmpty ? "/" : dir)") }
        }
        var targets: [String: String] = [:]
        for v in volume {
            guard let spec = VolumeSpec.parse(v) else { continue }
            var st = stat()
            if stat(spec.host, &st) != 0 { throw HuskError("-v \(v): \(spec.host): \(String(cString: strerror(errno)))") }
            if st.st_mode & S_IFMT != S_IFDIR && st.st_mode & S_IFMT != S_IFREG {
                throw HuskError("-v \(v): \(spec.host) is neither a directory nor a regular file")
            }
            if let other = targets[spec.guest] { throw HuskError("-v \(v): \(spec.guest) is already the target of \(other)") }
            targets[spec.guest] = "-v " + v
        }
        for t in tmpfs {
            guard case .success(let spec) = TmpfsSpec.parse(t) else { continue }
            if let other = targets[spec.path] { throw HuskError("--tmpfs \(t): \(spec.path) is already the target of \(other)") }
            targets[spec.path] = "--tmpfs " + t
        }
    }

    func options() throws -> RunOptions {
        var root: String? = nil
        if let r = rootfs {
            do { root = try HostFS.realpath(r) } catch { throw ValidationError("--rootfs \(r): \(error)") }
        }
        try checkAgainstHost()
        var fileEnv: [String] = []
        for f in envFile {
            let text: String
            do { text = try HostFS.read(f) } catch { throw HuskError("--env-file \(f): \(error)") }
            switch EnvFile.parse(text) {
            case .success(let entries): fileEnv += entries
            case .failure(let e): throw HuskError("--env-file \(f): \(e.message)")
            }
        }
        var o = RunOptions(argv: ArgumentBytes.trailingArguments(program), env: ProgramEnvironment.build(overrides: fileEnv + env, host: ProgramEnvironment.host()),
                           cwd: cwd, rootfs: root, strace: strace,
                           limits: CgroupLimits(memoryBytes: memory.flatMap(CgroupLimits.parseSize), pids: pids,
                                                cpus: cpus.flatMap(CgroupLimits.parseCpus), cpuShares: cpuShares,
                                                cpusetCpus: cpusetCpus, deviceRates: try deviceRates()))
        o.platform = try PlatformName.parse(platform).get()
        o.rootfsReadonly = rootfsReadonly
        o.tty = tty
        o.interactive = interactive
        o.noCgroup = noCgroup
        o.noPool = noPool
        o.timeoutMillis = timeout.flatMap(RunOptions.parseDuration)
        o.stats = stats
        o.statsJSONPath = statsJson
        o.startNanos = HuskStart.nanos
        o.hostname = hostname
        o.network = NetworkNamespace.Mode(rawValue: network) ?? .none
        o.hostUDS = hostUds == "open"
        o.publish = publish.compactMap(PublishSpec.parse)
        o.tmpfs = tmpfs.compactMap { try? TmpfsSpec.parse($0).get() }
        if let u = user {
            switch UserSpec.resolve(u, readEtc: UserSpec.readEtc(rootfs: root)) {
            case .success(let ids): o.user = ids
            case .failure(let e): throw e
            }
        }
        for v in volume {
            guard var spec = VolumeSpec.parse(v) else { throw ValidationError("-v \(v): expected HOST:GUEST[:ro|:rw]") }
            do { spec.host = try HostFS.realpath(spec.host) } catch { throw ValidationError("-v \(v): \(error)") }
            o.volumes.append(spec)
        }
        return o
    }

    func run() throws {
        let o = try options()
        throw ExitCode(SandboxRun.run(o))
    }

    func deviceRates() throws -> [DeviceRate] {
        var out: [DeviceRate] = []
        for (kind, values) in [(DeviceRate.Kind.readBps, deviceReadBps), (.writeBps, deviceWriteBps),
                               (.readIops, deviceReadIops), (.writeIops, deviceWriteIops)] {
            for v in values {
                switch DeviceRate.parse(v, kind: kind) {
                case .success(let r): out.append(r)
                case .failure(let e): throw ValidationError(e.message)
                }
            }
        }
        return out
    }

    /// The smallest --memory accepted. The Sentry, the Gofer and the program are all charged
    /// to the sandbox's cgroup. Measured (debug build, v1 memory cgroup, page cache warm, three
    /// runs each): `/bin/true` and `sh -c ls` start with 4m and are OOM-killed during set-up
    /// with 3m; python3 needs 6m (a release build charges less: --stats shows 1.5–2.9 MiB peak
    /// for /bin/true). Below 4m nothing can run: refused in one
    /// line. Above it a program too big for its limit ends with the OOM line.
    static let minimumMemoryBytes: UInt64 = 4 << 20
}

/// "did you mean": the known command closest to `word` (at most 2 edits away), if any.
func closestCommand(to word: String) -> String? { closestName(to: word, among: Husk.commandNames) }

/// The parsed command line. swift-argument-parser's passthrough capture is quadratic in the
/// arguments it captures (8,000 program arguments took 1.2 s, 100,000 minutes): husk run's
/// parse sees the program's first argument only and the rest is put back, when the parse
/// confirms that the program starts where `Run.shortened` assumed (else the whole line is
/// parsed).
func parseAsRoot(fast args: [String]) throws -> ParsableCommand {
    if let (short, captured, program) = Run.shortened(args) {
        let command = try Husk.parseAsRoot(short)
        if let run = command as? Run, run.command == captured {
            Run.fullProgram = program
            return command
        }
    }
    return try Husk.parseAsRoot(args)
}

/// Parses the command line and runs it. Usage errors exit with 125 (husk's own failure, as
/// container runtimes do), not argument-parser's 64.
func runCLI() -> Int32 {
    let args = CommandLine.arguments
    if args.count >= 2, !args[1].hasPrefix("-"), !Husk.commandNames.contains(args[1]) {
        let hint = closestCommand(to: args[1]).map { "; did you mean '\($0)'?" } ?? " (commands: run, syscalls, version)"
        huskWarn("unknown command '\(args[1])'" + hint)
        return 125
    }
    do {
        var command = try parseAsRoot(fast: Array(args.dropFirst()))
        try command.run()
        return 0
    } catch let code as ExitCode {
        return code.rawValue
    } catch {
        let code = Husk.exitCode(for: error)
        if code == .success {
            print(Husk.fullMessage(for: error))
            return 0
        }
        let message = Husk.message(for: error).split(separator: "\n").first.map(String.init) ?? "error"
        if code == .validationFailure {
            huskWarn(message + " (see husk run --help)")
            return 125
        }
        huskWarn(message)
        return code == .failure ? 125 : code.rawValue
    }
}
