import SystemPackage

// fsnotify for inotify: the VFS operations call one hook each (Linux include/linux/fsnotify.h);
// the hooks find the watches on the node and on its parent directory and queue events on the
// inotify instances (FS/Inotify.swift). Without watches a hook costs a load and a branch.
// The hooks keep no state: the watches are on the nodes, and what is per sandbox (the move
// cookie, the count of watches) is its VFS's `FSNotifyRegistry`.

/// inotify event and flag bits (linux/inotify.h).
public enum InotifyMask {
    public static let access: UInt32 = 0x1
    public static let modify: UInt32 = 0x2
    public static let attrib: UInt32 = 0x4
    public static let closeWrite: UInt32 = 0x8
    public static let closeNoWrite: UInt32 = 0x10
    public static let open: UInt32 = 0x20
    public static let movedFrom: UInt32 = 0x40
    public static let movedTo: UInt32 = 0x80
    public static let create: UInt32 = 0x100
    public static let delete: UInt32 = 0x200
    public static let deleteSelf: UInt32 = 0x400
    public static let moveSelf: UInt32 = 0x800
    public static let unmount: UInt32 = 0x2000
    public static let queueOverflow: UInt32 = 0x4000
    public static let ignored: UInt32 = 0x8000
    public static let onlyDir: UInt32 = 0x0100_0000
    public static let dontFollow: UInt32 = 0x0200_0000
    public static let exclUnlink: UInt32 = 0x0400_0000
    public static let maskCreate: UInt32 = 0x1000_0000
    public static let maskAdd: UInt32 = 0x2000_0000
    public static let isDir: UInt32 = 0x4000_0000
    public static let oneShot: UInt32 = 0x8000_0000
    public static let allEvents: UInt32 = 0xfff
    /// ALL_INOTIFY_BITS: what inotify_add_watch's mask may hold.
    public static let allBits: UInt32 = allEvents | unmount | queueOverflow | ignored | onlyDir | dontFollow |
        exclUnlink | maskCreate | maskAdd | isDir | oneShot
    /// Events a directory's watch also receives for its children (FS_EVENTS_POSS_ON_CHILD).
    static let onChild: UInt32 = access | modify | attrib | closeWrite | closeNoWrite | open
}

/// One inotify watch: an instance's mark on a node.
public final class InotifyWatch {
    public let wd: Int32
    /// Event bits and IN_ONESHOT / IN_EXCL_UNLINK.
    public var mask: UInt32
    unowned let instance: InotifyFile
    let inode: Inode
    init(wd: Int32, mask: UInt32, instance: InotifyFile, inode: Inode) {
        self.wd = wd; self.mask = mask; self.instance = instance; self.inode = inode
    }
}

/// The fsnotify state of one sandbox (`VFS.fsnotify`).
public final class FSNotifyRegistry {
    /// Watches in the whole sandbox: hooks that must look something up first skip at zero.
    public internal(set) var watchCount = 0
    /// The last cookie pairing IN_MOVED_FROM with IN_MOVED_TO (fsnotify_get_cookie).
    private var lastCookie: UInt32 = 0

    public init() {}

    func nextCookie() -> UInt32 {
        lastCookie &+= 1
        return lastCookie
    }
}

/// The hooks (fsnotify_*). `dentry` arguments name the node through the path the caller used,
/// so that a watch on its parent directory sees the event with the name.
public enum FSNotify {
    @inline(__always)
    static func isDir(_ inode: Inode) -> UInt32 { inode.fileType == FileType.directory ? InotifyMask.isDir : 0 }

    /// Delivers `mask` to the watches on `inode`, with `name` for a directory's child.
    static func deliver(_ mask: UInt32, to inode: Inode, name: [UInt8]?, cookie: UInt32 = 0) {
        if inode.watches.isEmpty { return }
        for w in inode.watches where w.mask & mask & InotifyMask.allEvents != 0 {
            w.instance.enqueue(wd: w.wd, mask: mask, cookie: cookie, name: name)
            if w.mask & InotifyMask.oneShot != 0 { w.instance.removeWatch(w) }
        }
    }

    /// An event on a node (fsnotify_dentry / fsnotify_file): the parent's watches first, with
    /// the node's name, then the node's own.
    public static func node(_ event: UInt32, _ dentry: Dentry) {
        guard let inode = dentry.inode else { return }
        let parentInode = dentry.parent?.inode
        if inode.watches.isEmpty && (parentInode?.watches.isEmpty ?? true) { return }
        let mask = event | isDir(inode)
        if let p = parentInode, event & InotifyMask.onChild != 0 { deliver(mask, to: p, name: dentry.name) }
        deliver(mask, to: inode, name: nil)
    }

    /// An event on a node only (fsnotify_inode: link counts, IN_MOVE_SELF).
    static func inodeOnly(_ event: UInt32, _ inode: Inode) {
        if inode.watches.isEmpty { return }
        deliver(event | isDir(inode), to: inode, name: nil)
    }

