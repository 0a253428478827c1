import CHusk
import Glibc
import LinuxABI
import SystemPackage

// Names in directories: mkdir, mknod, unlink, rmdir, rename, link, symlink and their *at forms.
// Each handler copies its paths in and calls the VFS operation (VFS/Operations.swift).

/// mkdir(2).
func sysMkdir(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doMkdir(task, AtFlags.AT_FDCWD, a[0], a.uint(1))
}

/// mkdirat(2).
func sysMkdirat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doMkdir(task, a.int(0), a[1], a.uint(2))
}

/// mkdir(2)/mkdirat(2).
func doMkdir(_ task: Task, _ dirfd: Int32, _ pathAddress: UInt64, _ mode: UInt32) -> SyscallReturn {
    serve { () throws(Errno) in
        try task.vfs.mkdirat(task.walkContext, try task.pathOperand(dirfd, pathAddress), mode: mode)
        return .zero
    }
}

/// rmdir(2).
func sysRmdir(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doUnlink(task, AtFlags.AT_FDCWD, a[0], directory: true)
}

/// unlink(2).
func sysUnlink(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doUnlink(task, AtFlags.AT_FDCWD, a[0], directory: false)
}

/// unlink(2), rmdir(2) and unlinkat(2)'s common part.
func doUnlink(_ task: Task, _ dirfd: Int32, _ pathAddress: UInt64, directory: Bool) -> SyscallReturn {
    serve { () throws(Errno) in
        try task.vfs.unlinkat(task.walkContext, try task.pathOperand(dirfd, pathAddress), directory: directory)
        return .zero
    }
}

/// unlinkat(2): AT_REMOVEDIR selects rmdir.
func sysUnlinkat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    let flags = a.int(2)
    if flags & ~AtFlags.AT_REMOVEDIR != 0 { return .error(.invalidArgument) }
    return doUnlink(task, a.int(0), a[1], directory: flags & AtFlags.AT_REMOVEDIR != 0)
}

/// rename(2).
func sysRename(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doRename(task, AtFlags.AT_FDCWD, a[0], AtFlags.AT_FDCWD, a[1], 0)
}

/// renameat(2).
func sysRenameat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doRename(task, a.int(0), a[1], a.int(2), a[3], 0)
}

/// renameat2(2).
func sysRenameat2(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doRename(task, a.int(0), a[1], a.int(2), a[3], a.uint(4))
}

/// rename(2)/renameat(2)/renameat2(2).
func doRename(_ task: Task, _ olddirfd: Int32, _ oldAddress: UInt64, _ newdirfd: Int32, _ newAddress: UInt64, _ flags: UInt32) -> SyscallReturn {
    serve { () throws(Errno) in
        let old = try task.pathOperand(olddirfd, oldAddress)
        let new = try task.pathOperand(newdirfd, newAddress)
        try task.vfs.renameat2(task.walkContext, old, new, flags: flags)
        return .zero
    }
}

/// symlink(2).
func sysSymlink(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doSymlink(task, a[0], AtFlags.AT_FDCWD, a[1])
}

/// symlinkat(2).
func sysSymlinkat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doSymlink(task, a[0], a.int(1), a[2])
}

/// symlink(2)/symlinkat(2).
func doSymlink(_ task: Task, _ targetAddress: UInt64, _ dirfd: Int32, _ pathAddress: UInt64) -> SyscallReturn {
    serve { () throws(Errno) in
        let target = try task.copyInString(targetAddress)
        try task.vfs.symlinkat(task.walkContext, target: target, try task.pathOperand(dirfd, pathAddress))
        return .zero
    }
}

/// link(2).
func sysLink(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doLink(task, AtFlags.AT_FDCWD, a[0], AtFlags.AT_FDCWD, a[1], 0)
}

/// linkat(2).
func sysLinkat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doLink(task, a.int(0), a[1], a.int(2), a[3], a.int(4))
}

/// link(2)/linkat(2): AT_SYMLINK_FOLLOW and AT_EMPTY_PATH.
func doLink(_ task: Task, _ olddirfd: Int32, _ oldAddress: UInt64, _ newdirfd: Int32, _ newAddress: UInt64, _ flags: Int32) -> SyscallReturn {
    serve { () throws(Errno) in
        if flags & ~(AtFlags.AT_SYMLINK_FOLLOW | AtFlags.AT_EMPTY_PATH) != 0 { throw .invalidArgument }
        let old = try task.pathOperand(olddirfd, oldAddress, follow: flags & AtFlags.AT_SYMLINK_FOLLOW != 0,
                                       emptyPath: flags & AtFlags.AT_EMPTY_PATH != 0)
        let new = try task.pathOperand(newdirfd, newAddress)
        try task.vfs.linkat(task.walkContext, old, new)
        return .zero
    }
}

/// mknod(2).
func sysMknod(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doMknod(task, AtFlags.AT_FDCWD, a[0], a.uint(1), a[2])
}

/// mknodat(2).
func sysMknodat(_ task: Task, _ a: SyscallArguments) -> SyscallReturn {
    doMknod(task, a.int(0), a[1], a.uint(2), a[3])
}

/// mknod(2)/mknodat(2): regular files, FIFOs, sockets; device nodes for root only (they reach
/// no host device: opening one is ENXIO).
func doMknod(_ task: Task, _ dirfd: Int32, _ pathAddress: UInt64, _ mode: UInt32, _ dev: UInt64) -> SyscallReturn {
    serve { () throws(Errno) in
        try task.vfs.mknodat(task.walkContext, try task.pathOperand(dirfd, pathAddress), mode: mode, dev: dev)
        return .zero
    }
}
