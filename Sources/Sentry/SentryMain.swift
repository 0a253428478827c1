import Platform
import SystemPackage

// The Sentry's entry point, called by `husk sentry` once the Sandbox has confined the process.

/// What `husk run` hands the Sentry. Every fd is a host fd already open in the Sentry process.
public struct SentryConfig {
    /// Our end of the SOCK_SEQPACKET socketpair whose other end the Gofer serves (the root view).
    public var goferSocketFD: Int32
    /// The program's stdio: pipe ends (or a pty later) relayed by husk run. The Sentry sets
    /// them non-blocking and serves fds 0, 1, 2 of the first task from them.
    public var stdinFD: Int32
    public var stdoutFD: Int32
    public var stderrFD: Int32
    /// Where the Sentry writes the program's final wait status (4 bytes, little-endian Int32)
    /// before it exits; husk run turns it into its own exit status (128+N for signal N).
    public var statusFD: Int32
    /// The program and its arguments, resolved in the sandbox's VFS (PATH search applies when
    /// argv[0] has no slash), and its environment. argv's elements are `ArgumentBytes` strings.
    public var argv: [String]
    public var envp: [String]
    /// Log every served syscall on stderr in strace's format.
    public var strace: Bool
    /// --platform: how the tasks' syscalls are intercepted (built at boot by `make()`).
    public var platform: PlatformKind = .ptrace
    /// husk run -t: the window size of husk run's terminal; the program's stdio is then the
    /// console pty (nil: relayed pipes, on which terminal calls answer ENOTTY).
    public var terminal: TerminalInfo?
    /// husk run -t: the pipe carrying window sizes to the console (-1: none).
    public var controlFD: Int32 = -1
    /// The working directory of the program inside the sandbox.
    public var workingDirectory: String
    /// Called once the first application task exists (so it does not inherit it) and before the
    /// kernel serves anything: the Sandbox loads the Sentry's own seccomp filter here. A failure
    /// ends the sandbox (status 125) rather than running unconfined. The argument says whether
    /// the tasks run under `TaskHostIdentity` (another host uid than the Sentry's).
    public var lockdown: ((_ tasksUnderOwnIdentity: Bool) -> Errno?)?
    /// --rootfs-readonly: no writable overlay over the Gofer's root.
    public var rootfsReadonly = false
    /// The program's uid and gid inside the sandbox (root when nil).
    public var user: (uid: UInt32, gid: UInt32)?
    /// The sandbox's memory limit (--memory): sysinfo and /proc/meminfo report it as the total.
    public var memoryLimit: UInt64?
    /// Volumes: Gofer tree i+1 mounted at `volumes[i].guest`.
    public var volumes: [(guest: String, readOnly: Bool)] = []
    /// --hostname: the UTS namespace's hostname (nil: "husk").
    public var hostname: String?
    /// --network: none (the Sentry's fresh namespace, lo brought up at boot) or host (the
    /// Sentry was left in the host's namespace).
    public var network: NetworkNamespace.Mode = .none
    /// The host's /etc/hosts and /etc/resolv.conf, which husk run read for the modes that show
    /// them (`NetworkFiles`): hosts with `host`, resolv.conf with `host` and `pasta`.
    public var hostHosts: String?
    public var hostResolvConf: String?
    /// `--host-uds open`: a connect to a volume's socket file goes to the host socket (through the Gofer).
    public var hostUDS = false
    /// --tmpfs: extra tmpfs mounts (after the volumes).
    public var tmpfs: [(path: String, mode: UInt32, sizeBytes: UInt64?)] = []
    /// The OCI runtime (docs/oci.md): read-only snapshots of bind-mounted host files, mounted
    /// at their guest paths after the tmpfs mounts.
    public var files: [(path: String, contents: [UInt8])] = []
    /// The OCI runtime's maskedPaths: an existing file is covered by an empty read-only one, a
    /// directory by an empty read-only one.
    public var maskedPaths: [String] = []
    /// The OCI runtime's readonlyPaths: each is bound onto itself read-only (EROFS below it).
    public var readonlyPaths: [String] = []
    /// The OCI runtime's control socket (-1: none). The Sentry writes one byte once the first
    /// task exists and waits for `start` (one byte "g") before the program's first instruction;
    /// then it serves 2-byte signal requests on it (RuntimeControl).
    public var runtimeControlFD: Int32 = -1
    /// The program's supplementary groups, capability sets (bounding, inheritable: root's
    /// permitted and effective sets follow from them at the first exec) and rlimits.
    public var groups: [UInt32] = []
    public var capabilities: (bounding: UInt64, inheritable: UInt64)?
    public var rlimits: [(resource: Int32, soft: UInt64, hard: UInt64)] = []
    /// config.json's linux.seccomp, compiled: the program's own first filter and its flags,
    /// installed before its first instruction.
    public var seccompFilter: (program: [UInt8], flags: UInt64)?
    /// A pooled Sentry's launch socket (docs/pool.md; -1: not pooled). The Sentry boots, starts
    /// its first task and confines itself, then waits here for a `SentryLaunch` naming the
    /// program; `argv`, `envp` and `workingDirectory` are unused.
    public var launchFD: Int32 = -1
    public init(goferSocketFD: Int32, stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32, statusFD: Int32,
                argv: [String], envp: [String], strace: Bool, terminal: TerminalInfo?, workingDirectory: String = "/") {
        self.goferSocketFD = goferSocketFD; self.stdinFD = stdinFD; self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD; self.statusFD = statusFD; self.argv = argv; self.envp = envp
        self.strace = strace; self.terminal = terminal; self.workingDirectory = workingDirectory
    }
}

/// The terminal husk run sits on: raw kernel termios bytes (TCGETS, 36 bytes) and window size.
public struct TerminalInfo: Sendable {
    public var termios: [UInt8]
    public var rows: UInt16
    public var columns: UInt16
    public init(termios: [UInt8], rows: UInt16, columns: UInt16) {
        self.termios = termios; self.rows = rows; self.columns = columns
    }
}

/// Exit statuses of `husk run` for failures before the program runs, as container runtimes use them.
public enum HuskExitStatus {
    /// husk's own failure (bad flag, missing rootfs, sandbox setup).
    public static let internalError: Int32 = 125
    /// The program exists but cannot be executed (not executable, not an ELF, permission).
    public static let cannotExecute: Int32 = 126
    /// The program was not found.
    public static let notFound: Int32 = 127
    /// --timeout elapsed and the sandbox was killed (as timeout(1)).
    public static let timedOut: Int32 = 124
}

