// The Gofer's operations. Every name was validated by the decoder (no '/', NUL, "." or "..");
// every lookup is one name below a handle's O_PATH fd, never following a symlink.

import CHusk
import Glibc
import LinuxABI
import GoferProtocol
import SystemPackage

private let dot: [UInt8] = [0x2E]
private let empty: [UInt8] = []
private let oPath = Int32(CHUSK_O_PATH)
private let oNoFollow = Int32(CHUSK_O_NOFOLLOW)
private let oDirectory = Int32(CHUSK_O_DIRECTORY)
private let oCloexec = Int32(CHUSK_O_CLOEXEC)
private let oNoatime = Int32(CHUSK_O_NOATIME)
private let oLargefile: Int32 = 0o100000
private let oDirect: Int32 = 0o40000
private let atEmptyPath = Int32(CHUSK_AT_EMPTY_PATH)
private let atNoFollow = Int32(CHUSK_AT_SYMLINK_NOFOLLOW)
private let atRemoveDir = Int32(CHUSK_AT_REMOVEDIR)
/// Flags a client may pass to open; anything else (O_CREAT, O_EXCL, O_TMPFILE, O_PATH...) is EINVAL.
private let openFlagsAllowed: Int32 = O_ACCMODE | O_APPEND | O_TRUNC | O_NONBLOCK | O_SYNC | O_DSYNC | O_NOCTTY
    | oDirectory | oNoatime | oCloexec | oLargefile | oNoFollow | oDirect
/// Flags of create passed on to the host open (O_CREAT|O_EXCL are always added).
private let createFlagsPassed: Int32 = O_ACCMODE | O_APPEND | O_NONBLOCK | O_SYNC | O_DSYNC | oNoatime | oDirect

