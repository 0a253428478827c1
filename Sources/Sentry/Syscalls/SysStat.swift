import Glibc
import LinuxABI
import SystemPackage

// fstat, stat, lstat, newfstatat, statx, statfs, fstatfs, access, faccessat, faccessat2,
// readlink, readlinkat, chmod family, chown family, utimensat.

// MARK: Encoders (LinuxABI layouts)

func encodeStat(_ s: FileStat) -> LinuxABI.Stat {
    var o = LinuxABI.Stat()
    o.st_dev = s.dev; o.st_ino = s.ino; o.st_nlink = s.nlink; o.st_mode = s.mode
    o.st_uid = s.uid; o.st_gid = s.gid; o.st_rdev = s.rdev; o.st_size = s.size
    o.st_blksize = s.blksize; o.st_blocks = s.blocks
    o.st_atime = LinuxABI.Timespec(tv_sec: s.atime.sec, tv_nsec: s.atime.nsec)
    o.st_mtime = LinuxABI.Timespec(tv_sec: s.mtime.sec, tv_nsec: s.mtime.nsec)
    o.st_ctime = LinuxABI.Timespec(tv_sec: s.ctime.sec, tv_nsec: s.ctime.nsec)
    return o
}

func encodeStatx(_ s: FileStat) -> Statx {
    var o = Statx()
    o.stx_mask = StatxMask.STATX_BASIC_STATS
    o.stx_blksize = UInt32(clamping: s.blksize); o.stx_nlink = UInt32(clamping: s.nlink)
    o.stx_uid = s.uid; o.stx_gid = s.gid; o.stx_mode = UInt16(truncatingIfNeeded: s.mode)
    o.stx_ino = s.ino; o.stx_size = UInt64(bitPattern: s.size); o.stx_blocks = UInt64(bitPattern: s.blocks)
    func ts(_ t: Sentry.Timespec) -> StatxTimestamp { StatxTimestamp(tv_sec: t.sec, tv_nsec: UInt32(truncatingIfNeeded: t.nsec)) }
    o.stx_atime = ts(s.atime); o.stx_mtime = ts(s.mtime); o.stx_ctime = ts(s.ctime)
    if s.btime.sec != 0 { o.stx_btime = ts(s.btime); o.stx_mask |= StatxMask.STATX_BTIME }
    o.stx_rdev_major = DeviceNumber.major(s.rdev); o.stx_rdev_minor = DeviceNumber.minor(s.rdev)
    o.stx_dev_major = DeviceNumber.major(s.dev); o.stx_dev_minor = DeviceNumber.minor(s.dev)
    return o
}

func copyOutStruct<T: LinuxStruct>(_ task: Task, _ address: UInt64, _ value: T) throws(Errno) {
    try withUnsafeTemporaryAllocation(byteCount: 256, alignment: 8) { b throws(Errno) in
        let part = UnsafeMutableRawBufferPointer(rebasing: b[0..<T.size])
        value.encode(into: part)
        try task.copyOut(address, UnsafeRawBufferPointer(part))
    }
}

/// The FileStat of (dirfd, path) with AT_SYMLINK_NOFOLLOW / AT_EMPTY_PATH.
private func statAt(_ task: Task, _ dirfd: Int32, _ pathAddress: UInt64, _ flags: Int32) throws(Errno) -> FileStat {
    let (d, file) = try task.resolveAt(dirfd, pathAddress, flags: flags)
    if let file { return try file.stat() }
    guard let inode = d?.inode else { throw .noSuchFileOrDirectory }
    return try inode.stat()
}

/// fstat(2).
func sysFstat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let s = try task.fdTable.get(a.int(0)).stat()
        try copyOutStruct(task, a[1], encodeStat(s))
        return .zero
    }
}

/// stat(2).
func sysStat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doStat(task, AtFlags.AT_FDCWD, a[0], a[1], 0)
}

/// lstat(2).
func sysLstat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doStat(task, AtFlags.AT_FDCWD, a[0], a[1], AtFlags.AT_SYMLINK_NOFOLLOW)
}

/// newfstatat(2).
func sysNewfstatat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doStat(task, a.int(0), a[1], a[2], a.int(3))
}

/// stat(2), lstat(2), newfstatat(2).
func doStat(_ task: Task, _ dirfd: Int32, _ pathAddress: UInt64, _ buf: UInt64, _ flags: Int32) -> SyscallReturn {
    serve { () throws(Errno) in
        if flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH | AtFlags.AT_NO_AUTOMOUNT) != 0 { throw .invalidArgument }
        try copyOutStruct(task, buf, encodeStat(try statAt(task, dirfd, pathAddress, flags)))
        return .zero
    }
}

