import Glibc
import LinuxABI
import SystemPackage

// open, openat, creat, close, dup, dup2, dup3, and the namespace changes: mkdir(at), unlink(at),
// rmdir, rename(at/at2), symlink(at), link(at), truncate, ftruncate, umask, sync family.

func installOpenSyscalls(into t: inout SyscallTable) {
    t.register(SyscallNumber.open, sysOpen)
    t.register(SyscallNumber.openat, sysOpenat)
    t.register(SyscallNumber.creat, sysCreat)
    t.register(SyscallNumber.openat2, sysOpenat2)
    t.register(SyscallNumber.close, sysClose)
    t.register(SyscallNumber.dup, sysDup)
    t.register(SyscallNumber.dup2, sysDup2)
    t.register(SyscallNumber.dup3, sysDup3)
    t.register(SyscallNumber.mkdir, { task, a in doMkdir(task, AtFlags.AT_FDCWD, a[0], a.uint(1)) })
    t.register(SyscallNumber.mkdirat, { task, a in doMkdir(task, a.int(0), a[1], a.uint(2)) })
    t.register(SyscallNumber.unlink, { task, a in doUnlink(task, AtFlags.AT_FDCWD, a[0], directory: false) })
    t.register(SyscallNumber.rmdir, { task, a in doUnlink(task, AtFlags.AT_FDCWD, a[0], directory: true) })
    t.register(SyscallNumber.unlinkat, sysUnlinkat)
    t.register(SyscallNumber.rename, { task, a in doRename(task, AtFlags.AT_FDCWD, a[0], AtFlags.AT_FDCWD, a[1], 0) })
    t.register(SyscallNumber.renameat, { task, a in doRename(task, a.int(0), a[1], a.int(2), a[3], 0) })
    t.register(SyscallNumber.renameat2, { task, a in doRename(task, a.int(0), a[1], a.int(2), a[3], a.uint(4)) })
    t.register(SyscallNumber.symlink, { task, a in doSymlink(task, a[0], AtFlags.AT_FDCWD, a[1]) })
    t.register(SyscallNumber.symlinkat, { task, a in doSymlink(task, a[0], a.int(1), a[2]) })
    t.register(SyscallNumber.link, { task, a in doLink(task, AtFlags.AT_FDCWD, a[0], AtFlags.AT_FDCWD, a[1], 0) })
    t.register(SyscallNumber.linkat, { task, a in doLink(task, a.int(0), a[1], a.int(2), a[3], a.int(4)) })
    t.register(SyscallNumber.truncate, sysTruncate)
    t.register(SyscallNumber.ftruncate, sysFtruncate)
    t.register(SyscallNumber.umask, sysUmask)
    t.register(SyscallNumber.sync, { _, _ in .zero })
    t.register(SyscallNumber.syncfs, sysFsync)
    t.register(SyscallNumber.fsync, sysFsync)
    t.register(SyscallNumber.fdatasync, sysFsync)
}

private let O_TMPFILE_BIT: Int32 = 0o20000000

/// Opens (dirfd, path) and installs the description at the lowest free fd.
func doOpen(_ task: Task, _ dirfd: Int32, _ pathAddress: UInt64, _ flags: Int32, _ mode: UInt32) -> SyscallReturn {
    serveOpen(task) { () throws(Errno) in
        let path = try task.copyInString(pathAddress)
        let base = try task.atBase(dirfd, path)
        let file: FileDescription
        if flags & O_TMPFILE_BIT != 0 {
            file = try openTemporary(task, base, path, flags, mode & 0o7777)
        } else {
            file = try task.vfs.open(task.walkContext, at: base, path, flags: flags, mode: mode & 0o7777)
        }
        let fd = try task.fdTable.allocate(file, closeOnExec: flags & OpenFlags.O_CLOEXEC != 0, limit: task.fdLimit)
        return .ok(Int(fd))
    }
}

/// `serve` for the open calls: a FIFO open that must wait for its partner parks on the pipe.
private func serveOpen(_ task: Task, _ body: () throws(Errno) -> SyscallReturn) -> SyscallReturn {
    do { return try body() } catch {
        if error == Fifo.mustWait {
            if let w = Fifo.pendingWait(task) { return .block(w.pipe.queue, Pipe.openEvent) }
            return .error(.interrupted)
        }
        return .error(error)
    }
}