extension GoferServer {
    func serve(_ req: GoferRequest, fd out: inout Int32) throws(Errno) -> GoferReply {
        switch req {
        case let .attach(root):
            try ensureRoom()
            guard Int(root) < roots.count else { throw Errno(rawValue: ENOENT) }
            let top = roots[Int(root)]
            let pfd = top.fileFDs.isEmpty ? try hostOpenAt(top.fd, dot, oPath | oDirectory | oCloexec)
                                          : try check(chusk_gofer_dupfd(top.fd))
            return .attach(try adopt(pathFD: pfd, parent: 0, name: empty, root: root))

        case let .walk(dir, names):
            var cur = dir
            var curRecord = try record(dir)
            var walked: [GoferNode] = []
            walked.reserveCapacity(names.count)
            for name in names {
                do throws(Errno) {
                    try ensureRoom()
                    if curRecord.type != FileType.dir { throw Errno(rawValue: ENOTDIR) }
                    let pfd = try hostOpenPathBeneath(curRecord.fd, name)
                    let node = try adopt(pathFD: pfd, parent: cur, name: name)
                    walked.append(node)
                    cur = node.handle
                    curRecord = try record(cur)
                } catch {
                    if walked.isEmpty { throw error }
                    break  // stop at the first name that fails: a partial walk
                }
            }
            return .walk(walked)

        case let .connect(h, type):
            out = try connectHostSocket(h, type: type)
            return .connect

        case let .open(h, flags):
            let r = try record(h)
            guard flags & ~openFlagsAllowed == 0, flags & O_ACCMODE != O_ACCMODE else {
                throw Errno(rawValue: EINVAL)
            }
            if flags & O_ACCMODE != O_RDONLY || flags & O_TRUNC != 0 { try writable(r) }
            out = try reopen(r, flags: flags)
            return .open

        case let .create(dir, name, flags, mode, uid, gid):
            let d = try directory(dir)
            try writable(d)
            try ensureRoom()
            guard flags & O_ACCMODE != O_ACCMODE else { throw Errno(rawValue: EINVAL) }
            let f = (flags & createFlagsPassed) | O_CREAT | O_EXCL | oNoFollow | O_NOCTTY | oCloexec
            let fd = try hostOpenAt(d.fd, name, f, mode & 0o7777)
            do throws(Errno) {
                let pfd = try hostOpenPathBeneath(d.fd, name)
                let a = try hostFstat(fd), b = try hostFstat(pfd)
                guard a.st_dev == b.st_dev, a.st_ino == b.st_ino else { hostClose(pfd); throw Errno(rawValue: ESTALE) }
                try own(pfd, current: b, uid: uid, gid: gid)
                let node = try adopt(pathFD: pfd, parent: dir, name: name)
                out = fd
                return .create(node)
            } catch {
                hostClose(fd)
                throw error
            }

        case let .mkdir(dir, name, mode, uid, gid):
            let d = try directory(dir)
            try writable(d)
            try ensureRoom()
            _ = try retry { withCString(name) { mkdirat(d.fd, $0, mode & 0o7777) } }
            return .mkdir(try made(in: dir, d, name, uid: uid, gid: gid))

        case let .mknod(dir, name, mode, uid, gid):
            let d = try directory(dir)
            try writable(d)
            try ensureRoom()
            var type = mode & FileType.mask
            if type == 0 { type = FileType.reg }
            guard type == FileType.reg || type == FileType.fifo else { throw Errno(rawValue: EPERM) }
            _ = try retry { withCString(name) { mknodat(d.fd, $0, type | (mode & 0o7777), 0) } }
            return .mknod(try made(in: dir, d, name, uid: uid, gid: gid))

        case let .symlink(dir, name, target, uid, gid):
            let d = try directory(dir)
            try writable(d)
            try ensureRoom()
            _ = try retry { withCString(target) { t in withCString(name) { symlinkat(t, d.fd, $0) } } }
            return .symlink(try made(in: dir, d, name, uid: uid, gid: gid))

        case let .link(dir, name, target):
            let d = try directory(dir)
            let t = try record(target)
            try writable(d)
            try sameRoot(d, t)
            if t.type == FileType.dir { throw Errno(rawValue: EPERM) }
            let r = withCString(empty) { e in withCString(name) { linkat(t.fd, e, d.fd, $0, atEmptyPath) } }
            if r < 0 {
                let e = errno
                // Without CAP_DAC_READ_SEARCH linkat(AT_EMPTY_PATH) is ENOENT: link by name instead.
                guard e == ENOENT || e == EPERM, let p = nodes[t.parent] else { throw Errno(rawValue: e) }
                let st = try hostFstatAt(p.fd, t.name, atNoFollow)
                guard UInt64(st.st_dev) == t.dev, UInt64(st.st_ino) == t.ino else { throw Errno(rawValue: ESTALE) }
                _ = try retry { withCString(t.name) { o in withCString(name) { linkat(p.fd, o, d.fd, $0, 0) } } }
            }
            return .link

        case let .unlink(dir, name, flags):
            let d = try directory(dir)
            try writable(d)
            guard flags & ~atRemoveDir == 0 else { throw Errno(rawValue: EINVAL) }
            _ = try retry { withCString(name) { unlinkat(d.fd, $0, flags) } }
            return .unlink

        case let .rename(oldDir, oldName, newDir, newName, flags):
            let o = try directory(oldDir), n = try directory(newDir)
            try writable(o)
            try sameRoot(o, n)
            guard flags & ~UInt32(3) == 0 else { throw Errno(rawValue: EINVAL) }  // NOREPLACE | EXCHANGE
            let movedOld = nodes.matching(dirDev: o.dev, dirIno: o.ino, name: oldName)
            let movedNew = flags & 2 != 0 ? nodes.matching(dirDev: n.dev, dirIno: n.ino, name: newName) : []
            let r = withCString(oldName) { a in
                withCString(newName) { b in
                    chusk_syscall6(SyscallNumber.renameat2, Int(o.fd), Int(bitPattern: a), Int(n.fd),
                                   Int(bitPattern: b), Int(flags), 0)
                }
            }
            if r < 0 { throw Errno(rawValue: Int32(truncatingIfNeeded: -r)) }
            nodes.move(movedOld, to: newDir, name: newName)
            nodes.move(movedNew, to: oldDir, name: oldName)
            return .rename

        case let .readlink(h):
            let r = try record(h)
            guard r.type == FileType.lnk else { throw Errno(rawValue: EINVAL) }
            var buf = [UInt8](repeating: 0, count: GoferWire.maxTargetLength + 1)
            let n = withCString(empty) { e in
                buf.withUnsafeMutableBytes { b -> Int in
                    guard let p = b.baseAddress else { return -1 }
                    return readlinkat(r.fd, e, p.assumingMemoryBound(to: CChar.self), b.count)
                }
            }
            if n < 0 { throw lastErrno() }
            guard n > 0, n <= GoferWire.maxTargetLength else { throw Errno(rawValue: ENAMETOOLONG) }
            return .readlink(Array(buf[0..<n]))

        case .getdents:
            throw Errno(rawValue: EPROTO)  // streamed by getdents(id:_:)

        case let .stat(h):
            let r = try record(h)
            return .stat(GoferAttr(try hostFstat(r.fd)))

        case let .setattr(h, a):
            let r = try record(h)
            try writable(r)
            try setattr(r, a)
            return .setattr

        case let .statfs(h):
            let r = try record(h)
            var s = chusk_gofer_statfs()
            _ = try check(chusk_gofer_fstatfs(r.fd, &s))
            // The root view's own directories sit on the Gofer's scaffold tmpfs; what the
            // sandbox's root is made of is the host filesystem under its usr (merged /usr, as
            // the host's /): report that one's usage, as statfs of the host's / would.
            if s.type == 0x0102_1994, let usr = try? hostOpenPathBeneath(r.fd, Array("usr".utf8)) {
                var u = chusk_gofer_statfs()
                if chusk_gofer_fstatfs(usr, &u) == 0 && u.type != 0x0102_1994 { s = u }
                hostClose(usr)
            }
            return .statfs(GoferStatFS(type: s.type, bsize: s.bsize, blocks: s.blocks, bfree: s.bfree,
                                       bavail: s.bavail, files: s.files, ffree: s.ffree, namelen: s.namelen,
                                       frsize: s.frsize, flags: s.flags))

        case let .fsync(h):
            let r = try record(h)
            guard r.type == FileType.dir || r.type == FileType.reg else { throw Errno(rawValue: EINVAL) }
            let fd = try reopen(r, flags: O_RDONLY)
            defer { hostClose(fd) }
            _ = try retry { Glibc.fsync(fd) }
            return .fsync

        case .close:
            throw Errno(rawValue: EPROTO)  // handled without a reply
        }
    }

