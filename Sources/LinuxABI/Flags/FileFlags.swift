// File-related flags: open(2), *at(2), modes, dirent types, statx masks, fcntl, seek,
// access(2), renameat2, openat2 RESOLVE_*, xattr, memfd_create.

/// open(2) flags (asm-generic/fcntl.h as used on x86_64). Octal like the header.
public enum OpenFlags {
    public static let O_RDONLY: Int32 = 0o0
    public static let O_WRONLY: Int32 = 0o1
    public static let O_RDWR: Int32 = 0o2
    public static let O_ACCMODE: Int32 = 0o3
    public static let O_CREAT: Int32 = 0o100
    public static let O_EXCL: Int32 = 0o200
    public static let O_NOCTTY: Int32 = 0o400
    public static let O_TRUNC: Int32 = 0o1000
    public static let O_APPEND: Int32 = 0o2000
    public static let O_NONBLOCK: Int32 = 0o4000
    public static let O_NDELAY: Int32 = 0o4000
    public static let O_DSYNC: Int32 = 0o10000
    public static let FASYNC: Int32 = 0o20000
    public static let O_DIRECT: Int32 = 0o40000
    /// The kernel's value, which 64-bit opens always carry (F_GETFL shows it); glibc's
    /// O_LARGEFILE is 0 on x86_64, so this one is not compared with the C headers.
    public static let O_LARGEFILE: Int32 = 0o100000
    public static let O_DIRECTORY: Int32 = 0o200000
    public static let O_NOFOLLOW: Int32 = 0o400000
    public static let O_NOATIME: Int32 = 0o1000000
    public static let O_CLOEXEC: Int32 = 0o2000000
    /// O_SYNC includes O_DSYNC (__O_SYNC | O_DSYNC).
    public static let O_SYNC: Int32 = 0o4010000
    public static let O_RSYNC: Int32 = 0o4010000
    public static let O_PATH: Int32 = 0o10000000
    /// O_TMPFILE includes O_DIRECTORY (__O_TMPFILE | O_DIRECTORY).
    public static let O_TMPFILE: Int32 = 0o20200000
}

/// The *at(2) directory fd and flags (linux/fcntl.h).
public enum AtFlags {
    public static let AT_FDCWD: Int32 = -100
    public static let AT_SYMLINK_NOFOLLOW: Int32 = 0x100
    public static let AT_EACCESS: Int32 = 0x200
    public static let AT_REMOVEDIR: Int32 = 0x200
    public static let AT_SYMLINK_FOLLOW: Int32 = 0x400
    public static let AT_NO_AUTOMOUNT: Int32 = 0x800
    public static let AT_EMPTY_PATH: Int32 = 0x1000
    public static let AT_STATX_SYNC_TYPE: Int32 = 0x6000
    public static let AT_STATX_SYNC_AS_STAT: Int32 = 0x0000
    public static let AT_STATX_FORCE_SYNC: Int32 = 0x2000
    public static let AT_STATX_DONT_SYNC: Int32 = 0x4000
    public static let AT_RECURSIVE: Int32 = 0x8000
}

/// st_mode file types and permission bits (linux/stat.h).
public enum FileMode {
    public static let S_IFMT: UInt32 = 0o170000
    public static let S_IFSOCK: UInt32 = 0o140000
    public static let S_IFLNK: UInt32 = 0o120000
    public static let S_IFREG: UInt32 = 0o100000
    public static let S_IFBLK: UInt32 = 0o060000
    public static let S_IFDIR: UInt32 = 0o040000
    public static let S_IFCHR: UInt32 = 0o020000
    public static let S_IFIFO: UInt32 = 0o010000
    public static let S_ISUID: UInt32 = 0o4000
    public static let S_ISGID: UInt32 = 0o2000
    public static let S_ISVTX: UInt32 = 0o1000
    public static let S_IRWXU: UInt32 = 0o700
    public static let S_IRUSR: UInt32 = 0o400
    public static let S_IWUSR: UInt32 = 0o200
    public static let S_IXUSR: UInt32 = 0o100
    public static let S_IRWXG: UInt32 = 0o070
    public static let S_IRGRP: UInt32 = 0o040
    public static let S_IWGRP: UInt32 = 0o020
    public static let S_IXGRP: UInt32 = 0o010
    public static let S_IRWXO: UInt32 = 0o007
    public static let S_IROTH: UInt32 = 0o004
    public static let S_IWOTH: UInt32 = 0o002
    public static let S_IXOTH: UInt32 = 0o001
}

