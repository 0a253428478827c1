import GoferProtocol
import SystemPackage

/// The real Gofer client serves goferfs as it is.
extension GoferClient: GoferFileServer {}

extension VFS {
    /// Attaches to the Gofer's root view and mounts it read-only as /, with /dev, /proc, /tmp.
    public convenience init(gofer: GoferClient) throws(Errno) {
        try self.init(server: gofer)
    }

    /// The same over any `GoferFileServer` (tests count round trips through a wrapper).
    public convenience init(server: GoferFileServer, attach: (GoferHandle, GoferAttr)) throws(Errno) {
        try self.init(rootInode: GoferInode(server: server, handle: attach.0, attr: attach.1))
    }
}

extension VFS {
    convenience init(server: GoferClient) throws(Errno) {
        let (h, a) = try server.attach()
        try self.init(server: server, attach: (h, a))
    }
}
