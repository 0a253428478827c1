import Glibc
import LinuxABI
import SystemPackage

// inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch (the instance: FS/Inotify.swift,
// the events: VFS/FSNotify.swift).

/// inotify_init(2).
func sysInotifyInit(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { makeInotify(task, flags: 0) }

/// inotify_init1(2): IN_NONBLOCK and IN_CLOEXEC; anything else EINVAL.
func sysInotifyInit1(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let flags = a.int(0)
    if flags & ~(OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC) != 0 { return .error(.invalidArgument) }
    return makeInotify(task, flags: flags)
}

private func makeInotify(_ task: Task, flags: Int32) -> SyscallReturn {
    serve { () throws(Errno) in
        let kernel = task.kernel
        let file = try InotifyFile(statusFlags: flags & OpenFlags.O_NONBLOCK, user: task.creds.euid,
                                   instances: kernel.inotifyInstances, account: kernel.memory, registry: task.vfs.fsnotify)
        return .ok(Int(try task.fdTable.allocate(file, closeOnExec: flags & OpenFlags.O_CLOEXEC != 0, limit: task.fdLimit)))
    }
}

/// inotify_add_watch(2): EINVAL for a mask without inotify bits or with IN_MASK_ADD and
/// IN_MASK_CREATE, EBADF, EINVAL for a non-inotify fd, the walk's errors (IN_DONT_FOLLOW,
/// IN_ONLYDIR: ENOTDIR), EACCES without read permission on the node.
func sysInotifyAddWatch(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let mask = a.uint(2)
        if mask & InotifyMask.allBits == 0 { throw .invalidArgument }
        let file = try task.fdTable.get(a.int(0))
        if mask & InotifyMask.maskAdd != 0 && mask & InotifyMask.maskCreate != 0 { throw .invalidArgument }
        guard let instance = file as? InotifyFile else { throw .invalidArgument }
        let d = try task.resolvePath(a[1], follow: mask & InotifyMask.dontFollow == 0)
        guard let inode = d.inode else { throw .noSuchFileOrDirectory }
        if mask & InotifyMask.onlyDir != 0 && inode.fileType != FileType.directory { throw .notDirectory }
        try inode.checkAccess(task.creds, .read)
        return .ok(Int(try instance.addWatch(inode, mask: mask)))
    }
}

/// inotify_rm_watch(2): queues IN_IGNORED; EINVAL for an unknown wd or a non-inotify fd.
func sysInotifyRmWatch(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    serve { () throws(Errno) in
        let file = try task.fdTable.get(a.int(0))
        guard let instance = file as? InotifyFile else { throw .invalidArgument }
        try instance.removeWatch(wd: a.int(1))
        return .zero
    }
}
