// Thin wrappers over the host calls the Gofer makes: errors come back as `Errno`, names are
// byte strings turned into C strings here, EINTR is retried.

import CHusk
import Glibc
import GoferProtocol
import SystemPackage

@inline(__always) func lastErrno() -> Errno { Errno(rawValue: errno) }

/// Calls `body` with `bytes` as a NUL-terminated C string.
@inline(__always)
func withCString<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
    var z = bytes
    z.append(0)
    return z.withUnsafeBufferPointer { p in
        p.withMemoryRebound(to: CChar.self) { c in
            // A non-empty array always has storage; the fallback keeps this trap-free.
            guard let base = c.baseAddress else { return "".withCString { body($0) } }
            return body(base)
        }
    }
}

/// Turns a C wrapper's "value or -errno" result into a value or a thrown Errno.
@inline(__always) func check(_ r: Int32) throws(Errno) -> Int32 {
    if r < 0 { throw Errno(rawValue: -r) }
    return r
}

/// Turns a libc "-1 and errno" result into a thrown Errno, retrying EINTR.
@inline(__always) func retry(_ call: () -> Int32) throws(Errno) -> Int32 {
    while true {
        let r = call()
        if r >= 0 { return r }
        if errno != EINTR { throw lastErrno() }
    }
}

func hostOpenAt(_ dirfd: Int32, _ name: [UInt8], _ flags: Int32, _ mode: UInt32 = 0) throws(Errno) -> Int32 {
    try check(withCString(name) { chusk_gofer_openat(dirfd, $0, flags, mode) })
}

/// Whether openat2 works here (absent before Linux 5.6, or filtered).
nonisolated(unsafe) var openat2Works = true

/// Opens one name below `dirfd` without following anything: O_PATH|O_NOFOLLOW, and with
/// openat2 also RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS as a second lock.
func hostOpenPathBeneath(_ dirfd: Int32, _ name: [UInt8]) throws(Errno) -> Int32 {
    let flags = Int32(CHUSK_O_PATH | CHUSK_O_NOFOLLOW | CHUSK_O_CLOEXEC)
    if openat2Works {
        let resolve = UInt64(CHUSK_RESOLVE_BENEATH | CHUSK_RESOLVE_NO_SYMLINKS | CHUSK_RESOLVE_NO_MAGICLINKS)
        let r = withCString(name) { chusk_gofer_openat2(dirfd, $0, UInt64(UInt32(bitPattern: flags)), 0, resolve) }
        if r != -ENOSYS && r != -EPERM { return try check(r) }
        openat2Works = false  // ENOSYS, or EPERM from a seccomp filter that does not know it
    }
    return try hostOpenAt(dirfd, name, flags)
}

func hostFstat(_ fd: Int32) throws(Errno) -> stat {
    var st = stat()
    _ = try retry { fstat(fd, &st) }
    return st
}

func hostFstatAt(_ dirfd: Int32, _ name: [UInt8], _ flags: Int32) throws(Errno) -> stat {
    var st = stat()
    _ = try retry { withCString(name) { fstatat(dirfd, $0, &st, flags) } }
    return st
}

func hostClose(_ fd: Int32) {
    if fd >= 0 { _ = Glibc.close(fd) }
}

extension GoferAttr {
    init(_ st: stat) {
        self.init(mode: st.st_mode, nlink: UInt64(st.st_nlink), uid: st.st_uid, gid: st.st_gid,
                  rdev: UInt64(st.st_rdev), size: Int64(st.st_size), blksize: Int64(st.st_blksize),
                  blocks: Int64(st.st_blocks),
                  atimeSec: Int64(st.st_atim.tv_sec), atimeNsec: Int64(st.st_atim.tv_nsec),
                  mtimeSec: Int64(st.st_mtim.tv_sec), mtimeNsec: Int64(st.st_mtim.tv_nsec),
                  ctimeSec: Int64(st.st_ctim.tv_sec), ctimeNsec: Int64(st.st_ctim.tv_nsec),
                  ino: UInt64(st.st_ino), dev: UInt64(st.st_dev))
    }
}

/// S_IFMT type bits.
enum FileType {
    static let mask: UInt32 = 0o170000
    static let dir: UInt32 = 0o040000
    static let reg: UInt32 = 0o100000
    static let lnk: UInt32 = 0o120000
    static let fifo: UInt32 = 0o010000
    static let sock: UInt32 = 0o140000
}
