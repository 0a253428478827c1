// Median round trip of a 4-component walk and of an open, Gofer on another thread of this
// process (goferMain is the production server loop; the socket is a real SOCK_SEQPACKET pair).

import CHusk
import Glibc
import Gofer
import GoferProtocol

final class ServerArgs: @unchecked Sendable {
    let sock: Int32, root: String
    init(sock: Int32, root: String) { self.sock = sock; self.root = root }
}

func serverThread(_ p: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let p else { return nil }
    let a = Unmanaged<ServerArgs>.fromOpaque(p).takeRetainedValue()
    _ = chusk_gofer_unshare(Int32(CHUSK_CLONE_FS))  // goferMain's umask(0) stays on this thread
    _ = goferMain(socketFD: a.sock, root: a.root, readOnly: true)
    _ = close(a.sock)
    return nil
}

func nowNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

func median(_ xs: [UInt64]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? 0 : Double(s[s.count / 2]) / 1000
}

func fail(_ msg: String) -> Never {
    print("gofer-bench: \(msg)")
    exit(1)
}

func runBenchmark() {
    let iterations = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 20_000 : 20_000
    var template = Array("/tmp/gofer-bench-XXXXXX".utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else { fail("mkdtemp") }
    let root = String(cString: template)
    var path = root
    for d in ["usr", "lib", "x86_64-linux-gnu"] {
        path += "/" + d
        guard mkdir(path, 0o755) == 0 else { fail("mkdir") }
    }
    let file = path + "/libc.so.6"
    let fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { fail("create") }
    _ = close(fd)
    defer {
        _ = unlink(file)
        for p in [path, root + "/usr/lib", root + "/usr", root] { _ = rmdir(p) }
    }

    var fds: [Int32] = [-1, -1]
    guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
        fail("socketpair")
    }
    var tid = pthread_t()
    let args = Unmanaged.passRetained(ServerArgs(sock: fds[1], root: root)).toOpaque()
    guard pthread_create(&tid, nil, serverThread, args) == 0 else { fail("pthread_create") }
    let client = GoferClient(socketFD: fds[0])

    do {
        let (r, _) = try client.attach()
        let names: [[UInt8]] = ["usr", "lib", "x86_64-linux-gnu", "libc.so.6"].map { Array($0.utf8) }
        var walkNs: [UInt64] = []
        walkNs.reserveCapacity(iterations)
        for _ in 0..<(iterations + iterations / 10) {
            let t0 = nowNs()
            let w = try client.walk(r, names)
            let t1 = nowNs()
            guard w.count == 4 else { fail("walk") }
            for (h, _) in w { client.close(h) }
            walkNs.append(t1 &- t0)
        }
        walkNs.removeFirst(iterations / 10)  // warm-up
        guard let fh = try client.walk(r, names).last?.0 else { fail("walk") }
        var openNs: [UInt64] = []
        openNs.reserveCapacity(iterations)
        for _ in 0..<(iterations + iterations / 10) {
            let t0 = nowNs()
            let ofd = try client.open(fh, flags: O_RDONLY)
            let t1 = nowNs()
            _ = close(ofd)
            openNs.append(t1 &- t0)
        }
        openNs.removeFirst(iterations / 10)
        var statNs: [UInt64] = []
        for _ in 0..<iterations {
            let t0 = nowNs()
            _ = try client.stat(fh)
            statNs.append(nowNs() &- t0)
        }
        print("gofer round trip, median of \(iterations) (Gofer on a thread, SOCK_SEQPACKET):")
        print("  walk of 4 components: \(median(walkNs)) us")
        print("  open (fd donated):    \(median(openNs)) us")
        print("  stat:                 \(median(statNs)) us")
    } catch {
        fail("gofer error \(error)")
    }
    _ = close(fds[0])
    _ = pthread_join(tid, nil)
}