/// linux_dirent64.d_type values (DT_*): the file type bits of st_mode shifted right by 12.
public enum DirentType {
    public static let DT_UNKNOWN: UInt8 = 0
    public static let DT_FIFO: UInt8 = 1
    public static let DT_CHR: UInt8 = 2
    public static let DT_DIR: UInt8 = 4
    public static let DT_BLK: UInt8 = 6
    public static let DT_REG: UInt8 = 8
    public static let DT_LNK: UInt8 = 10
    public static let DT_SOCK: UInt8 = 12
    public static let DT_WHT: UInt8 = 14
}

/// statx(2) stx_mask bits and stx_attributes (linux/stat.h).
public enum StatxMask {
    public static let STATX_TYPE: UInt32 = 0x0000_0001
    public static let STATX_MODE: UInt32 = 0x0000_0002
    public static let STATX_NLINK: UInt32 = 0x0000_0004
    public static let STATX_UID: UInt32 = 0x0000_0008
    public static let STATX_GID: UInt32 = 0x0000_0010
    public static let STATX_ATIME: UInt32 = 0x0000_0020
    public static let STATX_MTIME: UInt32 = 0x0000_0040
    public static let STATX_CTIME: UInt32 = 0x0000_0080
    public static let STATX_INO: UInt32 = 0x0000_0100
    public static let STATX_SIZE: UInt32 = 0x0000_0200
    public static let STATX_BLOCKS: UInt32 = 0x0000_0400
    public static let STATX_BASIC_STATS: UInt32 = 0x0000_07ff
    public static let STATX_BTIME: UInt32 = 0x0000_0800
    /// Deprecated in the kernel (use explicit bits) but still defined.
    public static let STATX_ALL: UInt32 = 0x0000_0fff
    public static let STATX_MNT_ID: UInt32 = 0x0000_1000
    public static let STATX_DIOALIGN: UInt32 = 0x0000_2000
    public static let STATX_MNT_ID_UNIQUE: UInt32 = 0x0000_4000
    public static let STATX__RESERVED: UInt32 = 0x8000_0000
    public static let STATX_ATTR_COMPRESSED: UInt64 = 0x0000_0004
    public static let STATX_ATTR_IMMUTABLE: UInt64 = 0x0000_0010
    public static let STATX_ATTR_APPEND: UInt64 = 0x0000_0020
    public static let STATX_ATTR_NODUMP: UInt64 = 0x0000_0040
    public static let STATX_ATTR_ENCRYPTED: UInt64 = 0x0000_0800
    public static let STATX_ATTR_AUTOMOUNT: UInt64 = 0x0000_1000
    public static let STATX_ATTR_MOUNT_ROOT: UInt64 = 0x0000_2000
    public static let STATX_ATTR_VERITY: UInt64 = 0x0010_0000
    public static let STATX_ATTR_DAX: UInt64 = 0x0020_0000
}

