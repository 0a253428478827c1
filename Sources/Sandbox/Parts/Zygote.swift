import CHusk
import Glibc
import SystemPackage

// The parts' zygote (docs/startup.md "One image for the Gofer and the Sentry"): husk run execs
// husk-parts once, as `husk zygote`, and asks it to clone the Gofer and the Sentry instead of
// exec'ing husk-parts twice. A clone shares its parent's pages copy-on-write, so the two parts
// share what the dynamic loader and the Swift runtime wrote at start-up (the relocated RELRO and
// data of husk-parts and of its libraries, ~0.5 MiB per part) where two execs each wrote their
// own; and neither part pays an exec on the start-up's path. Each clone is made with
// CLONE_PARENT (husk run's child, as a spawned part is), held before it starts exactly as
// PendingChild holds a spawned one (husk run maps its ids, lowers its OOM score, starts the
// monitor, then lets it go), with its namespaces, fd map and session applied in C.
//
// The request travels on a SOCK_SEQPACKET pair as one message with the fds as SCM_RIGHTS, in
// this order: the part's end of the sync pipe, of the error pipe, the fd map's sources, then
// the network namespace to join if any. The reply is the pid (4 bytes), or -errno.

/// One part to clone: what PendingChild.spawn takes, without the binary.
struct ZygoteRequest: Equatable, Sendable {
    var argv: [String]
    /// The fd numbers the part gets, one per source fd sent.
    var targets: [Int32]
    var cloneFlags: UInt
    var unshareFlags: UInt = 0
    var setsid: Bool
    /// A network namespace fd follows the sources (setns before the part starts).
    var joinsNetns: Bool

    static let magic: [UInt8] = Array("HZ1\0".utf8)
    /// Fits the zygote's receive buffer; a longer request (a huge argv) is spawned by exec.
    static let maxSize = 128 * 1024

    /// The fds the message carries besides the sources: the sync and error pipes, the netns.
    var fdCount: Int { 2 + targets.count + (joinsNetns ? 1 : 0) }

    func encode() -> [UInt8] {
        var out = Self.magic
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(UInt64(cloneFlags))
        put(UInt64(unshareFlags))
        out.append(setsid ? 1 : 0)
        out.append(joinsNetns ? 1 : 0)
        put(UInt16(targets.count))
        for t in targets { put(t) }
        put(UInt32(argv.count))
        for a in argv { out.append(contentsOf: a.utf8); out.append(0) }
        return out
    }

    /// nil for anything malformed: a bad magic, a short field, an argument without its NUL,
    /// a NUL inside an argument, more targets than fit, or a negative target other than
    /// CHUSK_JOIN_CGROUP (a cgroup `tasks` file the part moves itself into).
    static func decode(_ bytes: some Collection<UInt8>) -> ZygoteRequest? {
        let b = Array(bytes)
        guard b.count >= magic.count + 8 + 8 + 2 + 2 + 4, Array(b[0..<magic.count]) == magic else { return nil }
        var at = magic.count
        func get<T: FixedWidthInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard at + size <= b.count else { return nil }
            var v: T = 0
            withUnsafeMutableBytes(of: &v) { $0.copyBytes(from: b[at..<at + size]) }
            at += size
            return T(littleEndian: v)
        }
        guard let clone = get(UInt64.self), let unshare = get(UInt64.self),
              let setsid = get(UInt8.self), let netns = get(UInt8.self), setsid <= 1, netns <= 1,
              let ntargets = get(UInt16.self), Int(ntargets) + 3 <= Int(CHUSK_MAX_SCM_FDS) else { return nil }
        var targets: [Int32] = []
        for _ in 0..<ntargets {
            guard let t = get(Int32.self), t >= 0 || t == CHUSK_JOIN_CGROUP else { return nil }
            targets.append(t)
        }
        guard let argc = get(UInt32.self), argc >= 1, argc <= 65536 else { return nil }
        var argv: [String] = []
        for _ in 0..<argc {
            guard let end = b[at...].firstIndex(of: 0) else { return nil }
            argv.append(String(decoding: b[at..<end], as: UTF8.self))
            at = end + 1
        }
        guard at == b.count else { return nil }
        return ZygoteRequest(argv: argv, targets: targets, cloneFlags: UInt(clone), unshareFlags: UInt(unshare),
                             setsid: setsid == 1, joinsNetns: netns == 1)
    }
}

/// husk run's handle on its zygote: started early, asked for the Gofer and the Sentry, then
/// ended (it is husk run's child and is reaped here).
public struct PartsZygote {
    public let pid: pid_t
    var socket: Int32

    /// The zygote's argument area is padded so that a clone can write its own arguments there
    /// (what ps and /proc/PID/cmdline show; longer ones are cut in the display only).
    static let cmdlineRoom = 4000