    /// An I/O fd for a node. Directories reopen through "."; a regular file reopens by name below
    /// its parent (O_NOFOLLOW|O_NONBLOCK, so nothing can block or follow) and must still be the
    /// same inode. FIFOs, devices and sockets are never opened.
    func reopen(_ r: NodeRecord, flags: Int32) throws(Errno) -> Int32 {
        switch r.type {
        case FileType.dir:
            guard flags & O_ACCMODE == O_RDONLY, flags & O_TRUNC == 0 else { throw Errno(rawValue: EISDIR) }
            return try hostOpenAt(r.fd, dot, O_RDONLY | oDirectory | oCloexec | (flags & oNoatime))
        case FileType.reg:
            if flags & oDirectory != 0 { throw Errno(rawValue: ENOTDIR) }
            if r.parent == 0 { return try reopenFileRoot(r, flags: flags) }
            guard let p = nodes[r.parent] else { throw Errno(rawValue: ESTALE) }
            let want = flags & ~(O_TRUNC | oDirectory | oCloexec)
            let fd = try hostOpenAt(p.fd, r.name, want | oNoFollow | O_NONBLOCK | O_NOCTTY | oCloexec)
            do throws(Errno) {
                let st = try hostFstat(fd)
                guard st.st_mode & FileType.mask == FileType.reg else { throw Errno(rawValue: EACCES) }
                guard UInt64(st.st_dev) == r.dev, UInt64(st.st_ino) == r.ino else { throw Errno(rawValue: ESTALE) }
                if flags & O_NONBLOCK == 0 {
                    let fl = try check(chusk_gofer_getfl(fd))
                    _ = try check(chusk_gofer_setfl(fd, fl & ~O_NONBLOCK))
                }
                if flags & O_TRUNC != 0 { _ = try retry { ftruncate(fd, 0) } }
                return fd
            } catch {
                hostClose(fd)
                throw error
            }
        case FileType.lnk:
            throw Errno(rawValue: ELOOP)
        default:
            throw Errno(rawValue: EACCES)  // FIFO, device, socket: never opened
        }
    }

