// The default root view the Gofer serves: host system directories, read-only and nodev, with
// the host's secrets left out. The Sandbox calls `build(at:)` inside the Gofer's fresh mount
// namespace before pivot_root into the staging directory.
//
// How secrets are hidden: the staging directory becomes a tmpfs. A host directory with no
// secret below it is bind-mounted whole (read-only, nodev, nosuid). A directory that holds a
// secret (/etc) is rebuilt in the tmpfs instead: each entry that is not a secret is bound
// one by one (files onto empty placeholder files), symlinks are copied as symlinks, and
// subdirectories holding secrets are rebuilt the same way. Secrets are therefore absent (not
// empty files), and everything else stays the live host file. Finally the tmpfs itself is
// remounted read-only.

import CHusk
import Glibc
import SystemPackage

public struct RootView: Sendable {
    /// Host directories shown read-only at the same place.
    public var hostDirectories: [String]
    /// Top-level names that merged-/usr hosts make symlinks (bin → usr/bin...): reproduced as
    /// the same symlinks; on a host where one is a real directory it is bound read-only.
    public var mergedUsrLinks: [String]
    /// Absolute host paths never shown. `*` and `?` may appear in the last component only
    /// (fnmatch with FNM_PATHNAME). THE list of secrets: keep it here and only here.
    public let secrets: [String]
    /// Where the host tree is read from ("/" in production; a fake tree in tests).
    public var hostRoot: String
    /// `secrets` split once: the plain paths, compared as strings, and the patterns that need
    /// fnmatch (each entry of /etc is asked, on the start-up's path).
    private let plainSecrets: Set<String>
    private let patternSecrets: [String]

    public init(hostDirectories: [String], mergedUsrLinks: [String], secrets: [String], hostRoot: String = "/") {
        self.hostDirectories = hostDirectories
        self.mergedUsrLinks = mergedUsrLinks
        self.secrets = secrets
        self.hostRoot = hostRoot
        let special: Set<UInt8> = [UInt8(ascii: "*"), UInt8(ascii: "?"), UInt8(ascii: "["), UInt8(ascii: "\\")]
        patternSecrets = secrets.filter { $0.utf8.contains(where: special.contains) }
        plainSecrets = Set(secrets.filter { !$0.utf8.contains(where: special.contains) })
    }

    public static let defaultSecrets: [String] = [
        "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-",
        "/etc/sudoers", "/etc/sudoers.d",
        "/etc/ssh/ssh_host_*",
        "/etc/security/opasswd",
        "/etc/ssl/private",
        "/etc/pki/tls/private",
        "/etc/letsencrypt",
        "/etc/krb5.keytab",
        "/etc/ipsec.secrets",
        "/etc/ppp/chap-secrets", "/etc/ppp/pap-secrets",
        "/etc/NetworkManager/system-connections",
        "/etc/wpa_supplicant",
        "/etc/.pwd.lock",
    ]

    public static let `default` = RootView(
        hostDirectories: ["/usr", "/etc", "/opt"],
        mergedUsrLinks: ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"],
        secrets: defaultSecrets)

    /// Whether `path` (absolute, in the view) is a secret.
    public func isSecret(_ path: String) -> Bool {
        plainSecrets.contains(path) || patternSecrets.contains { fnmatch($0, path, FNM_PATHNAME) == 0 }
    }

    /// Whether some secret lies strictly below directory `path`.
    func holdsSecret(_ path: String) -> Bool {
        let prefix = path.hasSuffix("/") ? path : path + "/"
        return secrets.contains { $0.hasPrefix(prefix) }
    }

    /// Builds the view on `staging` (an existing empty directory) in the caller's mount
    /// namespace, which must not propagate to the host (unshare(CLONE_NEWNS), then "/" made
    /// rprivate). With `seal`, the view's top tmpfs ends read-only; pass false to add volume
    /// mount points first (then remount it read-only yourself).
    public func build(at staging: String, seal: Bool = true) throws(Errno) {
        try mount("tmpfs", staging, "tmpfs", UInt(CHUSK_MS_NOSUID | CHUSK_MS_NODEV), "mode=0755")
        try mount(nil, staging, nil, UInt(CHUSK_MS_PRIVATE | CHUSK_MS_REC), nil)
        // Sealed, the whole view is made read-only, nosuid and nodev at the end by one
        // recursive mount_setattr (the tmpfs and every bind below it), not bind by bind: /etc
        // alone is ~150 binds, and the view is on the start-up's path (docs/startup.md).
        var binds: [String]? = seal ? [] : nil
        for dir in hostDirectories + mergedUsrLinks {
            try place(dir, in: staging, binds: &binds)
        }
        if let binds {
            let r = staging.withCString { chusk_gofer_mount_setattr_recursive($0, Self.viewAttributes) }
            if r != 0 {
                // Before mount_setattr (Linux 5.12): each bind's top mount, then the tmpfs.
                for dst in binds { try remountReadOnly(dst) }
                try mount(nil, staging, nil,
                          UInt(CHUSK_MS_REMOUNT | CHUSK_MS_RDONLY | CHUSK_MS_NOSUID | CHUSK_MS_NODEV), nil)
            }
        }
    }

