import CHusk
import Glibc
import SystemPackage

/// An in-memory filesystem (/tmp, /dev/shm): directories and symlinks in the Sentry, file data
/// in memfds (so that mmap and the loader get a host fd).
public final class TmpFS {
    public let root: TmpDirectory
    public let limits: TmpFSLimits
    static let magic: Int64 = 0x0102_1994

    /// A tmpfs of at most `sizeBytes` of file pages and `inodes` inodes (Linux's defaults when
    /// nil: half of RAM, and half of RAM's pages; RAM is the sandbox's memory limit if it has
    /// one: `memoryLimit`, else `account`'s). Its pages and inodes are charged to `account` too,
    /// the sandbox's memory account, which every tmpfs mount shares: together they never hold
    /// more than its budget. Its nodes are numbered on `device`: the namespace's tmpfs device,
    /// which all its tmpfs mounts share (`VFS.devices`); a tmpfs of its own (tests) when nil.
    public init(mode: UInt32 = 0o1777, uid: UInt32 = 0, gid: UInt32 = 0, sizeBytes: UInt64? = nil, inodes: UInt64? = nil,
                account: MemoryAccount? = nil, memoryLimit: UInt64? = nil, device: SyntheticDevice? = nil) {
        let ram = TmpFSLimits.ramBytes(memoryLimit: memoryLimit ?? account?.memoryLimit)
        let pages = (sizeBytes ?? ram / 2) / TmpFSLimits.pageSize
        limits = TmpFSLimits(maxBlocks: pages, maxInodes: inodes ?? ram / TmpFSLimits.pageSize / 2, account: account)
        limits.usedInodes = 1  // the root
        root = TmpDirectory(mode: mode, uid: uid, gid: gid, parent: nil, limits: limits,
                            device: device ?? SyntheticDevice(SyntheticDev.tmpfs))
    }
}

/// The size and inode accounting of one tmpfs mount (shmem_sb_info): pages of file data
/// (charged after each write, fallocate and truncate from the memfd's allocation), and inodes
/// (one per node plus one per extra hard link, as Linux's ispace). Both are charged to the
/// sandbox's memory account as well; a mount with room left still answers ENOSPC when the
/// account has none (Linux would fail the memory cgroup charge with ENOMEM; ENOSPC is what a
/// program expects of a full filesystem).
public final class TmpFSLimits {
    static let pageSize: UInt64 = 4096
    public internal(set) var maxBlocks: UInt64
    public internal(set) var maxInodes: UInt64
    /// Mounted read-only (mount(2) with MS_RDONLY, or a remount): every node answers EROFS.
    public internal(set) var readOnly = false
    public internal(set) var usedBlocks: UInt64 = 0
    public internal(set) var usedInodes: UInt64 = 0
    /// The sandbox's memory account (nil: only this mount's limits apply).
    public let account: MemoryAccount?

    public init(maxBlocks: UInt64, maxInodes: UInt64, account: MemoryAccount? = nil) {
        self.maxBlocks = maxBlocks; self.maxInodes = maxInodes; self.account = account
    }

    /// The sandbox's RAM: its memory limit, else the host's.
    static func ramBytes(memoryLimit: UInt64?) -> UInt64 {
        if let memoryLimit { return memoryLimit }
        var info = CHusk.sysinfo()
        guard withUnsafeMutablePointer(to: &info, { chusk_host_sysinfo($0) }) == 0 else { return 1 << 30 }
        return UInt64(info.totalram) * UInt64(max(info.mem_unit, 1))
    }

    var freeBlocks: UInt64 { maxBlocks > usedBlocks ? maxBlocks - usedBlocks : 0 }

    /// ENOSPC when every inode is in use, or the memory account cannot hold one more.
    func reserveInode() throws(Errno) {
        if usedInodes >= maxInodes { throw .noSpace }
        try account?.charge(MemoryAccount.Cost.tmpfsNode, .tmpfsNodes, or: .noSpace)
        usedInodes += 1
    }
    func releaseInode() {
        if usedInodes > 0 {
            usedInodes -= 1
            account?.uncharge(MemoryAccount.Cost.tmpfsNode, .tmpfsNodes)
        }
    }