/// O_TMPFILE: an unnamed regular file in the directory `path` names (build_open_flags' checks:
/// O_DIRECTORY must come with it, O_CREAT must not, and the access mode must allow writing).
private func openTemporary(_ task: Task, _ base: Dentry?, _ path: [UInt8], _ flags: Int32, _ mode: UInt32) throws(Errno) -> FileDescription {
    let mask = O_TMPFILE_BIT | OpenFlags.O_DIRECTORY | OpenFlags.O_CREAT
    if flags & mask != OpenFlags.O_TMPFILE { throw .invalidArgument }
    let acc = flags & O_ACCMODE
    if acc != O_WRONLY && acc != O_RDWR { throw .invalidArgument }
    let dir = try task.vfs.walk(task.walkContext, from: base, path, followFinal: true)
    guard let dirInode = dir.inode, dirInode.fileType == FileType.directory else { throw .notDirectory }
    try dirInode.checkAccess(task.creds, [.write, .execute])
    let node = try dirInode.createTemporary(mode: mode & ~task.fs.umask, creds: task.creds, linkable: flags & O_EXCL == 0)
    let ino = (try? node.stat().ino) ?? 0
    // Unnamed: /proc/PID/fd shows "/DIR/#INO (deleted)", as for Linux's tmpfile dentries.
    let d = Dentry(name: Array("#\(ino) (deleted)".utf8), parent: dir, inode: node)
    return try node.open(d, OpenRequest(flags: flags & ~(O_TMPFILE_BIT | OpenFlags.O_DIRECTORY), mode: mode, creds: task.creds, task: task))
}

/// The open flags Linux knows (VALID_OPEN_FLAGS): anything else in open_how.flags is EINVAL.
private let validOpenFlags: Int32 = 0o3 | OpenFlags.O_CREAT | O_EXCL | O_NOCTTY | OpenFlags.O_TRUNC | OpenFlags.O_APPEND |
    OpenFlags.O_NONBLOCK | O_DSYNC | O_ASYNC_ | O_DIRECT_ | O_LARGEFILE_ | OpenFlags.O_DIRECTORY | O_NOFOLLOW |
    O_NOATIME_ | OpenFlags.O_CLOEXEC | openPathFlag | O_TMPFILE_BIT | O_SYNC

/// openat2(2): open_how {flags, mode, resolve} with its size rules (EINVAL below 24 bytes,
/// E2BIG past a page or for non-zero bytes past the known struct), strict flag checks, and the
/// RESOLVE_* walk restrictions.
func sysOpenat2(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serveOpen(task) { () throws(Errno) in
        let size = a.size(3)
        if size < 24 { throw .invalidArgument }
        if size > 4096 { throw .argListTooLong }
        let how = try task.copyInBytes(a[2], count: size)
        if how[24...].contains(where: { $0 != 0 }) { throw .argListTooLong }
        func u64(_ o: Int) -> UInt64 { var v: UInt64 = 0; for k in 0..<8 { v |= UInt64(how[o + k]) << (8 * UInt64(k)) }; return v }
        let rawFlags = u64(0), mode = u64(8), resolve = u64(16)
        if rawFlags > UInt64(UInt32.max) { throw .invalidArgument }
        let flags = Int32(bitPattern: UInt32(rawFlags))
        if flags & ~validOpenFlags != 0 { throw .invalidArgument }
        if resolve & ~Resolve.all != 0 { throw .invalidArgument }
        let creating = flags & OpenFlags.O_CREAT != 0 || flags & O_TMPFILE_BIT == O_TMPFILE_BIT
        if mode & ~0o7777 != 0 || (mode != 0 && !creating) { throw .invalidArgument }
        if resolve & Resolve.beneath != 0 && resolve & Resolve.inRoot != 0 { throw .invalidArgument }
        if flags & openPathFlag != 0 && flags & ~(openPathFlag | OpenFlags.O_DIRECTORY | O_NOFOLLOW | OpenFlags.O_CLOEXEC) != 0 { throw .invalidArgument }
        if resolve & Resolve.cached != 0 && (creating || flags & OpenFlags.O_TRUNC != 0) { throw .resourceTemporarilyUnavailable }
        let path = try task.copyInString(a[1])
        var ctx = task.walkContext
        var base: Dentry?
        if resolve & (Resolve.beneath | Resolve.inRoot) != 0 {
            // The scope is dirfd even for absolute paths.
            let scope: Dentry
            if a.int(0) == AtFlags.AT_FDCWD { scope = task.fs.cwd }
            else {
                guard let d = try task.fdTable.get(a.int(0)).dentry else { throw .notDirectory }
                scope = d
            }
            guard scope.isDirectory else { throw .notDirectory }
            if resolve & Resolve.inRoot != 0 {
                ctx = WalkContext(fs: FSContext(root: scope, cwd: scope, umask: task.fs.umask), creds: task.creds, task: task)
            } else {
                if path.first == 0x2F { throw .improperLink }
                ctx.beneath = scope
            }
            base = scope
        } else {
            base = try task.atBase(a.int(0), path)
        }
        ctx.resolve = resolve
        let file: FileDescription
        if flags & O_TMPFILE_BIT == O_TMPFILE_BIT {
            file = try openTemporary(task, base, path, flags, UInt32(mode))
        } else {
            file = try task.vfs.open(ctx, at: base, path, flags: flags, mode: UInt32(mode))
        }
        let fd = try task.fdTable.allocate(file, closeOnExec: flags & OpenFlags.O_CLOEXEC != 0, limit: task.fdLimit)
        return .ok(Int(fd))
    }
}

