import CHusk
import Glibc
import LinuxABI
import SystemPackage

// Attribute changes: chmod, chown, truncate, fallocate and the times (utime, utimes,
// futimesat, utimensat), through the VFS's setattr.

/// chmod(2).
func sysChmod(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doChmod(task, AtFlags.AT_FDCWD, a[0], a.uint(1), 0)
}

/// fchmodat(2).
func sysFchmodat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doChmod(task, a.int(0), a[1], a.uint(2), 0)
}

/// fchmodat2(2): fchmodat with flags (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH; others EINVAL).
func sysFchmodat2(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let flags = a.int(3)
    if flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH) != 0 { return .error(.invalidArgument) }
    return doChmod(task, a.int(0), a[1], a.uint(2), flags)
}

/// chmod(2)/fchmodat(2)/fchmodat2(2).
func doChmod(_ task: Task, _ dirfd: Int32, _ pathAddress: UInt64, _ mode: UInt32, _ flags: Int32) -> SyscallReturn {
    serve { () throws(Errno) in
        let at = try task.pathOperand(dirfd, pathAddress, follow: flags & AtFlags.AT_SYMLINK_NOFOLLOW == 0,
                                      emptyPath: flags & AtFlags.AT_EMPTY_PATH != 0)
        var c = AttributeChange(); c.mode = mode & 0o7777
        try task.vfs.setattr(task.walkContext, at, c)
        return .zero
    }
}

/// fchmod(2).
func sysFchmod(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let file = try task.fdTable.get(a.int(0))
        if file.isPath { throw .badFileDescriptor }
        guard let d = file.dentry, d.inode != nil else { return .zero }  // pipes: accepted, nothing kept
        var c = AttributeChange(); c.mode = a.uint(1) & 0o7777
        try task.vfs.setattr(task.walkContext, d, c)
        return .zero
    }
}

/// The change chown asks: -1 keeps an id; a non-directory loses its set-id bits.
private func chownChange(_ uid: UInt32, _ gid: UInt32) -> AttributeChange {
    var c = AttributeChange()
    if uid != UInt32.max { c.uid = uid }
    if gid != UInt32.max { c.gid = gid }
    c.dropSetID = true
    return c
}

/// chown(2).
func sysChown(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doChown(task, AtFlags.AT_FDCWD, a[0], a.uint(1), a.uint(2), 0)
}

/// lchown(2).
func sysLchown(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doChown(task, AtFlags.AT_FDCWD, a[0], a.uint(1), a.uint(2), AtFlags.AT_SYMLINK_NOFOLLOW)
}

/// fchownat(2).
func sysFchownat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doChown(task, a.int(0), a[1], a.uint(2), a.uint(3), a.int(4))
}

/// chown(2), lchown(2), fchownat(2).
func doChown(_ task: Task, _ dirfd: Int32, _ pathAddress: UInt64, _ uid: UInt32, _ gid: UInt32, _ flags: Int32) -> SyscallReturn {
    serve { () throws(Errno) in
        if flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH) != 0 { throw .invalidArgument }
        let at = try task.pathOperand(dirfd, pathAddress, follow: flags & AtFlags.AT_SYMLINK_NOFOLLOW == 0,
                                      emptyPath: flags & AtFlags.AT_EMPTY_PATH != 0)
        try task.vfs.setattr(task.walkContext, at, chownChange(uid, gid))
        return .zero
    }
}

/// fchown(2).
func sysFchown(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let file = try task.fdTable.get(a.int(0))
        if file.isPath { throw .badFileDescriptor }
        guard let d = file.dentry, d.inode != nil else { return .zero }
        try task.vfs.setattr(task.walkContext, d, chownChange(a.uint(1), a.uint(2)))
        return .zero
    }
}

/// utimensat(2): a NULL path means the fd itself (futimens); NULL times means now.
func sysUtimensat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let flags = a.int(3)
        if flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH) != 0 { throw .invalidArgument }
        let utimeNow: Int64 = (1 << 30) - 1, utimeOmit: Int64 = (1 << 30) - 2
        var times: [Sentry.Timespec?] = [Sentry.Timespec.now(), Sentry.Timespec.now()]
        var explicit = false
        if a[2] != 0 {
            // Any times but (UTIME_NOW, UTIME_NOW) need ownership (EPERM), as explicit ones.
            explicit = true
            let raw = try task.copyInBytes(a[2], count: 32)
            for i in 0..<2 {
                let sec = raw.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: i * 16, as: Int64.self)) }
                let nsec = raw.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: i * 16 + 8, as: Int64.self)) }
                if nsec == utimeOmit { times[i] = nil }
                else if nsec == utimeNow { times[i] = Sentry.Timespec.now() }
                else if nsec < 0 || nsec >= 1_000_000_000 { throw .invalidArgument }
                else { times[i] = Sentry.Timespec(sec: sec, nsec: nsec) }
            }
            let now0 = raw.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: Int64.self)) }
            let now1 = raw.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: 24, as: Int64.self)) }
            if now0 == utimeNow && now1 == utimeNow { explicit = false }
        }
        return try setTimes(task, a.int(0), a[1], flags, times, explicit: explicit)
    }
}