    /// A new name in `parent` (fsnotify_create / fsnotify_mkdir / fsnotify_link).
    public static func created(_ parent: Dentry, _ name: [UInt8], _ inode: Inode, link: Bool = false) {
        if link { inodeOnly(InotifyMask.attrib, inode) }
        guard let dir = parent.inode, !dir.watches.isEmpty else { return }
        deliver(InotifyMask.create | isDir(inode), to: dir, name: name)
    }

    /// A name removed from `parent` (vfs_unlink / vfs_rmdir): IN_ATTRIB for a file's link count,
    /// IN_DELETE_SELF and IN_IGNORED when the node is gone and nothing holds it open, then
    /// IN_DELETE on the directory.
    public static func removed(_ parent: Dentry, _ name: [UInt8], _ inode: Inode, directory: Bool) {
        let dir = parent.inode
        if inode.watches.isEmpty && (dir?.watches.isEmpty ?? true) { return }
        if !directory { inodeOnly(InotifyMask.attrib, inode) }
        lastNameGone(inode, directory: directory)
        if let dir { deliver(InotifyMask.delete | (directory ? InotifyMask.isDir : 0), to: dir, name: name) }
    }

    /// rename: IN_MOVED_FROM and IN_MOVED_TO with one cookie, IN_ATTRIB on a replaced target,
    /// IN_MOVE_SELF on the moved node (fsnotify_move); RENAME_EXCHANGE moves both ways.
    public static func moved(from oldDir: Dentry, _ oldName: [UInt8], to newDir: Dentry, _ newName: [UInt8],
                             source: Inode, target: Inode?, exchange: Bool, in registry: FSNotifyRegistry) {
        if source.watches.isEmpty && (target?.watches.isEmpty ?? true) &&
            (oldDir.inode?.watches.isEmpty ?? true) && (newDir.inode?.watches.isEmpty ?? true) { return }
        move(oldDir, oldName, newDir, newName, source, target: exchange ? nil : target, cookie: registry.nextCookie())
        if exchange, let target { move(newDir, newName, oldDir, oldName, target, target: nil, cookie: registry.nextCookie()) }
        if !exchange, let target { lastNameGone(target, directory: target.fileType == FileType.directory) }
    }

    private static func move(_ od: Dentry, _ on: [UInt8], _ nd: Dentry, _ nn: [UInt8], _ source: Inode, target: Inode?, cookie: UInt32) {
        let dirBit = isDir(source)
        if let d = od.inode { deliver(InotifyMask.movedFrom | dirBit, to: d, name: on, cookie: cookie) }
        if let d = nd.inode { deliver(InotifyMask.movedTo | dirBit, to: d, name: nn, cookie: cookie) }
        if let target { inodeOnly(InotifyMask.attrib, target) }
        inodeOnly(InotifyMask.moveSelf, source)
    }

    /// After a node lost a name: when it has none left (a directory removed) and no open file
    /// holds it, IN_DELETE_SELF and IN_IGNORED now; else at its last close.
    static func lastNameGone(_ inode: Inode, directory: Bool) {
        if inode.watches.isEmpty { return }
        let gone = directory || ((try? inode.stat().nlink) ?? 0) == 0
        guard gone else { return }
        if inode.openFiles > 0 { inode.deletePending = true; return }
        deleted(inode)
    }

    /// fsnotify_inoderemove: IN_DELETE_SELF, then every watch goes (IN_IGNORED).
    static func deleted(_ inode: Inode) {
        inode.deletePending = false
        inodeOnly(InotifyMask.deleteSelf, inode)
        for w in inode.watches { w.instance.removeWatch(w) }
    }

    /// notify_change: the event an attribute change makes (fsnotify_change).
    public static func changed(_ dentry: Dentry, _ change: AttributeChange) {
        guard let inode = dentry.inode else { return }
        if inode.watches.isEmpty && (dentry.parent?.inode?.watches.isEmpty ?? true) { return }
        var mask: UInt32 = 0
        if change.uid != nil || change.gid != nil || change.mode != nil { mask |= InotifyMask.attrib }
        if change.size != nil { mask |= InotifyMask.modify }
        if change.atime != nil && change.mtime != nil { mask |= InotifyMask.attrib }
        else if change.atime != nil { mask |= InotifyMask.access }
        else if change.mtime != nil { mask |= InotifyMask.modify }
        // Linux sends the bits of one change as one event.
        if mask != 0 { node(mask, dentry) }
    }

    /// The last close of an open file (fsnotify_close), and a pending IN_DELETE_SELF after it.
    static func closed(_ dentry: Dentry, wrote: Bool) {
        guard let inode = dentry.inode else { return }
        node(wrote ? InotifyMask.closeWrite : InotifyMask.closeNoWrite, dentry)
        if inode.deletePending && inode.openFiles == 0 { deleted(inode) }
    }
}
