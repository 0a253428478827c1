import Glibc
import LinuxABI
import SystemPackage

// mount(2) and umount2(2), served by the Sentry's VFS (fs/namespace.c's path_mount and
// path_umount): new tmpfs, proc and mqueue mounts, bind mounts of a directory, remounts that
// change a tmpfs's flags and size, MS_PRIVATE (every mount of the sandbox is private), and
// umount with Linux's busy rule, MNT_DETACH, MNT_FORCE, MNT_EXPIRE and UMOUNT_NOFOLLOW.

enum SysMount {
    static let MS_RDONLY: UInt64 = 1, MS_NOSUID: UInt64 = 2, MS_NODEV: UInt64 = 4, MS_NOEXEC: UInt64 = 8
    static let MS_SYNCHRONOUS: UInt64 = 16, MS_REMOUNT: UInt64 = 32, MS_MANDLOCK: UInt64 = 64, MS_DIRSYNC: UInt64 = 128
    static let MS_NOSYMFOLLOW: UInt64 = 256, MS_NOATIME: UInt64 = 1024, MS_NODIRATIME: UInt64 = 2048
    static let MS_BIND: UInt64 = 4096, MS_MOVE: UInt64 = 8192, MS_REC: UInt64 = 16384, MS_SILENT: UInt64 = 32768
    static let MS_UNBINDABLE: UInt64 = 1 << 17, MS_PRIVATE: UInt64 = 1 << 18, MS_SLAVE: UInt64 = 1 << 19, MS_SHARED: UInt64 = 1 << 20
    static let MS_RELATIME: UInt64 = 1 << 21, MS_STRICTATIME: UInt64 = 1 << 24, MS_LAZYTIME: UInt64 = 1 << 25
    static let MS_NOUSER: UInt64 = 1 << 31
    static let MS_MGC_MSK: UInt64 = 0xffff_0000, MS_MGC_VAL: UInt64 = 0xc0ed_0000
    static let MNT_FORCE: Int32 = 1, MNT_DETACH: Int32 = 2, MNT_EXPIRE: Int32 = 4, UMOUNT_NOFOLLOW: Int32 = 8

    /// The filesystem types mount(2) can make; any other is ENODEV, as for a type Linux does
    /// not know.
    static let types: Set<String> = ["tmpfs", "proc", "mqueue"]