/// The common part of utimensat, utimes, futimesat and utime: `pathAddress` 0 names the fd;
/// `explicit` times need ownership, "now" ownership or write access (the VFS checks).
func setTimes(_ task: Task, _ dirfd: Int32, _ pathAddress: UInt64, _ flags: Int32, _ times: [Sentry.Timespec?], explicit: Bool) throws(Errno) -> SyscallReturn {
    var c = AttributeChange(); c.atime = times[0]; c.mtime = times[1]; c.timesGiven = explicit
    if pathAddress == 0 {
        let file = try task.fdTable.get(dirfd)
        guard let d = file.dentry, d.inode != nil else { return .zero }
        if times[0] == nil && times[1] == nil { return .zero }
        try task.vfs.setattr(task.walkContext, d, c)
    } else {
        let at = try task.pathOperand(dirfd, pathAddress, follow: flags & AtFlags.AT_SYMLINK_NOFOLLOW == 0,
                                      emptyPath: flags & AtFlags.AT_EMPTY_PATH != 0)
        let d = try task.vfs.resolve(task.walkContext, at)
        // UTIME_OMIT twice: nothing to change, after the path was checked.
        if times[0] == nil && times[1] == nil { return .zero }
        try task.vfs.setattr(task.walkContext, d, c)
    }
    return .zero
}

/// truncate(2).
func sysTruncate(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        if a.long(1) < 0 { throw .invalidArgument }
        let at = try task.pathOperand(AtFlags.AT_FDCWD, a[0])
        var c = AttributeChange(); c.size = a.long(1)
        try task.vfs.setattr(task.walkContext, at, c)
        return .zero
    }
}

/// ftruncate(2): EINVAL unless open for writing.
func sysFtruncate(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let file = try task.fdTable.get(a.int(0))
        if a.long(1) < 0 || !file.canWrite { throw .invalidArgument }
        if let st = try? file.stat(), st.mode & FileType.mask == FileType.regular, a.long(1) > st.size { try task.checkFileSize(a.long(1)) }
        try file.truncate(a.long(1))
        if let d = file.dentry { FSNotify.node(InotifyMask.modify, d) }
        return .zero
    }
}

/// utime(2): a struct utimbuf (actime, modtime in seconds); NULL means now.
func sysUtime(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        var times: [Sentry.Timespec?] = [Sentry.Timespec.now(), Sentry.Timespec.now()]
        let explicit = a[1] != 0
        if explicit {
            let raw = try task.copyInBytes(a[1], count: 16)
            for i in 0..<2 {
                let sec = raw.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)) }
                times[i] = Sentry.Timespec(sec: sec, nsec: 0)
            }
        }
        if a[0] == 0 { throw .badAddress }
        return try setTimes(task, AtFlags.AT_FDCWD, a[0], 0, times, explicit: explicit)
    }
}

/// utimes(2).
func sysUtimes(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doUtimes(task, AtFlags.AT_FDCWD, a[0], a[1])
}

/// futimesat(2).
func sysFutimesat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doUtimes(task, a.int(0), a[1], a[2])
}

/// utimes(2)/futimesat(2): two struct timevals; NULL means now; usec outside [0, 1e6) is EINVAL.
func doUtimes(_ task: Task, _ dirfd: Int32, _ pathAddress: UInt64, _ timesAddress: UInt64) -> SyscallReturn {
    serve { () throws(Errno) in
        var times: [Sentry.Timespec?] = [Sentry.Timespec.now(), Sentry.Timespec.now()]
        let explicit = timesAddress != 0
        if explicit {
            let raw = try task.copyInBytes(timesAddress, count: 32)
            for i in 0..<2 {
                let sec = raw.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: i * 16, as: Int64.self)) }
                let usec = raw.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: i * 16 + 8, as: Int64.self)) }
                if usec < 0 || usec >= 1_000_000 { throw .invalidArgument }
                times[i] = Sentry.Timespec(sec: sec, nsec: usec * 1000)
            }
        }
        if pathAddress == 0 { throw .badAddress }
        return try setTimes(task, dirfd, pathAddress, 0, times, explicit: explicit)
    }
}

