import Glibc
import LinuxABI
import SystemPackage

/// The OCI runtime's linux.readonlyPaths (docs/oci.md): a path bound onto itself read-only, as
/// runc makes one (a bind, then a remount with MS_RDONLY). Every node reached through the view
/// answers as its target does, except that it changes nothing: creating, removing, renaming,
/// linking, opening for writing, truncating and attribute changes answer EROFS, as under a
/// read-only mount. What the view's files read is the target's own, live.
final class ReadOnlyView: Inode {
    let target: Inode

    init(_ target: Inode) {
        self.target = target
        super.init()
    }

    override func stat() throws(Errno) -> FileStat { try target.stat() }
    override var fileType: UInt32 { target.fileType }
    /// Each walk wraps the target's node afresh: the target's own cache decides what it knows.
    override var cachesChildren: Bool { false }
    override func lookup(_ name: [UInt8]) throws(Errno) -> Inode { ReadOnlyView(try target.lookup(name)) }
    override func readlink(_ task: Task?) throws(Errno) -> [UInt8] { try target.readlink(task) }
    override func readdir(_ task: Task?) throws(Errno) -> [DirEntry] { try target.readdir(task) }
    override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        // The VFS refused writes to files and directories already; what else opens for
        // writing (a device, a fifo) is refused here, as a read-only mount refuses it.
        if request.flags & O_ACCMODE != O_RDONLY || request.flags & O_TRUNC != 0 {
            let t = target.fileType
            if t != FileType.character && t != FileType.fifo && t != FileType.socket { throw .readOnlyFileSystem }
        }
        return try target.open(dentry, request)
    }
    override func statfs() throws(Errno) -> FSStatistics {
        var s = try target.statfs()
        s.flags |= 1   // ST_RDONLY
        return s
    }
    override var readOnly: Bool { true }
    override func grantsAccess(to task: Task) -> Bool { target.grantsAccess(to: task) }
    override func getxattr(_ name: [UInt8]) throws(Errno) -> [UInt8] { try target.getxattr(name) }
    override func listxattr() throws(Errno) -> [[UInt8]] { try target.listxattr() }
}

extension VFS {
    /// Binds `path` onto itself read-only (linux.readonlyPaths); a path that does not exist in
    /// the sandbox is left alone, as runc does. /proc/mounts lists it with its filesystem's
    /// source and type and `ro`.
    public func makeReadOnly(_ path: String) {
        let ctx = FSContext(root: root, cwd: root, umask: 0)
        guard let d = try? lookup(ctx, at: nil, Array(path.utf8), followFinal: true, creds: Credentials(uid: 0, gid: 0)),
              let inode = d.inode else { return }
        let holder = mountEntry(holding: d)
        let options = (["ro"] + (holder?.options.split(separator: ",").map(String.init).filter { $0 != "rw" && $0 != "ro" } ?? []))
            .joined(separator: ",")
        try? mount(ReadOnlyView(inode), at: path, source: holder?.source ?? "none", type: holder?.type ?? "none", options: options)
    }
}
