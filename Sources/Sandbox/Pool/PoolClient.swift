import CHusk
import Glibc
import Sentry
import SystemPackage

extension SandboxRun {
    /// `husk run` given no option at all (`[--] PROGRAM ARGS...`): what the full parse would
    /// make of it (the default environment, / as the cwd) run in a pooled sandbox, or nil when
    /// the command line has options or no pool served it (then the CLI parses it as usual).
    public static func runPlainFromPool(_ args: [String], startNanos: UInt64) -> Int32? {
        guard let first = args.first, PoolClient.socketExists else { return nil }
        let program = first == "--" ? Array(args.dropFirst()) : (first.hasPrefix("-") ? [] : args)
        guard !program.isEmpty else { return nil }
        var o = RunOptions(argv: ArgumentBytes.trailingArguments(program), env: ProgramEnvironment.build(overrides: [], host: ProgramEnvironment.host()))
        o.startNanos = startNanos
        return PoolClient.run(o)
    }
}

/// husk run's side of the pool (docs/pool.md): takes a started sandbox of the right shape,
/// sends it the program and relays it as its own. Every failure before the launch is silent and
/// answers nil: husk run then starts a sandbox of its own, as without a pool.
public enum PoolClient {
    /// How long husk run waits for the pool's answer before it starts its own sandbox.
    static let replyTimeoutMillis: Int32 = 1000

    /// Whether husk run's command line can be served by a pool at all: checked before it is
    /// parsed, so that the early zygote is skipped when a pool socket exists.
    public static var socketExists: Bool {
        guard let path = PoolSocket.path() else { return false }
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFSOCK
    }

    /// Runs `o` in a pooled sandbox: husk run's exit status, or nil when no pool gave one.
    static func run(_ o: RunOptions) -> Int32? {
        guard let shape = o.poolShape, let path = PoolSocket.path() else { return nil }
        var launch = SentryLaunch(argv: o.argv, env: o.env, cwd: o.cwd)
        launch.timingOrigin = chusk_timing_origin()
        errno = 0
        let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        launch.nice = errno == 0 ? nice : 0
        for i in 0..<16 {
            var rl = rlimit()
            guard getrlimit(__rlimit_resource_t(UInt32(i)), &rl) == 0 else { break }
            launch.rlimits += [UInt64(rl.rlim_cur), UInt64(rl.rlim_max)]
        }
        let message = launch.encode()
        // A launch larger than one message (a huge argv or environment) starts its own sandbox.
        guard message.count <= SentryLaunch.maxSize / 2 else { return nil }
        guard var ends = take(shape: shape, path: path) else { return nil }
        DebugTiming.mark("pooled sandbox taken")
        _ = chusk_ignore_signal(SIGPIPE)
        // The program's stderr is husk run's: the Sentry's messages about it go there.
        var stderrFD: Int32 = 2
        let sent = message.withUnsafeBytes { chusk_send_fds(ends.launchW, $0.baseAddress, $0.count, &stderrFD, 1) }
        close(ends.launchW)
        ends.launchW = -1
        guard sent == message.count else {
            // The Sentry died between the pool's check and the launch (EPIPE): the program never
            // ran, so a fresh sandbox runs it. The monitor ends this one at its done pipe's EOF.
            ends.closeAll()
            return nil
        }
        let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP]
        let signalFD = chusk_signalfd_block(forwarded, Int32(forwarded.count))
        if signalFD < 0 {
            huskWarn("signalfd: \(Errno(rawValue: -signalFD))")
            ends.closeAll()
            return HuskExitStatus.internalError
        }
        return ends.relayAndReport(o, signalFD: signalFD, placements: nil, partsAreChildren: false)
    }

    /// A sandbox from the pool at `path`, or nil (no pool, another user's, none ready, a
    /// different shape, no answer in time).
    static func take(shape: String, path: String) -> SandboxEnds? {
        let sock = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard sock >= 0 else { return nil }
        defer { close(sock) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(sock, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        // Only a pool of our own user is trusted with our stdio and program.
        guard connected == 0, PoolSocket.peerUID(sock) == geteuid() else { return nil }
        let request = PoolMessage.request(shape: shape)
        guard request.withUnsafeBytes({ send(sock, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return nil }
        var p = pollfd(fd: sock, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, replyTimeoutMillis) == 1 else { return nil }
        var buf = [UInt8](repeating: 0, count: PoolMessage.maxSize)
        var fds = [Int32](repeating: -1, count: PoolMessage.grantFDCount)
        var nfds: Int32 = 0, flags: Int32 = 0
        let n = chusk_gofer_recv(sock, &buf, buf.count, &fds, Int32(fds.count), &nfds, &flags)
        let received = Array(fds.prefix(Int(max(nfds, 0))))
        guard n > 0, flags & Int32(MSG_CTRUNC | MSG_TRUNC) == 0, received.count == PoolMessage.grantFDCount,
              case .granted(let sentryPid, let goferPid, let cgroups)? = PoolMessage.decodeReply(buf.prefix(n)) else {
            for fd in received { close(fd) }
            return nil
        }
        var ends = SandboxEnds(stdinW: received[0], stdoutR: received[1], stderrR: received[2], statusR: received[3],
                               sentryPid: sentryPid, sentryPidFD: received[4], goferPid: goferPid, goferPidFD: received[5],
                               monitorDoneW: received[6], cgroups: cgroups)
        ends.launchW = received[7]
        return ends
    }
}