    func statistics() -> FSStatistics {
        var s = FSStatistics(type: TmpFS.magic)
        s.blocks = maxBlocks; s.bfree = freeBlocks; s.bavail = freeBlocks
        s.files = maxInodes; s.ffree = maxInodes > usedInodes ? maxInodes - usedInodes : 0
        return s
    }
}

/// Shared behaviour of tmpfs nodes: writable attributes. A directory numbers what it makes on
/// its own device.
public class TmpInode: SyntheticInode {
    /// The mount's accounting; nil for nodes outside a tmpfs mount (the overlay's upper layer,
    /// memfd_create), which only the sandbox's memory limit bounds. A node given limits holds
    /// one reserved inode until it is freed.
    let limits: TmpFSLimits?
    init(mode: UInt32, uid: UInt32, gid: UInt32, limits: TmpFSLimits? = nil, device: SyntheticDevice) {
        self.limits = limits
        super.init(mode: mode, device: device)
        attributes.uid = uid; attributes.gid = gid
    }
    deinit { limits?.releaseInode() }
    public override var readOnly: Bool { limits?.readOnly ?? false }
    public override func statfs() throws(Errno) -> FSStatistics {
        if let limits { return limits.statistics() }
        var s = FSStatistics(type: TmpFS.magic)
        s.blocks = 1 << 18; s.bfree = 1 << 18; s.bavail = 1 << 18; s.files = 1 << 20; s.ffree = 1 << 20
        return s
    }
    public override func setAttributes(_ c: AttributeChange) throws(Errno) {
        if let m = c.mode { attributes.mode = (attributes.mode & FileType.mask) | (m & 0o7777) }
        if let u = c.uid { attributes.uid = u }
        if let g = c.gid { attributes.gid = g }
        if let a = c.atime { attributes.atime = a }
        if let m = c.mtime { attributes.mtime = m }
        if let s = c.size { try resize(s) }
        attributes.ctime = Timespec.now()
    }
    func resize(_ size: Int64) throws(Errno) { throw .isDirectory }
    func touch() { let now = Timespec.now(); attributes.mtime = now; attributes.ctime = now }

    var xattrs = XattrStore()
    /// An O_TMPFILE file opened without O_EXCL: linkat may name it.
    var temporaryLinkable = false
    public override var relinkable: Bool { temporaryLinkable }
    public override func getxattr(_ name: [UInt8]) throws(Errno) -> [UInt8] { try xattrs.get(name) }
    public override func listxattr() throws(Errno) -> [[UInt8]] { xattrs.list }
    public override func setxattr(_ name: [UInt8], _ value: [UInt8], flags: Int32) throws(Errno) {
        try xattrs.set(name, value, flags: flags)
        attributes.ctime = Timespec.now()
    }
    public override func removexattr(_ name: [UInt8]) throws(Errno) {
        try xattrs.remove(name)
        attributes.ctime = Timespec.now()
    }
}

/// A FIFO, socket or device node of tmpfs (mknod): attributes only. Opening a FIFO needs the
/// pipe type; a device node of the sandbox reaches no host device (ENXIO).
public final class TmpSpecial: TmpInode {
    init(mode: UInt32, rdev: UInt64, uid: UInt32, gid: UInt32, limits: TmpFSLimits? = nil, device: SyntheticDevice) {
        super.init(mode: mode, uid: uid, gid: gid, limits: limits, device: device)
        attributes.rdev = rdev
    }
    public override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        // A FIFO opens with Linux's blocking rules (Fifo.swift).
        if fileType == FileType.fifo { return try Fifo.open(self, dentry, request) }
        throw .noSuchAddressOrDevice
    }
    /// The pipe every open of this FIFO shares while any is open (freed with the last one).
    weak var fifoPipe: Pipe?
}

public final class TmpDirectory: TmpInode {
    private var names: [[UInt8]] = []
    private var nodes: [[UInt8]: TmpInode] = [:]
    weak var parent: TmpDirectory?

