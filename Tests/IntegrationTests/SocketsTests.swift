// AF_UNIX sockets served by the Sentry, tried as users would: python's socketpair, asyncio and
// SCM_RIGHTS between processes, node's child_process and net, perl's socketpair, Go net/http on
// a unix socket, nc -lU with nc -U, socat. Each tool comes from scripts/setup.sh.
import Foundation
import Testing

@Suite("Unix sockets in real programs", .serialized)
struct SocketsTests {
    /// Runs `argv` inside husk and expects exit 0 with exactly `stdout`.
    private func expectInside(_ argv: [String], _ stdout: String, timeout: Double = 60) throws {
        let r = try Husk.run(argv, timeout: timeout)
        #expect(r.status == 0 && r.stdout == stdout, "\(r)")
    }

    @Test("python: socketpair, an asyncio unix server, SCM_RIGHTS to a child")
    func python() throws {
        try expectInside(["/usr/bin/python3", "-c", """
            import socket, asyncio, os, array
            a, b = socket.socketpair()
            a.sendall(b"hi"); print(b.recv(10).decode())
            async def main():
                srv = await asyncio.start_unix_server(lambda r, w: (w.write(b"pong"), w.close()), path="/tmp/asy.sock")
                r, w = await asyncio.open_unix_connection("/tmp/asy.sock")
                print((await r.read(10)).decode())
                srv.close()
            asyncio.run(main())
            x, y = socket.socketpair()
            pid = os.fork()
            if pid == 0:
                msg, anc, flags, addr = y.recvmsg(10, socket.CMSG_SPACE(4))
                os.write(array.array("i", anc[0][2])[0], b"via passed fd"); os._exit(0)
            r, w = os.pipe()
            x.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [w]))])
            os.close(w); os.waitpid(pid, 0)
            print(os.read(r, 100).decode())
            """], "hi\npong\nvia passed fd\n")
    }

    @Test("node: child_process and a net server on a unix socket")
    func node() throws {
        try expectInside(["/usr/bin/node", "-e", """
            const { execFileSync } = require('child_process');
            console.log(execFileSync('echo', ['child ok']).toString().trim());
            const net = require('net');
            const srv = net.createServer(c => c.end('net ok')).listen('/tmp/n.sock', () => {
              net.connect('/tmp/n.sock').on('data', d => { console.log(d.toString()); srv.close(); });
            });
            """], "child ok\nnet ok\n")
    }

    @Test("perl socketpair")
    func perl() throws {
        try expectInside(["/usr/bin/perl", "-e",
                          #"use Socket; socketpair(my $a, my $b, AF_UNIX, SOCK_STREAM, PF_UNSPEC) or die "$!"; syswrite($a, "perl ok"); sysread($b, my $x, 10); print "$x\n""#],
                         "perl ok\n")
    }

    @Test("nc -lU and nc -U; the socket file shows as s and unlink removes it")
    func netcat() throws {
        try expectInside(["/bin/sh", "-c", """
            nc -lU /tmp/nc.sock > /tmp/got & sleep 0.5; ls -l /tmp/nc.sock | cut -c1
            echo "nc ok" | nc -N -U /tmp/nc.sock; wait; cat /tmp/got; rm /tmp/nc.sock; test -e /tmp/nc.sock || echo gone
            """], "s\nnc ok\ngone\n")
    }

    @Test("socat between UNIX-LISTEN and UNIX-CONNECT")
    func socat() throws {
        // -t 10: the client's stdin is at EOF at once; it waits for the reply instead of
        // closing after socat's default 0.5 s (the server's write then met EPIPE under load).
        try expectInside(["/bin/sh", "-c", """
            socat UNIX-LISTEN:/tmp/so.sock SYSTEM:"echo socat ok" & sleep 0.5; socat -t 10 - UNIX-CONNECT:/tmp/so.sock; wait
            """], "socat ok\n")
    }

    @Test("Go net/http on a unix socket")
    func goUnixHTTP() throws {
        let prog = try RuntimesTests.build("go-unix-http", source: """
            package main

            import (
                "fmt"
                "io"
                "net"
                "net/http"
            )

            func main() {
                l, err := net.Listen("unix", "/tmp/g.sock")
                if err != nil {
                    panic(err)
                }
                go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "go ok") }))
                c := http.Client{Transport: &http.Transport{Dial: func(_, _ string) (net.Conn, error) { return net.Dial("unix", "/tmp/g.sock") }}}
                r, err := c.Get("http://x/")
                if err != nil {
                    panic(err)
                }
                b, _ := io.ReadAll(r.Body)
                fmt.Println(string(b))
            }
            """, ext: "go") { src, out in ["/usr/bin/env", "GOCACHE=/tmp/husk-gocache", "GOPATH=/tmp/husk-gopath", "HOME=/tmp", "/usr/bin/go", "build", "-o", out, src] }
        try expectInside([prog], "go ok\n", timeout: 120)
    }

    @Test("a host unix socket in a volume: refused by default, reached with --host-uds open (the Gofer connects)")
    func hostUnixSocket() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("husk-host-uds-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let sock = dir.appendingPathComponent("echo.sock").path
        // A host echo server outside the sandbox: stream (one line back) and datagram.
        let server = try Spawned(["/usr/bin/python3", "-c", """
            import socket, sys, os, threading
            s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
            d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); d.bind(sys.argv[1] + ".dgram")
            def dgram():
                while True:
                    m, a = d.recvfrom(100)
            threading.Thread(target=dgram, daemon=True).start()
            while True:
                c, _ = s.accept()
                c.sendall(b"host says " + c.recv(100)); c.close()
            """, sock])
        defer { kill(server.pid, SIGKILL); _ = server.wait(timeout: 5) }
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: sock + ".dgram") { usleep(20_000) }
        let client = """
            import socket
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect("/v/echo.sock"); s.sendall(b"hello")
                print(s.recv(100).decode(), s.getpeername(), s.getsockname() in ("", b""))
                s.close()
                print("dgram", socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).connect("/v/echo.sock.dgram"))
            except OSError as e:
                print(type(e).__name__, e.errno)
            """
        let refused = try Husk.run(["/usr/bin/python3", "-c", client], options: ["-v", dir.path + ":/v"])
        #expect(refused.status == 0 && refused.stdout == "ConnectionRefusedError 111\n", "\(refused)")
        let open = try Husk.run(["/usr/bin/python3", "-c", client], options: ["--host-uds", "open", "-v", dir.path + ":/v:ro"])
        #expect(open.status == 0 && open.stdout == "host says hello /v/echo.sock True\ndgram None\n", "\(open)")
        let bad = try Husk.run(["/bin/true"], options: ["--host-uds", "all"])
        #expect(bad.status == 125 || bad.status == 64, "\(bad)")
    }

