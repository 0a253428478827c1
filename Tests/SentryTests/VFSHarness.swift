// A real Gofer on a pthread of the test process over a socketpair, serving a temporary tree,
// with a counting wrapper so tests can see Gofer round trips.

import CHusk
import Glibc
import Gofer
import GoferProtocol
@testable import Sentry
import SystemPackage

final class GoferThreadBox: @unchecked Sendable {
    let sock: Int32
    let root: String
    init(sock: Int32, root: String) { self.sock = sock; self.root = root }
}

func vfsGoferThreadMain(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let arg else { return nil }
    let box = Unmanaged<GoferThreadBox>.fromOpaque(arg).takeRetainedValue()
    defer { _ = close(box.sock) }
    _ = chusk_gofer_unshare(Int32(CHUSK_CLONE_FS))  // goferMain sets the umask
    _ = goferMain(socketFD: box.sock, root: box.root, readOnly: true)
    return nil
}

/// Counts the requests goferfs sends.
final class CountingServer: GoferFileServer {
    let client: GoferClient
    var walks = 0, others = 0
    init(_ client: GoferClient) { self.client = client }
    func walk(_ dir: GoferHandle, _ names: [[UInt8]]) throws(Errno) -> [(GoferHandle, GoferAttr)] { walks += 1; return try client.walk(dir, names) }
    func stat(_ h: GoferHandle) throws(Errno) -> GoferAttr { others += 1; return try client.stat(h) }
    func open(_ h: GoferHandle, flags: Int32) throws(Errno) -> Int32 { others += 1; return try client.open(h, flags: flags) }
    func readlink(_ h: GoferHandle) throws(Errno) -> [UInt8] { others += 1; return try client.readlink(h) }
    func getdents(_ h: GoferHandle) throws(Errno) -> [GoferDirent] { others += 1; return try client.getdents(h) }
    func statfs(_ h: GoferHandle) throws(Errno) -> GoferStatFS { others += 1; return try client.statfs(h) }
    func close(_ h: GoferHandle) { client.close(h) }
    var total: Int { walks + others }
}

struct HarnessError: Error { let what: String }

/// A VFS over a real Gofer serving a fresh temporary directory, which `populate` fills first.
final class VFSFixture {
    let dir: String
    let fd: Int32
    var thread = pthread_t()
    let server: CountingServer
    let vfs: VFS
    let ctx: FSContext

    /// `standardMounts`: /dev, /proc, /sys and the tmpfs mounts as at boot; without them the
    /// namespace holds the root only.
    init(overlay: Bool = false, standardMounts: Bool = true, _ populate: (String) throws -> Void) throws {
        var template = Array("/tmp/vfs-test-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) != nil }) else { throw HarnessError(what: "mkdtemp") }
        dir = String(cString: template.map { $0 })
        try populate(dir)
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else { throw HarnessError(what: "socketpair") }
        fd = fds[0]
        var tv = timeval(tv_sec: 20, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let arg = Unmanaged.passRetained(GoferThreadBox(sock: fds[1], root: dir)).toOpaque()
        guard pthread_create(&thread, nil, vfsGoferThreadMain, arg) == 0 else { throw HarnessError(what: "pthread_create") }
        let client = GoferClient(socketFD: fd)
        server = CountingServer(client)
        let (h, a) = try client.attach()
        if standardMounts {
            vfs = try VFS.sandbox(gofer: server, attach: (h, a), overlay: overlay)
        } else {
            let root = GoferInode(server: server, handle: h, attr: a)
            let top: Sentry.Inode = overlay ? try OverlayFS(lower: root).root : root
            vfs = try VFS(rootInode: top, options: overlay ? "rw,relatime" : "ro,relatime")
        }
        ctx = FSContext(root: vfs.root, cwd: vfs.root, umask: 0o022)
    }

    deinit {
        _ = close(fd)
        _ = pthread_join(thread, nil)
        _ = system("rm -rf '\(dir)'")
    }

    func lookup(_ path: String, follow: Bool = true, creds: Credentials = Credentials()) throws(Errno) -> Dentry {
        try vfs.lookup(ctx, at: nil, Array(path.utf8), followFinal: follow, creds: creds)
    }

    func open(_ path: String, _ flags: Int32, creds: Credentials = Credentials()) throws(Errno) -> FileDescription {
        try vfs.open(ctx, at: nil, Array(path.utf8), flags: flags, mode: 0o644, creds: creds)
    }

    /// The error a lookup throws, nil when it succeeds.
    func lookupError(_ path: String, follow: Bool = true) -> Errno? {
        do { _ = try lookup(path, follow: follow); return nil } catch { return error }
    }
}

func writeHostFile(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
    let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
    guard fd >= 0 else { throw HarnessError(what: "open \(path)") }
    defer { _ = close(fd) }
    _ = text.withCString { write(fd, $0, strlen($0)) }
}

/// All entry names of a directory description, through getdents64 in small buffers.
func listNames(_ file: FileDescription, bufferSize: Int = 256) throws -> [String] {
    guard let dir = file as? DirectoryFile else { throw HarnessError(what: "not a directory file") }
    var names: [String] = []
    let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 8)
    defer { buf.deallocate() }
    while true {
        let n = try dir.getdents64(nil, buf)
        if n == 0 { return names }
        var off = 0
        while off < n {
            let reclen = Int(buf.load(fromByteOffset: off + 16, as: UInt16.self))
            var name: [UInt8] = []
            var i = off + 19
            while buf[i] != 0 { name.append(buf[i]); i += 1 }
            names.append(String(decoding: name, as: UTF8.self))
            off += reclen
        }
    }
}
