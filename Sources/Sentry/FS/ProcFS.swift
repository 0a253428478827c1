import Glibc
import SystemPackage

/// /proc, minimal for now: self, the PID directories (exe, cwd, root, fd/, cmdline, comm),
/// filesystems, mounts. The full procfs comes with its own issue.
public final class ProcRoot: SyntheticInode {
    static let magic: Int64 = 0x9fa0
    /// The kernel whose tasks the PID directories show; learned from the first walk that
    /// carries a task (a `Task` knows its kernel), or set by the Kernel at boot.
    public weak var kernel: Kernel?
    private var fixed: [(name: [UInt8], inode: Inode)] = []

    public init() {
        super.init(mode: FileType.directory | 0o555, dev: SyntheticDev.procfs)
        let dev = SyntheticDev.procfs
        fixed.append((Array("self".utf8), SyntheticSymlink(dev: dev) { [unowned self] (task: Task?) throws(Errno) -> [UInt8] in
            guard let task else { throw .noSuchFileOrDirectory }
            self.kernel = task.kernel
            return Array(String(task.group.pid).utf8)
        }))
        fixed.append((Array("thread-self".utf8), SyntheticSymlink(dev: dev) { [unowned self] (task: Task?) throws(Errno) -> [UInt8] in
            guard let task else { throw .noSuchFileOrDirectory }
            self.kernel = task.kernel
            return Array("\(task.group.pid)/task/\(task.tid)".utf8)
        }))
        fixed.append((Array("filesystems".utf8), GeneratedFile(dev: dev) { _ in
            Array("nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tpipefs\nnodev\tdevpts\n\text4\nnodev\toverlay\n".utf8)
        }))
        fixed.append((Array("mounts".utf8), GeneratedFile(dev: dev) { (task: Task?) -> [UInt8] in
            guard let vfs = task?.kernel.vfs else { return ProcRoot.mounts }
            var out = ""
            for m in vfs.mountTable { out += "\(m.source) \(m.path) \(m.type) \(m.options) 0 0\n" }
            return Array(out.utf8)
        }))
    }

    static let mounts: [UInt8] = Array("""
        none / 9p ro,relatime 0 0
        devtmpfs /dev devtmpfs rw,nosuid 0 0
        tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0
        proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
        tmpfs /tmp tmpfs rw,nosuid,nodev 0 0

        """.utf8)

    public override var readOnly: Bool { false }

    func threadGroup(_ pid: Int32) -> ThreadGroup? {
        guard let kernel else { return nil }
        for t in kernel.tasks.values where t.group.pid == pid { return t.group }
        return nil
    }

    public override func lookup(_ name: [UInt8]) throws(Errno) -> Inode {
        for e in fixed where e.name == name { return e.inode }
        if let pid = parsePID(name), let g = threadGroup(pid) { return PidDirectory(g) }
        throw .noSuchFileOrDirectory
    }

    public override func readdir(_ task: Task?) throws(Errno) -> [DirEntry] {
        if let task { kernel = task.kernel }
        var out = fixed.map { DirEntry(name: $0.name, ino: (try? $0.inode.stat().ino) ?? 0, type: FileType.direntType((try? $0.inode.stat().mode) ?? 0)) }
        if let kernel {
            var pids = Set<Int32>()
            for t in kernel.tasks.values { pids.insert(t.group.pid) }
            for p in pids.sorted() { out.append(DirEntry(name: Array(String(p).utf8), ino: UInt64(p) << 16, type: 4)) }
        }
        return out
    }

    public override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        if let task = request.task { kernel = task.kernel }
        return DirectoryFile(dentry, flags: request.flags)
    }
    public override func statfs() throws(Errno) -> FSStatistics { FSStatistics(type: ProcRoot.magic) }
}