/// open(2).
func sysOpen(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { doOpen(task, AtFlags.AT_FDCWD, a[0], a.int(1), a.uint(2)) }
/// openat(2).
func sysOpenat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { doOpen(task, a.int(0), a[1], a.int(2), a.uint(3)) }
/// creat(2): open with O_CREAT|O_WRONLY|O_TRUNC.
func sysCreat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doOpen(task, AtFlags.AT_FDCWD, a[0], OpenFlags.O_CREAT | OpenFlags.O_WRONLY | OpenFlags.O_TRUNC, a.uint(1))
}

/// close(2): the description goes away with its last reference.
func sysClose(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    task.fdTable.remove(a.int(0)) == nil ? .error(.badFileDescriptor) : .zero
}

/// dup(2).
func sysDup(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let file = try task.fdTable.get(a.int(0))
        return .ok(Int(try task.fdTable.allocate(file, closeOnExec: false, limit: task.fdLimit)))
    }
}

/// dup2(2): newfd == oldfd returns it when valid.
func sysDup2(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    guard let file = task.fdTable[a.int(0)]?.file else { return .error(.badFileDescriptor) }
    let newfd = a.int(1)
    if newfd == a.int(0) { return .ok(Int(newfd)) }
    if newfd < 0 || newfd >= task.fdLimit { return .error(.badFileDescriptor) }
    do { try task.fdTable.install(file, at: newfd, closeOnExec: false) } catch { return .error(error) }
    return .ok(Int(newfd))
}

/// dup3(2): O_CLOEXEC only; EINVAL when newfd == oldfd.
func sysDup3(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let flags = a.int(2)
    if flags & ~OpenFlags.O_CLOEXEC != 0 || a.int(0) == a.int(1) { return .error(.invalidArgument) }
    guard let file = task.fdTable[a.int(0)]?.file else { return .error(.badFileDescriptor) }
    let newfd = a.int(1)
    if newfd < 0 || newfd >= task.fdLimit { return .error(.badFileDescriptor) }
    do { try task.fdTable.install(file, at: newfd, closeOnExec: flags != 0) } catch { return .error(error) }
    return .ok(Int(newfd))
}

private func isDotOrDotDot(_ n: [UInt8]) -> Bool { n == [0x2E] || n == [0x2E, 0x2E] }

/// mkdir(2)/mkdirat(2).
func doMkdir(_ task: Task, _ dirfd: Int32, _ pathAddress: UInt64, _ mode: UInt32) -> SyscallReturn {
    serve { () throws(Errno) in
        let (parent, name, _) = try task.resolveParent(dirfd, pathAddress)
        if name.isEmpty || isDotOrDotDot(name) { throw .fileExists }
        if let c = try? task.vfs.child(of: parent, name, upcoming: []), !c.isNegative { throw .fileExists }
        let dir = parent.inode!
        if dir.readOnly { throw .readOnlyFileSystem }
        try dir.checkAccess(task.creds, [.write, .execute])
        let node = try dir.mkdir(name, mode: mode & 0o7777 & ~task.fs.umask, creds: task.creds)
        parent.forget(name)
        FSNotify.created(parent, name, node)
        return .zero
    }
}

