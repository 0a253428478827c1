import CHusk
import Glibc
import LinuxABI
import SystemPackage

// open, openat, creat, close, dup, dup2, dup3, and the namespace changes: mkdir(at), unlink(at),
// rmdir, rename(at/at2), symlink(at), link(at), truncate, ftruncate, umask, sync family.

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
    let (perm, owner) = VFS.newNode(task.walkContext, in: dirInode, mode: mode & 0o7777, directory: false)
    let node = try dirInode.createTemporary(mode: perm, creds: owner, linkable: flags & O_EXCL == 0)
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
    guard let file = task.fdTable.remove(a.int(0)) else { return .error(.badFileDescriptor) }
    flushClosed(task, file)
    return .zero
}

/// What a close does besides dropping the fd (Linux's f_op->flush, run at every close, dup2's
/// included): a message queue's notification registered by the closing process ends.
func flushClosed(_ task: Task, _ file: FileDescription?) {
    (file as? MessageQueueFile)?.flush(task.group)
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
    do { flushClosed(task, try task.fdTable.install(file, at: newfd, closeOnExec: false)) } catch { return .error(error) }
    return .ok(Int(newfd))
}

/// dup3(2): O_CLOEXEC only; EINVAL when newfd == oldfd.
func sysDup3(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let flags = a.int(2)
    if flags & ~OpenFlags.O_CLOEXEC != 0 || a.int(0) == a.int(1) { return .error(.invalidArgument) }
    guard let file = task.fdTable[a.int(0)]?.file else { return .error(.badFileDescriptor) }
    let newfd = a.int(1)
    if newfd < 0 || newfd >= task.fdLimit { return .error(.badFileDescriptor) }
    do { flushClosed(task, try task.fdTable.install(file, at: newfd, closeOnExec: flags != 0)) } catch { return .error(error) }
    return .ok(Int(newfd))
}

/// umask(2): returns the previous mask.
func sysUmask(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let old = task.fs.umask
    task.fs.umask = a.uint(0) & 0o777
    return .ok(Int(old))
}

/// sync(2): the Sentry holds no dirty data of its own (tmpfs is memory; files of the root view
/// are written to host fds at once).
func sysSync(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { .zero }

/// fsync(2), fdatasync(2), syncfs(2).
func sysFsync(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let file = try task.fdTable.get(a.int(0))
        if file.isPath { throw .badFileDescriptor }   // fdget: an O_PATH fd does not count
        try file.sync()
        return .zero
    }
}

/// syncfs(2): any open file's filesystem (a pipe's or a socket's too: 0). The Sentry's
/// filesystems are memory and a volume's writes reach the host at once; a volume file is
/// fsynced (the host's syncfs of the whole volume is not made).
func sysSyncfs(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let file = try task.fdTable.get(a.int(0))
        if file.isPath { throw .badFileDescriptor }
        if file is VolumeRegularFile { try file.sync() }
        return .zero
    }
}

/// sync_file_range(2): ksys_sync_file_range's checks (flags, range, then ESPIPE for what is
/// not a regular file, directory or symlink); the data is then synced as by fdatasync.
func sysSyncFileRange(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let file = try task.fdTable.get(a.int(0))
        if file.isPath { throw .badFileDescriptor }
        let offset = a.long(1), count = a.long(2), flags = a.uint(3)
        if flags & ~UInt32(1 | 2 | 4) != 0 { throw .invalidArgument }   // WAIT_BEFORE, WRITE, WAIT_AFTER
        let (end, overflow) = offset.addingReportingOverflow(count)
        if offset < 0 || overflow || end < 0 || end < offset { throw .invalidArgument }
        let type = try file.stat().mode & FileType.mask
        if type != FileType.regular && type != FileType.directory && type != FileType.symlink { throw .illegalSeek }
        if flags != 0 && type == FileType.regular { try file.sync() }
        return .zero
    }
}

/// memfd_create(2): an unnamed tmpfs file ("/memfd:NAME (deleted)"); MFD_CLOEXEC,
/// MFD_ALLOW_SEALING (seals are the host memfd's: F_ADD_SEALS/F_GET_SEALS reach it),
/// MFD_NOEXEC_SEAL/MFD_EXEC accepted; MFD_HUGETLB is EINVAL (no huge pages here).
func sysMemfdCreate(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let flags = a.uint(1)
        let cloexec: UInt32 = 1, sealing: UInt32 = 2, noexecSeal: UInt32 = 8, exec: UInt32 = 0x10
        if flags & ~(cloexec | sealing | noexecSeal | exec) != 0 { throw .invalidArgument }
        if flags & noexecSeal != 0 && flags & exec != 0 { throw .invalidArgument }
        let name: [UInt8]
        do throws(Errno) { name = try task.copyInString(a[0], maximum: 250) } catch { throw error == .fileNameTooLong ? .invalidArgument : error }
        if name.count > 249 { throw .invalidArgument }
        let mode: UInt32 = flags & noexecSeal != 0 ? 0o666 : 0o777
        let node = try TmpFile(fileMode: mode, uid: task.creds.fsuid, gid: task.creds.fsgid, sealable: flags & (sealing | noexecSeal) != 0,
                               account: task.kernel.memory, device: task.kernel.vfs.devices.tmpfs)
        node.attributes.nlink = 0
        let root = Dentry(name: [], parent: nil, inode: nil)
        let d = Dentry(name: Array("memfd:".utf8) + name + Array(" (deleted)".utf8), parent: root, inode: node)
        let file = TmpRegularFile(d, flags: O_RDWR, file: node)
        let fd = try task.fdTable.allocate(file, closeOnExec: flags & cloexec != 0, limit: task.fdLimit)
        return .ok(Int(fd))
    }
}
