import Glibc
import SystemPackage

// /proc built from the Sentry's task table and the VFS:
//   self, thread-self, PID/ and PID/task/TID/ (stat, status, statm, cmdline, comm, environ, exe,
//   cwd, root, fd/, fdinfo/, maps, mounts, mountinfo, limits, cgroup), cpuinfo, meminfo, stat,
//   uptime, loadavg, version, filesystems, mounts, sys/kernel/…, sys/vm/overcommit_memory,
//   sys/fs/pipe-max-size, pipe-user-pages-soft/-hard, inotify/. Only sandbox tasks appear, under
//   the program's pids.
// What only the host knows (memory use, CPU times, mappings) comes from the host's procfs of the
// Sentry's own PID namespace (/proc/<host tid>/…), with ids and paths rewritten; see ProcFiles.swift.

public final class ProcRoot: SyntheticInode {
    static let magic: Int64 = 0x9fa0
    /// The kernel whose tasks the PID directories show; set by the first walk that carries a
    /// task (see `VFS.walk`), or by the Kernel at boot.
    public weak var kernel: Kernel?
    private var fixed: [(name: [UInt8], inode: Inode)] = []

    /// The root of a procfs whose nodes are numbered on `device` (the namespace's procfs).
    public init(device: SyntheticDevice) {
        super.init(mode: FileType.directory | 0o555, device: device)
        let dev = device
        attributes.nlink = 3
        add("self", SyntheticSymlink(device: dev) { [unowned self] (task: Task?) throws(Errno) -> [UInt8] in
            guard let task else { throw .noSuchFileOrDirectory }
            self.kernel = task.kernel
            return Array(String(task.group.pid).utf8)
        })
        add("thread-self", SyntheticSymlink(device: dev) { [unowned self] (task: Task?) throws(Errno) -> [UInt8] in
            guard let task else { throw .noSuchFileOrDirectory }
            self.kernel = task.kernel
            return Array("\(task.group.pid)/task/\(task.tid)".utf8)
        })
        add("filesystems", GeneratedFile(device: dev) { _ in
            Array("nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tpipefs\nnodev\tdevpts\n\text4\nnodev\toverlay\nnodev\tcgroup2\n".utf8)
        })
        add("mounts", SyntheticSymlink(device: dev, fixed: "self/mounts"))
        add("cpuinfo", GeneratedFile(device: dev) { [unowned self] t in ProcGlobal.cpuinfo(self.kernel, t) })
        add("meminfo", GeneratedFile(device: dev) { [unowned self] t in ProcGlobal.meminfo((t?.kernel ?? self.kernel)?.memory.memoryLimit) })
        add("stat", GeneratedFile(device: dev) { [unowned self] t in ProcGlobal.stat(self.kernel, t) })
        add("uptime", GeneratedFile(device: dev) { _ in HostProcFile.read("/proc/uptime") ?? Array("0.00 0.00\n".utf8) })
        // The host's event counters, as uptime and loadavg (vmstat(8), free and sar read them).
        add("vmstat", GeneratedFile(device: dev) { _ in HostProcFile.read("/proc/vmstat") ?? [] })
        add("loadavg", GeneratedFile(device: dev) { [unowned self] _ in ProcGlobal.loadavg(self.kernel) })
        add("version", GeneratedFile(device: dev) { [unowned self] _ in ProcGlobal.version(self.kernel) })
        add("sys", ProcSys.make(self))
        add("sysvipc", IPCProcFiles.directory(self))
        add("net", ProcNet.directory(self))
    }

    private func add(_ name: String, _ inode: Inode) { fixed.append((Array(name.utf8), inode)) }

    public override var readOnly: Bool { false }

    func threadGroup(_ pid: Int32) -> ThreadGroup? {
        guard let kernel else { return nil }
        return kernel.threadGroups.values.first { $0.pid == pid && !$0.threads.isEmpty }
    }

    public override func lookup(_ name: [UInt8]) throws(Errno) -> Inode {
        for e in fixed where e.name == name { return e.inode }
        if let pid = parsePID(name), let g = threadGroup(pid) { return PidDirectory(g, thread: nil, device: device) }
        // Linux lets a thread's id be looked up at the top level too (not listed).
        if let tid = parsePID(name), let kernel, let t = kernel.tasks.values.first(where: { $0.tid == tid }) {
            return PidDirectory(t.group, thread: t, device: device)
        }
        // An unreaped zombie: its files describe its last thread (state Z from the host).
        if let pid = parsePID(name), let z = kernel?.zombie(pid: pid) { return PidDirectory(z.group, thread: z.lastThread, device: device) }
        throw .noSuchFileOrDirectory
    }

