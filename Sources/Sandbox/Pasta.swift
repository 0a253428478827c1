import CHusk
import Glibc
import Sentry
import SystemPackage

/// `-p HOSTPORT:PORT[/tcp|/udp]` (`--publish`): a port of the host forwarded by pasta to a port
/// of the sandbox (`--network pasta` only).
public struct PublishSpec: Equatable, Sendable {
    public var hostPort: UInt16
    public var port: UInt16
    public var udp: Bool
    public init(hostPort: UInt16, port: UInt16, udp: Bool) { self.hostPort = hostPort; self.port = port; self.udp = udp }

    public static func parse(_ s: String) -> PublishSpec? {
        var text = Substring(s), udp = false
        if text.hasSuffix("/udp") { udp = true; text = text.dropLast(4) } else if text.hasSuffix("/tcp") { text = text.dropLast(4) }
        let f = text.split(separator: ":", omittingEmptySubsequences: false)
        guard f.count == 2, let h = UInt16(f[0]), let p = UInt16(f[1]), h > 0, p > 0 else { return nil }
        return PublishSpec(hostPort: h, port: p, udp: udp)
    }
}

/// `--network pasta`: outbound access through pasta (Debian's passt package), user-mode NAT
/// attached to the sandbox's network namespace, as rootless podman uses it.
///
/// pasta, started as root, switches to nobody before it opens the namespaces it is given, and
/// joining a network namespace takes CAP_SYS_ADMIN over the user namespace that owns it: a
/// namespace owned by the host's (the Sentry's own with `--network none`) is out of its reach
/// (`Couldn't open network namespace`, then `Couldn't switch to pasta namespaces`). So husk run
/// makes the sandbox's network namespace inside a user namespace owned by nobody
/// (`chusk_userns_netns`), whose root maps to nobody: pasta, as nobody, owns that user
/// namespace and may join both; husk run, root, spawns the Sentry into the network namespace
/// with setns. pasta gets the two namespaces and its PID-file pipe as inherited fds
/// (`/proc/self/fd/N`, which a process may always open for itself), configures the namespace
/// (`--config-net`: the host's addresses and routes on a tap device), and writes its pid into
/// the pipe once it is ready; husk run lets the Sentry boot only then. pasta runs in the
/// foreground as a part of the sandbox: in its cgroup, and killed by the monitor with the
/// Sentry and the Gofer.
struct PastaNetwork {
    /// Where Debian's passt package installs it.
    static let paths = ["/usr/bin/pasta", "/usr/local/bin/pasta"]
    /// The unprivileged identity pasta drops to as root, and that owns the namespaces.
    static let nobody: UInt32 = 65534

    let userFD: Int32
    let netFD: Int32

    /// The namespaces (fds, close-on-exec).
    static func prepare() throws(HuskError) -> PastaNetwork {
        var u: Int32 = -1, n: Int32 = -1
        let rc = chusk_userns_netns(nobody, nobody, &u, &n)
        if rc != 0 { throw HuskError("--network pasta: cannot make the sandbox's network namespace", errnoFrom(rc)) }
        return PastaNetwork(userFD: u, netFD: n)
    }

    func close() { Glibc.close(userFD); Glibc.close(netFD) }

    /// pasta's command line: the namespaces and the PID file as inherited fds 3, 4 and 5, the
    /// published ports (nothing else: no automatic forwarding either way), no gateway mapping
    /// to the host's own loopback, and the DNS forwarder resolv.conf names.
    static func arguments(_ path: String, publish: [PublishSpec]) -> [String] {
        func ports(_ udp: Bool) -> String {
            let l = publish.filter { $0.udp == udp }.map { "\($0.hostPort):\($0.port)" }
            return l.isEmpty ? "none" : l.joined(separator: ",")
        }
        return [path, "--config-net", "--foreground", "--quiet", "--userns", "/proc/self/fd/3", "--netns", "/proc/self/fd/4",
                "--pid", "/proc/self/fd/5", "-t", ports(false), "-u", ports(true), "-T", "none", "-U", "none",
                "--no-map-gw", "--dns-forward", NetworkFiles.pastaDNSForwarder]
    }

    /// pasta, held before exec (as the parts are) so that the monitor knows its pid first.
    /// Returns the child and the read end of its PID-file pipe.
    /// `joinFDs`: the cgroup `tasks` files pasta moves itself into once released (as the parts).
    func spawn(publish: [PublishSpec], devNull: Int32, joinFDs: [(source: Int32, target: Int32)] = []) throws(HuskError) -> (PendingChild, Int32) {
        guard let path = PastaNetwork.paths.first(where: { access($0, X_OK) == 0 }) else {
            throw HuskError("--network pasta: pasta not found (install Debian's passt package: scripts/setup.sh does)")
        }
        let ready = try makePipe()
        // pasta opens /proc/self/fd/5 as nobody: the pipe must be nobody's to open for writing.
        if fchown(ready.write, PastaNetwork.nobody, PastaNetwork.nobody) != 0 {
            let e = Errno(rawValue: errno); Glibc.close(ready.read); Glibc.close(ready.write)
            throw HuskError("--network pasta: pipe", e)
        }
        defer { Glibc.close(ready.write) }
        do throws(HuskError) {
            let child = try PendingChild.spawn(fd: -1, path: path, argv: PastaNetwork.arguments(path, publish: publish),
                                               fds: [(devNull, 0), (devNull, 1), (devNull, 2), (userFD, 3), (netFD, 4), (ready.write, 5)] + joinFDs,
                                               setsid: true)
            return (child, ready.read)
        } catch {
            Glibc.close(ready.read)
            throw error
        }
    }

    /// Waits for pasta's PID line (written once the namespace is configured); EOF first means
    /// it failed.
    static func waitReady(_ readFD: Int32) throws(HuskError) {
        defer { Glibc.close(readFD) }
        var buf = [UInt8](repeating: 0, count: 32)
        var got = 0
        while got < buf.count {
            let n = buf.withUnsafeMutableBytes { Glibc.read(readFD, $0.baseAddress! + got, $0.count - got) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got += n
            if buf[0..<got].contains(0x0A) { return }
        }
        if got == 0 {
            throw HuskError("--network pasta: pasta did not start (is /dev/net/tun there and open to all, mode 0666 as Debian's udev makes it?)")
        }
    }
}
