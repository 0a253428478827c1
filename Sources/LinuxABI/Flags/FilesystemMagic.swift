// statfs(2) f_type magic numbers (linux/magic.h).

public enum FilesystemMagic {
    public static let TMPFS_MAGIC: Int64 = 0x0102_1994
    public static let PROC_SUPER_MAGIC: Int64 = 0x9fa0
    public static let SYSFS_MAGIC: Int64 = 0x6265_6572
    public static let DEVPTS_SUPER_MAGIC: Int64 = 0x1cd1
    public static let EXT4_SUPER_MAGIC: Int64 = 0xEF53
    public static let EXT2_SUPER_MAGIC: Int64 = 0xEF53
    public static let OVERLAYFS_SUPER_MAGIC: Int64 = 0x794c_7630
    public static let CGROUP_SUPER_MAGIC: Int64 = 0x27e0eb
    public static let CGROUP2_SUPER_MAGIC: Int64 = 0x6367_7270
    public static let PIPEFS_MAGIC: Int64 = 0x5049_5045
    public static let SOCKFS_MAGIC: Int64 = 0x534F_434B
    public static let ANON_INODE_FS_MAGIC: Int64 = 0x0904_1934
    public static let NSFS_MAGIC: Int64 = 0x6e73_6673
    public static let RAMFS_MAGIC: Int64 = 0x8584_58f6
    public static let BTRFS_SUPER_MAGIC: Int64 = 0x9123_683E
    public static let XFS_SUPER_MAGIC: Int64 = 0x5846_5342
    public static let SECURITYFS_MAGIC: Int64 = 0x7363_6673
    public static let DEBUGFS_MAGIC: Int64 = 0x6462_6720
    public static let MQUEUE_MAGIC: Int64 = 0x1980_0202
    public static let BPF_FS_MAGIC: Int64 = 0xcafe_4a11
}

/// statfs f_flags bits (ST_* of statvfs, as the kernel reports mount flags).
public enum StatfsFlags {
    public static let ST_RDONLY: Int64 = 0x0001
    public static let ST_NOSUID: Int64 = 0x0002
    public static let ST_NODEV: Int64 = 0x0004
    public static let ST_NOEXEC: Int64 = 0x0008
    public static let ST_SYNCHRONOUS: Int64 = 0x0010
    public static let ST_VALID: Int64 = 0x0020
    public static let ST_MANDLOCK: Int64 = 0x0040
    public static let ST_NOATIME: Int64 = 0x0400
    public static let ST_NODIRATIME: Int64 = 0x0800
    public static let ST_RELATIME: Int64 = 0x1000
}
