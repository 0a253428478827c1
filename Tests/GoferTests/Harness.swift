// Test harness: a Gofer served on a pthread of the test process (goferMain is plain blocking
// code), temporary trees, raw socket access for malformed messages.

import CHusk
import Glibc
import Gofer
import GoferProtocol
import SystemPackage

final class ServerThread: @unchecked Sendable {
    let sock: Int32
    let root: String
    let readOnly: Bool
    let view: RootView?
    /// Trees 1... (path, read-only) beside the root `root` (tree 0).
    var volumes: [(String, Bool)] = []
    /// --host-uds open.
    var hostUDS = false
    var result: Int32 = -99
    init(sock: Int32, root: String, readOnly: Bool, view: RootView?) {
        self.sock = sock; self.root = root; self.readOnly = readOnly; self.view = view
    }
}

/// Thread body: own fs_struct (umask), optionally a private mount namespace with the view
/// built on `root`, then serve.
func serverThreadMain(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let arg else { return nil }
    let box = Unmanaged<ServerThread>.fromOpaque(arg).takeUnretainedValue()
    defer { _ = close(box.sock) }
    guard chusk_gofer_unshare(Int32(CHUSK_CLONE_FS)) == 0 else { box.result = -1; return nil }
    if let view = box.view {
        guard chusk_gofer_unshare(Int32(CHUSK_CLONE_NEWNS)) == 0,
              chusk_gofer_mount(nil, "/", nil, UInt(CHUSK_MS_REC | CHUSK_MS_PRIVATE), nil) == 0 else {
            box.result = -2
            return nil
        }
        do { try view.build(at: box.root) } catch { box.result = -3; return nil }
    }
    if !box.volumes.isEmpty {
        var roots: [GoferRoot] = []
        defer { for r in roots { for fd in [r.fd] + r.fileFDs where fd >= 0 { _ = close(fd) } } }
        for (path, ro) in [(box.root, box.readOnly)] + box.volumes {
            let fd = open(path, Int32(CHUSK_O_PATH | CHUSK_O_CLOEXEC))
            guard fd >= 0 else { box.result = -4; return nil }
            // A regular file is a file tree (-v FILE:GUEST), anything else a directory tree.
            if lstatOf(path).map({ $0.st_mode & S_IFMT == S_IFREG }) == true {
                guard let tree = try? GoferRoot.file(pathFD: fd, readOnly: ro) else { _ = close(fd); box.result = -5; return nil }
                roots.append(tree)
            } else {
                roots.append(GoferRoot(fd: fd, readOnly: ro))
            }
        }
        box.result = goferMain(socketFD: box.sock, roots: roots, hostUDS: box.hostUDS)
        return nil
    }
    box.result = goferMain(socketFD: box.sock, root: box.root, readOnly: box.readOnly)
    return nil
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

final class Fixture {
    let fd: Int32
    let client: GoferClient
    let server: ServerThread
    var thread = pthread_t()
    var stopped = false

    init(root: String, readOnly: Bool = false, view: RootView? = nil, volumes: [(String, Bool)] = [], hostUDS: Bool = false) throws {
        var fds: [Int32] = [-1, -1]
        let type = Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &fds) == 0 else { throw TestFailure("socketpair") }
        fd = fds[0]
        var tv = timeval(tv_sec: 20, tv_usec: 0)  // a hung server fails the test instead of hanging it
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        server = ServerThread(sock: fds[1], root: root, readOnly: readOnly, view: view)
        server.volumes = volumes
        server.hostUDS = hostUDS
        client = GoferClient(socketFD: fd)
        let arg = Unmanaged.passRetained(server).toOpaque()
        guard pthread_create(&thread, nil, serverThreadMain, arg) == 0 else { throw TestFailure("pthread_create") }
    }

    /// Closes the client end and returns goferMain's result.
    func stop() -> Int32 {
        if !stopped {
            stopped = true
            _ = close(fd)
            _ = pthread_join(thread, nil)
            Unmanaged.passUnretained(server).release()
        }
        return server.result
    }

    deinit { _ = stop() }

    func sendRaw(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { chusk_gofer_send(fd, $0.baseAddress, $0.count, -1) }
    }

    func recvRaw() -> [UInt8]? {
        var buf = [UInt8](repeating: 0, count: GoferWire.maxMessageSize)
        var fds: [Int32] = [-1, -1]
        var nfds: Int32 = 0, flags: Int32 = 0
        let n = buf.withUnsafeMutableBytes { chusk_gofer_recv(fd, $0.baseAddress, $0.count, &fds, 2, &nfds, &flags) }
        for i in 0..<Int(nfds) { _ = close(fds[i]) }
        guard n >= 0 else { return nil }
        return Array(buf[0..<n])
    }
}

// MARK: Temporary trees

func makeTempDir(_ tag: String) throws -> String {
    var template = Array("/tmp/gofer-test-\(tag)-XXXXXX".utf8CString)
    let ok = template.withUnsafeMutableBufferPointer { b -> Bool in
        guard let p = b.baseAddress else { return false }
        return mkdtemp(p) != nil
    }
    guard ok else { throw TestFailure("mkdtemp") }
    return String(cString: template.map { $0 })
}

func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw TestFailure("open \(path): \(errno)") }
    defer { _ = close(fd) }
    let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard n == bytes.count else { throw TestFailure("write \(path)") }
}

func makeDir(_ path: String, mode: mode_t = 0o755) throws {
    guard mkdir(path, mode) == 0 || errno == EEXIST else { throw TestFailure("mkdir \(path): \(errno)") }
}

func makeSymlink(_ target: String, _ path: String) throws {
    guard symlink(target, path) == 0 else { throw TestFailure("symlink \(path): \(errno)") }
}

func readAll(fd: Int32) -> [UInt8] {
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { return out }
        out.append(contentsOf: buf[0..<n])
    }
}

func readFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { _ = close(fd) }
    return readAll(fd: fd)
}

func lstatOf(_ path: String) -> stat? {
    var st = stat()
    return lstat(path, &st) == 0 ? st : nil
}

/// rm -rf without following symlinks.
func removeTree(_ path: String) {
    guard let st = lstatOf(path) else { return }
    if st.st_mode & S_IFMT == S_IFDIR {
        if let d = opendir(path) {
            var names: [String] = []
            while let e = readdir(d) {
                let name = withUnsafePointer(to: &e.pointee.d_name) { p in
                    p.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(d)
            for n in names { removeTree(path + "/" + n) }
        }
        _ = rmdir(path)
    } else {
        _ = unlink(path)
    }
}

func b(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Deterministic generator for the random-input tests.
struct XorShift {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}
