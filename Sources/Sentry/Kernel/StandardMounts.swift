import GoferProtocol
import SystemPackage

// The sandbox's mount namespace as sentryMain builds it. The VFS itself starts with a root
// only, so that tests build just the mounts they need.

extension VFS {
    /// The sandbox's namespace: `root` (the Gofer's root view) as /, under a writable in-memory
    /// overlay when `overlay` (else read-only, `--rootfs-readonly`), with the standard
    /// filesystems mounted. `memory` (unlimited when nil) is what their pages are charged to.
    public static func sandbox(root: Inode, overlay: Bool, memory: MemoryAccount? = nil) throws(Errno) -> VFS {
        let memory = memory ?? MemoryAccount(budget: Int.max)
        let vfs: VFS
        if overlay {
            let top: Inode = try OverlayFS(lower: root, memory: memory).root
            vfs = try VFS(rootInode: top, source: "overlay", type: "overlay", options: "rw,relatime", memory: memory)
        } else {
            vfs = try VFS(rootInode: root, memory: memory)
        }
        try vfs.mountStandardFilesystems()
        return vfs
    }

    /// The same over a Gofer: attaches to its root view first.
    public static func sandbox(gofer server: GoferFileServer, attach: (GoferHandle, GoferAttr), overlay: Bool,
                               memory: MemoryAccount? = nil) throws(Errno) -> VFS {
        try sandbox(root: GoferInode(server: server, handle: attach.0, attr: attach.1), overlay: overlay, memory: memory)
    }

    /// The synthetic /dev (with its /dev/shm), /proc and /sys, and fresh tmpfs on /tmp, /root,
    /// /home, /run and /var/tmp, in the order /proc/mounts lists them; their nodes are numbered
    /// on the namespace's devices (`devices`).
    public func mountStandardFilesystems() throws(Errno) {
        try mount(DevFS.makeRoot(devices: devices, memory: memory, devpts: devpts), at: "/dev", source: "devtmpfs", type: "devtmpfs", options: "rw,nosuid")
        listMount(source: "tmpfs", path: "/dev/shm", type: "tmpfs", options: "rw,nosuid,nodev")
        listMount(source: "devpts", path: "/dev/pts", type: "devpts", options: "rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666")
        let proc = ProcRoot(device: devices.procfs)
        try mountProc(proc)
        try? mount(SysFS.makeRoot(device: devices.sysfs), at: "/sys", source: "sysfs", type: "sysfs", options: "ro,nosuid,nodev,noexec,relatime")
        for (path, mode) in [("/tmp", 0o1777), ("/root", 0o700), ("/home", 0o755), ("/run", 0o755), ("/var/tmp", 0o1777)] as [(String, UInt32)] {
            // A read-only root without the directory gets none below it (/var/tmp needs /var).
            try? mount(TmpFS(mode: mode, account: memory, device: devices.tmpfs).root, at: path, source: "tmpfs", type: "tmpfs", options: "rw,nosuid,nodev")
        }
    }

    /// /dev/mqueue: the mqueue filesystem `root` of the sandbox's first IPC namespace (the one
    /// mounted there at boot, as a distribution's /dev/mqueue is), part of devfs here and listed
    /// in /proc/mounts. Nothing when the namespace has no standard /dev (tests).
    func attachMqueue(_ root: Inode) {
        guard let dev = self.root.cachedChild(Array("dev".utf8))?.mountTop.inode as? StaticDirectory,
              (try? dev.lookup(Array("mqueue".utf8))) == nil else { return }
        dev.add("mqueue", root)
        listMount(source: "mqueue", path: "/dev/mqueue", type: "mqueue", options: "rw,nosuid,nodev,noexec,relatime")
    }
}

extension VFS {
    /// The OCI runtime's linux.maskedPaths: an existing directory is covered by an empty
    /// read-only one, anything else by an empty read-only file (reads end at once, as on the /dev/null runc binds
    /// there); a path that does not exist in the sandbox is left alone, as runc does.
    public func mask(_ path: String) {
        let ctx = FSContext(root: root, cwd: root, umask: 0)
        guard let d = try? lookup(ctx, at: nil, Array(path.utf8), followFinal: false, creds: Credentials(uid: 0, gid: 0)),
              let inode = d.inode else { return }
        let cover: Inode = inode.fileType == FileType.directory
            ? StaticDirectory(device: devices.tmpfs, magic: 0x0102_1994, mode: 0o555)
            : GeneratedFile(device: devices.tmpfs, mode: 0o444) { _ in [] }
        try? mount(cover, at: path, source: "tmpfs", type: "tmpfs", options: "ro,nosuid,nodev,noexec")
    }
}
