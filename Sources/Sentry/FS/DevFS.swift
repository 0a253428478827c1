import CHusk
import Glibc
import SystemPackage

/// /dev: null, zero, full, random, urandom, tty, ptmx, pts (devpts is mounted there), fd,
/// stdin/stdout/stderr, shm.
public enum DevFS {
    /// FilesystemMagic.TMPFS_MAGIC: devtmpfs reports tmpfs's.
    static let magic: Int64 = 0x0102_1994

    /// The /dev of a namespace whose devices are `devices`: its nodes are numbered on devfs,
    /// /dev/shm's on the namespace's tmpfs device.
    public static func makeRoot(devices: SyntheticDevices, memory: MemoryAccount? = nil, devpts: DevPts? = nil) -> StaticDirectory {
        let dev = devices.devfs
        let root = StaticDirectory(device: dev, magic: magic)
        root.add("null", CharDevice(.null, major: 1, minor: 3, device: dev))
        root.add("zero", CharDevice(.zero, major: 1, minor: 5, device: dev))
        root.add("full", CharDevice(.full, major: 1, minor: 7, device: dev))
        root.add("random", CharDevice(.random, major: 1, minor: 8, device: dev))
        root.add("urandom", CharDevice(.random, major: 1, minor: 9, device: dev))
        root.add("tty", CharDevice(.tty, major: 5, minor: 0, device: dev))
        if let devpts {
            root.add("ptmx", PtmxNode(devpts: devpts, mode: 0o666))
            root.add("pts", devpts.root)
            root.add("console", SyntheticSymlink(device: dev, fixed: "pts/0"))
        }
        root.add("fd", SyntheticSymlink(device: dev, fixed: "/proc/self/fd"))
        root.add("stdin", SyntheticSymlink(device: dev, fixed: "/proc/self/fd/0"))
        root.add("stdout", SyntheticSymlink(device: dev, fixed: "/proc/self/fd/1"))
        root.add("stderr", SyntheticSymlink(device: dev, fixed: "/proc/self/fd/2"))
        root.add("shm", TmpFS(mode: 0o1777, account: memory, device: devices.tmpfs).root)
        return root
    }
}

/// A character device of devfs.
public final class CharDevice: SyntheticInode {
    public enum Kind { case null, zero, full, random, tty }
    let kind: Kind

    public init(_ kind: Kind, major: UInt64, minor: UInt64, device: SyntheticDevice) {
        self.kind = kind
        super.init(mode: FileType.character | 0o666, device: device, rdev: (major << 8) | minor)
    }

    public override var readOnly: Bool { false }

    public override func open(_ dentry: Dentry, _ request: OpenRequest) throws(Errno) -> FileDescription {
        if kind == .tty {
            // The caller's controlling terminal (tty_open_current_tty), else ENXIO.
            guard let task = request.task, let t = task.vfs.devpts.controllingTerminal(of: task) else { throw .noSuchAddressOrDevice }
            let f = try PtySlaveFile.open(t, flags: request.flags | O_NOCTTY, task: task, path: Array("/dev/tty".utf8))
            f.shownNode = self
            return f
        }
        return DeviceFile(dentry, flags: request.flags, kind: kind)
    }
}

/// An open character device.
public final class DeviceFile: VFSFile {
    let kind: CharDevice.Kind

    init(_ dentry: Dentry, flags: Int32, kind: CharDevice.Kind) {
        self.kind = kind
        super.init(dentry, flags: flags)
    }

    public override func read(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        try pread(task, buffer, at: 0)
    }
    public override func write(_ task: Task, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        try pwrite(task, buffer, at: 0)
    }

    public override func pread(_ task: Task, _ buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        if !canRead { throw .badFileDescriptor }
        return try readDevice(buffer)
    }

    /// The read side, without a task (tests).
    public func readDevice(_ buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        switch kind {
        case .null: return 0
        case .zero, .full:
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
            return buffer.count
        case .random:
            if buffer.isEmpty { return 0 }
            let n = chusk_vfs_getrandom(buffer.baseAddress, buffer.count, 0)
            if n < 0 { throw Errno(rawValue: errno) }
            return n
        case .tty: throw .noSuchAddressOrDevice
        }
    }

    public override func pwrite(_ task: Task, _ buffer: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        if !canWrite { throw .badFileDescriptor }
        return try writeDevice(buffer)
    }

    /// The write side, without a task (tests).
    public func writeDevice(_ buffer: UnsafeRawBufferPointer) throws(Errno) -> Int {
        if kind == .full { throw .noSpace }
        return buffer.count
    }

    /// /dev/null and /dev/zero never read what is written to them (write_null): the syscall
    /// layer returns the count without copying the buffer in.
    public var discardsWrites: Bool { kind == .null || kind == .zero }

    /// Devices seek to 0 and stay there.
    public override func seek(_ offset: Int64, whence: Int32) throws(Errno) -> Int64 { 0 }
}
