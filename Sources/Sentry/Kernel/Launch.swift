import CHusk
import Glibc
import GoferProtocol
import SystemPackage

/// What `husk run` sends a pooled Sentry (docs/pool.md), which booted and started its first
/// task before anyone asked for it: the program, its environment and working directory, and
/// what a child of husk run would inherit (its rlimits and nice), plus the origin of
/// --debug-timing (0: off). husk run's stderr travels with it as SCM_RIGHTS: the Sentry's
/// messages about the program go there, not to the pool's.
///
/// One SOCK_SEQPACKET message: "HL1\0", u64 timing origin, i32 nice, u32 rlimit count and that
/// many (soft, hard) u64 pairs, the cwd and NUL, u32 argc and that many NUL-ended strings,
/// u32 envc and that many NUL-ended strings. Integers little-endian.
public struct SentryLaunch: Equatable, Sendable {
    /// `ArgumentBytes` strings, as RunOptions.argv.
    public var argv: [String]
    public var env: [String]
    public var cwd: String
    public var timingOrigin: UInt64 = 0
    public var nice: Int32 = 0
    /// RLIMIT_* in order: soft, hard, soft, hard, ...
    public var rlimits: [UInt64] = []

    static let magic: [UInt8] = Array("HL1\0".utf8)
    /// The receive buffer's size; a larger launch is run by a fresh sandbox instead.
    public static let maxSize = 256 * 1024
    static let maxRlimits = 16

    public init(argv: [String], env: [String], cwd: String) {
        self.argv = argv; self.env = env; self.cwd = cwd
    }

    public func encode() -> [UInt8] {
        var out = Self.magic
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) { out.append(contentsOf: s.utf8); out.append(0) }
        put(timingOrigin)
        put(nice)
        put(UInt32(rlimits.count / 2))
        for v in rlimits.prefix(rlimits.count / 2 * 2) { put(v) }
        string(cwd)
        put(UInt32(argv.count))
        for a in argv { string(a) }
        put(UInt32(env.count))
        for e in env { string(e) }
        return out
    }

    /// nil for anything malformed: a bad magic, a short field, too many rlimits, a string
    /// without its NUL, an empty argv, a relative cwd, trailing bytes.
    public static func decode(_ bytes: some Collection<UInt8>) -> SentryLaunch? {
        let b = Array(bytes)
        guard b.count <= maxSize else { return nil }
        return b.withUnsafeBytes { raw -> SentryLaunch? in
            var r = WireReader(raw)
            func strings() throws(GoferDecodeError) -> [String] {
                let n = try r.u32()
                guard Int(n) <= r.remaining else { throw .truncated }
                var out: [String] = []
                for _ in 0..<n { out.append(String(decoding: try r.cString(), as: UTF8.self)) }
                return out
            }
            do throws(GoferDecodeError) {
                try r.expect(magic)
                let origin = try r.u64(), nice = try r.i32(), count = try r.u32()
                guard count <= maxRlimits else { return nil }
                var limits: [UInt64] = []
                for _ in 0..<(count * 2) { limits.append(try r.u64()) }
                let cwd = String(decoding: try r.cString(), as: UTF8.self)
                let argv = try strings(), env = try strings()
                try r.finish()
                guard cwd.hasPrefix("/"), !argv.isEmpty else { return nil }
                var l = SentryLaunch(argv: argv, env: env, cwd: cwd)
                l.timingOrigin = origin
                l.nice = nice
                l.rlimits = limits
                return l
            } catch { return nil }
        }
    }

    /// Waits for the launch on `fd` and receives it with the stderr fd that came along (-1 if
    /// none). The wait does not trim the Sentry's pages as an idle sandbox's does: they would
    /// fault back in on the launch's path (measured: ~1–2 ms), and a pool holds few sandboxes. nil: EOF (the pool ended
    /// the sandbox unused, or husk run gave up) or a malformed message.
    public static func receive(_ fd: Int32) -> (launch: SentryLaunch, stderrFD: Int32)? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&p, 1, -1) < 0 && errno == EINTR {}
        var buf = [UInt8](repeating: 0, count: maxSize)
        var fds = [Int32](repeating: -1, count: 4)
        var nfds: Int32 = 0, flags: Int32 = 0
        let n = chusk_gofer_recv(fd, &buf, buf.count, &fds, Int32(fds.count), &nfds, &flags)
        let received = Array(fds.prefix(Int(max(nfds, 0))))
        guard n > 0, flags & Int32(MSG_TRUNC) == 0, flags & Int32(MSG_CTRUNC) == 0, received.count <= 1,
              let launch = decode(buf.prefix(Int(n))) else {
            for f in received { close(f) }
            return nil
        }
        return (launch, received.first ?? -1)
    }
}
