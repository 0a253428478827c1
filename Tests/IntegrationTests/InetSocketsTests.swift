// AF_INET/AF_INET6 sockets on the sandbox's own loopback (--network none, the default), tried
// as users would: python's http.server with urllib, an asyncio TCP echo, Go's net.Listen and
// net/http, UDP; and the isolation: a host listener on 127.0.0.1 is not reachable from inside.
import Foundation
import Testing

@Suite("Inet sockets on the sandbox's loopback", .serialized)
struct InetSocketsTests {
    private func expectInside(_ argv: [String], _ stdout: String, options: [String] = [], timeout: Double = 90) throws {
        let r = try Husk.run(argv, options: options, timeout: timeout)
        #expect(r.status == 0 && r.stdout == stdout, "\(r)")
    }

    @Test("python3 -m http.server with urllib and curl as clients in one sandbox")
    func httpServer() throws {
        try expectInside(["/bin/sh", "-c", """
            mkdir -p /tmp/www && echo served-by-http.server > /tmp/www/index.txt
            python3 -m http.server 8123 --bind 127.0.0.1 --directory /tmp/www >/dev/null 2>&1 &
            python3 -c '
            import urllib.request, time
            for i in range(200):
                try:
                    print(urllib.request.urlopen("http://127.0.0.1:8123/index.txt", timeout=5).read().decode(), end="")
                    break
                except OSError:
                    time.sleep(0.05)
            '
            curl -s http://127.0.0.1:8123/index.txt
            kill $!
            """], "served-by-http.server\nserved-by-http.server\n")
    }

    @Test("python asyncio: a TCP echo server and client on 127.0.0.1 and ::1, and UDP")
    func asyncioEcho() throws {
        try expectInside(["/usr/bin/python3", "-c", """
            import asyncio, socket
            async def echo(r, w):
                w.write(await r.read(100)); await w.drain(); w.close()
            async def main(host):
                srv = await asyncio.start_server(echo, host, 0)
                port = srv.sockets[0].getsockname()[1]
                r, w = await asyncio.open_connection(host, port)
                w.write(b"echo " + host.encode()); await w.drain()
                print((await r.read(100)).decode())
                w.close(); srv.close(); await srv.wait_closed()
            asyncio.run(main("127.0.0.1"))
            asyncio.run(main("::1"))
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
            v = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); v.sendto(b"udp ok", u.getsockname())
            print(u.recvfrom(100)[0].decode())
            """], "echo 127.0.0.1\necho ::1\nudp ok\n")
    }