    /// mount(2).
    static func mount(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        serve { () throws(Errno) -> SyscallReturn in
            // The strings first (EFAULT), then the target's walk (ENOENT...), then the checks.
            let source = a[0] != 0 ? String(decoding: try mountString(t, a[0]), as: UTF8.self) : nil
            let type = a[2] != 0 ? String(decoding: try mountString(t, a[2]), as: UTF8.self) : nil
            var flags = a[3]
            let data = a[4] != 0 ? String(decoding: try mountOptions(t, a[4]), as: UTF8.self) : ""
            let point = try t.resolvePath(a[1], follow: true)
            if flags & MS_MGC_MSK == MS_MGC_VAL { flags &= ~MS_MGC_MSK }
            if flags & MS_NOUSER != 0 { return .error(.invalidArgument) }
            guard t.creds.has(Capability.sysAdmin) else { return .error(.notPermitted) }
            if flags & MS_REMOUNT != 0 { return try remount(t, point, flags: flags, data: data) }
            if flags & MS_BIND != 0 { return try bind(t, point, source: source, recursive: flags & MS_REC != 0) }
            if flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE) != 0 {
                // do_change_type: exactly one propagation type. The sandbox has one mount
                // namespace and no peers: every mount is private, which MS_PRIVATE asks for.
                let kind = flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)
                guard kind & (kind - 1) == 0, point.isMountRoot || point === t.vfs.root else { return .error(.invalidArgument) }
                return kind == MS_PRIVATE ? .zero : .error(.invalidArgument)
            }
            if flags & MS_MOVE != 0 { return .error(.invalidArgument) }
            return try newMount(t, point, source: source ?? "none", type: type, flags: flags, data: data)
        }
    }

    /// copy_mount_string (strndup_user of PATH_MAX): EINVAL for a longer string.
    static func mountString(_ t: Task, _ address: UInt64) throws(Errno) -> [UInt8] {
        do { return try t.copyInString(address, maximum: 4095) } catch {
            throw error == .fileNameTooLong ? .invalidArgument : error
        }
    }

    /// copy_mount_options: up to a page, its last byte made a NUL, so a longer string is cut.
    static func mountOptions(_ t: Task, _ address: UInt64) throws(Errno) -> [UInt8] {
        do { return try t.copyInString(address, maximum: 4095) } catch {
            guard error == .fileNameTooLong else { throw error }
            return try t.copyInBytes(address, count: 4095)
        }
    }

    /// The per-mount and superblock flags as /proc/mounts shows them, before a filesystem's own.
    static func flagOptions(_ flags: UInt64) -> [String] {
        var o = [flags & MS_RDONLY != 0 ? "ro" : "rw"]
        if flags & MS_NOSUID != 0 { o.append("nosuid") }
        if flags & MS_NODEV != 0 { o.append("nodev") }
        if flags & MS_NOEXEC != 0 { o.append("noexec") }
        if flags & MS_SYNCHRONOUS != 0 { o.append("sync") }
        if flags & MS_DIRSYNC != 0 { o.append("dirsync") }
        if flags & MS_NOSYMFOLLOW != 0 { o.append("nosymfollow") }
        if flags & MS_NOATIME != 0 { o.append("noatime") }
        else if flags & MS_STRICTATIME == 0 { o.append("relatime") }
        if flags & MS_NODIRATIME != 0 { o.append("nodiratime") }
        return o
    }

    /// do_new_mount.
    static func newMount(_ t: Task, _ point: Dentry, source: String, type: String?, flags: UInt64, data: String) throws(Errno) -> SyscallReturn {
        guard let type else { return .error(.invalidArgument) }
        guard types.contains(type) else { return .error(.operationNotSupportedByDevice) }
        guard point.isDirectory else { return .error(.notDirectory) }
        let vfs = t.vfs
        let path = String(decoding: VFS.absolutePath(point), as: UTF8.self)
        var options = flagOptions(flags)
        let root: Inode
        switch type {
        case "tmpfs":
            let o = try TmpfsOptions.parse(data, ram: vfs.memory.memoryLimit)
            let fs = TmpFS(mode: o.mode ?? 0o1777, uid: o.uid ?? 0, gid: o.gid ?? 0, sizeBytes: o.size, inodes: o.inodes,
                           account: vfs.memory, device: vfs.devices.tmpfs)
            fs.limits.readOnly = flags & MS_RDONLY != 0
            options += o.shown(fs.limits)
            root = fs.root
        case "proc":
            // One procfs per PID namespace (proc_get_tree keys it by the namespace): the same
            // tree as /proc. Its options (hidepid=, subset=, gid=) are not served.
            guard data.isEmpty, let proc = vfs.proc else { return .error(.invalidArgument) }
            root = proc
        default:   // mqueue: the caller's IPC namespace's filesystem, as mqueue_get_tree.
            guard data.isEmpty else { return .error(.invalidArgument) }
            root = t.ipc.mqueue.root
        }
        // A read-only mount of a filesystem that cannot be made read-only here is refused
        // rather than left writable.
        if flags & MS_RDONLY != 0 && type != "tmpfs" { return .error(.invalidArgument) }
        vfs.attach(root, on: point, path: path, source: source, type: type, options: options.joined(separator: ","))
        return .zero
    }

    /// do_loopback: the directory `source` (a path) mounted again on `point`.
    static func bind(_ t: Task, _ point: Dentry, source: String?, recursive: Bool) throws(Errno) -> SyscallReturn {
        guard let source, !source.isEmpty else { return .error(.noSuchFileOrDirectory) }
        let from = try t.vfs.walk(t.walkContext, from: nil, Array(source.utf8), followFinal: true)
        guard let inode = from.inode else { return .error(.noSuchFileOrDirectory) }
        // Only directories: a file bind would need a non-directory mount point.
        guard from.isDirectory else { return .error(.invalidArgument) }
        guard point.isDirectory else { return .error(.notDirectory) }
        // The submounts below a directory are not carried over (MS_REC): refused rather than
        // a bind that silently lacks them.
        let fromPath = String(decoding: VFS.absolutePath(from), as: UTF8.self)
        let prefix = fromPath == "/" ? "/" : fromPath + "/"
        if recursive && t.vfs.mountTable.contains(where: { $0.top != nil && $0.path.hasPrefix(prefix) }) { return .error(.invalidArgument) }
        let entry = t.vfs.mountEntry(holding: from)
        var options = (entry?.options ?? "rw").split(separator: ",").map(String.init)
        options.removeAll { !["rw", "ro", "nosuid", "nodev", "noexec", "relatime", "noatime"].contains($0) }
        t.vfs.attach(inode, on: point, path: String(decoding: VFS.absolutePath(point), as: UTF8.self),
                     source: entry?.source ?? "none", type: entry?.type ?? "none", options: options.joined(separator: ","))
        return .zero
    }

    /// do_remount and do_reconfigure_mnt: new flags (and, for tmpfs, size and nr_inodes) of
    /// the mount whose root is `point`.
    static func remount(_ t: Task, _ point: Dentry, flags: UInt64, data: String) throws(Errno) -> SyscallReturn {
        let vfs = t.vfs
        guard let i = vfs.mountIndex(of: point) else { return .error(.invalidArgument) }
        let entry = vfs.mountTable[i]
        let readOnly = flags & MS_RDONLY != 0
        let tmpfs = (point.inode as? TmpDirectory)?.limits
        if let tmpfs, flags & MS_BIND == 0 {
            let o = try TmpfsOptions.parse(data, ram: vfs.memory.memoryLimit)
            // Going read-only while a file is open for writing: EBUSY (sb_prepare_remount_readonly).
            if readOnly && !tmpfs.readOnly && openFiles(t.kernel, under: point).contains(where: { $0.canWrite }) {
                return .error(.resourceBusy)
            }
            // shmem_reconfigure: size and nr_inodes change (not below what is in use); mode,
            // uid and gid are ignored on a remount.
            if let size = o.size {
                let pages = size / TmpFSLimits.pageSize
                if pages < tmpfs.usedBlocks { return .error(.invalidArgument) }
                tmpfs.maxBlocks = pages
            }
            if let inodes = o.inodes {
                if inodes < tmpfs.usedInodes { return .error(.invalidArgument) }
                tmpfs.maxInodes = inodes
            }
            tmpfs.readOnly = readOnly
            vfs.setMountOptions(point, (flagOptions(flags) + TmpfsOptions.shownLimits(tmpfs, entry.options)).joined(separator: ","))
            return .zero
        }
        // Other filesystems (and binds) keep their writability: the flags other than MS_RDONLY
        // change; a change of MS_RDONLY is refused.
        if readOnly != entry.has("ro") { return .error(.invalidArgument) }
        let own = entry.options.split(separator: ",").map(String.init).filter {
            !["rw", "ro", "nosuid", "nodev", "noexec", "sync", "dirsync", "nosymfollow", "noatime", "relatime", "nodiratime"].contains($0)
        }
        vfs.setMountOptions(point, (flagOptions(flags) + own).joined(separator: ","))
        return .zero
    }

    /// umount2(2).
    static func umount2(_ t: Task, _ a: SyscallArguments) -> SyscallReturn {
        serve { () throws(Errno) -> SyscallReturn in
            let flags = a.int(1)
            if flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW) != 0 { return .error(.invalidArgument) }
            guard t.creds.has(Capability.sysAdmin) else { return .error(.notPermitted) }
            let point = try t.resolvePath(a[0], follow: flags & UMOUNT_NOFOLLOW == 0)
            let vfs = t.vfs
            if point === vfs.root || point === t.fs.root { return .error(.resourceBusy) }
            guard point.isMountRoot, vfs.mountIndex(of: point) != nil else { return .error(.invalidArgument) }
            if flags & MNT_EXPIRE != 0 {
                if flags & (MNT_FORCE | MNT_DETACH) != 0 { return .error(.invalidArgument) }
                // The first call marks the mount and answers EAGAIN; the next one unmounts it
                // if it is not busy (the mark is not cleared by later use here).
                if !vfs.expiryMarked.contains(ObjectIdentifier(point)) {
                    vfs.expiryMarked.insert(ObjectIdentifier(point))
                    return .error(.resourceTemporarilyUnavailable)
                }
            }
            if flags & MNT_DETACH == 0 && busy(t.kernel, point) { return .error(.resourceBusy) }
            vfs.expiryMarked.remove(ObjectIdentifier(point))
            vfs.detach(point)
            return .zero
        }
    }

    /// propagate_mount_busy: submounts, working directories and roots, and open files hold a
    /// mount (MNT_FORCE changes nothing for these filesystems).
    static func busy(_ k: Kernel, _ top: Dentry) -> Bool {
        let vfs = k.vfs
        guard let i = vfs.mountIndex(of: top) else { return false }
        let me = vfs.mountTable[i]
        let prefix = me.path == "/" ? "/" : me.path + "/"
        if vfs.mountTable.contains(where: { $0.id > me.id && $0.top != nil && ($0.path.hasPrefix(prefix) || $0.path == me.path) }) { return true }
        for task in k.tasks.values where task.fs.cwd.mountRoot === top || task.fs.root.mountRoot === top { return true }
        return !openFiles(k, under: top).isEmpty
    }

    /// The open descriptions of every task whose file lies in the mount rooted at `top`.
    static func openFiles(_ k: Kernel, under top: Dentry) -> [FileDescription] {
        var out: [FileDescription] = []
        var seen = Set<ObjectIdentifier>()
        for task in k.tasks.values where seen.insert(ObjectIdentifier(task.fdTable)).inserted {
            for fd in task.fdTable.openFDs {
                if let f = try? task.fdTable.get(fd), f.dentry?.mountRoot === top { out.append(f) }
            }
        }
        return out
    }
}

