import SystemPackage

/// /etc/hosts and /etc/resolv.conf of the sandbox, made to fit its network mode (`--network`),
/// as a container runtime makes them: with `none` the loopback names and the sandbox's hostname,
/// and no nameserver; with `host` the host's own files; with `pasta` a resolv.conf naming
/// pasta's DNS forwarder. The Sentry mounts them at boot over the root view (one small tmpfs
/// of their own: `VFS.mountNetworkFiles`), so the program may edit them as it may a docker
/// container's per-container copies, and the root view's own files stay untouched.
public enum NetworkFiles {
    /// The address pasta answers DNS queries on for the sandbox (`pasta --dns-forward`), which
    /// it relays to the host's first nameserver (rootless podman's choice of address).
    public static let pastaDNSForwarder = "169.254.1.1"
    /// The loopback address the sandbox's hostname resolves to (Debian's convention).
    public static let hostnameAddress = "127.0.1.1"
    /// The largest host file passed in (`--network host`): what fits one argument of execve.
    public static let maximumHostFileBytes = 64 * 1024

    /// /etc/hosts: the host's own file in `host` mode (as given), else the loopback names
    /// (Docker's lines) and `hostname`.
    public static func hosts(mode: NetworkNamespace.Mode, hostname: String, hostFile: String?) -> String {
        if mode == .host { return hostFile ?? "" }
        return """
            127.0.0.1\tlocalhost
            ::1\tlocalhost ip6-localhost ip6-loopback
            fe00::0\tip6-localnet
            ff00::0\tip6-mcastprefix
            ff02::1\tip6-allnodes
            ff02::2\tip6-allrouters
            \(hostnameAddress)\t\(hostname)

            """
    }

    /// /etc/resolv.conf: the host's own in `host` mode; pasta's forwarder with the host's
    /// `search` and `options` lines in `pasta` mode; no nameserver with `none`.
    public static func resolvConf(mode: NetworkNamespace.Mode, hostFile: String?) -> String {
        switch mode {
        case .host: return hostFile ?? ""
        case .pasta:
            let kept = (hostFile ?? "").split(separator: "\n").filter { $0.hasPrefix("search ") || $0.hasPrefix("options ") }
            return "# --network pasta: DNS through pasta's forwarder\nnameserver \(pastaDNSForwarder)\n"
                + kept.map { $0 + "\n" }.joined()
        case .none: return "# --network none: no nameserver (the sandbox has only its loopback)\n"
        case .joined: return "# a network namespace joined by path: the container engine provides resolv.conf\n"
        }
    }
}

extension VFS {
    /// Puts `hosts` and `resolvConf` at /etc/hosts and /etc/resolv.conf: regular files of a
    /// small tmpfs of their own (at most 1 MiB, not charged to the memory account), each mounted over the root
    /// view's file as docker bind-mounts its per-container copies, so the program can write them
    /// (but not rename or unlink them: EBUSY, as in a container) whatever the root view is. A
    /// missing file is created first in a writable root; a root without /etc gets none.
    public func mountNetworkFiles(hosts: String, resolvConf: String) throws(Errno) {
        // Not charged to the memory account: its file-page budget is the size of one default
        // tmpfs (df of /tmp shows it), and these two files are capped at 1 MiB by the mount.
        let fs = TmpFS(mode: 0o755, sizeBytes: 1 << 20, device: devices.tmpfs)
        let root = Credentials(uid: 0, gid: 0)
        for (name, text) in [("hosts", hosts), ("resolv.conf", resolvConf)] {
            guard let file = try fs.root.create(Array(name.utf8), mode: 0o644, creds: root) as? TmpFile else { throw .ioError }
            let bytes = Array(text.utf8)
            var done = 0
            while done < bytes.count {
                let n = bytes.withUnsafeBytes { b in Result { () throws(Errno) in try file.write(UnsafeRawBufferPointer(rebasing: b[done...]), at: Int64(done)) } }
                done += try n.get()
            }
            let path = "/etc/" + name
            let ctx = FSContext(root: self.root, cwd: self.root, umask: 0)
            guard let etc = try? lookup(ctx, at: nil, Array("/etc".utf8), followFinal: true, creds: root),
                  etc.inode?.fileType == FileType.directory else { continue }
            if (try? lookup(ctx, at: nil, Array(path.utf8), followFinal: false, creds: root)) == nil {
                _ = try? etc.inode?.create(Array(name.utf8), mode: 0o644, creds: root)
            }
            try mount(file, at: path, source: "tmpfs", type: "tmpfs", options: "rw,nosuid,nodev,relatime")
        }
    }
}