    init(mode: UInt32, uid: UInt32, gid: UInt32, parent: TmpDirectory?, limits: TmpFSLimits? = nil, device: SyntheticDevice) {
        self.parent = parent
        super.init(mode: FileType.directory | mode, uid: uid, gid: gid, limits: limits, device: device)
    }

    /// Positive names are cached, so that a dentry (a working directory, an open file) is the
    /// one a rename moves and an unlink marks; every change goes through the VFS's operations,
    /// which update the cache.
    public override var cachesChildren: Bool { true }
    public override var cachesNegativeChildren: Bool { false }

    public override func lookup(_ name: [UInt8]) throws(Errno) -> Inode {
        guard let n = nodes[name] else { throw .noSuchFileOrDirectory }
        return n
    }

    public override func readdir(_ task: Task?) throws(Errno) -> [DirEntry] {
        names.map { n in
            let a = nodes[n]!.attributes
            return DirEntry(name: n, ino: a.ino, type: FileType.direntType(a.mode))
        }
    }

    public override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        DirectoryFile(dentry, flags: request.flags)
    }

    private func insert(_ name: [UInt8], _ node: TmpInode) throws(Errno) {
        if name.count > 255 { throw .fileNameTooLong }
        if nodes[name] != nil { throw .fileExists }
        nodes[name] = node
        names.append(name)
        touch()
    }

    private func remove(_ name: [UInt8]) {
        nodes[name] = nil
        names.removeAll { $0 == name }
        touch()
    }

    public override func create(_ name: [UInt8], mode: UInt32, creds: Credentials) throws(Errno) -> Inode {
        if nodes[name] != nil { throw .fileExists }
        try limits?.reserveInode()
        let f: TmpFile
        do { f = try TmpFile(fileMode: mode, uid: creds.fsuid, gid: creds.fsgid, limits: limits, device: device) } catch {
            limits?.releaseInode(); throw error
        }
        try insert(name, f)
        return f
    }

    public override func mkdir(_ name: [UInt8], mode: UInt32, creds: Credentials) throws(Errno) -> Inode {
        if nodes[name] != nil { throw .fileExists }
        try limits?.reserveInode()
        let d = TmpDirectory(mode: mode & 0o7777, uid: creds.fsuid, gid: creds.fsgid, parent: self, limits: limits, device: device)
        try insert(name, d)
        attributes.nlink += 1
        return d
    }

    public override func mknod(_ name: [UInt8], mode: UInt32, rdev: UInt64, creds: Credentials) throws(Errno) -> Inode {
        if mode & FileType.mask == FileType.regular || mode & FileType.mask == 0 {
            return try create(name, mode: mode & 0o7777, creds: creds)
        }
        if nodes[name] != nil { throw .fileExists }
        try limits?.reserveInode()
        let n = TmpSpecial(mode: mode, rdev: rdev, uid: creds.fsuid, gid: creds.fsgid, limits: limits, device: device)
        try insert(name, n)
        return n
    }

    public override func createTemporary(mode: UInt32, creds: Credentials, linkable: Bool) throws(Errno) -> Inode {
        try limits?.reserveInode()
        let f: TmpFile
        do { f = try TmpFile(fileMode: mode, uid: creds.fsuid, gid: creds.fsgid, limits: limits, device: device) } catch {
            limits?.releaseInode(); throw error
        }
        f.attributes.nlink = 0
        f.temporaryLinkable = linkable
        return f
    }

    public override func symlink(_ name: [UInt8], target: [UInt8], creds: Credentials) throws(Errno) -> Inode {
        if nodes[name] != nil { throw .fileExists }
        try limits?.reserveInode()
        let s = TmpSymlink(target: target, uid: creds.fsuid, gid: creds.fsgid, limits: limits, device: device)
        try insert(name, s)
        return s
    }

    public override func link(_ name: [UInt8], to inode: Inode) throws(Errno) {
        guard let t = inode as? TmpInode else { throw .improperLink }
        if t is TmpDirectory { throw .notPermitted }
        if nodes[name] != nil { throw .fileExists }
        // An extra name costs an inode, as shmem_link reserves one.
        let extra = t.attributes.nlink > 0 ? limits : nil
        try extra?.reserveInode()
        do { try insert(name, t) } catch { extra?.releaseInode(); throw error }
        t.attributes.nlink += 1
        t.temporaryLinkable = false
        t.attributes.ctime = Timespec.now()
    }

    public override func unlink(_ name: [UInt8], directory: Bool) throws(Errno) {
        guard let n = nodes[name] else { throw .noSuchFileOrDirectory }
        if let d = n as? TmpDirectory {
            if !directory { throw .isDirectory }
            if !d.nodes.isEmpty { throw .directoryNotEmpty }
            attributes.nlink -= 1
        } else if directory { throw .notDirectory }
        // A name beyond the last gives its inode back now; the last one when the node is freed.
        if n.attributes.nlink > 1 && !(n is TmpDirectory) { limits?.releaseInode() }
        n.attributes.nlink -= 1
        remove(name)
    }

    public override func rename(_ name: [UInt8], to newDir: Inode, _ newName: [UInt8], flags: UInt32) throws(Errno) {
        guard let dest = newDir as? TmpDirectory else { throw .improperLink }
        guard let n = nodes[name] else { throw .noSuchFileOrDirectory }
        let noReplace = flags & 1 != 0, exchange = flags & 2 != 0
        if flags & ~3 != 0 { throw .invalidArgument }  // RENAME_WHITEOUT: not on tmpfs here
        if exchange {
            guard let other = dest.nodes[newName] else { throw .noSuchFileOrDirectory }
            if dest === self && name == newName { return }
            // Neither may end up inside itself.
            if let d = n as? TmpDirectory, dest.isWithin(d) { throw .invalidArgument }
            if let d = other as? TmpDirectory, self.isWithin(d) { throw .invalidArgument }
            nodes[name] = other
            dest.nodes[newName] = n
            if let d = n as? TmpDirectory { d.parent = dest; attributes.nlink -= 1; dest.attributes.nlink += 1 }
            if let d = other as? TmpDirectory { d.parent = self; dest.attributes.nlink -= 1; attributes.nlink += 1 }
            touch(); dest.touch()
            n.attributes.ctime = Timespec.now(); other.attributes.ctime = Timespec.now()
            return
        }
        if dest === self && name == newName { return }
        if let d = n as? TmpDirectory, dest.isWithin(d) { throw .invalidArgument }  // not into itself
        if let existing = dest.nodes[newName] {
            if existing === n { return }  // hard links of one file: nothing happens
            if noReplace { throw .fileExists }
            if let ed = existing as? TmpDirectory {
                guard n is TmpDirectory else { throw .isDirectory }
                if !ed.nodes.isEmpty { throw .directoryNotEmpty }
            } else if n is TmpDirectory { throw .notDirectory }
            try dest.unlink(newName, directory: existing is TmpDirectory)
        }
        remove(name)
        try dest.insert(newName, n)
        n.attributes.ctime = Timespec.now()
        if let d = n as? TmpDirectory { d.parent = dest; attributes.nlink -= 1; dest.attributes.nlink += 1 }
    }

    /// Whether this directory is `d` or lies below it.
    func isWithin(_ d: TmpDirectory) -> Bool {
        var p: TmpDirectory? = self
        while let q = p { if q === d { return true }; p = q.parent }
        return false
    }

    /// The node named `name`, if any (the overlay and tests).
    func node(_ name: [UInt8]) -> TmpInode? { nodes[name] }

    public var isEmpty: Bool { nodes.isEmpty }
}

