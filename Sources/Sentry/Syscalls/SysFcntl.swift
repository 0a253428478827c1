import Glibc
import LinuxABI
import SystemPackage

// fcntl, ioctl (generic requests), fadvise64.

/// close_range(2): closes (or marks close-on-exec) the fds in [first, last] of the caller's table.
func sysCloseRange(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let first = a.uint(0), last = a.uint(1), flags = a.uint(2)
    let unshare: UInt32 = 1 << 1, cloexec: UInt32 = 1 << 2
    if flags & ~(unshare | cloexec) != 0 || first > last { return .error(.invalidArgument) }
    if flags & unshare != 0 { task.fdTable = task.fdTable.copy() }
    for fd in task.fdTable.openFDs where UInt32(bitPattern: fd) >= first && UInt32(bitPattern: fd) <= last {
        if flags & cloexec != 0 {
            try? task.fdTable.setCloseOnExec(fd, true)
        } else {
            flushClosed(task, task.fdTable.remove(fd))
        }
    }
    return .zero
}

/// Status flags F_SETFL may change (the rest of the argument is ignored, as Linux does).
private let settableStatusFlags: Int32 = OpenFlags.O_APPEND | OpenFlags.O_NONBLOCK | OpenFlags.FASYNC | OpenFlags.O_DIRECT | OpenFlags.O_NOATIME

/// fcntl(2): dup, fd flags, status flags, record locks (SysLock.swift), seals.
func sysFcntl(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let fd = a.int(0)
        let file = try task.fdTable.get(fd)
        switch a.int(1) {
        case Fcntl.F_DUPFD, Fcntl.F_DUPFD_CLOEXEC:
            let minimum = a.int(2)
            if minimum < 0 || minimum >= task.fdLimit { throw .invalidArgument }
            return .ok(Int(try task.fdTable.allocate(file, closeOnExec: a.int(1) == Fcntl.F_DUPFD_CLOEXEC, minimum: minimum, limit: task.fdLimit)))
        case Fcntl.F_GETFD:
            return .ok(task.fdTable[fd]!.closeOnExec ? 1 : 0)
        case Fcntl.F_SETFD:
            try task.fdTable.setCloseOnExec(fd, a.int(2) & Fcntl.FD_CLOEXEC != 0)
            return .zero
        case Fcntl.F_GETFL:
            return .ok(Int(file.statusFlags | file.accessMode))
        case Fcntl.F_SETFL:
            if file.isPath { throw .badFileDescriptor }
            if file.statusFlags & O_NOATIME_ == 0, let inode = file.dentry?.inode { try inode.checkNoAtime(task.creds, flags: a.int(2)) }
            file.statusFlags = (file.statusFlags & ~settableStatusFlags) | (a.int(2) & settableStatusFlags)
            return .zero
        case Fcntl.F_GETLK, Fcntl.F_OFD_GETLK, Fcntl.F_SETLK, Fcntl.F_SETLKW, Fcntl.F_OFD_SETLK, Fcntl.F_OFD_SETLKW:
            return try fcntlLock(task, file, a.int(1), a[2])
        case Fcntl.F_GETPIPE_SZ, Fcntl.F_SETPIPE_SZ:
            return pipeSizeFcntl(task, file, command: a.int(1), argument: a[2])
        case 1033, 1034:  // F_ADD_SEALS, F_GET_SEALS: the seals of the host memfd (tmpfs files)
            guard let t = file as? TmpRegularFile else { throw .invalidArgument }
            if a.int(1) == 1033 && !t.canWrite { throw .permissionDenied }
            let r = a.int(1) == 1033 ? Glibc.fcntl(t.file.fd, 1033, a.int(2)) : Glibc.fcntl(t.file.fd, 1034)
            if r < 0 { throw Errno(rawValue: errno) }
            return .ok(Int(r))
        case Fcntl.F_GETOWN, Fcntl.F_GETSIG:
            return .zero
        case Fcntl.F_SETOWN, Fcntl.F_SETSIG:
            return .zero
        default:
            throw .invalidArgument
        }
    }
}

/// ioctl(2): FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC here; every other request goes to the file.
func sysIoctl(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let fd = a.int(0)
    guard let file = task.fdTable[fd]?.file else { return .error(.badFileDescriptor) }
    let request = a.uint(1)
    switch request {
    case Ioctl.FIOCLEX:
        return serve { () throws(Errno) in try task.fdTable.setCloseOnExec(fd, true); return .zero }
    case Ioctl.FIONCLEX:
        return serve { () throws(Errno) in try task.fdTable.setCloseOnExec(fd, false); return .zero }
    case Ioctl.FIONBIO, Ioctl.FIOASYNC:
        if file.isPath { return .error(.badFileDescriptor) }
        return serve { () throws(Errno) in
            let on = try task.copyInValue(a[2], as: Int32.self) != 0
            let bit = request == Ioctl.FIONBIO ? OpenFlags.O_NONBLOCK : OpenFlags.FASYNC
            file.statusFlags = on ? file.statusFlags | bit : file.statusFlags & ~bit
            return .zero
        }
    default:
        if file.isPath { return .error(.badFileDescriptor) }
        return file.ioctl(task, request, a[2])
    }
}

/// fadvise64(2): advice is validated and otherwise ignored (the host page cache decides).
func sysFadvise64(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    guard let file = task.fdTable[a.int(0)]?.file else { return .error(.badFileDescriptor) }
    let advice = a.int(3)
    if advice < 0 || advice > 5 || a.long(2) < 0 { return .error(.invalidArgument) }
    if file.dentry == nil && (try? file.stat())?.mode ?? 0 & FileType.mask == FileType.fifo { return .error(.illegalSeek) }
    return .zero
}

/// readahead(2): EBADF unless open for reading, EINVAL unless a regular file; the host's page
/// cache decides the rest, so nothing is read ahead here.
func sysReadahead(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    guard let file = task.fdTable[a.int(0)]?.file, !file.isPath, file.canRead else { return .error(.badFileDescriptor) }
    guard let st = try? file.stat(), st.mode & FileType.mask == FileType.regular else { return .error(.invalidArgument) }
    return .zero
}
