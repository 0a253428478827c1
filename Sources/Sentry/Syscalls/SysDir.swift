import CHusk
import Glibc
import LinuxABI
import SystemPackage

// getdents64, getcwd, chdir, fchdir.

/// getdents64(2): records from the description's cached listing, at most 1 MiB per call.
func sysGetdents64(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    getdents(task, a, legacy: false)
}

/// getdents(2): the same, in the old linux_dirent layout (LeakSanitizer reads /proc/PID/task
/// with it).
func sysGetdents(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    getdents(task, a, legacy: true)
}

private func getdents(_ task: Task, _ a: SyscallArguments, legacy: Bool) -> SyscallReturn {
    serve { () throws(Errno) in
        let file = try task.fdTable.get(a.int(0))
        if file.isPath { throw .badFileDescriptor }
        guard let dir = file as? DirectoryFile else { throw .notDirectory }
        let buf = IOScratch.slice(UInt64(a.uint(2)))
        let saved = dir.offset
        let n = try dir.getdents64(task, buf, legacy: legacy)
        do throws(Errno) { try task.copyOut(a[1], UnsafeRawBufferPointer(rebasing: buf[0..<n])) } catch {
            dir.offset = saved  // undo: the entries were not delivered
            throw error
        }
        FSNotify.node(InotifyMask.access, dir.node)
        return .ok(n)
    }
}

/// getcwd(2): ERANGE when the buffer is too small; returns the length with the NUL.
func sysGetcwd(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        // A removed working directory has no path (d_unlinked): ENOENT.
        if task.fs.cwd.unlinked { throw .noSuchFileOrDirectory }
        var path = task.vfs.pathname(task.fs.cwd, root: task.fs.root)
        path.append(0)
        if UInt64(path.count) > a[1] { throw .outOfRange }
        try task.copyOut(a[0], path)
        return .ok(path.count)
    }
}

/// The checks chdir and fchdir share: a directory the caller may search.
private func enter(_ task: Task, _ d: Dentry) throws(Errno) {
    guard let inode = d.inode, inode.fileType == FileType.directory else { throw .notDirectory }
    try inode.checkAccess(task.creds, .execute)
    task.fs.cwd = d
}

/// chdir(2).
func sysChdir(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        try enter(task, try task.resolvePath(a[0], follow: true))
        return .zero
    }
}

/// fchdir(2).
func sysFchdir(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let file = try task.fdTable.get(a.int(0))
        guard let d = file.dentry else { throw .notDirectory }
        try enter(task, d)
        return .zero
    }
}

/// chroot(2): root only; the directory becomes the process's root (the cwd stays).
func sysChroot(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let d = try task.resolvePath(a[0], follow: true)
        guard let inode = d.inode, inode.fileType == FileType.directory else { throw .notDirectory }
        try inode.checkAccess(task.creds, .execute)
        if task.creds.euid != 0 { throw .notPermitted }
        task.fs.root = d
        return .zero
    }
}