/// statx(2): the basic stats (and btime when the filesystem keeps it).
func sysStatx(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let flags = a.int(2)
        let allowed = AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH | AtFlags.AT_NO_AUTOMOUNT | AtFlags.AT_STATX_SYNC_TYPE
        if flags & ~allowed != 0 || flags & AtFlags.AT_STATX_SYNC_TYPE == AtFlags.AT_STATX_SYNC_TYPE { throw .invalidArgument }
        if a.uint(3) & StatxMask.STATX__RESERVED != 0 { throw .invalidArgument }
        try copyOutStruct(task, a[4], encodeStatx(try statAt(task, a.int(0), a[1], flags)))
        return .zero
    }
}

private func encodeStatfs(_ s: FSStatistics) -> StatFS {
    var o = StatFS()
    o.f_type = s.type; o.f_bsize = s.bsize; o.f_blocks = s.blocks; o.f_bfree = s.bfree; o.f_bavail = s.bavail
    o.f_files = s.files; o.f_ffree = s.ffree; o.f_namelen = s.namelen; o.f_frsize = s.frsize; o.f_flags = s.flags
    return o
}

/// statfs(2).
func sysStatfs(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let d = try task.resolvePath(a[0], follow: true)
        try copyOutStruct(task, a[1], encodeStatfs(try d.inode!.statfs()))
        return .zero
    }
}

/// fstatfs(2): files without a dentry (pipes, sockets) report pipefs.
func sysFstatfs(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let file = try task.fdTable.get(a.int(0))
        var s = FSStatistics(type: FilesystemMagic.PIPEFS_MAGIC)
        if let inode = file.dentry?.inode { s = try inode.statfs() }
        try copyOutStruct(task, a[1], encodeStatfs(s))
        return .zero
    }
}

/// access(2).
func sysAccess(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doAccess(task, AtFlags.AT_FDCWD, a[0], a.int(1), 0)
}

/// faccessat(2).
func sysFaccessat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doAccess(task, a.int(0), a[1], a.int(2), 0)
}

/// faccessat2(2).
func sysFaccessat2(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doAccess(task, a.int(0), a[1], a.int(2), a.int(3))
}

/// access(2), faccessat(2), faccessat2(2): real ids unless AT_EACCESS.
func doAccess(_ task: Task, _ dirfd: Int32, _ pathAddress: UInt64, _ mode: Int32, _ flags: Int32) -> SyscallReturn {
    serve { () throws(Errno) in
        if mode & ~7 != 0 { throw .invalidArgument }
        if flags & ~(AtFlags.AT_EACCESS | AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH) != 0 { throw .invalidArgument }
        var creds = task.creds
        if flags & AtFlags.AT_EACCESS == 0 { creds.fsuid = creds.uid; creds.fsgid = creds.gid }
        let (d, file) = try task.resolveAt(dirfd, pathAddress, flags: flags)
        let s: FileStat
        var readOnly = false
        if let inode = d?.inode { s = try inode.stat(); readOnly = inode.readOnly } else if let file { s = try file.stat() } else { throw .noSuchFileOrDirectory }
        let want = AccessRequest(rawValue: UInt32(mode))
        if want.contains(.write) && readOnly {
            let t = s.mode & FileType.mask
            if t == FileType.regular || t == FileType.directory || t == FileType.symlink { throw .readOnlyFileSystem }
        }
        // proc_fd_permission: a process's own /proc/PID/fd whatever its mode bits.
        if !creds.mayAccess(s, want) && d?.inode?.grantsAccess(to: task) != true { throw .permissionDenied }
        return .zero
    }
}

/// readlink(2).
func sysReadlink(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doReadlink(task, AtFlags.AT_FDCWD, a[0], a[1], a.long(2))
}

/// readlinkat(2).
func sysReadlinkat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doReadlink(task, a.int(0), a[1], a[2], a.long(3))
}

/// readlink(2)/readlinkat(2): EINVAL for a non-link or bufsiz <= 0; truncates silently.
func doReadlink(_ task: Task, _ dirfd: Int32, _ pathAddress: UInt64, _ buf: UInt64, _ size: Int64) -> SyscallReturn {
    serve { () throws(Errno) in
        if size <= 0 { throw .invalidArgument }
        let path = try task.copyInString(pathAddress)
        let d: Dentry?
        if path.isEmpty {
            // An empty path names dirfd itself (an O_PATH link); anything else is ENOENT.
            d = dirfd == AtFlags.AT_FDCWD ? task.fs.cwd : try task.fdTable.get(dirfd).dentry
        } else {
            d = try task.vfs.walk(task.walkContext, from: try task.atBase(dirfd, path), path, followFinal: false)
        }
        guard let inode = d?.inode, inode.fileType == FileType.symlink else { throw path.isEmpty ? .noSuchFileOrDirectory : .invalidArgument }
        let target = try inode.readlink(task)
        let n = min(Int(clamping: size), target.count)
        try task.copyOut(buf, Array(target[0..<n]))
        return .ok(n)
    }
}
