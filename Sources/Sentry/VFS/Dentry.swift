import SystemPackage

/// A name in the VFS tree (Linux `struct dentry`): the name bytes, the parent, the inode, and
/// a cache of children looked up so far. A child with a nil inode is a negative entry (the name
/// is known not to exist), which spares the Gofer a round trip on the next miss.
public final class Dentry {
    /// The name and parent change when a rename moves the dentry (d_move), so a working
    /// directory or an open file follows its renames.
    public private(set) var name: [UInt8]
    /// The parent in the same filesystem; nil for a filesystem's root. Strong: a cached
    /// subtree keeps its path alive (the cache never evicts; it lives as long as the VFS).
    public private(set) var parent: Dentry?
    /// Removed by unlink, rmdir or a rename over it (d_unlinked): getcwd answers ENOENT and
    /// /proc/PID/fd shows the path with " (deleted)".
    public internal(set) var unlinked = false
    /// The inode; nil for a negative entry.
    public let inode: Inode?
    /// The filesystem mounted on this dentry, if any (its root dentry).
    public internal(set) var mounted: Dentry?
    /// For a mounted filesystem's root: the dentry it covers (for "..", and for pathnames).
    public internal(set) var covered: Dentry?
    /// Children looked up so far (only for inodes that allow caching).
    var children: [[UInt8]: Dentry] = [:]

    public init(name: [UInt8], parent: Dentry?, inode: Inode?) {
        self.name = name; self.parent = parent; self.inode = inode
    }

    public var isNegative: Bool { inode == nil }
    public var isDirectory: Bool { inode?.fileType == FileType.directory }
    public var isSymlink: Bool { inode?.fileType == FileType.symlink }

    /// The child named `name` from the cache, if known.
    func cachedChild(_ name: [UInt8]) -> Dentry? { children[name] }

    /// Records a child (positive or negative) when the inode allows caching; returns it.
    /// Mount points are always kept (see `VFS.mount`).
    @discardableResult
    func remember(_ child: Dentry) -> Dentry {
        guard let inode, inode.cachesChildren, child.inode != nil || inode.cachesNegativeChildren else { return child }
        children[child.name] = child
        return child
    }

    /// A rename moved this dentry to `name` in `parent` (d_move); the caller updates the caches.
    func move(to parent: Dentry, name: [UInt8]) {
        self.parent = parent
        self.name = name
    }

    /// Drops a cached child (after unlink, rename, create).
    func forget(_ name: [UInt8]) { children[name] = nil }

    /// The dentry a walk reaches through this one: the root of what is mounted here, repeatedly.
    var mountTop: Dentry {
        var d = self
        while let m = d.mounted { d = m }
        return d
    }
}

/// A process's root, working directory and umask (Linux `struct fs_struct`), shared by threads
/// created with CLONE_FS.
public final class FSContext {
    public var root: Dentry
    public var cwd: Dentry
    public var umask: UInt32
    public init(root: Dentry, cwd: Dentry, umask: UInt32) { self.root = root; self.cwd = cwd; self.umask = umask }
    /// fork without CLONE_FS.
    public func copy() -> FSContext { FSContext(root: root, cwd: cwd, umask: umask) }
}
