// The VFS's contract with the rest of the Sentry (Kernel, Loader, syscalls). The VFS helper
// owns this directory and implements these names; keep the signatures stable.
//
//   public final class Dentry                      — a node in the VFS tree (name, parent, inode)
//   public final class FSContext                   — a process's root, cwd and umask
//       public init(root: Dentry, cwd: Dentry, umask: UInt32)
//       public var root: Dentry; public var cwd: Dentry; public var umask: UInt32
//       public func copy() -> FSContext            — fork without CLONE_FS
//   public final class VFS
//       public init(rootInode: Inode, source:type:options:, memory:) throws(Errno) — the root only
//       public static func sandbox(root:overlay:memory:) throws(Errno) -> VFS — as at boot: the
//                                                      root (overlaid) and the standard mounts
//       public func mountStandardFilesystems() throws(Errno) — /dev, /proc, /sys, the tmpfs
//       public var root: Dentry
//       public func lookup(_ ctx: FSContext, at base: Dentry?, _ path: [UInt8], followFinal: Bool, creds: Credentials) throws(Errno) -> Dentry
//       public func open(_ ctx: FSContext, at base: Dentry?, _ path: [UInt8], flags: Int32, mode: UInt32, creds: Credentials) throws(Errno) -> FileDescription
//       public func pathname(_ d: Dentry, root: Dentry) -> [UInt8]
//   `base` nil means the context's cwd; an absolute path starts at ctx.root.
//   The namespace operations (Operations.swift) take a WalkContext and PathOperands:
//       mkdirat, mknodat, symlinkat, linkat, unlinkat, renameat2, setattr, resolve