/// fallocate(2) on files with a writable memfd: tmpfs and memfds as shmem (mode 0, KEEP_SIZE,
/// PUNCH_HOLE with KEEP_SIZE), the root view's files as the host's disk filesystem (also
/// ZERO_RANGE, COLLAPSE_RANGE, INSERT_RANGE); EOPNOTSUPP for other modes and files.
func sysFallocate(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let file = try task.fdTable.get(a.int(0))
        let mode = a.int(1), offset = a.long(2), length = a.long(3)
        if offset < 0 || length <= 0 { throw .invalidArgument }
        let keepSize: Int32 = 0x01, punchHole: Int32 = 0x02, collapse: Int32 = 0x08, zeroRange: Int32 = 0x10, insert: Int32 = 0x20
        // vfs_fallocate's checks, in its order: one known mode (a hole is punched within the
        // size; a range collapses or is inserted without KEEP_SIZE), then a writable fd, then
        // the file type.
        if mode & ~(keepSize | punchHole | collapse | zeroRange | insert) != 0 { throw .notSupportedOnSocket }
        switch mode & ~keepSize {
        case 0, zeroRange: break
        case punchHole: if mode & keepSize == 0 { throw .notSupportedOnSocket }
        case collapse, insert: if mode & keepSize != 0 { throw .notSupportedOnSocket }
        default: throw .notSupportedOnSocket
        }
        if file.isPath || !file.canWrite { throw .badFileDescriptor }
        let type = try file.stat().mode & FileType.mask
        if type == FileType.directory { throw .isDirectory }
        if type == FileType.fifo { throw .illegalSeek }
        if type != FileType.regular { throw .operationNotSupportedByDevice }
        if offset > Int64.max - length { throw .fileTooLarge }
        guard let regular = file as? TmpRegularFile else { throw .notSupportedOnSocket }
        // tmpfs and memfds are shmem, which has no ZERO_RANGE (shmem_fallocate: EOPNOTSUPP);
        // the root view's files stand for the host's disk filesystem (statfs reports it), where
        // ext4 and xfs zero the range.
        let onOverlay = file.dentry?.inode is OverlayNode
        if mode & (zeroRange | collapse | insert) != 0 && !onOverlay { throw .notSupportedOnSocket }
        if mode & (collapse | insert) != 0 {
            try shiftRange(task, regular.file, offset: offset, length: length, insert: mode & insert != 0)
            if let d = file.dentry { FSNotify.node(InotifyMask.modify, d) }
            return .zero
        }
        if mode & (keepSize | punchHole) == 0 { try task.checkFileSize(offset + length) }
        try regular.file.checkFallocate(offset: offset, length: length)
        if mode & zeroRange != 0 {
            // An overlay file: punch the hole in its memfd (the range reads as zeroes), then
            // allocate it again, growing the file unless KEEP_SIZE, as ext4 and xfs do.
            if chusk_vfs_fallocate(regular.file.fd, punchHole | keepSize, offset, length) != 0 { throw Errno(rawValue: errno) }
            if chusk_vfs_fallocate(regular.file.fd, mode & keepSize, offset, length) != 0 { throw Errno(rawValue: errno) }
        } else if chusk_vfs_fallocate(regular.file.fd, mode, offset, length) != 0 { throw Errno(rawValue: errno) }
        regular.file.recharge()
        regular.file.touch()
        if let d = file.dentry { FSNotify.node(InotifyMask.modify, d) }
        return .zero
    }
}

/// COLLAPSE_RANGE and INSERT_RANGE of an overlay file, as ext4 does them: the range is whole
/// blocks (EINVAL otherwise) inside the file (a collapse may not reach its end, an insert must
/// start before it); the data after it moves down over it, or up by its length leaving a hole.
/// The Sentry moves the bytes in its memfd through the overlay's copy buffer.
private func shiftRange(_ task: Task, _ file: TmpFile, offset: Int64, length: Int64, insert: Bool) throws(Errno) {
    let block: Int64 = 4096
    if offset % block != 0 || length % block != 0 { throw .invalidArgument }
    let size = try file.stat().size
    if insert {
        if offset >= size { throw .invalidArgument }
        if size > Int64.max - length { throw .fileTooLarge }
        try task.checkFileSize(size + length)
        try file.checkFallocate(offset: size, length: length)
        if ftruncate(file.fd, off_t(size + length)) != 0 { throw Errno(rawValue: errno) }
        // From the end down, so that nothing is overwritten before it is moved.
        var end = size
        while end > offset {
            let n = min(end - offset, Int64(IOScratch.size))
            try moveBytes(file.fd, from: end - n, to: end - n + length, count: n)
            end -= n
        }
        let keepSizePunch: Int32 = 0x03
        if chusk_vfs_fallocate(file.fd, keepSizePunch, offset, length) != 0 { throw Errno(rawValue: errno) }
    } else {
        if offset + length >= size { throw .invalidArgument }
        var from = offset + length
        while from < size {
            let n = min(size - from, Int64(IOScratch.size))
            try moveBytes(file.fd, from: from, to: from - length, count: n)
            from += n
        }
        if ftruncate(file.fd, off_t(size - length)) != 0 { throw Errno(rawValue: errno) }
    }
    file.recharge()
    file.touch()
}

/// pread then pwrite of `count` bytes (at most the scratch buffer) within one host file.
private func moveBytes(_ fd: Int32, from: Int64, to: Int64, count: Int64) throws(Errno) {
    let buffer = IOScratch.slice(UInt64(count))
    var done = 0
    while done < buffer.count {
        let r = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(from) + off_t(done))
        if r < 0 { if errno == EINTR { continue }; throw Errno(rawValue: errno) }
        if r == 0 { memset(buffer.baseAddress! + done, 0, buffer.count - done); break }
        done += r
    }
    done = 0
    while done < buffer.count {
        let w = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(to) + off_t(done))
        if w < 0 { if errno == EINTR { continue }; throw Errno(rawValue: errno) }
        done += w
    }
}
