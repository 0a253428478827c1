import SystemPackage

// Placeholder so the Kernel compiles while the VFS is written; replaced by the VFS implementation.
public final class Dentry {
    public init() {}
}

public final class FSContext {
    public var root: Dentry
    public var cwd: Dentry
    public var umask: UInt32
    public init(root: Dentry, cwd: Dentry, umask: UInt32) { self.root = root; self.cwd = cwd; self.umask = umask }
    public func copy() -> FSContext { FSContext(root: root, cwd: cwd, umask: umask) }
}

public final class VFS {
    public var root: Dentry
    public init(placeholder: Void) throws(Errno) { root = Dentry(); throw .noFunction }
    public func lookup(_ ctx: FSContext, at base: Dentry?, _ path: [UInt8], followFinal: Bool, creds: Credentials) throws(Errno) -> Dentry { throw .noFunction }
    public func open(_ ctx: FSContext, at base: Dentry?, _ path: [UInt8], flags: Int32, mode: UInt32, creds: Credentials) throws(Errno) -> FileDescription { throw .noFunction }
    public func pathname(_ d: Dentry, root: Dentry) -> [UInt8] { [] }
}
