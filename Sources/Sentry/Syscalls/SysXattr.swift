import Glibc
import LinuxABI
import SystemPackage

// Extended attributes. tmpfs and the overlay keep user.*, trusted.* and security.* (trusted.*
// for root only); the read-only Gofer lower shows none. Files without a dentry (pipes,
// sockets) answer EOPNOTSUPP. Names must carry a known namespace prefix (else EOPNOTSUPP).

/// getxattr(2).
func sysGetxattr(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { doGetxattr(task, pathTarget(task, a[0], follow: true), a[1], a[2], a[3]) }
/// lgetxattr(2).
func sysLgetxattr(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { doGetxattr(task, pathTarget(task, a[0], follow: false), a[1], a[2], a[3]) }
/// fgetxattr(2).
func sysFgetxattr(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { doGetxattr(task, fdTarget(task, a.int(0)), a[1], a[2], a[3]) }
/// listxattr(2).
func sysListxattr(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { doListxattr(task, pathTarget(task, a[0], follow: true), a[1], a[2]) }
/// llistxattr(2).
func sysLlistxattr(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { doListxattr(task, pathTarget(task, a[0], follow: false), a[1], a[2]) }
/// flistxattr(2).
func sysFlistxattr(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { doListxattr(task, fdTarget(task, a.int(0)), a[1], a[2]) }
/// setxattr(2).
func sysSetxattr(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { doSetxattr(task, pathTarget(task, a[0], follow: true), a[1], a[2], a[3], a.int(4)) }
/// lsetxattr(2).
func sysLsetxattr(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { doSetxattr(task, pathTarget(task, a[0], follow: false), a[1], a[2], a[3], a.int(4)) }
/// fsetxattr(2).
func sysFsetxattr(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { doSetxattr(task, fdTarget(task, a.int(0)), a[1], a[2], a[3], a.int(4)) }
/// removexattr(2).
func sysRemovexattr(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { doRemovexattr(task, pathTarget(task, a[0], follow: true), a[1]) }
/// lremovexattr(2).
func sysLremovexattr(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { doRemovexattr(task, pathTarget(task, a[0], follow: false), a[1]) }
/// fremovexattr(2).
func sysFremovexattr(_ task: Task, _ a: SyscallArguments) -> SyscallReturn { doRemovexattr(task, fdTarget(task, a.int(0)), a[1]) }

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
    do { name = try task.copyInString(address, maximum: XattrFlags.XATTR_NAME_MAX + 1) } catch let e where e == .fileNameTooLong { throw .outOfRange }
    if name.isEmpty || name.count > XattrFlags.XATTR_NAME_MAX { throw .outOfRange }
    return name
}

/// The namespaces of attribute names (xattr_resolve_name).
enum XattrNamespace {
    case user, trusted, security, system

    static let prefixes: [([UInt8], XattrNamespace)] = [
        (Array("user.".utf8), .user), (Array("trusted.".utf8), .trusted),
        (Array("security.".utf8), .security), (Array("system.".utf8), .system),
    ]

    /// EOPNOTSUPP without a known prefix, EINVAL for a bare prefix.
    init(_ name: [UInt8]) throws(Errno) {
        for (p, ns) in XattrNamespace.prefixes where name.starts(with: p) {
            if name.count == p.count { throw .invalidArgument }
            self = ns
            return
        }
        throw .notSupportedOnSocket
    }
}

/// xattr_permission: user.* only on regular files and directories (others: ENODATA to read,
/// EPERM to write) with the file's read/write permission; trusted.* for root only.
private func xattrPermission(_ task: Task, _ inode: Inode, _ ns: XattrNamespace, write: Bool) throws(Errno) {
    switch ns {
    case .trusted:
        if !task.creds.isRoot { throw write ? .notPermitted : .noData }
    case .user:
        let s = try inode.stat()
        let t = s.mode & FileType.mask
        if t != FileType.regular && t != FileType.directory { throw write ? .notPermitted : .noData }
        if write && t == FileType.directory && s.mode & 0o1000 != 0 && !task.creds.isRoot && task.creds.fsuid != s.uid {
            throw .notPermitted
        }
        if !task.creds.mayAccess(s, write ? .write : .read) { throw .permissionDenied }
    case .security, .system:
        let owner = try inode.stat().uid
        if write && !task.creds.isRoot && task.creds.fsuid != owner { throw .notPermitted }
    }
}

/// getxattr(2) family: size 0 asks for the length; ERANGE when the buffer is too small.
func doGetxattr(_ task: Task, _ target: Result<Inode?, Errno>, _ nameAddress: UInt64, _ buf: UInt64, _ size: UInt64) -> SyscallReturn {
    serve { () throws(Errno) in
        let inode = try target.get()
        let name = try xattrName(task, nameAddress)
        guard let inode else { throw .notSupportedOnSocket }
        let ns = try XattrNamespace(name)
        try xattrPermission(task, inode, ns, write: false)
        if ns == .system { throw isACLName(name) ? .noData : .notSupportedOnSocket }
        let value = try inode.getxattr(name)
        if size == 0 { return .ok(value.count) }
        if UInt64(value.count) > size { throw .outOfRange }
        try task.copyOut(buf, value)
        return .ok(value.count)
    }
}

private func isACLName(_ name: [UInt8]) -> Bool {
    name == Array("system.posix_acl_access".utf8) || name == Array("system.posix_acl_default".utf8)
}

/// listxattr(2) family: NUL-terminated names; trusted.* only for root.
func doListxattr(_ task: Task, _ target: Result<Inode?, Errno>, _ buf: UInt64, _ size: UInt64) -> SyscallReturn {
    serve { () throws(Errno) in
        guard let inode = try target.get() else { throw .notSupportedOnSocket }
        var out: [UInt8] = []
        let trusted = Array("trusted.".utf8)
        for n in try inode.listxattr() where task.creds.isRoot || !n.starts(with: trusted) {
            out.append(contentsOf: n); out.append(0)
        }
        if size == 0 { return .ok(out.count) }
        if UInt64(out.count) > size { throw .outOfRange }
        if !out.isEmpty { try task.copyOut(buf, out) }
        return .ok(out.count)
    }
}

/// setxattr(2) family: values up to XATTR_SIZE_MAX (E2BIG beyond).
func doSetxattr(_ task: Task, _ target: Result<Inode?, Errno>, _ nameAddress: UInt64, _ valueAddress: UInt64, _ size: UInt64, _ flags: Int32) -> SyscallReturn {
    serve { () throws(Errno) in
        let inode = try target.get()
        if flags & ~(XattrFlags.XATTR_CREATE | XattrFlags.XATTR_REPLACE) != 0 { throw .invalidArgument }
        let name = try xattrName(task, nameAddress)
        if size > UInt64(XattrFlags.XATTR_SIZE_MAX) { throw .argListTooLong }
        let value = size == 0 ? [] : try task.copyInBytes(valueAddress, count: Int(size))
        guard let inode else { throw .notSupportedOnSocket }
        if inode.readOnly { throw .readOnlyFileSystem }
        let ns = try XattrNamespace(name)
        try xattrPermission(task, inode, ns, write: true)
        if ns == .system { throw .notSupportedOnSocket }
        try inode.setxattr(name, value, flags: flags)
        FSNotify.inodeOnly(InotifyMask.attrib, inode)
        return .zero
    }
}

/// removexattr(2) family.
func doRemovexattr(_ task: Task, _ target: Result<Inode?, Errno>, _ nameAddress: UInt64) -> SyscallReturn {
    serve { () throws(Errno) in
        let inode = try target.get()
        let name = try xattrName(task, nameAddress)
        guard let inode else { throw .notSupportedOnSocket }
        if inode.readOnly { throw .readOnlyFileSystem }
        let ns = try XattrNamespace(name)
        try xattrPermission(task, inode, ns, write: true)
        if ns == .system { throw isACLName(name) ? .noData : .notSupportedOnSocket }
        try inode.removexattr(name)
        FSNotify.inodeOnly(InotifyMask.attrib, inode)
        return .zero
    }
}