    static let viewAttributes = UInt64(CHUSK_MOUNT_ATTR_RDONLY | CHUSK_MOUNT_ATTR_NOSUID | CHUSK_MOUNT_ATTR_NODEV)

    private func host(_ path: String) -> String {
        hostRoot == "/" ? path : hostRoot + path
    }

    /// Puts host `path` (absolute view path) into the view at staging + path. Binds are made
    /// read-only here when `binds` is nil, else recorded there for `build` to seal.
    private func place(_ path: String, in staging: String, binds: inout [String]?) throws(Errno) {
        if isSecret(path) { return }
        let src = host(path), dst = staging + path
        var st = stat()
        guard lstat(src, &st) == 0 else { return }  // absent on this host
        switch st.st_mode & 0o170000 {
        case 0o120000:
            let target = try readLink(src)  // bytes kept as they are, NUL-terminated
            _ = try retry { target.withUnsafeBufferPointer { t in t.baseAddress.map { symlink($0, dst) } ?? -1 } }
        case 0o040000:
            if holdsSecret(path) {
                _ = try retry { mkdir(dst, st.st_mode & 0o7777) }
                for name in try listDirectory(src) {
                    try place(path + "/" + name, in: staging, binds: &binds)
                }
                _ = try retry { chmod(dst, st.st_mode & 0o7777) }
            } else {
                _ = try retry { mkdir(dst, 0o755) }
                try bind(src, dst, binds: &binds)
            }
        case 0o100000:
            let fd = try retry { Glibc.open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
            hostClose(fd)
            try bind(src, dst, binds: &binds)
        default:
            return  // devices, FIFOs, sockets never enter the view
        }
    }

    private func bind(_ src: String, _ dst: String, binds: inout [String]?) throws(Errno) {
        try mount(src, dst, nil, UInt(CHUSK_MS_BIND | CHUSK_MS_REC), nil)
        if binds != nil { binds!.append(dst); return }
        let r = dst.withCString { chusk_gofer_mount_setattr_recursive($0, Self.viewAttributes) }
        if r == 0 { return }
        try remountReadOnly(dst)
    }

    /// Before mount_setattr (Linux 5.12): the top mount only.
    private func remountReadOnly(_ dst: String) throws(Errno) {
        try mount(nil, dst, nil,
                  UInt(CHUSK_MS_REMOUNT | CHUSK_MS_BIND | CHUSK_MS_RDONLY | CHUSK_MS_NOSUID | CHUSK_MS_NODEV), nil)
    }

    private func mount(_ src: String?, _ dst: String, _ type: String?, _ flags: UInt, _ data: String?) throws(Errno) {
        let r = withOptionalCString(src) { s in
            withOptionalCString(type) { t in
                withOptionalCString(data) { d in
                    dst.withCString { chusk_gofer_mount(s, $0, t, flags, d) }
                }
            }
        }
        _ = try check(r)
    }
}

private func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}

private func readLink(_ path: String) throws(Errno) -> [CChar] {
    var buf = [CChar](repeating: 0, count: 4097)
    let n = buf.withUnsafeMutableBufferPointer { b -> Int in
        guard let p = b.baseAddress else { return -1 }
        return readlink(path, p, 4096)
    }
    if n < 0 { throw lastErrno() }
    return Array(buf[0..<min(n, 4096)]) + [0]
}

/// Entry names of a host directory, without "." and "..".
func listDirectory(_ path: String) throws(Errno) -> [String] {
    guard let d = opendir(path) else { throw lastErrno() }
    defer { closedir(d) }
    var names: [String] = []
    while let e = readdir(d) {
        let name = withUnsafePointer(to: &e.pointee.d_name) { p in
            p.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