    public override func readdir(_ task: Task?) throws(Errno) -> [DirEntry] {
        if let task { kernel = task.kernel }
        var out = fixed.map { DirEntry(name: $0.name, ino: (try? $0.inode.stat().ino) ?? 0, type: FileType.direntType((try? $0.inode.stat().mode) ?? 0)) }
        if let kernel {
            var pids: [Int32] = []
            for g in kernel.threadGroups.values where !g.threads.isEmpty { pids.append(g.pid) }
            for pid in kernel.zombies.keys where kernel.zombie(pid: pid) != nil { pids.append(pid) }
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

/// /proc/PID (thread nil: the process, shown through its leader) or /proc/PID/task/TID: built
/// at each lookup (procfs contents change under the VFS; nothing is cached). The directory
/// belongs to the process's effective ids and so does every node in it, but for a process that
/// is not dumpable (or has exited), whose nodes belong to root (task_dump_owner): mode bits keep
/// other users out of environ, fd/ and maps. environ, auxv, maps, mem and the exe, cwd, root and
/// fd/N links also ask ptrace's access rule (PTRACE_MODE_FSCREDS), EACCES.
final class PidDirectory: StaticDirectory {
    init(_ group: ThreadGroup, thread: Task?, device: SyntheticDevice) {
        let dev = device
        super.init(device: dev, magic: ProcRoot.magic, mode: 0o555)
        weak let g = group
        weak let th = thread
        let creds = (thread ?? group.threads.first)?.creds ?? Credentials()
        /// The task the per-thread files describe: the thread, else the group's leader.
        let subject: () throws(Errno) -> Task = { () throws(Errno) -> Task in
            if thread != nil { guard let t = th else { throw .noSuchProcess }; return t }
            guard let t = g?.threads.first else { throw .noSuchProcess }
            return t
        }
        let access = ProcAccess(group)
        let dumpOwner = group.dumpable == Dumpable.user && !group.threads.isEmpty
        func own(_ i: SyntheticInode) -> SyntheticInode {
            i.attributes.uid = dumpOwner ? creds.euid : 0; i.attributes.gid = dumpOwner ? creds.egid : 0
            return i
        }
        attributes.uid = creds.euid; attributes.gid = creds.egid
        func gen(_ name: String, mode: UInt32 = 0o444, checked: Bool = false, _ f: @escaping (Task?) -> [UInt8]) {
            add(name, own(GeneratedFile(device: dev, mode: mode, access: checked ? access.check : nil, f)))
        }
        func link(_ name: String, _ f: @escaping (Task?) throws(Errno) -> [UInt8]) {
            add(name, own(SyntheticSymlink(device: dev) { (reader: Task?) throws(Errno) -> [UInt8] in
                try access.check(reader)
                return try f(reader)
            }))
        }
        gen("auxv", mode: 0o400, checked: true) { _ in g?.auxv ?? [] }
        gen("cgroup") { _ in Array("0::/\n".utf8) }
        gen("cmdline") { _ in
            var out: [UInt8] = []
            for a in g?.argv ?? [] { out.append(contentsOf: a); out.append(0) }
            return out
        }
        add("comm", own(ProcCommFile(group, thread: thread, device: dev)))
        link("cwd") { (_: Task?) throws(Errno) -> [UInt8] in VFS.absolutePath(try subject().fs.cwd) }
        gen("environ", mode: 0o400, checked: true) { _ in
            var out: [UInt8] = []
            for e in g?.environ ?? [] { out.append(contentsOf: e); out.append(0) }
            return out
        }
        link("exe") { (_: Task?) throws(Errno) -> [UInt8] in
            guard let g, !g.executablePath.isEmpty else { throw .noSuchFileOrDirectory }
            return g.executablePath
        }
        add("fd", own(FDDirectory(group, access: access, device: dev)))
        add("fdinfo", own(FDInfoDirectory(group, device: dev)))
        gen("limits") { _ in ProcPid.limits(g) }
        gen("maps", checked: true) { reader in (try? ProcPid.maps(subject(), reader: reader)) ?? [] }
        add("mem", own(ProcMemInode(group, device: dev)))
        gen("mountinfo") { reader in ProcPid.mountinfo(reader ?? (try? subject())) }
        gen("mounts") { reader in ProcPid.mounts(reader ?? (try? subject())) }
        link("root") { (_: Task?) throws(Errno) -> [UInt8] in VFS.absolutePath(try subject().fs.root) }
        gen("stat") { reader in (try? ProcPid.stat(subject(), reader: reader, wholeProcess: thread == nil)) ?? [] }
        gen("statm") { _ in (try? HostProcFile.read("/proc/\(subject().hostTID)/statm")) ?? Array("0 0 0 0 0 0 0\n".utf8) }
        gen("status") { reader in (try? ProcPid.status(subject(), reader: reader)) ?? [] }
        if thread == nil {
            let tasks = TaskDirectory(group, device: dev)
            tasks.attributes.uid = creds.euid; tasks.attributes.gid = creds.egid   // dr-xr-xr-x: never root's
            add("task", tasks)
        }
    }
}

/// ptrace_may_access(PTRACE_MODE_READ_FSCREDS) on a process's /proc files: EACCES for a reader
/// that may not trace it (the Sentry's own reads carry no task and pass).
struct ProcAccess {
    weak var group: ThreadGroup?
    init(_ group: ThreadGroup) { self.group = group }
    func check(_ reader: Task?) throws(Errno) {
        guard let reader, let group, let target = group.threads.first else { return }
        if !reader.kernel.ptraceMayAccess(reader, target, .filesystem) { throw .permissionDenied }
    }
}

/// A writable regular file of a process's /proc directory (comm, mem): its mode and owner are
/// procfs's to set. O_TRUNC at open is accepted and means nothing.
class ProcProcessFile: SyntheticInode {
    weak var group: ThreadGroup?
    init(_ group: ThreadGroup, mode: UInt32, device: SyntheticDevice) {
        self.group = group
        super.init(mode: FileType.regular | mode, device: device)
    }
    override var readOnly: Bool { false }
    override func setAttributes(_ change: AttributeChange) throws(Errno) {
        if change.mode != nil || change.uid != nil || change.gid != nil { throw .notPermitted }
    }
}

/// /proc/PID/comm: the process's name; the process itself (or root) may write it.
final class ProcCommFile: ProcProcessFile {
    /// The thread of /proc/PID/task/TID/comm; nil for /proc/PID/comm (the leader's).
    weak var thread: Task?
    let perThread: Bool
    init(_ group: ThreadGroup, thread: Task? = nil, device: SyntheticDevice) {
        self.thread = thread
        perThread = thread != nil
        super.init(group, mode: 0o644, device: device)
    }
    override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        let name = perThread ? thread?.comm ?? [] : group?.name ?? []
        return ProcWritableFile(dentry, flags: request.flags, contents: name + [0x0A]) { [weak self] (writer: Task, bytes: [UInt8]) throws(Errno) in
            guard let self, let g = self.group else { throw .noSuchProcess }
            // Linux: only threads of the same process may set another thread's comm this way.
            if writer.group !== g { throw .invalidArgument }
            // Linux keeps what was written, newline included, up to 15 bytes.
            let name = Array(bytes.prefix { $0 != 0 }.prefix(15))
            if self.perThread {
                guard let t = self.thread else { throw .noSuchProcess }
                t.comm = name
            } else {
                g.name = name
            }
        }
    }
}

/// A procfs file that reads a snapshot and hands each write to `store` (comm, hostname).
final class ProcWritableFile: VFSFile {
    let contents: [UInt8]
    let store: (Task, [UInt8]) throws(Errno) -> Void
    init(_ dentry: Dentry, flags: Int32, contents: [UInt8], store: @escaping (Task, [UInt8]) throws(Errno) -> Void) {
        self.contents = contents; self.store = store
        super.init(dentry, flags: flags)
    }
    override func pread(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        if !canRead { throw .badFileDescriptor }
        if offset < 0 { throw .invalidArgument }
        if offset >= contents.count { return 0 }
        let n = min(buffer.count, contents.count - Int(offset))
        contents.withUnsafeBytes { src in buffer.baseAddress!.copyMemory(from: src.baseAddress! + Int(offset), byteCount: n) }
        return n
    }
    override func pwrite(_ task: Task, _ buffer: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        if !canWrite { throw .badFileDescriptor }
        try store(task, Array(buffer))
        return buffer.count
    }
    override func stat() throws(Errno) -> FileStat {
        var s = try inode.stat()
        s.size = 0
        return s
    }
}

/// /proc/PID/task: one directory per thread.
final class TaskDirectory: SyntheticInode {
    weak var group: ThreadGroup?
    init(_ group: ThreadGroup, device: SyntheticDevice) {
        self.group = group
        super.init(mode: FileType.directory | 0o555, device: device)
    }
    override var readOnly: Bool { false }
    override func lookup(_ name: [UInt8]) throws(Errno) -> Inode {
        guard let tid = parsePID(name), let g = group, let t = g.threads.first(where: { $0.tid == tid }) else { throw .noSuchFileOrDirectory }
        return PidDirectory(g, thread: t, device: device)
    }
    override func readdir(_ task: Task?) throws(Errno) -> [DirEntry] {
        (group?.threads.map(\.tid).sorted() ?? []).map { DirEntry(name: Array(String($0).utf8), ino: UInt64($0) << 16 | 1, type: 4) }
    }
    override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        DirectoryFile(dentry, flags: request.flags)
    }
}

/// A directory with one entry per open fd of a process (/proc/PID/fd and fdinfo): the
/// subclass says what an entry is and how it lists.
class ProcessFDList: SyntheticInode {
    weak var group: ThreadGroup?
    /// d_ino base and d_type of the entries.
    let inoBase: UInt64
    let entryType: UInt8
    init(_ group: ThreadGroup, inoBase: UInt64, entryType: UInt8, device: SyntheticDevice) {
        self.group = group; self.inoBase = inoBase; self.entryType = entryType
        super.init(mode: FileType.directory | 0o500, device: device)
    }
    var table: FDTable? { group?.threads.first?.fdTable }
    override var readOnly: Bool { false }