    @Test("Go: net.Listen on 127.0.0.1:0 and net/http")
    func goNetHTTP() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("husk-go-inet-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            package main

            import (
            \t"fmt"
            \t"io"
            \t"net"
            \t"net/http"
            )

            func main() {
            \tln, err := net.Listen("tcp", "127.0.0.1:0")
            \tif err != nil { panic(err) }
            \tgo http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "go http ok") }))
            \tresp, err := http.Get("http://" + ln.Addr().String() + "/")
            \tif err != nil { panic(err) }
            \tb, _ := io.ReadAll(resp.Body)
            \tfmt.Println(string(b))
            }
            """.write(to: dir.appendingPathComponent("main.go"), atomically: true, encoding: .utf8)
        let build = Process()
        build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        build.arguments = ["go", "build", "-o", "/usr/local/libexec/husk-go-inet-test", "main.go"]
        build.currentDirectoryURL = dir
        build.environment = ProcessInfo.processInfo.environment.merging(["CGO_ENABLED": "0", "GOFLAGS": "-mod=mod", "GO111MODULE": "off"]) { $1 }
        try build.run(); build.waitUntilExit()
        try #require(build.terminationStatus == 0, "go build failed")
        defer { try? FileManager.default.removeItem(atPath: "/usr/local/libexec/husk-go-inet-test") }
        try expectInside(["/usr/local/libexec/husk-go-inet-test"], "go http ok\n")
    }

    @Test("a host listener on 127.0.0.1 is not reachable from inside (own network namespace), but is with --network host")
    func hostListenerUnreachable() throws {
        let l = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(l) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(l, $0, len) } }
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(l, $0, &len) } }
        #expect(listen(l, 1) == 0)
        let port = UInt16(bigEndian: a.sin_port)
        // The same client natively reaches it, so the refusal inside is the namespace's doing.
        let probe = """
            import socket
            try:
                socket.create_connection(("127.0.0.1", \(port)), timeout=5); print("connected")
            except OSError as e:
                print(type(e).__name__)
            """
        let native = try Husk.runNative(["/usr/bin/python3", "-c", probe])
        #expect(native.stdout == "connected\n", "\(native)")
        try expectInside(["/usr/bin/python3", "-c", probe], "ConnectionRefusedError\n")
        // --network host: the host's namespace, where the listener is.
        try expectInside(["/usr/bin/python3", "-c", probe], "connected\n", options: ["--network", "host"])
    }

    @Test("--network host: the sandbox's root binds a port below 1024, another user gets EACCES as on the host")
    func hostLowPorts() throws {
        let bind = """
            import socket
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", 1)); print("bound")
            except OSError as e:
                print(type(e).__name__)
            """
        try expectInside(["/usr/bin/python3", "-c", bind], "bound\n", options: ["--network", "host"])
        try expectInside(["/usr/bin/python3", "-c", bind], "PermissionError\n", options: ["--network", "host", "--user", "1000:1000"])
        // --network none: any user may bind any port of the sandbox's own namespace (as Docker's
        // net.ipv4.ip_unprivileged_port_start=0).
        try expectInside(["/usr/bin/python3", "-c", bind], "bound\n", options: ["--user", "1000:1000"])
    }

    @Test("ip addr, ip route and ip link show the sandbox's interfaces (lo only); ip link set is refused")
    func iproute2() throws {
        let r = try Husk.run(["/bin/sh", "-c", """
            ip -o addr | awk '{print $2, $3, $4}'
            echo routes: $(ip route | wc -l)
            ip -o link | awk '{print $2}'
            ip link set lo down 2>/dev/null || echo refused
            python3 -c 'import socket; print(socket.if_nameindex())'
            """])
        #expect(r.status == 0 && r.stdout == "lo inet 127.0.0.1/8\nlo inet6 ::1/128\nroutes: 0\nlo:\nrefused\n[(1, 'lo')]\n", "\(r)")
    }

    @Test("/proc/net/tcp lists a listener of the sandbox's namespace; /proc/net/unix its bound unix sockets")
    func procNet() throws {
        try expectInside(["/usr/bin/python3", "-c", """
            import socket
            l = socket.socket(); l.bind(("127.0.0.1", 4321)); l.listen(1)
            u = socket.socket(socket.AF_UNIX); u.bind("/tmp/x.sock"); u.listen(1)
            print([x.split()[1] for x in open("/proc/net/tcp").read().splitlines()[1:]])
            print([x.split()[-1] for x in open("/proc/net/unix").read().splitlines()[1:]])
            print([x.split(":")[0].strip() for x in open("/proc/net/dev").read().splitlines()[2:]])
            """], "['0100007F:10E1']\n['/tmp/x.sock']\n['lo']\n")
    }

    @Test("/proc/self/fd shows socket:[ino] and fstat says S_IFSOCK")
    func procAndStat() throws {
        try expectInside(["/usr/bin/python3", "-c", """
            import socket, os, stat
            s = socket.socket()
            print(os.readlink("/proc/self/fd/%d" % s.fileno()).startswith("socket:["))
            print(stat.S_ISSOCK(os.fstat(s.fileno()).st_mode))
            """], "True\nTrue\n")
    }

    @Test("--network none: /etc/hosts has the loopback names and the hostname, resolv.conf no nameserver; both editable")
    func etcFilesNone() throws {
        let r = try Husk.run(["/bin/sh", "-c", """
            getent hosts localhost | head -1 | tr -s ' \\t' ' '
            getent hosts ip6-loopback | tr -s ' \\t' ' '
            getent hosts box | tr -s ' \\t' ' '
            grep -c '^nameserver' /etc/resolv.conf
            echo '10.9.8.7 added' >> /etc/hosts && getent hosts added | tr -s ' \\t' ' '
            echo 'nameserver 10.9.8.53' > /etc/resolv.conf && cat /etc/resolv.conf
            mv /etc/hosts /tmp/h 2>/dev/null || echo busy
            """], options: ["--hostname", "box"])
        #expect(r.status == 0 && r.stdout == "::1 localhost ip6-localhost ip6-loopback\n::1 localhost ip6-localhost ip6-loopback\n127.0.1.1 box\n0\n10.9.8.7 added\nnameserver 10.9.8.53\nbusy\n", "\(r)")
        // The root view's own files (the host's here) are untouched.
        #expect(try String(contentsOfFile: "/etc/hosts", encoding: .utf8).contains("added") == false)
        // A read-only root gets them all the same.
        let ro = try Husk.run(["/bin/sh", "-c", "getent hosts box | tr -s ' \\t' ' '; echo x >> /etc/hosts && tail -n1 /etc/hosts"],
                              options: ["--read-only", "--hostname", "box"])
        #expect(ro.status == 0 && ro.stdout == "127.0.1.1 box\nx\n", "\(ro)")
    }

    @Test("--network host: /etc/hosts and /etc/resolv.conf are the host's own, also over a --rootfs")
    func etcFilesHost() throws {
        let hosts = try String(contentsOfFile: "/etc/hosts", encoding: .utf8)
        let resolv = try String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)
        let r = try Husk.run(["/bin/sh", "-c", "cat /etc/hosts; echo ---; cat /etc/resolv.conf; getent hosts localhost >/dev/null && echo found"],
                             options: ["--network", "host"])
        #expect(r.status == 0 && r.stdout == hosts + "---\n" + resolv + "found\n", "\(r)")
        let rootfs = FileManager.default.temporaryDirectory.appendingPathComponent("husk-etc-rootfs-\(getpid())")
        try FileManager.default.createDirectory(at: rootfs.appendingPathComponent("etc"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: rootfs.appendingPathComponent("bin"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: rootfs) }
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: rootfs.appendingPathComponent("bin/busybox").path)
        try "10.0.0.1 rootfs-own\n".write(to: rootfs.appendingPathComponent("etc/hosts"), atomically: true, encoding: .utf8)
        let own = try Husk.run(["/bin/busybox", "cat", "/etc/hosts"], options: ["--network", "host", "--rootfs", rootfs.path])
        #expect(own.status == 0 && own.stdout == hosts, "\(own)")
        let none = try Husk.run(["/bin/busybox", "grep", "-c", "rootfs-own\\|127.0.1.1", "/etc/hosts"], options: ["--rootfs", rootfs.path])
        #expect(none.status == 0 && none.stdout == "1\n", "\(none)")
    }

    /// pasta processes started by husk run (their command line names the inherited namespace fds).
    private func huskPastas() -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { Int($0) != nil }.compactMap { pid in
            guard let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let line = String(decoding: raw.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return line.contains("--netns /proc/self/fd/4") && (line.contains("pasta") || line.contains("passt")) ? pid : nil
        }
    }

    /// Waits (up to 5 s: the monitor ends pasta off husk run's critical path) until no pasta of husk's is left.
    private func expectNoPastaLeft() {
        var left = huskPastas()
        for _ in 0..<50 where !left.isEmpty { usleep(100_000); left = huskPastas() }
        #expect(left.isEmpty, "pasta processes left: \(left)")
    }

    @Test("--network pasta: a server in another network namespace (over a veth) is reachable, not with none; resolv.conf names pasta's forwarder; no pasta is left")
    func pastaReachesOutside() throws {
        // The outside: a network namespace of the test's own, joined to the host by a veth pair.
        let tag = String(getpid() % 100_000)
        let holder = try Spawned(["/usr/bin/unshare", "--net", "/bin/sleep", "120"])
        defer { kill(holder.pid, SIGKILL); _ = holder.wait(timeout: 5); _ = try? run(["/usr/sbin/ip", "link", "del", "hv\(tag)a"]) }
        usleep(300_000)
        let octet = Int(getpid() % 200) + 20
        for cmd in [["/usr/sbin/ip", "link", "add", "hv\(tag)a", "type", "veth", "peer", "name", "hv\(tag)b", "netns", String(holder.pid)],
                    ["/usr/sbin/ip", "addr", "add", "10.213.\(octet).1/24", "dev", "hv\(tag)a"],
                    ["/usr/sbin/ip", "link", "set", "hv\(tag)a", "up"],
                    ["/usr/bin/nsenter", "-t", String(holder.pid), "-n", "/usr/sbin/ip", "addr", "add", "10.213.\(octet).2/24", "dev", "hv\(tag)b"],
                    ["/usr/bin/nsenter", "-t", String(holder.pid), "-n", "/usr/sbin/ip", "link", "set", "hv\(tag)b", "up"]] {
            let r = try run(cmd)
            try #require(r.status == 0, "\(cmd): \(r)")
        }
        let server = try Spawned(["/usr/bin/nsenter", "-t", String(holder.pid), "-n", "/usr/bin/python3", "-c", """
            import socket
            l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            l.bind(("10.213.\(octet).2", 7777)); l.listen(8)
            while True:
                c, _ = l.accept(); c.sendall(b"outside says hi\\n"); c.close()
            """])
        defer { kill(server.pid, SIGKILL); _ = server.wait(timeout: 5) }
        let probe = """
            import socket, time
            for i in range(50):
                try:
                    s = socket.create_connection(("10.213.\(octet).2", 7777), timeout=5); print(s.recv(100).decode(), end=""); break
                except ConnectionRefusedError:
                    time.sleep(0.1)
                except OSError as e:
                    print(type(e).__name__, e.errno); break
            """
        // The host reaches it (so a refusal inside is the sandbox's doing).
        let native = try Husk.runNative(["/usr/bin/python3", "-c", probe])
        #expect(native.stdout == "outside says hi\n", "\(native)")
        try expectInside(["/usr/bin/python3", "-c", probe], "outside says hi\n", options: ["--network", "pasta"])
        try expectInside(["/usr/bin/python3", "-c", probe], "OSError 101\n")   // ENETUNREACH: only lo
        try expectInside(["/bin/sh", "-c", "grep '^nameserver' /etc/resolv.conf; getent hosts localhost >/dev/null && echo found"],
                         "nameserver \(NetworkFilesExpect.pastaForwarder)\nfound\n", options: ["--network", "pasta"])
        expectNoPastaLeft()
    }

    @Test("--network pasta -p HOSTPORT:PORT: a server inside is reachable from the host; -p without pasta is refused")
    func pastaPublishes() throws {
        let hostPort = 20_000 + Int(getpid() % 20_000)
        let inside = try Spawned([try Husk.require(), "run", "--network", "pasta", "-p", "\(hostPort):8080", "--timeout", "60s", "--",
                                  "/usr/bin/python3", "-c", """
            import socket
            l = socket.socket(); l.bind(("0.0.0.0", 8080)); l.listen(1)
            c, _ = l.accept(); c.sendall(b"inside says hi\\n"); c.close()
            """])
        defer { kill(inside.pid, SIGTERM) }
        let client = try Husk.runNative(["/usr/bin/python3", "-c", """
            import socket, time
            for i in range(200):
                try:
                    s = socket.create_connection(("127.0.0.1", \(hostPort)), timeout=5); d = s.recv(100)
                    if d: print(d.decode(), end=""); break
                except OSError:
                    pass
                time.sleep(0.1)
            """], timeout: 60)
        #expect(client.stdout == "inside says hi\n", "\(client)")
        let r = inside.wait(timeout: 30)
        #expect(r.status == 0, "\(r)")
        expectNoPastaLeft()
        let refused = try Husk.run(["/bin/true"], options: ["-p", "8080:80"])
        #expect(refused.status != 0 && refused.stderr.contains("-p needs --network pasta"), "\(refused)")
    }
}

/// The address resolv.conf names with --network pasta (Sentry's NetworkFiles.pastaDNSForwarder).
enum NetworkFilesExpect { static let pastaForwarder = "169.254.1.1" }
