import CHusk
import Glibc
import Sentry
import SystemPackage

/// husk-parts, the binary of the Sentry, the Gofer and the monitor (Sources/husk-parts), found
/// beside husk's own binary and opened at start-up: what runs it (the parts' zygote, the
/// monitor's clean-up, a part when there is no zygote) is exec'd from this fd with
/// execveat(AT_EMPTY_PATH), so a rebuilt or deleted file on disk cannot swap it mid-run.
public struct PartsExecutable: Sendable {
    public let fd: Int32
    public let path: String
    public static let fileName = "husk-parts"

    public static func open() throws(HuskError) -> PartsExecutable {
        guard let me = HostFS.readlink("/proc/self/exe"), let slash = me.lastIndex(of: "/") else {
            throw HuskError("cannot read /proc/self/exe")
        }
        let path = String(me[..<slash]) + "/" + fileName
        let fd = Glibc.open(path, Int32(CHUSK_SB_O_PATH) | O_CLOEXEC)
        if fd < 0 {
            let e = Errno(rawValue: errno)
            throw HuskError("\(path): \(e) (husk-parts must be installed beside husk: swift build builds both, scripts/setup.sh --install installs both)")
        }
        var st = stat()
        if fstat(fd, &st) != 0 || st.st_mode & S_IFMT != S_IFREG {
            Glibc.close(fd)
            throw HuskError("\(path): not a regular file")
        }
        return PartsExecutable(fd: fd, path: path)
    }
}

/// Namespace sets of the parts (DESIGN.md "Processes").
public enum Namespaces {
    public static let gofer = UInt(CHUSK_SB_CLONE_NEWNS | CHUSK_SB_CLONE_NEWPID | CHUSK_SB_CLONE_NEWIPC
                                   | CHUSK_SB_CLONE_NEWUTS | CHUSK_SB_CLONE_NEWNET)
    public static let sentry = gofer
    /// The Sentry's set for a network mode: with `--network host` it stays in the caller's
    /// network namespace, where its inet sockets are made (as runsc --network=host); with
    /// `pasta` it joins the namespace made for pasta (PastaNetwork) instead of a new one.
    public static func sentry(network: NetworkNamespace.Mode) -> UInt {
        network == .none ? sentry : sentry & ~UInt(CHUSK_SB_CLONE_NEWNET)
    }
    /// Unshared by the Sentry on husk run's go byte, which comes after husk run moved it into
    /// the sandbox's cgroup, so that the namespace's root is `husk/<id>` and not husk run's
    /// cgroup.
    public static let sentryLate = UInt(CHUSK_SB_CLONE_NEWCGROUP)
}

/// A child created stopped before exec: the parent moves it into a cgroup, then releases it.
public struct PendingChild {
    public let pid: pid_t
    var syncFD: Int32
    var errFD: Int32

    /// Starts `exe` with argv, an explicit fd map (only these fds survive) and namespaces.
    public static func spawn(_ exe: PartsExecutable, argv: [String], env: [String] = [],
                             fds: [(source: Int32, target: Int32)], cloneFlags: UInt = 0,
                             unshareFlags: UInt = 0, netnsFD: Int32 = -1, setsid: Bool = false) throws(HuskError) -> PendingChild {
        try spawn(fd: exe.fd, path: exe.path, argv: argv, env: env, fds: fds, cloneFlags: cloneFlags, unshareFlags: unshareFlags,
                  netnsFD: netnsFD, setsid: setsid)
    }

    /// The same for the executable at `path` when `fd` < 0 (pasta).
    static func spawn(fd: Int32, path: String, argv: [String], env: [String] = [],
                      fds: [(source: Int32, target: Int32)], cloneFlags: UInt = 0,
                      unshareFlags: UInt = 0, netnsFD: Int32 = -1, setsid: Bool = false) throws(HuskError) -> PendingChild {
        var cArgv = argv.map { strdup($0) } + [nil]
        var cEnv = (env + DebugTiming.partEnvironment).map { strdup($0) } + [nil]
        defer { for p in cArgv { free(p) }; for p in cEnv { free(p) } }
        let src = fds.map(\.source), dst = fds.map(\.target)
        var syncFD: Int32 = -1, errFD: Int32 = -1
        let pid = cArgv.withUnsafeMutableBufferPointer { a in
            cEnv.withUnsafeMutableBufferPointer { e in
                chusk_spawn(fd, path, a.baseAddress, e.baseAddress, src, dst, Int32(fds.count),
                            cloneFlags, unshareFlags, netnsFD, setsid ? 1 : 0, &syncFD, &errFD)
            }
        }
        if pid < 0 { throw HuskError("spawn \(argv.dropFirst().first ?? "")", errnoFrom(pid)) }
        return PendingChild(pid: pid, syncFD: syncFD, errFD: errFD)
    }