    override func readdir(_ task: Task?) throws(Errno) -> [DirEntry] {
        (table?.openFDs ?? []).map { DirEntry(name: Array(String($0).utf8), ino: UInt64($0) + inoBase, type: entryType) }
    }
    override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        DirectoryFile(dentry, flags: request.flags)
    }
}

/// /proc/PID/fd: one link per open fd. Its own process may search it even when the mode bits
/// say no (a non-dumpable process's fd/ is root's), as proc_fd_permission.
final class FDDirectory: ProcessFDList {
    let access: ProcAccess
    init(_ group: ThreadGroup, access: ProcAccess, device: SyntheticDevice) {
        self.access = access
        super.init(group, inoBase: 0x10000, entryType: 10, device: device)
    }

    override func grantsAccess(to task: Task) -> Bool { task.group === group }

    override func lookup(_ name: [UInt8]) throws(Errno) -> Inode {
        guard let fd = parseFD(name), let file = table?[fd]?.file else { throw .noSuchFileOrDirectory }
        let l = FDLink(file, access: access, device: device)
        l.attributes.uid = attributes.uid; l.attributes.gid = attributes.gid
        return l
    }
}

/// An fd number as /proc/PID/fd and fdinfo name it ("0" included).
func parseFD(_ name: [UInt8]) -> Int32? { name == [0x30] ? 0 : parsePID(name) }

