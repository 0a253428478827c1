import CHusk
import Glibc
import Platform
import Sentry
import SystemPackage

/// `husk pool` (docs/pool.md): keeps `size` sandboxes started, each booted up to the point
/// where only the program is missing, and hands one to each `husk run` that asks with the
/// matching shape. A sandbox serves one run and is never reused: the pool starts another in
/// its place. The pool's own work is only that: husk run relays the program and reads its
/// counters; the monitor of each sandbox cleans it up when husk run is done, or when the pool
/// ends it unused.
public enum SandboxPool {
    /// Serves until SIGINT, SIGTERM or SIGHUP; then ends the sandboxes no run took and
    /// returns once their cgroups are gone. A failure to start is one line and status 125.
    public static func serve(size: Int, path: String, platform: PlatformKind) -> Int32 {
        do throws(HuskError) { return try serveOrThrow(size: size, path: path, platform: platform) } catch {
            huskWarn("pool: " + error.message)
            return HuskExitStatus.internalError
        }
    }

    static func serveOrThrow(size: Int, path: String, platform: PlatformKind) throws(HuskError) -> Int32 {
        guard size >= 1 && size <= 256 else { throw HuskError("--size \(size): must be within 1...256") }
        var options = RunOptions(argv: [], env: [])
        options.platform = platform
        guard let shape = options.poolShape else { throw HuskError("cannot stat /proc/self/exe") }
        let exe = try PartsExecutable.open()
        _ = chusk_ignore_signal(SIGPIPE)
        // Blocked before the worker starts, so that it inherits the mask: only the signalfd sees them.
        let stops: [Int32] = [SIGINT, SIGTERM, SIGHUP]
        let signalFD = chusk_signalfd_block(stops + [SIGCHLD], Int32(stops.count + 1))
        if signalFD < 0 { throw HuskError("signalfd", errnoFrom(signalFD)) }
        // The first sandbox before anything is served: a pool that cannot start one (no root,
        // no cgroup, no husk-parts) says why and ends, instead of retrying for ever.
        let first = try SandboxRun.startPooled(options, exe: exe)
        let listener: Int32
        do throws(HuskError) { listener = try listen(at: path) } catch {
            first.closeAll()
            waitUntilGone(first.cgroups)
            throw error
        }
        defer { close(listener); unlink(path) }
        let state = PoolState(size: size, options: options, exe: exe)
        state.putBack(first)
        var worker = pthread_t()
        let started = pthread_create(&worker, nil, { arg in
            Unmanaged<PoolState>.fromOpaque(arg!).takeRetainedValue().fill()
            return nil
        }, Unmanaged.passRetained(state).toOpaque())
        guard started == 0 else { throw HuskError("cannot start the pool's worker thread", Errno(rawValue: started)) }

        var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0), pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0)]
        serving: while true {
            // Idle for a while: drop the pages the start and the last requests faulted in (the
            // pool is a whole husk binary: ~8.7 MiB of PSS untrimmed), once per idle spell.
            var n = poll(&fds, 2, 200)
            if n == 0 { n = chusk_idle_trim_poll(&fds, 2, -1) }
            if n < 0 { if errno == EINTR { continue }; break }
            if fds[1].revents != 0 {
                var stop = false
                while true {
                    let sig = chusk_signalfd_read(signalFD)
                    if sig <= 0 { break }
                    if stops.contains(sig) { stop = true }
                }
                reapChildren()
                if stop { break serving }
            }
            if fds[0].revents != 0 {
                while true {
                    let conn = chusk_accept_nonblock(listener)
                    if conn < 0 { break }
                    serveOne(conn, shape: shape, state: state)
                    close(conn)
                }
            }
        }
        // The sandboxes no run took: EOF on their launch sockets ends each Sentry, on their
        // done pipes each monitor, which removes the cgroup.
        let unused = state.stop()
        pthread_join(worker, nil)
        for e in unused { e.closeAll() }
        waitUntilGone(unused.flatMap(\.cgroups))
        close(signalFD)
        return 0
    }

    /// Answers one connection: a sandbox of the asked shape, or why not.
    static func serveOne(_ conn: Int32, shape: String, state: PoolState) {
        // Only our own user gets a sandbox (the socket file is 0600 too).
        guard PoolSocket.peerUID(conn) == geteuid() else { return }
        var p = pollfd(fd: conn, events: Int16(POLLIN), revents: 0)
        // husk run sends its request with the connect; one that does not is not waited for long.
        guard poll(&p, 1, 200) == 1 else { return }
        var buf = [UInt8](repeating: 0, count: PoolMessage.maxSize)
        let n = recv(conn, &buf, buf.count, Int32(MSG_DONTWAIT))
        guard n > 0, let asked = PoolMessage.decodeRequest(buf.prefix(n)) else { return }
        func refuse(_ why: String) {
            let reply = PoolMessage.encode(.refused(why))
            _ = reply.withUnsafeBytes { send(conn, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        }
        guard asked == shape else { return refuse("this pool keeps sandboxes of another shape (\(shape))") }
        guard let ends = state.take() else { return refuse("no sandbox ready") }
        let reply = PoolMessage.encode(.granted(sentryPid: ends.sentryPid, goferPid: ends.goferPid, cgroups: ends.cgroups))
        var handed = ends.fds
        let sent = reply.withUnsafeBytes { chusk_send_fds(conn, $0.baseAddress, $0.count, &handed, Int32(handed.count)) }
        if sent == reply.count {
            ends.closeAll()
        } else {
            // husk run went away before it got it: still unused, still ours.
            state.putBack(ends)
        }
    }

    /// A listening SOCK_SEQPACKET socket at `path`, 0600. A socket left by a pool that died is
    /// replaced; one a live pool serves is refused.
    static func listen(at path: String) throws(HuskError) -> Int32 {
        if path == "/run/husk/pool.sock" { _ = mkdir("/run/husk", 0o700) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw HuskError("--socket \(path): too long for a unix socket") }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let len = socklen_t(MemoryLayout<sockaddr_un>.size)
        func withAddress<R>(_ body: (UnsafePointer<sockaddr>) -> R) -> R {
            withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1, body) }
        }
        var st = stat()
        if lstat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFSOCK else { throw HuskError("--socket \(path): exists and is not a socket") }
            let probe = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            let live = probe >= 0 && withAddress { connect(probe, $0, len) } == 0
            if probe >= 0 { close(probe) }
            if live { throw HuskError("a pool already serves \(path)") }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        if fd < 0 { throw HuskError("socket", Errno(rawValue: errno)) }
        let old = umask(0o177)
        let bound = withAddress { bind(fd, $0, len) }
        let e = errno
        umask(old)
        guard bound == 0, Glibc.listen(fd, 64) == 0 else {
            close(fd)
            throw HuskError("--socket \(path)", Errno(rawValue: bound == 0 ? errno : e))
        }
        return fd
    }

    /// Reaps whatever child ended (the parts and monitors of handed-out sandboxes are ours).
    static func reapChildren() {
        var st: Int32 = 0
        while waitpid(-1, &st, WNOHANG) > 0 {}
    }

    /// Until every directory is removed (the monitors' work) or 10 s passed.
    static func waitUntilGone(_ dirs: [String]) {
        let deadline = monotonicMillis() + 10_000
        while dirs.contains(where: { access($0, F_OK) == 0 }) && monotonicMillis() < deadline {
            reapChildren()
            usleep(5000)
        }
        reapChildren()
    }
}

