import Glibc
import LinuxABI
import SystemPackage

// Extended attributes: no filesystem keeps any yet. get → ENODATA, list → empty, set → EROFS on
// a read-only filesystem, else EOPNOTSUPP; files without a dentry (pipes, sockets) → EOPNOTSUPP.

func installXattrSyscalls(into t: inout SyscallTable) {
    t.register(SyscallNumber.getxattr, { task, a in doGetxattr(task, pathTarget(task, a[0], follow: true), a[1]) })
    t.register(SyscallNumber.lgetxattr, { task, a in doGetxattr(task, pathTarget(task, a[0], follow: false), a[1]) })
    t.register(SyscallNumber.fgetxattr, { task, a in doGetxattr(task, fdTarget(task, a.int(0)), a[1]) })
    t.register(SyscallNumber.listxattr, { task, a in doListxattr(pathTarget(task, a[0], follow: true)) })
    t.register(SyscallNumber.llistxattr, { task, a in doListxattr(pathTarget(task, a[0], follow: false)) })
    t.register(SyscallNumber.flistxattr, { task, a in doListxattr(fdTarget(task, a.int(0))) })
    t.register(SyscallNumber.setxattr, { task, a in doSetxattr(task, pathTarget(task, a[0], follow: true), a[1], a.int(4)) })
    t.register(SyscallNumber.lsetxattr, { task, a in doSetxattr(task, pathTarget(task, a[0], follow: false), a[1], a.int(4)) })
    t.register(SyscallNumber.fsetxattr, { task, a in doSetxattr(task, fdTarget(task, a.int(0)), a[1], a.int(4)) })
    t.register(SyscallNumber.removexattr, { task, a in doRemovexattr(task, pathTarget(task, a[0], follow: true), a[1]) })
    t.register(SyscallNumber.lremovexattr, { task, a in doRemovexattr(task, pathTarget(task, a[0], follow: false), a[1]) })
    t.register(SyscallNumber.fremovexattr, { task, a in doRemovexattr(task, fdTarget(task, a.int(0)), a[1]) })
}

/// The inode an xattr call names (nil: a file without one).
private func pathTarget(_ task: Task, _ pathAddress: UInt64, follow: Bool) -> Result<Inode?, Errno> {
    Result { () throws(Errno) in try task.resolvePath(pathAddress, follow: follow).inode }
}

private func fdTarget(_ task: Task, _ fd: Int32) -> Result<Inode?, Errno> {
    Result { () throws(Errno) in
        let file = try task.fdTable.get(fd)
        if file.isPath { throw .badFileDescriptor }
        return file.dentry?.inode
    }
}

/// Copies in an attribute name: ERANGE when empty or longer than XATTR_NAME_MAX.
private func xattrName(_ task: Task, _ address: UInt64) throws(Errno) -> [UInt8] {
    let name: [UInt8]
    do { name = try task.copyInString(address, maximum: XattrFlags.XATTR_NAME_MAX) } catch let e where e == .fileNameTooLong { throw .outOfRange }
    if name.isEmpty { throw .outOfRange }
    return name
}

/// getxattr(2) family.
func doGetxattr(_ task: Task, _ target: Result<Inode?, Errno>, _ nameAddress: UInt64) -> SyscallReturn {
    serve { () throws(Errno) in
        let inode = try target.get()
        _ = try xattrName(task, nameAddress)
        guard inode != nil else { throw .notSupportedOnSocket }
        throw .noData
    }
}

/// listxattr(2) family: an empty list.
func doListxattr(_ target: Result<Inode?, Errno>) -> SyscallReturn {
    serve { () throws(Errno) in
        guard try target.get() != nil else { throw .notSupportedOnSocket }
        return .zero
    }
}

/// setxattr(2) family.
func doSetxattr(_ task: Task, _ target: Result<Inode?, Errno>, _ nameAddress: UInt64, _ flags: Int32) -> SyscallReturn {
    serve { () throws(Errno) in
        let inode = try target.get()
        if flags & ~(XattrFlags.XATTR_CREATE | XattrFlags.XATTR_REPLACE) != 0 { throw .invalidArgument }
        _ = try xattrName(task, nameAddress)
        guard let inode else { throw .notSupportedOnSocket }
        throw inode.readOnly ? .readOnlyFileSystem : .notSupportedOnSocket
    }
}

/// removexattr(2) family.
func doRemovexattr(_ task: Task, _ target: Result<Inode?, Errno>, _ nameAddress: UInt64) -> SyscallReturn {
    serve { () throws(Errno) in
        let inode = try target.get()
        _ = try xattrName(task, nameAddress)
        guard let inode else { throw .notSupportedOnSocket }
        throw inode.readOnly ? .readOnlyFileSystem : .noData
    }
}