    /// Lets the child exec and reports whether it did (blocks until exec or a failed step).
    public mutating func release() throws(HuskError) {
        try letGo()
        try confirm()
    }

    /// Lets the child go on to exec without waiting: `confirm()` then reports whether it did.
    /// Releasing several children before confirming any lets their execs overlap.
    public mutating func letGo() throws(HuskError) {
        var one: UInt8 = 1
        let w = write(syncFD, &one, 1)
        close(syncFD); syncFD = -1
        if w != 1 {
            close(errFD); errFD = -1
            throw HuskError("release child", Errno(rawValue: errno))
        }
    }

    /// After `letGo()`: blocks until the child exec'd (or a step before it failed).
    public mutating func confirm() throws(HuskError) {
        defer { close(errFD); errFD = -1 }
        var code: Int32 = 0
        var n: Int
        repeat { n = read(errFD, &code, 4) } while n < 0 && errno == EINTR
        guard n == 4 else { return }
        if code & CHUSK_JOIN_CGROUP_FAILED != 0 {
            throw CgroupSet.moveFailure(Errno(rawValue: code & ~CHUSK_JOIN_CGROUP_FAILED))
        }
        throw HuskError("exec husk part", Errno(rawValue: code))
    }

    /// Aborts: the child dies without exec'ing. (Killed, not just left to see EOF on its sync
    /// pipe: a sibling spawned later may hold a copy of that pipe's write end until it execs.)
    public mutating func abandon() {
        kill(pid, SIGKILL)
        if syncFD >= 0 { close(syncFD); syncFD = -1 }
        if errFD >= 0 { close(errFD); errFD = -1 }
        var st: Int32 = 0
        _ = waitpid(pid, &st, 0)
    }
}

/// Lowers a held part's oom_score_adj to OOMScore.sandboxParts (-900), so that when the
/// sandbox's memory limit is reached the OOM killer takes the program's tasks (1000, set by
/// the Sentry) and a part only as a last resort. Lowering needs CAP_SYS_RESOURCE: without it
/// (rootless, or a root without it as on this VM) the write fails and the part keeps 0, which
/// the tasks' 1000 still outranks.
public func lowerOOMScore(_ pid: pid_t) {
    _ = try? HostFS.write("/proc/\(pid)/oom_score_adj", "\(OOMScore.sandboxParts)\n")
}

/// A pipe whose ends are close-on-exec (the fd map decides what a child gets).
public func makePipe() throws(HuskError) -> (read: Int32, write: Int32) {
    var fds: [Int32] = [-1, -1]
    if chusk_pipe_cloexec(&fds) != 0 { throw HuskError("pipe", Errno(rawValue: errno)) }
    return (fds[0], fds[1])
}

/// The exit status a shell would report for a wait status: the code, or 128+N for signal N.
public func shellStatus(waitStatus st: Int32) -> Int32 {
    if chusk_wifexited(st) != 0 { return chusk_wexitstatus(st) }
    if chusk_wifsignaled(st) != 0 { return 128 + chusk_wtermsig(st) }
    return HuskExitStatus.internalError
}

/// "exit status 3" / "killed by signal 9 (Killed)".
public func describe(waitStatus st: Int32) -> String {
    if chusk_wifexited(st) != 0 { return "exit status \(chusk_wexitstatus(st))" }
    if chusk_wifsignaled(st) != 0 {
        let sig = chusk_wtermsig(st)
        let name = strsignal(sig).map { String(cString: $0) } ?? "?"
        return "killed by signal \(sig) (\(name))"
    }
    return "wait status \(st)"
}