public final class TmpSymlink: TmpInode {
    let target: [UInt8]
    init(target: [UInt8], uid: UInt32, gid: UInt32, limits: TmpFSLimits? = nil, device: SyntheticDevice) {
        self.target = target
        super.init(mode: FileType.symlink | 0o777, uid: uid, gid: gid, limits: limits, device: device)
        attributes.size = Int64(target.count)
    }
    public override func readlink(_ task: Task?) throws(Errno) -> [UInt8] { target }
}

/// A tmpfs regular file: its bytes live in a memfd.
public final class TmpFile: TmpInode {
    let fd: Int32
    /// The sandbox's memory account its pages are charged to (the mount's, or the overlay's
    /// and memfd_create's own); nil: uncharged (tests).
    let account: MemoryAccount?

    init(fileMode mode: UInt32, uid: UInt32, gid: UInt32, sealable: Bool = false, limits: TmpFSLimits? = nil,
         account: MemoryAccount? = nil, device: SyntheticDevice) throws(Errno) {
        self.account = account ?? limits?.account
        // MFD_CLOEXEC, and MFD_ALLOW_SEALING for memfd_create's sealable files.
        let fd = chusk_vfs_memfd_create("husk-tmpfs", sealable ? 3 : 1)
        if fd < 0 { throw Errno(rawValue: errno) }
        self.fd = fd
        var host = Glibc.stat()
        hostIno = fstat(fd, &host) == 0 ? UInt64(host.st_ino) : 0
        super.init(mode: FileType.regular | (mode & 0o7777), uid: uid, gid: gid, limits: limits, device: device)
    }