/// unlink(2), rmdir(2) and unlinkat(2)'s common part.
func doUnlink(_ task: Task, _ dirfd: Int32, _ pathAddress: UInt64, directory: Bool) -> SyscallReturn {
    serve { () throws(Errno) in
        let (parent, name, trailing) = try task.resolveParent(dirfd, pathAddress)
        if name.isEmpty { throw directory ? .resourceBusy : .isDirectory }
        if directory && name == [0x2E] { throw .invalidArgument }
        if directory && name == [0x2E, 0x2E] { throw .directoryNotEmpty }
        if !directory && isDotOrDotDot(name) { throw .isDirectory }
        let child = try task.vfs.child(of: parent, name, upcoming: [])
        guard let inode = child.inode else { throw .noSuchFileOrDirectory }
        let isDir = inode.fileType == FileType.directory
        if directory && !isDir { throw .notDirectory }
        if !directory && isDir { throw .isDirectory }
        if !directory && trailing { throw .notDirectory }
        if child.mounted != nil { throw .resourceBusy }
        let dir = parent.inode!
        if dir.readOnly { throw .readOnlyFileSystem }
        try dir.checkAccess(task.creds, [.write, .execute])
        try stickyCheck(task, dir, inode)
        try dir.unlink(name, directory: directory)
        parent.forget(name)
        FSNotify.removed(parent, name, inode, directory: directory)
        return .zero
    }
}

/// In a sticky directory only the owner of the entry or of the directory (or root) removes it.
private func stickyCheck(_ task: Task, _ dir: Inode, _ victim: Inode) throws(Errno) {
    let d = try dir.stat()
    guard d.mode & 0o1000 != 0, !task.creds.has(Capability.fowner) else { return }
    let v = try victim.stat()
    if task.creds.fsuid != d.uid && task.creds.fsuid != v.uid { throw .notPermitted }
}

/// unlinkat(2): AT_REMOVEDIR selects rmdir.
func sysUnlinkat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let flags = a.int(2)
    if flags & ~AtFlags.AT_REMOVEDIR != 0 { return .error(.invalidArgument) }
    return doUnlink(task, a.int(0), a[1], directory: flags & AtFlags.AT_REMOVEDIR != 0)
}

/// rename(2)/renameat(2)/renameat2(2): within one filesystem (EXDEV across mounts).
func doRename(_ task: Task, _ olddirfd: Int32, _ oldAddress: UInt64, _ newdirfd: Int32, _ newAddress: UInt64, _ flags: UInt32) -> SyscallReturn {
    serve { () throws(Errno) in
        if flags & ~(RenameFlags.RENAME_NOREPLACE | RenameFlags.RENAME_EXCHANGE | RenameFlags.RENAME_WHITEOUT) != 0 { throw .invalidArgument }
        if flags & RenameFlags.RENAME_EXCHANGE != 0 && flags & RenameFlags.RENAME_NOREPLACE != 0 { throw .invalidArgument }
        let (op, on, _) = try task.resolveParent(olddirfd, oldAddress)
        let (np, nn, _) = try task.resolveParent(newdirfd, newAddress)
        if on.isEmpty || nn.isEmpty || isDotOrDotDot(on) || isDotOrDotDot(nn) { throw .resourceBusy }
        let old = try task.vfs.child(of: op, on, upcoming: [])
        guard let oldInode = old.inode else { throw .noSuchFileOrDirectory }
        if old.mounted != nil { throw .resourceBusy }
        let od = op.inode!, nd = np.inode!
        if od.readOnly || nd.readOnly { throw od.readOnly && nd.readOnly ? .readOnlyFileSystem : .improperLink }
        try od.checkAccess(task.creds, [.write, .execute])
        try nd.checkAccess(task.creds, [.write, .execute])
        try stickyCheck(task, od, oldInode)
        // The replaced (or exchanged) entry must be removable by the caller too (may_delete).
        if let t = try? task.vfs.child(of: np, nn, upcoming: []), let ti = t.inode { try stickyCheck(task, nd, ti) }
        let target = task.vfs.fsnotify.watchCount > 0 ? (try? task.vfs.child(of: np, nn, upcoming: []))?.inode : nil
        try od.rename(on, to: nd, nn, flags: flags)
        op.forget(on); np.forget(nn)
        if task.vfs.fsnotify.watchCount > 0 && target !== oldInode {
            FSNotify.moved(from: op, on, to: np, nn, source: oldInode, target: target, exchange: flags & RenameFlags.RENAME_EXCHANGE != 0, in: task.vfs.fsnotify)
        }
        return .zero
    }
}