/// /proc/PID/fdinfo: pos, flags, mnt_id, ino of each open fd.
final class FDInfoDirectory: ProcessFDList {
    init(_ group: ThreadGroup, device: SyntheticDevice) { super.init(group, inoBase: 0x20000, entryType: 8, device: device) }

    override func lookup(_ name: [UInt8]) throws(Errno) -> Inode {
        guard let fd = parseFD(name), let entry = table?[fd] else { throw .noSuchFileOrDirectory }
        let file = entry.file
        let flags = file.accessMode | file.statusFlags | (entry.closeOnExec ? 0o2000000 : 0)
        let ino = (try? file.stat().ino) ?? 0
        let text = "pos:\t\(file.offset)\nflags:\t0\(String(flags, radix: 8))\nmnt_id:\t\(ProcPid.mountID(file.dentry, in: group?.threads.first?.kernel.vfs))\nino:\t\(ino)\n"
        let f = GeneratedFile(device: device, mode: 0o444) { _ in Array(text.utf8) }
        f.attributes.uid = attributes.uid; f.attributes.gid = attributes.gid
        return f
    }
}

/// /proc/PID/fd/N: a "magic" link. Its text is the file's path; the walk follows it to the open
/// file itself (so /dev/stdout reaches a pipe), see `VFS.walkComponents`.
public final class FDLink: SyntheticInode {
    public let file: FileDescription
    let access: ProcAccess
    init(_ file: FileDescription, access: ProcAccess, device: SyntheticDevice) {
        self.file = file
        self.access = access
        super.init(mode: FileType.symlink | 0o700, device: device)
    }
    /// proc_fd_access_allowed, for reading the link and for following it.
    public func checkAccess(_ task: Task?) throws(Errno) { try access.check(task) }
    public override func readlink(_ task: Task?) throws(Errno) -> [UInt8] {
        try access.check(task)
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
