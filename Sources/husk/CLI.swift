import ArgumentParser
import Glibc
import Sandbox

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
        """,
        subcommands: [Run.self])
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run PROGRAM in a new sandbox and exit with its status.",
        discussion: """
        The exit status is the program's (128+N when a signal N killed it); 125 means husk \
        itself failed (a bad flag, a missing --rootfs, sandbox setup), 126 that the program \
        cannot be executed, 127 that it was not found and 124 that --timeout elapsed (the \
        sandbox is killed, as timeout(1) does).

        The program's environment is PATH, HOME=/root and the host's TERM, plus each -e. \
        Its stdin, stdout and stderr are relayed from and to husk's own. Ctrl-C, SIGTERM \
        and SIGHUP are forwarded to the sandbox. A second SIGINT or SIGTERM, or a sandbox \
        still running 5 s after one, kills the sandbox at once (exit status 128+N).

        Run by a user other than root, husk maps that user to the sandbox's root in a user \
        namespace of each part; without a delegated cgroup it then needs --no-cgroup (and no \
        resource limits).
        """)

    @Option(help: ArgumentHelp("Use DIR (read-only) as the root filesystem instead of the host's system directories.", valueName: "DIR"))
    var rootfs: String?

    @Flag(help: "Leave the root filesystem read-only (no writable in-memory overlay).")
    var rootfsReadonly = false

    @Flag(help: "Log every served system call on stderr, as strace does.")
    var strace = false

    @Option(help: ArgumentHelp("The interception mechanism (only ptrace so far).", valueName: "NAME"))
    var platform = "ptrace"

    @Option(help: ArgumentHelp("The program's working directory inside the sandbox.", valueName: "DIR"))
    var cwd = "/"

    @Option(name: [.customShort("e"), .customLong("env")],
            help: ArgumentHelp("Set K=V in the program's environment (a bare K copies the host's value).", valueName: "K=V"))
    var env: [String] = []

    @Option(help: ArgumentHelp("Run the program as this user and group inside the sandbox (default 0:0, root of the sandbox).", valueName: "UID:GID"))
    var user: String?

    @Option(name: [.customShort("v"), .customLong("volume")],
            help: ArgumentHelp("Show host directory HOST at GUEST inside (read-write unless :ro; repeatable).", valueName: "HOST:GUEST[:ro|:rw]"))
    var volume: [String] = []

    @Option(help: ArgumentHelp("Memory limit of the whole sandbox (bytes, or with k, m, g).", valueName: "SIZE"))
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

    @Flag(help: "Run without a cgroup (no resource limits): what a user without root or a delegated cgroup needs.")
    var noCgroup = false

    @Option(help: ArgumentHelp("Kill the sandbox after DURATION (10s, 500ms, 2m, 1h; plain seconds) and exit with 124.", valueName: "DURATION"))
    var timeout: String?

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The program and its arguments (after --).", valueName: "PROGRAM ARGS"))
    var command: [String] = []

    var program: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

    func validate() throws {
        // captureForPassthrough also takes an unknown option given before the program.
        if let first = command.first, first == "--help" || first == "-h" { throw CleanExit.helpRequest(self) }
        if let first = command.first, first != "--", first.hasPrefix("-") {
            throw ValidationError("Unknown option '\(first)'")
        }
        if program.isEmpty { throw ValidationError("no program given (usage: husk run [OPTIONS] -- PROGRAM ARGS...)") }
        if platform != "ptrace" { throw ValidationError("--platform \(platform): not available (available: ptrace)") }
        if let r = rootfs, !HostFS.isDirectory(r) { throw ValidationError("--rootfs \(r): no such directory") }
        if let m = memory, CgroupLimits.parseSize(m) == nil { throw ValidationError("--memory \(m): not a size (e.g. 512m, 2g)") }
        if let p = pids, p <= 0 { throw ValidationError("--pids \(p): must be positive") }
        if let c = cpus, CgroupLimits.parseCpus(c) == nil { throw ValidationError("--cpus \(c): expected a positive number of CPUs (at least 0.01)") }
        if let s = cpuShares, s < 2 || s > 262_144 { throw ValidationError("--cpu-shares \(s): must be within 2...262144") }
        if let l = cpusetCpus, !CgroupLimits.isCpuList(l) { throw ValidationError("--cpuset-cpus \(l): expected a CPU list such as 0-2,4") }
        _ = try deviceRates()
        if let t = timeout, RunOptions.parseDuration(t) == nil { throw ValidationError("--timeout \(t): expected a duration such as 10s, 500ms, 2m") }
        if !cwd.hasPrefix("/") { throw ValidationError("--cwd \(cwd): must be an absolute path") }
        if let u = user, Run.parseUser(u) == nil { throw ValidationError("--user \(u): expected UID:GID (numbers)") }
        for v in volume {
            guard let spec = VolumeSpec.parse(v) else { throw ValidationError("-v \(v): expected HOST:GUEST[:ro|:rw] (absolute paths)") }
            if !HostFS.isDirectory(spec.host) { throw ValidationError("-v \(v): \(spec.host): no such directory") }
        }
        for e in env where e.isEmpty || e.hasPrefix("=") { throw ValidationError("-e \(e): expected K=V") }
    }

    func options() throws -> RunOptions {
        var root: String? = nil
        if let r = rootfs {
            do { root = try HostFS.realpath(r) } catch { throw ValidationError("--rootfs \(r): \(error)") }
        }
        var o = RunOptions(argv: program, env: ProgramEnvironment.build(overrides: env, host: ProgramEnvironment.host()),
                           cwd: cwd, rootfs: root, strace: strace,
                           limits: CgroupLimits(memoryBytes: memory.flatMap(CgroupLimits.parseSize), pids: pids,
                                                cpus: cpus.flatMap(CgroupLimits.parseCpus), cpuShares: cpuShares,
                                                cpusetCpus: cpusetCpus, deviceRates: try deviceRates()))
        o.rootfsReadonly = rootfsReadonly
        o.noCgroup = noCgroup
        o.timeoutMillis = timeout.flatMap(RunOptions.parseDuration)
        for v in volume {
            guard var spec = VolumeSpec.parse(v) else { throw ValidationError("-v \(v): expected HOST:GUEST[:ro|:rw]") }
            do { spec.host = try HostFS.realpath(spec.host) } catch { throw ValidationError("-v \(v): \(error)") }
            o.volumes.append(spec)
        }
        return o
    }

    func run() throws {
        var o = try options()
        o.user = user.flatMap(Run.parseUser)
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

    /// "UID:GID" with decimal ids below 2^32-1 (which means "unchanged" to setresuid).
    static func parseUser(_ s: String) -> (uid: UInt32, gid: UInt32)? {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let u = UInt32(parts[0]), let g = UInt32(parts[1]), u != .max, g != .max else { return nil }
        return (u, g)
    }
}

/// Parses the command line and runs it. Usage errors exit with 125 (husk's own failure, as
/// container runtimes do), not argument-parser's 64.
func runCLI() -> Int32 {
    do {
        var command = try Husk.parseAsRoot()
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
