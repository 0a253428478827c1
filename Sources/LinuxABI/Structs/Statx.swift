// struct statx (include/uapi/linux/stat.h), 256 bytes. Fields up to stx_dio_offset_align
// (6.1); newer kernels add stx_subvol and atomic-write fields in the spare space, which this
// encodes as zero (their stx_mask bits are never set).

/// struct statx_timestamp: tv_sec, tv_nsec, 4 reserved bytes.
public struct StatxTimestamp: LinuxStruct {
    public static let size = 16
    public var tv_sec: Int64
    public var tv_nsec: UInt32

    public init(tv_sec: Int64 = 0, tv_nsec: UInt32 = 0) {
        self.tv_sec = tv_sec
        self.tv_nsec = tv_nsec
    }

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        b.putLE(tv_sec, at: 0)
        b.putLE(tv_nsec, at: 8)
        b.putLE(Int32(0), at: 12)
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> StatxTimestamp? {
        guard b.count >= size else { return nil }
        return StatxTimestamp(tv_sec: b.getLE(0), tv_nsec: b.getLE(8))
    }
}

public struct Statx: LinuxStruct {
    public static let size = 256
    public var stx_mask: UInt32 = 0              // 0
    public var stx_blksize: UInt32 = 0           // 4
    public var stx_attributes: UInt64 = 0        // 8
    public var stx_nlink: UInt32 = 0             // 16
    public var stx_uid: UInt32 = 0               // 20
    public var stx_gid: UInt32 = 0               // 24
    public var stx_mode: UInt16 = 0              // 28
    // __spare0: 30
    public var stx_ino: UInt64 = 0               // 32
    public var stx_size: UInt64 = 0              // 40
    public var stx_blocks: UInt64 = 0            // 48
    public var stx_attributes_mask: UInt64 = 0   // 56
    public var stx_atime: StatxTimestamp = .init()  // 64
    public var stx_btime: StatxTimestamp = .init()  // 80
    public var stx_ctime: StatxTimestamp = .init()  // 96
    public var stx_mtime: StatxTimestamp = .init()  // 112
    public var stx_rdev_major: UInt32 = 0        // 128
    public var stx_rdev_minor: UInt32 = 0        // 132
    public var stx_dev_major: UInt32 = 0         // 136
    public var stx_dev_minor: UInt32 = 0         // 140
    public var stx_mnt_id: UInt64 = 0            // 144
    public var stx_dio_mem_align: UInt32 = 0     // 152
    public var stx_dio_offset_align: UInt32 = 0  // 156
    // spare: 160..256

    public init() {}

    private static func put(_ t: StatxTimestamp, _ b: UnsafeMutableRawBufferPointer, _ off: Int) {
        b.putLE(t.tv_sec, at: off)
        b.putLE(t.tv_nsec, at: off + 8)
        b.putLE(Int32(0), at: off + 12)
    }

    private static func get(_ b: UnsafeRawBufferPointer, _ off: Int) -> StatxTimestamp {
        StatxTimestamp(tv_sec: b.getLE(off), tv_nsec: b.getLE(off + 8))
    }

    public func encode(into b: UnsafeMutableRawBufferPointer) {
        Self.checkRoom(b)
        b.putLE(stx_mask, at: 0)
        b.putLE(stx_blksize, at: 4)
        b.putLE(stx_attributes, at: 8)
        b.putLE(stx_nlink, at: 16)
        b.putLE(stx_uid, at: 20)
        b.putLE(stx_gid, at: 24)
        b.putLE(stx_mode, at: 28)
        b.putLE(UInt16(0), at: 30)
        b.putLE(stx_ino, at: 32)
        b.putLE(stx_size, at: 40)
        b.putLE(stx_blocks, at: 48)
        b.putLE(stx_attributes_mask, at: 56)
        Self.put(stx_atime, b, 64)
        Self.put(stx_btime, b, 80)
        Self.put(stx_ctime, b, 96)
        Self.put(stx_mtime, b, 112)
        b.putLE(stx_rdev_major, at: 128)
        b.putLE(stx_rdev_minor, at: 132)
        b.putLE(stx_dev_major, at: 136)
        b.putLE(stx_dev_minor, at: 140)
        b.putLE(stx_mnt_id, at: 144)
        b.putLE(stx_dio_mem_align, at: 152)
        b.putLE(stx_dio_offset_align, at: 156)
        b.zero(160, 96)
    }

    public static func decode(from b: UnsafeRawBufferPointer) -> Statx? {
        guard b.count >= size else { return nil }
        var s = Statx()
        s.stx_mask = b.getLE(0)
        s.stx_blksize = b.getLE(4)
        s.stx_attributes = b.getLE(8)
        s.stx_nlink = b.getLE(16)
        s.stx_uid = b.getLE(20)
        s.stx_gid = b.getLE(24)
        s.stx_mode = b.getLE(28)
        s.stx_ino = b.getLE(32)
        s.stx_size = b.getLE(40)
        s.stx_blocks = b.getLE(48)
        s.stx_attributes_mask = b.getLE(56)
        s.stx_atime = get(b, 64)
        s.stx_btime = get(b, 80)
        s.stx_ctime = get(b, 96)
        s.stx_mtime = get(b, 112)
        s.stx_rdev_major = b.getLE(128)
        s.stx_rdev_minor = b.getLE(132)
        s.stx_dev_major = b.getLE(136)
        s.stx_dev_minor = b.getLE(140)
        s.stx_mnt_id = b.getLE(144)
        s.stx_dio_mem_align = b.getLE(152)
        s.stx_dio_offset_align = b.getLE(156)
        return s
    }
}
