import SystemPackage

/// Who walks a path: the process's root and cwd, its credentials, and the task (for /proc/self).
public struct WalkContext {
    public let fs: FSContext
    public let creds: Credentials
    public unowned(unsafe) let task: Task?
    /// openat2's RESOLVE_* flags (0 for every other walk).
    public var resolve: UInt64 = 0
    /// RESOLVE_BENEATH: the directory the walk may not leave.
    public var beneath: Dentry?
    public init(fs: FSContext, creds: Credentials, task: Task?) { self.fs = fs; self.creds = creds; self.task = task }
}

/// openat2(2)'s resolve flags.
public enum Resolve {
    public static let noXdev: UInt64 = 0x01
    public static let noMagicLinks: UInt64 = 0x02
    public static let noSymlinks: UInt64 = 0x04
    public static let beneath: UInt64 = 0x08
    public static let inRoot: UInt64 = 0x10
    public static let cached: UInt64 = 0x20
    public static let all: UInt64 = 0x3F
}

/// A path split into components, and whether it ended with a slash.
struct SplitPath {
    var absolute: Bool
    var components: [[UInt8]]
    var trailingSlash: Bool

    /// ENOENT for an empty path, ENAMETOOLONG past PATH_MAX or NAME_MAX.
    init(_ path: [UInt8]) throws(Errno) {
        if path.isEmpty { throw .noSuchFileOrDirectory }
        if path.count >= 4096 { throw .fileNameTooLong }
        absolute = path[0] == 0x2F
        trailingSlash = path.last == 0x2F
        components = []
        var start = -1
        for i in 0...path.count {
            if i == path.count || path[i] == 0x2F {
                if start >= 0 {
                    if i - start > 255 { throw .fileNameTooLong }
                    components.append(Array(path[start..<i]))
                    start = -1
                }
            } else if start < 0 {
                start = i
            }
        }
    }
}

private let dot: [UInt8] = [0x2E]
private let dotdot: [UInt8] = [0x2E, 0x2E]

extension VFS {
    /// The most symlinks one walk follows before ELOOP (MAXSYMLINKS).
    public static let maxSymlinks = 40

    /// Resolves `path` from `start` (nil: the cwd; absolute paths start at the context's root).
    /// `followFinal` follows a symlink in the last component; a trailing slash always does and
    /// requires a directory.
    public func walk(_ ctx: WalkContext, from start: Dentry?, _ path: [UInt8], followFinal: Bool) throws(Errno) -> Dentry {
        let split = try SplitPath(path)
        var links = 0
        if let proc, proc.kernel == nil, let t = ctx.task { proc.kernel = t.kernel }
        var current = split.absolute ? ctx.fs.root : (start ?? ctx.fs.cwd)
        return try walkComponents(ctx, from: &current, split.components[...], followFinal: followFinal || split.trailingSlash,
                                  mustBeDirectory: split.trailingSlash, links: &links)
    }

    /// Resolves every component but the last; returns the parent directory and the last name
    /// ("" for "/", "." or ".." when the path ends so). Used by create, mkdir, unlink, rename.
    public func walkParent(_ ctx: WalkContext, from start: Dentry?, _ path: [UInt8]) throws(Errno) -> (parent: Dentry, name: [UInt8], trailingSlash: Bool) {
        let split = try SplitPath(path)
        var links = 0
        var current = split.absolute ? ctx.fs.root : (start ?? ctx.fs.cwd)
        guard let last = split.components.last else { return (current, [], split.trailingSlash) }
        let dir = try walkComponents(ctx, from: &current, split.components.dropLast(), followFinal: true, mustBeDirectory: true, links: &links)
        guard dir.isDirectory else { throw .notDirectory }
        try dir.inode!.checkAccess(ctx.creds, .execute, task: ctx.task)
        return (dir, last, split.trailingSlash)
    }