    deinit {
        if let limits { limits.usedBlocks -= min(charged, limits.usedBlocks) }
        account?.uncharge(Int(charged) * MemoryAccount.pageSize, .tmpfsPages)
        if hostIno != 0 { openedIn?.forget(hostIno) }
        Glibc.close(fd)
    }

    /// The host inode of the memfd, and where the VFS that last opened the file keeps the
    /// dentry it was opened through (MemfdPaths).
    let hostIno: UInt64
    private weak var openedIn: MemfdPaths?

    public override func dataFD() throws(Errno) -> Int32? { fd }

    public override func stat() throws(Errno) -> FileStat {
        var s = attributes
        var host = Glibc.stat()
        if fstat(fd, &host) == 0 {
            s.size = Int64(host.st_size); s.blocks = Int64(host.st_blocks)
            // Pages a task made through its own mapping show up here first.
            charge(blocks: host.st_blocks)
        }
        return s
    }

    override func resize(_ size: Int64) throws(Errno) {
        if size < 0 { throw .invalidArgument }
        if ftruncate(fd, off_t(size)) != 0 { throw Errno(rawValue: errno) }
        recharge()
        touch()
    }

    // MARK: Page accounting (with `limits` and/or `account`)

    /// Pages of the memfd this file is charged for.
    private(set) var charged: UInt64 = 0

    /// Charges the pages the memfd holds now (after a write, fallocate or truncate).
    func recharge() {
        guard limits != nil || account != nil else { return }
        var host = Glibc.stat()
        guard fstat(fd, &host) == 0 else { return }
        charge(blocks: host.st_blocks)
    }

    /// Brings the charges to `blocks` 512-byte blocks of the memfd. Pages that exist are
    /// charged even past the budget (a task may have made them through a mapping); the next
    /// write then finds no room.
    private func charge(blocks: Int) {
        guard limits != nil || account != nil else { return }
        let pages = (UInt64(max(blocks, 0)) * 512 + TmpFSLimits.pageSize - 1) / TmpFSLimits.pageSize
        if pages == charged { return }
        if let limits { limits.usedBlocks = limits.usedBlocks - min(charged, limits.usedBlocks) + pages }
        if let account {
            if pages > charged { account.forceCharge(Int(pages - charged) * MemoryAccount.pageSize, .tmpfsPages) }
            else { account.uncharge(Int(charged - pages) * MemoryAccount.pageSize, .tmpfsPages) }
        }
        charged = pages
    }

    /// Pages a write may still add: the mount's free blocks and the memory account's free pages.
    private var freePages: UInt64 {
        let mount = limits?.freeBlocks ?? UInt64.max
        let memory = account.map { UInt64($0.availablePages(for: .tmpfsPages)) } ?? UInt64.max
        return min(mount, memory)
    }