    /// Execs `husk-parts zygote` now; it is ready when it answers the first request.
    public static func start(_ exe: PartsExecutable, devNull: Int32) throws(HuskError) -> PartsZygote {
        var fds: [Int32] = [-1, -1]
        if socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) != 0 {
            throw HuskError("socketpair", Errno(rawValue: errno))
        }
        defer { close(fds[1]) }
        do throws(HuskError) {
            var child = try PendingChild.spawn(exe, argv: ["husk", "zygote", String(repeating: " ", count: cmdlineRoom)],
                                               fds: [(devNull, 0), (devNull, 1), (2, 2), (fds[1], 3)])
            try child.letGo()
            return PartsZygote(pid: child.pid, socket: fds[0])
        } catch {
            close(fds[0])
            throw error
        }
    }

    /// `start`, or nil when the zygote cannot be started (the parts are then exec'd).
    public static func begin(_ exe: PartsExecutable) -> PartsZygote? {
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard devNull >= 0 else { return nil }
        defer { close(devNull) }
        return try? start(exe, devNull: devNull)
    }

    /// A held part cloned by the zygote, as PendingChild.spawn would start it.
    public func spawn(argv: [String], fds: [(source: Int32, target: Int32)], cloneFlags: UInt,
                      netnsFD: Int32 = -1, setsid: Bool) throws(HuskError) -> PendingChild {
        let request = ZygoteRequest(argv: argv, targets: fds.map(\.target), cloneFlags: cloneFlags, setsid: setsid,
                                    joinsNetns: netnsFD >= 0)
        let bytes = request.encode()
        if bytes.count > ZygoteRequest.maxSize || request.fdCount > Int(CHUSK_MAX_SCM_FDS) {
            throw HuskError("zygote: request too large")
        }
        let sync = try makePipe(), err = try makePipe()
        defer { close(sync.read); close(err.write) }
        let sent = [sync.read, err.write] + fds.map(\.source) + (netnsFD >= 0 ? [netnsFD] : [])
        let w = bytes.withUnsafeBytes { b in chusk_send_fds(socket, b.baseAddress, b.count, sent, Int32(sent.count)) }
        var pid: Int32 = 0
        let r = w < 0 ? w : recv(socket, &pid, 4, 0)
        guard r == 4 else {
            close(sync.write); close(err.read)
            throw HuskError("zygote: no answer", Errno(rawValue: r < 0 ? errno : EPIPE))
        }
        if pid <= 0 {
            close(sync.write); close(err.read)
            throw HuskError("clone \(argv.dropFirst().first ?? "")", Errno(rawValue: pid < 0 ? -pid : EIO))
        }
        return PendingChild(pid: pid, syncFD: sync.write, errFD: err.read)
    }

    /// No more requests: the zygote is killed and reaped (it only waits on the socket).
    public mutating func end() {
        guard socket >= 0 else { return }
        close(socket)
        socket = -1
        kill(pid, SIGKILL)
        var st: Int32 = 0
        while waitpid(pid, &st, 0) < 0 && errno == EINTR {}
    }
}

/// The zygote's side (`husk zygote`, fd 3): clones a part per request and runs `become` in the
/// clone, which never returns; answers husk run; exits at EOF. It does nothing before the
/// clones: compiling the program's filter here (measured) saved the Sentry 0.5 ms but left
/// both parts ~0.1 MiB more of heap each, the zygote's freed chunks reused and copied.
public func zygoteServe(become: (_ argv: [String]) -> Never) -> Int32 {
    // It must not outlive husk run, whose requests it serves (if husk run died before this,
    // its end of the socket is closed and the first receive ends the zygote).
    if chusk_die_with_parent() != 0 { return 125 }
    let socket: Int32 = 3
    // Left uninitialized: a zeroed buffer would be 128 KiB of written pages that every clone
    // keeps (they never return here to free it); a request writes only its own few pages.
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ZygoteRequest.maxSize, alignment: 16)
    defer { buffer.deallocate() }
    var fds = [Int32](repeating: -1, count: Int(CHUSK_MAX_SCM_FDS))
    while true {
        var nfds: Int32 = 0, flags: Int32 = 0
        let n = chusk_gofer_recv(socket, buffer.baseAddress, buffer.count, &fds, Int32(fds.count), &nfds, &flags)
        let received = Array(fds[0..<Int(nfds)])
        defer { for fd in received { close(fd) } }
        if n <= 0 { return 0 }
        var answer: Int32 = -EINVAL
        // A cut message or cut fds are refused whole.
        if flags & Int32(MSG_TRUNC | MSG_CTRUNC) == 0, let req = ZygoteRequest.decode(UnsafeRawBufferPointer(rebasing: buffer[0..<n])), req.fdCount == received.count {
            let sources = Array(received[2..<(2 + req.targets.count)])
            let netns = req.joinsNetns ? received[received.count - 1] : -1
            answer = chusk_zygote_clone(sources, req.targets, Int32(req.targets.count), req.cloneFlags, req.unshareFlags,
                                        netns, req.setsid ? 1 : 0, received[0], received[1])
            if answer == 0 { become(req.argv) }
        }
        if send(socket, &answer, 4, Int32(MSG_NOSIGNAL)) != 4 { return 0 }
    }
}

/// In a clone: shows its own arguments in the zygote's argument area (ps, /proc/PID/cmdline).
public func showCommandLine(_ argv: [String]) {
    let args = CommandLine.unsafeArgv
    let argc = Int(CommandLine.argc)
    guard argc > 0, let first = args[0], let last = args[argc - 1] else { return }
    let length = UnsafeMutablePointer(last) - UnsafeMutablePointer(first) + strlen(last) + 1
    var text: [UInt8] = []
    for a in argv { text.append(contentsOf: a.utf8); text.append(0) }
    chusk_set_cmdline(first, length, text, text.count)
}