    @Test("ruby: Socket.pair (stream and datagram) and UNIXSocket.pair across a fork")
    func rubySocketPair() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/ruby"), "ruby is not installed (scripts/setup.sh installs it)")
        try expectInside(["/usr/bin/ruby", "-rsocket", "-e", """
            a, b = Socket.pair(:UNIX, :STREAM)
            a.write("ruby stream pair"); a.close
            puts b.read
            c, d = Socket.pair(:UNIX, :DGRAM)
            c.send("dgram one", 0); c.send("dgram two", 0)
            puts d.recv(100), d.recv(100)
            x, y = UNIXSocket.pair
            pid = fork { x.close; y.puts "from child #{Process.pid == $$}"; exit! 0 }
            y.close
            puts x.gets
            Process.wait(pid)
            puts $?.exitstatus
            """], "ruby stream pair\ndgram one\ndgram two\nfrom child true\n0\n")
    }

    @Test("node: net on TCP 127.0.0.1:0 (listen, connect, echo)")
    func nodeNetTCP() throws {
        try expectInside(["/usr/bin/node", "-e", """
            const net = require("net");
            const s = net.createServer(c => c.on("data", d => c.end("echo " + d)));
            s.listen(0, "127.0.0.1", () => {
              const { address, port } = s.address();
              const c = net.connect(port, "127.0.0.1", () => c.write("tcp"));
              let got = "";
              c.on("data", d => got += d);
              c.on("end", () => { console.log(address, port > 0, got); s.close(); });
            });
            """], "127.0.0.1 true echo tcp\n")
    }

    @Test("javac compiles a small program and java runs it")
    func javac() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/javac"), "javac is not installed (scripts/setup.sh installs default-jdk-headless)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("husk-javac-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            import java.util.stream.IntStream;
            public class Hello {
                public static void main(String[] args) throws Exception {
                    Thread t = new Thread(() -> System.out.println("thread ok"));
                    t.start(); t.join();
                    System.out.println("sum " + IntStream.rangeClosed(1, 100).sum());
                }
            }
            """.write(to: dir.appendingPathComponent("Hello.java"), atomically: true, encoding: .utf8)
        let r = try Husk.run(["/bin/sh", "-c", "javac -d /tmp/classes Hello.java && java -cp /tmp/classes Hello"],
                             options: ["-v", dir.path + ":/src:ro", "-w", "/src"], timeout: 180)
        #expect(r.status == 0 && r.stdout == "thread ok\nsum 5050\n", "\(r)")
    }
}
