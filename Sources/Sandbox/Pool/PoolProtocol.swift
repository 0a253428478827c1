import CHusk
import GoferProtocol
import Glibc
import Platform
import SystemPackage

// The pool of started sandboxes (docs/pool.md): `husk pool` keeps sandboxes booted up to the
// point where only the program is missing; `husk run` takes one over a unix socket instead of
// starting its own. This file is the socket's protocol, both sides of it.
//
// Request (husk run → pool), one SOCK_SEQPACKET message: "HPQ1" and the shape (UTF-8, the rest
// of the message). Reply: "HPA1", a byte (1: a sandbox follows, 0: none), then either the
// Sentry's and the Gofer's pids (i32 each) and the cgroup directories (u32 count, NUL-ended
// strings) with `SandboxEnds.fds` as SCM_RIGHTS, or a reason (UTF-8).

public enum PoolMessage {
    static let requestMagic: [UInt8] = Array("HPQ1".utf8)
    static let replyMagic: [UInt8] = Array("HPA1".utf8)
    /// Both sides' receive buffer.
    static let maxSize = 64 * 1024
    /// The fds a granted reply carries.
    static let grantFDCount = 8

    static func request(shape: String) -> [UInt8] { requestMagic + Array(shape.utf8) }

    /// The shape asked for, or nil for anything but a request.
    static func decodeRequest(_ bytes: some Collection<UInt8>) -> String? {
        let b = Array(bytes)
        guard b.count <= maxSize, b.starts(with: requestMagic) else { return nil }
        return String(validating: b[requestMagic.count...], as: UTF8.self)
    }

    enum Reply: Equatable {
        case granted(sentryPid: pid_t, goferPid: pid_t, cgroups: [String])
        case refused(String)
    }

    static func encode(_ r: Reply) -> [UInt8] {
        var out = replyMagic
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        switch r {
        case .granted(let s, let g, let cgroups):
            out.append(1)
            put(s); put(g)
            put(UInt32(cgroups.count))
            for c in cgroups { out.append(contentsOf: c.utf8); out.append(0) }
        case .refused(let why):
            out.append(0)
            out.append(contentsOf: why.utf8)
        }
        return out
    }

    /// nil for anything malformed (a bad magic, a short field, a non-positive pid, a string
    /// without its NUL, trailing bytes).
    static func decodeReply(_ bytes: some Collection<UInt8>) -> Reply? {
        let b = Array(bytes)
        guard b.count <= maxSize else { return nil }
        return b.withUnsafeBytes { raw -> Reply? in
            var r = WireReader(raw)
            do throws(GoferDecodeError) {
                try r.expect(replyMagic)
                switch try r.u8() {
                case 0:
                    return String(validating: b[(replyMagic.count + 1)...], as: UTF8.self).map { .refused($0) }
                case 1:
                    let s = try r.i32(), g = try r.i32(), n = try r.u32()
                    guard s > 0, g > 0, Int(n) <= r.remaining else { return nil }
                    var cgroups: [String] = []
                    for _ in 0..<n {
                        guard let c = String(validating: try r.cString(), as: UTF8.self) else { return nil }
                        cgroups.append(c)
                    }
                    try r.finish()
                    return .granted(sentryPid: s, goferPid: g, cgroups: cgroups)
                default: return nil
                }
            } catch { return nil }
        }
    }
}

public enum PoolSocket {
    /// `HUSK_POOL`: the socket's path, or `off` (husk run never asks a pool). Unset: root's is
    /// /run/husk/pool.sock; other users have none unless they name one.
    public static func path(environment: [String: String] = ProgramEnvironment.host(), euid: uid_t = geteuid()) -> String? {
        if let p = environment["HUSK_POOL"] {
            return p == "off" || p.isEmpty ? nil : p
        }
        return euid == 0 ? "/run/husk/pool.sock" : nil
    }

    /// The uid of the process at the other end of a connected unix socket.
    static func peerUID(_ fd: Int32) -> uid_t? {
        let uid = chusk_peer_uid(fd)
        return uid < 0 ? nil : uid_t(uid)
    }
}

extension RunOptions {
    /// The kind of sandbox these options need, as the pool names the kind it keeps; nil when
    /// no pooled sandbox can serve them: anything beyond the program, its environment, working
    /// directory and --timeout shapes the sandbox itself (a root view, limits, a network, a
    /// terminal, volumes...), and --stats counts from the start. The same husk binary (by its
    /// device, inode and mtime) on both sides: a pool of another build is never used.
    public var poolShape: String? {
        guard !noPool, rootfs == nil, !strace, limits.isEmpty, !rootfsReadonly, user == nil, volumes.isEmpty, !noCgroup,
              hostname == nil, network == .none, networkNamespacePath == nil, !hostUDS, publish.isEmpty, tmpfs.isEmpty,
              !tty, !interactive, !wantsStats else { return nil }
        var st = stat()
        guard stat("/proc/self/exe", &st) == 0 else { return nil }
        return "husk-pool-1 platform=\(platform.rawValue) exe=\(st.st_dev):\(st.st_ino):\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
    }
}