/// fcntl(2) commands and FD_CLOEXEC (asm-generic/fcntl.h, linux/fcntl.h).
public enum Fcntl {
    public static let F_DUPFD: Int32 = 0
    public static let F_GETFD: Int32 = 1
    public static let F_SETFD: Int32 = 2
    public static let F_GETFL: Int32 = 3
    public static let F_SETFL: Int32 = 4
    /// x86_64 has no separate 64-bit lock commands: F_GETLK is F_GETLK64.
    public static let F_GETLK: Int32 = 5
    public static let F_SETLK: Int32 = 6
    public static let F_SETLKW: Int32 = 7
    public static let F_SETOWN: Int32 = 8
    public static let F_GETOWN: Int32 = 9
    public static let F_SETSIG: Int32 = 10
    public static let F_GETSIG: Int32 = 11
    public static let F_SETOWN_EX: Int32 = 15
    public static let F_GETOWN_EX: Int32 = 16
    public static let F_OFD_GETLK: Int32 = 36
    public static let F_OFD_SETLK: Int32 = 37
    public static let F_OFD_SETLKW: Int32 = 38
    public static let F_SETLEASE: Int32 = 1024
    public static let F_GETLEASE: Int32 = 1025
    public static let F_NOTIFY: Int32 = 1026
    public static let F_DUPFD_CLOEXEC: Int32 = 1030
    public static let F_SETPIPE_SZ: Int32 = 1031
    public static let F_GETPIPE_SZ: Int32 = 1032
    public static let F_ADD_SEALS: Int32 = 1033
    public static let F_GET_SEALS: Int32 = 1034
    public static let F_SEAL_SEAL: Int32 = 0x0001
    public static let F_SEAL_SHRINK: Int32 = 0x0002
    public static let F_SEAL_GROW: Int32 = 0x0004
    public static let F_SEAL_WRITE: Int32 = 0x0008
    public static let F_SEAL_FUTURE_WRITE: Int32 = 0x0010
    public static let F_RDLCK: Int16 = 0
    public static let F_WRLCK: Int16 = 1
    public static let F_UNLCK: Int16 = 2
    public static let FD_CLOEXEC: Int32 = 1
    // flock(2)
    public static let LOCK_SH: Int32 = 1
    public static let LOCK_EX: Int32 = 2
    public static let LOCK_NB: Int32 = 4
    public static let LOCK_UN: Int32 = 8
}

/// lseek(2) whence values.
public enum Seek {
    public static let SEEK_SET: Int32 = 0
    public static let SEEK_CUR: Int32 = 1
    public static let SEEK_END: Int32 = 2
    public static let SEEK_DATA: Int32 = 3
    public static let SEEK_HOLE: Int32 = 4
}

/// access(2) / faccessat2(2) modes.
public enum AccessMode {
    public static let F_OK: Int32 = 0
    public static let X_OK: Int32 = 1
    public static let W_OK: Int32 = 2
    public static let R_OK: Int32 = 4
}

/// renameat2(2) flags (linux/fs.h).
public enum RenameFlags {
    public static let RENAME_NOREPLACE: UInt32 = 1 << 0
    public static let RENAME_EXCHANGE: UInt32 = 1 << 1
    public static let RENAME_WHITEOUT: UInt32 = 1 << 2
}

/// openat2(2) open_how.resolve flags (linux/openat2.h).
public enum ResolveFlags {
    public static let RESOLVE_NO_XDEV: UInt64 = 0x01
    public static let RESOLVE_NO_MAGICLINKS: UInt64 = 0x02
    public static let RESOLVE_NO_SYMLINKS: UInt64 = 0x04
    public static let RESOLVE_BENEATH: UInt64 = 0x08
    public static let RESOLVE_IN_ROOT: UInt64 = 0x10
    public static let RESOLVE_CACHED: UInt64 = 0x20
}

/// setxattr(2) flags and limits (linux/xattr.h, linux/limits.h).
public enum XattrFlags {
    public static let XATTR_CREATE: Int32 = 0x1
    public static let XATTR_REPLACE: Int32 = 0x2
    public static let XATTR_NAME_MAX: Int = 255
    public static let XATTR_SIZE_MAX: Int = 65536
    public static let XATTR_LIST_MAX: Int = 65536
}

/// memfd_create(2) flags (linux/memfd.h).
public enum MemfdFlags {
    public static let MFD_CLOEXEC: UInt32 = 0x0001
    public static let MFD_ALLOW_SEALING: UInt32 = 0x0002
    public static let MFD_HUGETLB: UInt32 = 0x0004
    public static let MFD_NOEXEC_SEAL: UInt32 = 0x0008
    public static let MFD_EXEC: UInt32 = 0x0010
}

/// Path and name limits (linux/limits.h).
public enum Limits {
    public static let PATH_MAX: Int = 4096
    public static let NAME_MAX: Int = 255
    public static let PIPE_BUF: Int = 4096
    public static let NGROUPS_MAX: Int = 65536
    public static let ARG_MAX: Int = 131072
    /// Symlinks followed in one path walk before ELOOP (include/linux/namei.h MAXSYMLINKS).
    public static let MAXSYMLINKS: Int = 40
}
