// Entry point of the Gofer server.

import CHusk
import Glibc
import GoferProtocol

/// Serves the tree at `root` over `socketFD` (one end of a SOCK_SEQPACKET socketpair) until the
/// peer closes it; returns 0 then, 1 when `root` cannot be opened or the socket fails.
/// Single-threaded, blocking. Sets the umask to 0 (modes come from the Sentry, which has
/// applied the task's umask already): a caller sharing its process with other work should run
/// this on a thread that did unshare(CLONE_FS) first.
public func goferMain(socketFD: Int32, root: String, readOnly: Bool) -> Int32 {
    let rootFD = root.withCString {
        chusk_gofer_openat(AT_FDCWD, $0, Int32(CHUSK_O_PATH | CHUSK_O_DIRECTORY | CHUSK_O_CLOEXEC), 0)
    }
    guard rootFD >= 0 else { return 1 }
    defer { hostClose(rootFD) }
    _ = umask(0)
    raiseFileLimit()
    let server = GoferServer(socketFD: socketFD, rootFD: rootFD, readOnly: readOnly)
    return server.serve()
}

/// Serves several trees over `socketFD`: `roots[0]` is the root view, the others volumes
/// (each an O_PATH directory fd the caller opened before confining the process; kept open).
/// `hostUDS`: connect to host unix sockets in volumes for the Sentry (`--host-uds open`).
public func goferMain(socketFD: Int32, roots: [GoferRoot], hostUDS: Bool = false, pooled: Bool = false) -> Int32 {
    _ = umask(0)
    raiseFileLimit()
    let server = GoferServer(socketFD: socketFD, roots: roots)
    server.hostUDS = hostUDS
    server.skipFirstIdleTrim = pooled
    return server.serve()
}

/// Handles are fds: allow as many as the hard limit does.
private func raiseFileLimit() {
    var rl = rlimit()
    let res = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    guard getrlimit(res, &rl) == 0, rl.rlim_cur < rl.rlim_max else { return }
    rl.rlim_cur = rl.rlim_max
    _ = setrlimit(res, &rl)
}