/// The pool's ready sandboxes, shared by the accepting thread and the worker that starts them.
final class PoolState: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var wanted = pthread_cond_t()
    private var ready: [SandboxEnds] = []
    private var stopping = false
    private var announced = false
    /// When the last sandbox was taken (CLOCK_MONOTONIC ms).
    private var lastTake: UInt64 = 0
    /// How long the worker lets a taken sandbox's run go before it starts the replacement: a
    /// start is ~25 ms of CPU, which beside a short run on a small machine slows the run more
    /// than the pool saves it.
    static let refillDelayMillis: UInt64 = 30
    let size: Int
    let options: RunOptions
    let exe: PartsExecutable

    init(size: Int, options: RunOptions, exe: PartsExecutable) {
        self.size = size; self.options = options; self.exe = exe
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wanted, nil)
    }

    /// The worker: keeps `size` sandboxes ready until stopped. A failure to start one is told
    /// once per spell of failures and retried after a pause that grows to 5 s.
    func fill() {
        var failures = 0
        pthread_mutex_lock(&mutex)
        while true {
            while !stopping && ready.count >= size { pthread_cond_wait(&wanted, &mutex) }
            if stopping { break }
            let now = monotonicMillis()
            if !ready.isEmpty && now < lastTake + Self.refillDelayMillis {
                pthread_mutex_unlock(&mutex)
                usleep(UInt32(lastTake + Self.refillDelayMillis - now) * 1000)
                pthread_mutex_lock(&mutex)
                continue
            }
            pthread_mutex_unlock(&mutex)
            var started: SandboxEnds? = nil
            do throws(HuskError) { started = try SandboxRun.startPooled(options, exe: exe) } catch {
                if failures == 0 { huskWarn("pool: cannot start a sandbox: \(error.message) (retrying)") }
                failures += 1
                usleep(UInt32(min(5000, 100 << min(failures, 6))) * 1000)
            }
            pthread_mutex_lock(&mutex)
            if let s = started {
                failures = 0
                if stopping { s.closeAll() } else { ready.append(s) }
                announceOnce()
            }
        }
        pthread_mutex_unlock(&mutex)
    }

    /// The oldest ready sandbox whose Sentry and Gofer still live (one that died idle, killed
    /// from outside or by the OOM killer, is ended); the worker starts the replacements.
    func take() -> SandboxEnds? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        lastTake = monotonicMillis()
        while !ready.isEmpty {
            pthread_cond_signal(&wanted)
            let e = ready.removeFirst()
            if !e.fds.contains(where: { $0 < 0 }) && !StdioRelay.hasExited(e.sentryPidFD) && !StdioRelay.hasExited(e.goferPidFD) { return e }
            huskWarn("pool: a ready sandbox ended before it was used (sentry pid \(e.sentryPid)); it is replaced")
            e.closeAll()
        }
        return nil
    }

    func putBack(_ e: SandboxEnds) {
        pthread_mutex_lock(&mutex)
        ready.insert(e, at: 0)
        announceOnce()
        pthread_mutex_unlock(&mutex)
    }

    /// The one line that says the pool is full for the first time (mutex held).
    private func announceOnce() {
        guard !announced && ready.count >= size else { return }
        announced = true
        huskWarn("pool: \(size) sandbox\(size == 1 ? "" : "es") ready")
    }

    /// Stops the worker; the sandboxes nobody took.
    func stop() -> [SandboxEnds] {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        stopping = true
        pthread_cond_signal(&wanted)
        let unused = ready
        ready = []
        return unused
    }
}