    /// How many of `count` bytes at `offset` a write may store: all when the free pages cover
    /// the range; else the prefix whose new pages fit (pages already in the memfd cost
    /// nothing), ENOSPC when not one byte does (shmem_write_begin's failure).
    func writableCount(at offset: Int64, _ count: Int) throws(Errno) -> Int {
        guard limits != nil || account != nil, count > 0 else { return count }
        let ps = Int64(TmpFSLimits.pageSize)
        let first = offset / ps, last = (offset + Int64(count) - 1) / ps
        var free = freePages
        if UInt64(last - first + 1) <= free { return count }
        var page = first
        while page <= last {
            let start = page * ps
            let allocated = lseek(fd, off_t(start), 3 /* SEEK_DATA */) == off_t(start)
            if !allocated {
                if free == 0 { break }
                free -= 1
            }
            page += 1
        }
        let end = min(offset + Int64(count), page * ps)
        if end < offset + Int64(count) { account?.refused() }
        if end <= offset { throw .noSpace }
        return Int(end - offset)
    }

    /// Stores bytes at `offset` within the mount's size limit (a short count or ENOSPC past it).
    func write(_ buffer: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        let count = try writableCount(at: offset, buffer.count)
        let n = try TmpRegularFile.retry { Glibc.pwrite(fd, buffer.baseAddress, count, off_t(offset)) }
        recharge()
        touch()
        return n
    }

    /// fallocate's check (shmem_fallocate): ENOSPC when the range's pages exceed the free ones.
    func checkFallocate(offset: Int64, length: Int64) throws(Errno) {
        guard limits != nil || account != nil else { return }
        let ps = Int64(TmpFSLimits.pageSize)
        let pages = UInt64((offset + length + ps - 1) / ps - offset / ps)
        if pages > freePages { throw .noSpace }
    }

    public override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        if hostIno != 0, let paths = request.vfs?.memfdPaths ?? request.task?.vfs.memfdPaths {
            paths.opened(hostIno, dentry)
            openedIn = paths
        }
        return TmpRegularFile(dentry, flags: request.flags, file: self)
    }
}

/// An open tmpfs file: pread/pwrite on the memfd.
public final class TmpRegularFile: VFSFile {
    let file: TmpFile
    init(_ dentry: Dentry, flags: Int32, file: TmpFile) {
        self.file = file
        super.init(dentry, flags: flags)
    }

    public override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        if statusFlags & O_APPEND != 0 { offset = try file.stat().size }
        let n = try pwrite(task, buffer, at: offset)
        offset += Int64(n)
        return n
    }

    public override func pread(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        if !canRead { throw .badFileDescriptor }
        return try TmpRegularFile.retry { Glibc.pread(file.fd, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    public override func pwrite(_ task: Task, _ buffer: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        if !canWrite { throw .badFileDescriptor }
        if offset < 0 { throw .invalidArgument }
        return try file.write(buffer, at: offset)
    }

    static func retry(_ op: () -> Int) throws(Errno) -> Int {
        while true {
            let n = op()
            if n >= 0 { return n }
            if errno != EINTR { throw Errno(rawValue: errno) }
        }
    }

    public override var hostFD: Int32? { file.fd }
    public override func truncate(_ length: Int64) throws(Errno) {
        if !canWrite { throw .invalidArgument }
        try file.resize(length)
    }
}

/// The dentry each tmpfs file of one VFS was last opened through, by the host inode of its memfd:
/// how /proc/PID/maps names the memfd mappings of tmpfs files.
final class MemfdPaths {
    private final class WeakDentry { weak var dentry: Dentry?; init(_ d: Dentry) { dentry = d } }
    private var byHostIno: [UInt64: WeakDentry] = [:]

    func opened(_ hostIno: UInt64, _ dentry: Dentry) { byHostIno[hostIno] = WeakDentry(dentry) }
    func forget(_ hostIno: UInt64) { byHostIno[hostIno] = nil }

    /// The sandbox path of the file in the memfd `hostIno`, if a file of this VFS is in it.
    func sandboxPath(hostIno: UInt64) -> [UInt8]? {
        guard let d = byHostIno[hostIno]?.dentry else { return nil }
        return VFS.absolutePath(d)
    }
}