/// A decimal PID without sign or leading zero.
func parsePID(_ name: [UInt8]) -> Int32? {
    if name.isEmpty || name.count > 9 || name[0] == 0x30 { return nil }
    var v: Int32 = 0
    for b in name {
        guard b >= 0x30 && b <= 0x39 else { return nil }
        v = v * 10 + Int32(b - 0x30)
    }
    return v
}

/// /proc/PID: built at each lookup (procfs contents change under the VFS; nothing is cached).
final class PidDirectory: StaticDirectory {
    init(_ group: ThreadGroup) {
        let dev = SyntheticDev.procfs
        super.init(dev: dev, magic: ProcRoot.magic, mode: 0o555)
        weak let g = group
        add("exe", SyntheticSymlink(dev: dev) { (_: Task?) throws(Errno) -> [UInt8] in
            guard let g, !g.executablePath.isEmpty else { throw .noSuchFileOrDirectory }
            return g.executablePath
        })
        add("cwd", SyntheticSymlink(dev: dev) { (_: Task?) throws(Errno) -> [UInt8] in
            guard let t = g?.threads.first else { throw .noSuchFileOrDirectory }
            return VFS.absolutePath(t.fs.cwd)
        })
        add("root", SyntheticSymlink(dev: dev) { (_: Task?) throws(Errno) -> [UInt8] in
            guard let t = g?.threads.first else { throw .noSuchFileOrDirectory }
            return VFS.absolutePath(t.fs.root)
        })
        add("cmdline", GeneratedFile(dev: dev) { _ in
            var out: [UInt8] = []
            for a in g?.argv ?? [] { out.append(contentsOf: a); out.append(0) }
            return out
        })
        add("comm", GeneratedFile(dev: dev) { _ in (g?.name ?? []) + [0x0A] })
        add("fd", FDDirectory(group))
    }
}

/// /proc/PID/fd: one link per open fd.
final class FDDirectory: SyntheticInode {
    weak var group: ThreadGroup?
    init(_ group: ThreadGroup) {
        self.group = group
        super.init(mode: FileType.directory | 0o500, dev: SyntheticDev.procfs)
    }
    var table: FDTable? { group?.threads.first?.fdTable }
    override var readOnly: Bool { false }

    override func lookup(_ name: [UInt8]) throws(Errno) -> Inode {
        guard let fd = parsePID(name) ?? (name == [0x30] ? 0 : nil), let file = table?[fd]?.file else { throw .noSuchFileOrDirectory }
        return FDLink(file)
    }
    override func readdir(_ task: Task?) throws(Errno) -> [DirEntry] {
        (table?.openFDs ?? []).map { DirEntry(name: Array(String($0).utf8), ino: UInt64($0) + 0x10000, type: 10) }
    }
    override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        DirectoryFile(dentry, flags: request.flags)
    }
}

/// /proc/PID/fd/N: a "magic" link. Its text is the file's path; the walk follows it to the open
/// file itself (so /dev/stdout reaches a pipe), see `VFS.walkComponents`.
public final class FDLink: SyntheticInode {
    public let file: FileDescription
    init(_ file: FileDescription) {
        self.file = file
        super.init(mode: FileType.symlink | 0o700, dev: SyntheticDev.procfs)
    }
    public override func readlink(_ task: Task?) throws(Errno) -> [UInt8] {
        if let p = file.path { return p }
        return Array("anon_inode:[\(ObjectIdentifier(file).hashValue & 0xFFFFFF)]".utf8)
    }
}

/// The target of an FDLink whose file has no dentry (a pipe, a socket, host stdio): opening it
/// shares the description, as re-opening /proc/self/fd/N of a pipe reaches the same pipe.
final class OpenFileInode: Inode {
    let file: FileDescription
    init(_ file: FileDescription) { self.file = file }
    override func stat() throws(Errno) -> FileStat { try file.stat() }
    override var fileType: UInt32 { ((try? file.stat())?.mode ?? 0) & FileType.mask }
    override var readOnly: Bool { false }
    override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription { file }
}