/// tmpfs's mount options (shmem_parse_one): size= (bytes, k/m/g/t/p/e suffix, or a percentage
/// of RAM), nr_inodes= (k/m/g suffix), mode= (octal), uid=, gid=; unknown ones are EINVAL.
struct TmpfsOptions {
    var size: UInt64?
    var inodes: UInt64?
    var mode: UInt32?
    var uid: UInt32?
    var gid: UInt32?

    static func parse(_ data: String, ram: UInt64?) throws(Errno) -> TmpfsOptions {
        var o = TmpfsOptions()
        for item in data.split(separator: ",") where !item.isEmpty {
            let kv = item.split(separator: "=", maxSplits: 1)
            let key = String(kv[0]), value = kv.count > 1 ? String(kv[1]) : nil
            switch key {
            case "size":
                guard let value else { throw .invalidArgument }
                if value.hasSuffix("%") {
                    guard let pct = UInt64(value.dropLast()) else { throw .invalidArgument }
                    o.size = TmpFSLimits.ramBytes(memoryLimit: ram) / 100 * pct
                } else {
                    o.size = try memparse(value)
                }
                // Rounded up to whole pages, as Linux's DIV_ROUND_UP(size, PAGE_SIZE).
                o.size = (o.size! + TmpFSLimits.pageSize - 1) / TmpFSLimits.pageSize * TmpFSLimits.pageSize
            case "nr_inodes":
                guard let value else { throw .invalidArgument }
                o.inodes = try memparse(value)
            case "mode":
                guard let value, let m = UInt32(value, radix: 8) else { throw .invalidArgument }
                o.mode = m & 0o7777
            case "uid":
                guard let value, let u = UInt32(value), u != UInt32.max else { throw .invalidArgument }
                o.uid = u
            case "gid":
                guard let value, let g = UInt32(value), g != UInt32.max else { throw .invalidArgument }
                o.gid = g
            case "rw", "ro":   // superblock flags the generic parser takes (vfs_parse_sb_flag)
                break
            default:
                throw .invalidArgument
            }
        }
        return o
    }