/// symlink(2)/symlinkat(2).
func doSymlink(_ task: Task, _ targetAddress: UInt64, _ dirfd: Int32, _ pathAddress: UInt64) -> SyscallReturn {
    serve { () throws(Errno) in
        let target = try task.copyInString(targetAddress)
        if target.isEmpty { throw .noSuchFileOrDirectory }
        let (parent, name, _) = try task.resolveParent(dirfd, pathAddress)
        if name.isEmpty || isDotOrDotDot(name) { throw .fileExists }
        if let c = try? task.vfs.child(of: parent, name, upcoming: []), !c.isNegative { throw .fileExists }
        let dir = parent.inode!
        if dir.readOnly { throw .readOnlyFileSystem }
        try dir.checkAccess(task.creds, [.write, .execute])
        let node = try dir.symlink(name, target: target, creds: task.creds)
        parent.forget(name)
        FSNotify.created(parent, name, node)
        return .zero
    }
}

/// link(2)/linkat(2): AT_SYMLINK_FOLLOW and AT_EMPTY_PATH; directories cannot be linked.
func doLink(_ task: Task, _ olddirfd: Int32, _ oldAddress: UInt64, _ newdirfd: Int32, _ newAddress: UInt64, _ flags: Int32) -> SyscallReturn {
    serve { () throws(Errno) in
        if flags & ~(AtFlags.AT_SYMLINK_FOLLOW | AtFlags.AT_EMPTY_PATH) != 0 { throw .invalidArgument }
        let (d, _) = try task.resolveAt(olddirfd, oldAddress, flags: flags, followDefault: false)
        guard let old = d?.inode else { throw .noSuchFileOrDirectory }
        if old.fileType == FileType.directory { throw .notPermitted }
        // A file whose last name is gone stays nameless, but for an O_TMPFILE file opened
        // without O_EXCL.
        if (try old.stat()).nlink == 0 && !old.relinkable { throw .noSuchFileOrDirectory }
        let (parent, name, _) = try task.resolveParent(newdirfd, newAddress)
        if name.isEmpty || isDotOrDotDot(name) { throw .fileExists }
        if let c = try? task.vfs.child(of: parent, name, upcoming: []), !c.isNegative { throw .fileExists }
        let dir = parent.inode!
        if dir.readOnly { throw .readOnlyFileSystem }
        try dir.checkAccess(task.creds, [.write, .execute])
        try dir.link(name, to: old)
        parent.forget(name)
        FSNotify.created(parent, name, old, link: true)
        return .zero
    }
}

/// truncate(2).
func sysTruncate(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let d = try task.resolvePath(a[0], follow: true)
        let inode = d.inode!
        if a.long(1) < 0 { throw .invalidArgument }
        if inode.fileType == FileType.directory { throw .isDirectory }
        if inode.fileType != FileType.regular { throw .invalidArgument }
        if inode.readOnly { throw .readOnlyFileSystem }
        try inode.checkAccess(task.creds, .write)
        var c = AttributeChange(); c.size = a.long(1)
        try inode.setAttributes(c)
        FSNotify.node(InotifyMask.modify, d)
        return .zero
    }
}

/// ftruncate(2): EINVAL unless open for writing.
func sysFtruncate(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let file = try task.fdTable.get(a.int(0))
        if a.long(1) < 0 || !file.canWrite { throw .invalidArgument }
        try file.truncate(a.long(1))
        if let d = file.dentry { FSNotify.node(InotifyMask.modify, d) }
        return .zero
    }
}

/// umask(2): returns the previous mask.
func sysUmask(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let old = task.fs.umask
    task.fs.umask = a.uint(0) & 0o777
    return .ok(Int(old))
}

/// fsync(2), fdatasync(2), syncfs(2).
func sysFsync(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        try task.fdTable.get(a.int(0)).sync()
        return .zero
    }
}