    /// An I/O fd for the top of a file tree: a copy of the fd opened for that access mode before
    /// confinement (or the error that open had: EROFS for a writing mode of a read-only tree).
    private func reopenFileRoot(_ r: NodeRecord, flags: Int32) throws(Errno) -> Int32 {
        guard Int(r.root) < roots.count, roots[Int(r.root)].fileFDs.count == 3 else { throw Errno(rawValue: ESTALE) }
        let io = roots[Int(r.root)].fileFDs[Int(flags & O_ACCMODE)]
        if io < 0 { throw Errno(rawValue: -io) }
        let fd = try check(chusk_gofer_dupfd(io))
        if flags & O_TRUNC != 0 {
            do throws(Errno) { _ = try retry { ftruncate(fd, 0) } } catch { hostClose(fd); throw error }
        }
        return fd
    }

    /// The node just made as `name` in `d`: owned as asked, recorded.
    private func made(in dir: GoferHandle, _ d: NodeRecord, _ name: [UInt8], uid: UInt32,
                      gid: UInt32) throws(Errno) -> GoferNode {
        let pfd = try hostOpenPathBeneath(d.fd, name)
        do throws(Errno) {
            try own(pfd, current: try hostFstat(pfd), uid: uid, gid: gid)
        } catch {
            hostClose(pfd)
            throw error
        }
        return try adopt(pathFD: pfd, parent: dir, name: name)
    }

    /// Gives a new node its owner. EPERM is ignored: a Gofer without CAP_CHOWN (rootless)
    /// keeps its own ids and the Sentry presents the sandbox's.
    private func own(_ pfd: Int32, current st: stat, uid: UInt32, gid: UInt32) throws(Errno) {
        if st.st_uid == uid && st.st_gid == gid { return }
        let r = withCString(empty) { fchownat(pfd, $0, uid, gid, atEmptyPath | atNoFollow) }
        if r < 0 && errno != EPERM { throw lastErrno() }
    }

    private func setattr(_ r: NodeRecord, _ a: GoferSetAttr) throws(Errno) {
        if a.mask.contains(.size) {
            switch r.type {
            case FileType.reg:
                let fd = try reopen(r, flags: O_WRONLY)
                defer { hostClose(fd) }
                _ = try retry { ftruncate(fd, off_t(a.size)) }
            case FileType.dir: throw Errno(rawValue: EISDIR)
            default: throw Errno(rawValue: EINVAL)
            }
        }
        if a.mask.contains(.mode) {
            let res = chusk_gofer_fchmod_opath(r.fd, a.mode & 0o7777)
            if res == -ENOSYS {  // before fchmodat2 (Linux 6.6)
                switch r.type {
                case FileType.dir:
                    _ = try retry { withCString(dot) { fchmodat(r.fd, $0, a.mode & 0o7777, 0) } }
                case FileType.reg:
                    let fd = try reopen(r, flags: O_RDONLY)
                    defer { hostClose(fd) }
                    _ = try retry { fchmod(fd, a.mode & 0o7777) }
                default:
                    throw Errno(rawValue: EOPNOTSUPP)
                }
            } else {
                _ = try check(res)
            }
        }
        if a.mask.contains(.uid) || a.mask.contains(.gid) {
            let uid = a.mask.contains(.uid) ? a.uid : UInt32.max
            let gid = a.mask.contains(.gid) ? a.gid : UInt32.max
            _ = try retry { withCString(empty) { fchownat(r.fd, $0, uid, gid, atEmptyPath | atNoFollow) } }
        }
        if a.mask.contains(.atime) || a.mask.contains(.mtime) {
            let omit = Int(GoferSetAttr.utimeOmit)
            var ts = (timespec(tv_sec: 0, tv_nsec: omit), timespec(tv_sec: 0, tv_nsec: omit))
            if a.mask.contains(.atime) { ts.0 = timespec(tv_sec: Int(a.atimeSec), tv_nsec: Int(a.atimeNsec)) }
            if a.mask.contains(.mtime) { ts.1 = timespec(tv_sec: Int(a.mtimeSec), tv_nsec: Int(a.mtimeNsec)) }
            _ = try retry {
                withUnsafePointer(to: &ts) { p in
                    p.withMemoryRebound(to: timespec.self, capacity: 2) { tp in
                        withCString(empty) { utimensat(r.fd, $0, tp, atEmptyPath | atNoFollow) }
                    }
                }
            }
        }
    }