    /// memparse: a number with an optional k, m, g, t, p or e suffix.
    static func memparse(_ s: String) throws(Errno) -> UInt64 {
        var digits = Substring(s)
        var shift: UInt64 = 0
        if let last = digits.last, let i = "kmgtpe".firstIndex(of: Character(last.lowercased())) {
            shift = 10 * UInt64("kmgtpe".distance(from: "kmgtpe".startIndex, to: i) + 1)
            digits = digits.dropLast()
        }
        guard let n = UInt64(digits) else { throw .invalidArgument }
        return n << shift
    }

    /// shmem_show_options: the size in KiB, then nr_inodes, mode (unless 1777), uid and gid
    /// (unless 0), as set.
    func shown(_ limits: TmpFSLimits) -> [String] {
        var o: [String] = []
        if size != nil { o.append("size=\(limits.maxBlocks * TmpFSLimits.pageSize / 1024)k") }
        if inodes != nil { o.append("nr_inodes=\(limits.maxInodes)") }
        if let mode, mode != 0o1777 { o.append("mode=\(String(mode, radix: 8))") }
        if let uid, uid != 0 { o.append("uid=\(uid)") }
        if let gid, gid != 0 { o.append("gid=\(gid)") }
        return o
    }

    /// After a remount: the mount's own options, with size and nr_inodes brought up to date.
    static func shownLimits(_ limits: TmpFSLimits, _ before: String) -> [String] {
        before.split(separator: ",").compactMap { item -> String? in
            if item.hasPrefix("size=") { return "size=\(limits.maxBlocks * TmpFSLimits.pageSize / 1024)k" }
            if item.hasPrefix("nr_inodes=") { return "nr_inodes=\(limits.maxInodes)" }
            return item.hasPrefix("mode=") || item.hasPrefix("uid=") || item.hasPrefix("gid=") ? String(item) : nil
        }
    }
}
