// struct stat as x86_64 stat/fstat/lstat/newfstatat fill it (arch/x86/include/uapi/asm/stat.h).

public struct Stat: LinuxStruct {
    public static let size = 144
    public var st_dev: UInt64 = 0        // 0
    public var st_ino: UInt64 = 0        // 8
    public var st_nlink: UInt64 = 0      // 16
    public var st_mode: UInt32 = 0       // 24
    public var st_uid: UInt32 = 0        // 28
    public var st_gid: UInt32 = 0        // 32
    // __pad0: 36
    public var st_rdev: UInt64 = 0       // 40
    public var st_size: Int64 = 0        // 48
    public var st_blksize: Int64 = 0     // 56
    public var st_blocks: Int64 = 0      // 64 (512-byte units)
    public var st_atime: Timespec = .init()  // 72
    public var st_mtime: Timespec = .init()  // 88
    public var st_ctime: Timespec = .init()  // 104
    // __unused[3]: 120..144

    public init() {}

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        b.putLE(st_dev, at: 0)
        b.putLE(st_ino, at: 8)
        b.putLE(st_nlink, at: 16)
        b.putLE(st_mode, at: 24)
        b.putLE(st_uid, at: 28)
        b.putLE(st_gid, at: 32)
        b.putLE(UInt32(0), at: 36)
        b.putLE(st_rdev, at: 40)
        b.putLE(st_size, at: 48)
        b.putLE(st_blksize, at: 56)
        b.putLE(st_blocks, at: 64)
        b.putLE(st_atime.tv_sec, at: 72)
        b.putLE(st_atime.tv_nsec, at: 80)
        b.putLE(st_mtime.tv_sec, at: 88)
        b.putLE(st_mtime.tv_nsec, at: 96)
        b.putLE(st_ctime.tv_sec, at: 104)
        b.putLE(st_ctime.tv_nsec, at: 112)
        b.zero(120, 24)
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> Stat? {
        guard b.count >= size else { return nil }
        var s = Stat()
        s.st_dev = b.getLE(0)
        s.st_ino = b.getLE(8)
        s.st_nlink = b.getLE(16)
        s.st_mode = b.getLE(24)
        s.st_uid = b.getLE(28)
        s.st_gid = b.getLE(32)
        s.st_rdev = b.getLE(40)
        s.st_size = b.getLE(48)
        s.st_blksize = b.getLE(56)
        s.st_blocks = b.getLE(64)
        s.st_atime = Timespec(tv_sec: b.getLE(72), tv_nsec: b.getLE(80))
        s.st_mtime = Timespec(tv_sec: b.getLE(88), tv_nsec: b.getLE(96))
        s.st_ctime = Timespec(tv_sec: b.getLE(104), tv_nsec: b.getLE(112))
        return s
    }
}

/// The kernel's device number encoding (new_encode_dev / MKDEV as glibc's makedev sees it).
public enum DeviceNumber {
    public static func make(major: UInt32, minor: UInt32) -> UInt64 {
        let ma = UInt64(major), mi = UInt64(minor)
        return (mi & 0xff) | ((ma & 0xfff) << 8) | ((mi & ~0xff) << 12) | ((ma & ~0xfff) << 32)
    }

    public static func major(_ dev: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfff))
    }

    public static func minor(_ dev: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: (dev & 0xff) | ((dev >> 12) & ~0xff))
    }
}