    /// Streams a directory listing in as many replies as it takes; "." and ".." are left out.
    func getdents(id: UInt32, _ h: GoferHandle) throws(Errno) {
        let r = try directory(h)
        let dfd = try hostOpenAt(r.fd, dot, O_RDONLY | oDirectory | oCloexec)
        defer { hostClose(dfd) }
        var batch: [GoferDirent] = []
        var size = goferGetdentsOverhead
        while true {
            let n = chusk_gofer_getdents64(dfd, direntBuffer.baseAddress, direntBuffer.count)
            if n < 0 { throw Errno(rawValue: Int32(truncatingIfNeeded: -n)) }
            if n == 0 { break }
            var off = 0
            while off + 19 <= n {
                let ino = direntBuffer.loadUnaligned(fromByteOffset: off, as: UInt64.self)
                let reclen = Int(direntBuffer.loadUnaligned(fromByteOffset: off + 16, as: UInt16.self))
                let type = direntBuffer[off + 18]
                guard reclen >= 20, off + reclen <= n else { throw Errno(rawValue: EIO) }
                var end = off + 19
                while end < off + reclen && direntBuffer[end] != 0 { end += 1 }
                let name = Array(UnsafeRawBufferPointer(rebasing: direntBuffer[(off + 19)..<end]))
                off += reclen
                guard GoferWire.isValidName(name) else { continue }  // "." and ".."
                let esize = goferDirentWireSize(nameLength: name.count)
                if size + esize > GoferWire.maxMessageSize {
                    send(id: id, .getdents(batch, last: false))
                    batch.removeAll(keepingCapacity: true)
                    size = goferGetdentsOverhead
                }
                batch.append(GoferDirent(name: name, ino: ino, type: type))
                size += esize
            }
        }
        send(id: id, .getdents(batch, last: true))
    }
}

extension GoferServer {
    /// `--host-uds open`: a new unix socket of `type` (non-blocking, close-on-exec) connected to
    /// the socket file `h` of a volume. connect(2) takes a path, not an fd, so the Gofer moves its
    /// cwd to the node's parent and connects to the name (at most 107 bytes); it checks before and
    /// after that the name is still the node's socket inode (a name swapped for a symlink in the
    /// meantime, which connect would follow within the Gofer's root, is refused: ECONNREFUSED).
    /// A full backlog is EAGAIN (the socket is non-blocking: the Gofer never waits).
    func connectHostSocket(_ h: GoferHandle, type: Int32) throws(Errno) -> Int32 {
        let refused = Errno(rawValue: ECONNREFUSED)
        guard hostUDS, GoferRequest.connectTypes.contains(type) else { throw refused }
        let r = try record(h)
        guard r.type == FileType.sock, r.root != 0, r.name.count < 108, let parent = nodes[r.parent] else { throw refused }
        func sameNode() -> Bool {
            guard let st = try? hostFstatAt(parent.fd, r.name, atNoFollow) else { return false }
            return st.st_mode & S_IFMT == S_IFSOCK && UInt64(st.st_dev) == r.dev && UInt64(st.st_ino) == r.ino
        }
        guard sameNode() else { throw refused }
        let fd = Glibc.socket(AF_UNIX, type | Int32(SOCK_NONBLOCK.rawValue) | oCloexec, 0)
        if fd < 0 { throw Errno(rawValue: errno) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in for (i, b) in r.name.enumerated() { p[i] = b } }
        if fchdir(parent.fd) != 0 { let e = errno; hostClose(fd); throw Errno(rawValue: e) }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        let e = errno
        if rc != 0 { hostClose(fd); throw Errno(rawValue: e == EINPROGRESS ? EAGAIN : e) }
        guard sameNode() else { hostClose(fd); throw refused }
        return fd
    }
}
