import GoferProtocol
import SystemPackage

/// The real Gofer client serves goferfs as it is.
extension GoferClient: GoferFileServer {}

extension VFS {
    /// Attaches to the Gofer's root view and mounts it read-only as /, with /dev, /proc, /tmp.
    /// `overlay`: a writable in-memory upper layer over the Gofer's root (the default root);
    /// false leaves the root read-only (`--rootfs-readonly`).
    public convenience init(gofer: GoferClient, overlay: Bool = false, memory: MemoryAccount? = nil) throws(Errno) {
        let (h, a) = try gofer.attach()
        try self.init(server: gofer, attach: (h, a), overlay: overlay, memory: memory)
    }

    /// The same over any `GoferFileServer` (tests count round trips through a wrapper).
    public convenience init(server: GoferFileServer, attach: (GoferHandle, GoferAttr), overlay: Bool = false,
                            memory: MemoryAccount? = nil) throws(Errno) {
        try self.init(rootInode: GoferInode(server: server, handle: attach.0, attr: attach.1), overlay: overlay, memory: memory)
    }
}