    /// The walk proper: `pending` holds the components still to resolve; a followed symlink
    /// puts its target's components in front of them.
    func walkComponents(_ ctx: WalkContext, from current: inout Dentry, _ components: ArraySlice<[UInt8]>,
                        followFinal: Bool, mustBeDirectory: Bool, links: inout Int) throws(Errno) -> Dentry {
        // Stored reversed so that popLast takes the next component and a link's target is appended.
        var pending = Array(components.reversed())
        while let name = pending.popLast() {
            guard let dirInode = current.inode, dirInode.fileType == FileType.directory else { throw .notDirectory }
            try dirInode.checkAccess(ctx.creds, .execute, task: ctx.task)
            if name == dot { continue }
            if name == dotdot {
                if ctx.resolve != 0 {
                    if let b = ctx.beneath, current === b { throw .improperLink }
                    if ctx.resolve & Resolve.noXdev != 0, current.parent == nil, current !== ctx.fs.root { throw .improperLink }
                }
                current = parentOf(current, root: ctx.fs.root)
                continue
            }
            let child = try child(of: current, name, upcoming: pending)
            guard let inode = child.inode else { throw .noSuchFileOrDirectory }
            if ctx.resolve & Resolve.noXdev != 0, child.parent == nil, child.covered != nil { throw .improperLink }
            let isLast = pending.isEmpty
            if inode.fileType == FileType.symlink && (!isLast || followFinal) {
                links += 1
                if links > VFS.maxSymlinks { throw .tooManySymbolicLinkLevels }
                if ctx.resolve & Resolve.noSymlinks != 0 { throw .tooManySymbolicLinkLevels }
                if let magic = inode as? FDLink {
                    if ctx.resolve & Resolve.noMagicLinks != 0 { throw .tooManySymbolicLinkLevels }
                    if ctx.resolve & (Resolve.beneath | Resolve.inRoot) != 0 { throw .improperLink }
                    try magic.checkAccess(ctx.task)
                    // A /proc/PID/fd link leads to the open file, not to its path's text.
                    if let d = magic.file.dentry { current = d }
                    else { current = Dentry(name: try magic.readlink(ctx.task), parent: nil, inode: OpenFileInode(magic.file)) }
                    continue
                }
                let target = try inode.readlink(ctx.task)
                if target.isEmpty { throw .noSuchFileOrDirectory }
                let split = try SplitPath(target)
                if split.absolute {
                    if ctx.beneath != nil { throw .improperLink }
                    current = ctx.fs.root
                }
                pending.append(contentsOf: split.components.reversed())
                continue
            }
            current = child
        }
        if mustBeDirectory && !current.isDirectory { throw .notDirectory }
        return current
    }

    /// "..": clamped at the process root; from a mounted filesystem's root, the parent of the
    /// dentry it covers.
    func parentOf(_ d: Dentry, root: Dentry) -> Dentry {
        var d = d
        while true {
            if d === root { return d }
            if let p = d.parent { return p }
            guard let c = d.covered else { return d }  // the VFS root
            d = c
        }
    }

    /// The child `name` of directory `dir`, through the dentry cache. On a miss, filesystems with
    /// a batched walk resolve the following plain names too (one Gofer message for the lot).
    func child(of dir: Dentry, _ name: [UInt8], upcoming: [[UInt8]]) throws(Errno) -> Dentry {
        if let c = dir.cachedChild(name) { return c.mountTop }
        let inode = dir.inode!
        if inode.cachesChildren {
            var names = [name]
            var i = upcoming.count - 1
            while i >= 0, names.count < 128, upcoming[i] != dot, upcoming[i] != dotdot {
                names.append(upcoming[i]); i -= 1
            }
            if names.count > 1 {
                let inodes: [Inode]?
                do { inodes = try inode.lookupChain(names) } catch let e where e == .noSuchFileOrDirectory {
                    return dir.remember(Dentry(name: name, parent: dir, inode: nil))
                }
                if let inodes, !inodes.isEmpty {
                    var parent = dir
                    var first: Dentry?
                    for (n, node) in zip(names, inodes) {
                        let d = parent.remember(Dentry(name: n, parent: parent, inode: node))
                        if first == nil { first = d }
                        parent = d
                    }
                    return first!
                }
            }
        }
        let found: Inode?
        do { found = try inode.lookup(name) } catch let e where e == .noSuchFileOrDirectory { found = nil }
        return dir.remember(Dentry(name: name, parent: dir, inode: found))
    }
}
