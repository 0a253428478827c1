// Header values for the LinuxABI tests (see chusk_abi.h). The two GENERATED blocks are
// written by scripts/gen-syscalls.py; the rest is by hand.
#define _GNU_SOURCE
#include "chusk_abi.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <elf.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <dirent.h>
#include <time.h>
#include <sched.h>
#include <asm/prctl.h>
#include <asm/termbits.h>
#include <linux/auxvec.h>
#include <linux/magic.h>
#include <linux/memfd.h>
#include <linux/openat2.h>
#include <linux/random.h>

struct chusk_abi_named { const char *name; long long value; };

/* GENERATED CONSTANTS BEGIN */
static const struct chusk_abi_named chusk_abi_const_table[] = {
#ifdef O_RDONLY
    {"O_RDONLY", (long long)(O_RDONLY)},
#endif
#ifdef O_WRONLY
    {"O_WRONLY", (long long)(O_WRONLY)},
#endif
#ifdef O_RDWR
    {"O_RDWR", (long long)(O_RDWR)},
#endif
#ifdef O_ACCMODE
    {"O_ACCMODE", (long long)(O_ACCMODE)},
#endif
#ifdef O_CREAT
    {"O_CREAT", (long long)(O_CREAT)},
#endif
#ifdef O_EXCL
    {"O_EXCL", (long long)(O_EXCL)},
#endif
#ifdef O_NOCTTY
    {"O_NOCTTY", (long long)(O_NOCTTY)},
#endif
#ifdef O_TRUNC
    {"O_TRUNC", (long long)(O_TRUNC)},
#endif
#ifdef O_APPEND
    {"O_APPEND", (long long)(O_APPEND)},
#endif
#ifdef O_NONBLOCK
    {"O_NONBLOCK", (long long)(O_NONBLOCK)},
#endif
#ifdef O_NDELAY
    {"O_NDELAY", (long long)(O_NDELAY)},
#endif
#ifdef O_DSYNC
    {"O_DSYNC", (long long)(O_DSYNC)},
#endif
#ifdef FASYNC
    {"FASYNC", (long long)(FASYNC)},
#endif
#ifdef O_DIRECT
    {"O_DIRECT", (long long)(O_DIRECT)},
#endif
#ifdef O_DIRECTORY
    {"O_DIRECTORY", (long long)(O_DIRECTORY)},
#endif
#ifdef O_NOFOLLOW
    {"O_NOFOLLOW", (long long)(O_NOFOLLOW)},
#endif
#ifdef O_NOATIME
    {"O_NOATIME", (long long)(O_NOATIME)},
#endif
#ifdef O_CLOEXEC
    {"O_CLOEXEC", (long long)(O_CLOEXEC)},
#endif
#ifdef O_SYNC
    {"O_SYNC", (long long)(O_SYNC)},
#endif
#ifdef O_RSYNC
    {"O_RSYNC", (long long)(O_RSYNC)},
#endif
#ifdef O_PATH
    {"O_PATH", (long long)(O_PATH)},
#endif
#ifdef O_TMPFILE
    {"O_TMPFILE", (long long)(O_TMPFILE)},
#endif
#ifdef AT_FDCWD
    {"AT_FDCWD", (long long)(AT_FDCWD)},
#endif
#ifdef AT_SYMLINK_NOFOLLOW
    {"AT_SYMLINK_NOFOLLOW", (long long)(AT_SYMLINK_NOFOLLOW)},
#endif
#ifdef AT_EACCESS
    {"AT_EACCESS", (long long)(AT_EACCESS)},
#endif
#ifdef AT_REMOVEDIR
    {"AT_REMOVEDIR", (long long)(AT_REMOVEDIR)},
#endif
#ifdef AT_SYMLINK_FOLLOW
    {"AT_SYMLINK_FOLLOW", (long long)(AT_SYMLINK_FOLLOW)},
#endif
#ifdef AT_NO_AUTOMOUNT
    {"AT_NO_AUTOMOUNT", (long long)(AT_NO_AUTOMOUNT)},
#endif
#ifdef AT_EMPTY_PATH
    {"AT_EMPTY_PATH", (long long)(AT_EMPTY_PATH)},
#endif
#ifdef AT_STATX_SYNC_TYPE
    {"AT_STATX_SYNC_TYPE", (long long)(AT_STATX_SYNC_TYPE)},
#endif
#ifdef AT_STATX_SYNC_AS_STAT
    {"AT_STATX_SYNC_AS_STAT", (long long)(AT_STATX_SYNC_AS_STAT)},
#endif
#ifdef AT_STATX_FORCE_SYNC
    {"AT_STATX_FORCE_SYNC", (long long)(AT_STATX_FORCE_SYNC)},
#endif
#ifdef AT_STATX_DONT_SYNC
    {"AT_STATX_DONT_SYNC", (long long)(AT_STATX_DONT_SYNC)},
#endif
#ifdef AT_RECURSIVE
    {"AT_RECURSIVE", (long long)(AT_RECURSIVE)},
#endif
#ifdef S_IFMT
    {"S_IFMT", (long long)(S_IFMT)},
#endif
#ifdef S_IFSOCK
    {"S_IFSOCK", (long long)(S_IFSOCK)},
#endif
#ifdef S_IFLNK
    {"S_IFLNK", (long long)(S_IFLNK)},
#endif
#ifdef S_IFREG
    {"S_IFREG", (long long)(S_IFREG)},
#endif
#ifdef S_IFBLK
    {"S_IFBLK", (long long)(S_IFBLK)},
#endif
#ifdef S_IFDIR
    {"S_IFDIR", (long long)(S_IFDIR)},
#endif
#ifdef S_IFCHR
    {"S_IFCHR", (long long)(S_IFCHR)},
#endif
#ifdef S_IFIFO
    {"S_IFIFO", (long long)(S_IFIFO)},
#endif
#ifdef S_ISUID
    {"S_ISUID", (long long)(S_ISUID)},
#endif
#ifdef S_ISGID
    {"S_ISGID", (long long)(S_ISGID)},
#endif
#ifdef S_ISVTX
    {"S_ISVTX", (long long)(S_ISVTX)},
#endif
#ifdef S_IRWXU
    {"S_IRWXU", (long long)(S_IRWXU)},
#endif
#ifdef S_IRUSR
    {"S_IRUSR", (long long)(S_IRUSR)},
#endif
#ifdef S_IWUSR
    {"S_IWUSR", (long long)(S_IWUSR)},
#endif
#ifdef S_IXUSR
    {"S_IXUSR", (long long)(S_IXUSR)},
#endif
#ifdef S_IRWXG
    {"S_IRWXG", (long long)(S_IRWXG)},
#endif
#ifdef S_IRGRP
    {"S_IRGRP", (long long)(S_IRGRP)},
#endif
#ifdef S_IWGRP
    {"S_IWGRP", (long long)(S_IWGRP)},
#endif
#ifdef S_IXGRP
    {"S_IXGRP", (long long)(S_IXGRP)},
#endif
#ifdef S_IRWXO
    {"S_IRWXO", (long long)(S_IRWXO)},
#endif
#ifdef S_IROTH
    {"S_IROTH", (long long)(S_IROTH)},
#endif
#ifdef S_IWOTH
    {"S_IWOTH", (long long)(S_IWOTH)},
#endif
#ifdef S_IXOTH
    {"S_IXOTH", (long long)(S_IXOTH)},
#endif
#ifdef DT_UNKNOWN
    {"DT_UNKNOWN", (long long)(DT_UNKNOWN)},
#endif
#ifdef DT_FIFO
    {"DT_FIFO", (long long)(DT_FIFO)},
#endif
#ifdef DT_CHR
    {"DT_CHR", (long long)(DT_CHR)},
#endif
#ifdef DT_DIR
    {"DT_DIR", (long long)(DT_DIR)},
#endif
#ifdef DT_BLK
    {"DT_BLK", (long long)(DT_BLK)},
#endif
#ifdef DT_REG
    {"DT_REG", (long long)(DT_REG)},
#endif
#ifdef DT_LNK
    {"DT_LNK", (long long)(DT_LNK)},
#endif
#ifdef DT_SOCK
    {"DT_SOCK", (long long)(DT_SOCK)},
#endif
#ifdef DT_WHT
    {"DT_WHT", (long long)(DT_WHT)},
#endif
#ifdef STATX_TYPE
    {"STATX_TYPE", (long long)(STATX_TYPE)},
#endif
#ifdef STATX_MODE
    {"STATX_MODE", (long long)(STATX_MODE)},
#endif
#ifdef STATX_NLINK
    {"STATX_NLINK", (long long)(STATX_NLINK)},
#endif
#ifdef STATX_UID
    {"STATX_UID", (long long)(STATX_UID)},
#endif
#ifdef STATX_GID
    {"STATX_GID", (long long)(STATX_GID)},
#endif
#ifdef STATX_ATIME
    {"STATX_ATIME", (long long)(STATX_ATIME)},
#endif
#ifdef STATX_MTIME
    {"STATX_MTIME", (long long)(STATX_MTIME)},
#endif
#ifdef STATX_CTIME
    {"STATX_CTIME", (long long)(STATX_CTIME)},
#endif
#ifdef STATX_INO
    {"STATX_INO", (long long)(STATX_INO)},
#endif
#ifdef STATX_SIZE
    {"STATX_SIZE", (long long)(STATX_SIZE)},
#endif
#ifdef STATX_BLOCKS
    {"STATX_BLOCKS", (long long)(STATX_BLOCKS)},
#endif
#ifdef STATX_BASIC_STATS
    {"STATX_BASIC_STATS", (long long)(STATX_BASIC_STATS)},
#endif
#ifdef STATX_BTIME
    {"STATX_BTIME", (long long)(STATX_BTIME)},
#endif
#ifdef STATX_ALL
    {"STATX_ALL", (long long)(STATX_ALL)},
#endif
#ifdef STATX_MNT_ID
    {"STATX_MNT_ID", (long long)(STATX_MNT_ID)},
#endif
#ifdef STATX_DIOALIGN
    {"STATX_DIOALIGN", (long long)(STATX_DIOALIGN)},
#endif
#ifdef STATX_MNT_ID_UNIQUE
    {"STATX_MNT_ID_UNIQUE", (long long)(STATX_MNT_ID_UNIQUE)},
#endif
#ifdef STATX__RESERVED
    {"STATX__RESERVED", (long long)(STATX__RESERVED)},
#endif
#ifdef STATX_ATTR_COMPRESSED
    {"STATX_ATTR_COMPRESSED", (long long)(STATX_ATTR_COMPRESSED)},
#endif
#ifdef STATX_ATTR_IMMUTABLE
    {"STATX_ATTR_IMMUTABLE", (long long)(STATX_ATTR_IMMUTABLE)},
#endif
#ifdef STATX_ATTR_APPEND
    {"STATX_ATTR_APPEND", (long long)(STATX_ATTR_APPEND)},
#endif
#ifdef STATX_ATTR_NODUMP
    {"STATX_ATTR_NODUMP", (long long)(STATX_ATTR_NODUMP)},
#endif
#ifdef STATX_ATTR_ENCRYPTED
    {"STATX_ATTR_ENCRYPTED", (long long)(STATX_ATTR_ENCRYPTED)},
#endif
#ifdef STATX_ATTR_AUTOMOUNT
    {"STATX_ATTR_AUTOMOUNT", (long long)(STATX_ATTR_AUTOMOUNT)},
#endif
#ifdef STATX_ATTR_MOUNT_ROOT
    {"STATX_ATTR_MOUNT_ROOT", (long long)(STATX_ATTR_MOUNT_ROOT)},
#endif
#ifdef STATX_ATTR_VERITY
    {"STATX_ATTR_VERITY", (long long)(STATX_ATTR_VERITY)},
#endif
#ifdef STATX_ATTR_DAX
    {"STATX_ATTR_DAX", (long long)(STATX_ATTR_DAX)},
#endif
#ifdef F_DUPFD
    {"F_DUPFD", (long long)(F_DUPFD)},
#endif
#ifdef F_GETFD
    {"F_GETFD", (long long)(F_GETFD)},
#endif
#ifdef F_SETFD
    {"F_SETFD", (long long)(F_SETFD)},
#endif
#ifdef F_GETFL
    {"F_GETFL", (long long)(F_GETFL)},
#endif
#ifdef F_SETFL
    {"F_SETFL", (long long)(F_SETFL)},
#endif
#ifdef F_GETLK
    {"F_GETLK", (long long)(F_GETLK)},
#endif
#ifdef F_SETLK
    {"F_SETLK", (long long)(F_SETLK)},
#endif
#ifdef F_SETLKW
    {"F_SETLKW", (long long)(F_SETLKW)},
#endif
#ifdef F_SETOWN
    {"F_SETOWN", (long long)(F_SETOWN)},
#endif
#ifdef F_GETOWN
    {"F_GETOWN", (long long)(F_GETOWN)},
#endif
#ifdef F_SETSIG
    {"F_SETSIG", (long long)(F_SETSIG)},
#endif
#ifdef F_GETSIG
    {"F_GETSIG", (long long)(F_GETSIG)},
#endif
#ifdef F_SETOWN_EX
    {"F_SETOWN_EX", (long long)(F_SETOWN_EX)},
#endif
#ifdef F_GETOWN_EX
    {"F_GETOWN_EX", (long long)(F_GETOWN_EX)},
#endif
#ifdef F_OFD_GETLK
    {"F_OFD_GETLK", (long long)(F_OFD_GETLK)},
#endif
#ifdef F_OFD_SETLK
    {"F_OFD_SETLK", (long long)(F_OFD_SETLK)},
#endif
#ifdef F_OFD_SETLKW
    {"F_OFD_SETLKW", (long long)(F_OFD_SETLKW)},
#endif
#ifdef F_SETLEASE
    {"F_SETLEASE", (long long)(F_SETLEASE)},
#endif
#ifdef F_GETLEASE
    {"F_GETLEASE", (long long)(F_GETLEASE)},
#endif
#ifdef F_NOTIFY
    {"F_NOTIFY", (long long)(F_NOTIFY)},
#endif
#ifdef F_DUPFD_CLOEXEC
    {"F_DUPFD_CLOEXEC", (long long)(F_DUPFD_CLOEXEC)},
#endif
#ifdef F_SETPIPE_SZ
    {"F_SETPIPE_SZ", (long long)(F_SETPIPE_SZ)},
#endif
#ifdef F_GETPIPE_SZ
    {"F_GETPIPE_SZ", (long long)(F_GETPIPE_SZ)},
#endif
#ifdef F_ADD_SEALS
    {"F_ADD_SEALS", (long long)(F_ADD_SEALS)},
#endif
#ifdef F_GET_SEALS
    {"F_GET_SEALS", (long long)(F_GET_SEALS)},
#endif
#ifdef F_SEAL_SEAL
    {"F_SEAL_SEAL", (long long)(F_SEAL_SEAL)},
#endif
#ifdef F_SEAL_SHRINK
    {"F_SEAL_SHRINK", (long long)(F_SEAL_SHRINK)},
#endif
#ifdef F_SEAL_GROW
    {"F_SEAL_GROW", (long long)(F_SEAL_GROW)},
#endif
#ifdef F_SEAL_WRITE
    {"F_SEAL_WRITE", (long long)(F_SEAL_WRITE)},
#endif
#ifdef F_SEAL_FUTURE_WRITE
    {"F_SEAL_FUTURE_WRITE", (long long)(F_SEAL_FUTURE_WRITE)},
#endif
#ifdef F_RDLCK
    {"F_RDLCK", (long long)(F_RDLCK)},
#endif
#ifdef F_WRLCK
    {"F_WRLCK", (long long)(F_WRLCK)},
#endif
#ifdef F_UNLCK
    {"F_UNLCK", (long long)(F_UNLCK)},
#endif
#ifdef FD_CLOEXEC
    {"FD_CLOEXEC", (long long)(FD_CLOEXEC)},
#endif
#ifdef LOCK_SH
    {"LOCK_SH", (long long)(LOCK_SH)},
#endif
#ifdef LOCK_EX
    {"LOCK_EX", (long long)(LOCK_EX)},
#endif
#ifdef LOCK_NB
    {"LOCK_NB", (long long)(LOCK_NB)},
#endif
#ifdef LOCK_UN
    {"LOCK_UN", (long long)(LOCK_UN)},
#endif
#ifdef SEEK_SET
    {"SEEK_SET", (long long)(SEEK_SET)},
#endif
#ifdef SEEK_CUR
    {"SEEK_CUR", (long long)(SEEK_CUR)},
#endif
#ifdef SEEK_END
    {"SEEK_END", (long long)(SEEK_END)},
#endif
#ifdef SEEK_DATA
    {"SEEK_DATA", (long long)(SEEK_DATA)},
#endif
#ifdef SEEK_HOLE
    {"SEEK_HOLE", (long long)(SEEK_HOLE)},
#endif
#ifdef F_OK
    {"F_OK", (long long)(F_OK)},
#endif
#ifdef X_OK
    {"X_OK", (long long)(X_OK)},
#endif
#ifdef W_OK
    {"W_OK", (long long)(W_OK)},
#endif
#ifdef R_OK
    {"R_OK", (long long)(R_OK)},
#endif
#ifdef RENAME_NOREPLACE
    {"RENAME_NOREPLACE", (long long)(RENAME_NOREPLACE)},
#endif
#ifdef RENAME_EXCHANGE
    {"RENAME_EXCHANGE", (long long)(RENAME_EXCHANGE)},
#endif
#ifdef RENAME_WHITEOUT
    {"RENAME_WHITEOUT", (long long)(RENAME_WHITEOUT)},
#endif
#ifdef RESOLVE_NO_XDEV
    {"RESOLVE_NO_XDEV", (long long)(RESOLVE_NO_XDEV)},
#endif
#ifdef RESOLVE_NO_MAGICLINKS
    {"RESOLVE_NO_MAGICLINKS", (long long)(RESOLVE_NO_MAGICLINKS)},
#endif
#ifdef RESOLVE_NO_SYMLINKS
    {"RESOLVE_NO_SYMLINKS", (long long)(RESOLVE_NO_SYMLINKS)},
#endif
#ifdef RESOLVE_BENEATH
    {"RESOLVE_BENEATH", (long long)(RESOLVE_BENEATH)},
#endif
#ifdef RESOLVE_IN_ROOT
    {"RESOLVE_IN_ROOT", (long long)(RESOLVE_IN_ROOT)},
#endif
#ifdef RESOLVE_CACHED
    {"RESOLVE_CACHED", (long long)(RESOLVE_CACHED)},
#endif
#ifdef XATTR_CREATE
    {"XATTR_CREATE", (long long)(XATTR_CREATE)},
#endif
#ifdef XATTR_REPLACE
    {"XATTR_REPLACE", (long long)(XATTR_REPLACE)},
#endif
#ifdef XATTR_NAME_MAX
    {"XATTR_NAME_MAX", (long long)(XATTR_NAME_MAX)},
#endif
#ifdef XATTR_SIZE_MAX
    {"XATTR_SIZE_MAX", (long long)(XATTR_SIZE_MAX)},
#endif
#ifdef XATTR_LIST_MAX
    {"XATTR_LIST_MAX", (long long)(XATTR_LIST_MAX)},
#endif
#ifdef MFD_CLOEXEC
    {"MFD_CLOEXEC", (long long)(MFD_CLOEXEC)},
#endif
#ifdef MFD_ALLOW_SEALING
    {"MFD_ALLOW_SEALING", (long long)(MFD_ALLOW_SEALING)},
#endif
#ifdef MFD_HUGETLB
    {"MFD_HUGETLB", (long long)(MFD_HUGETLB)},
#endif
#ifdef MFD_NOEXEC_SEAL
    {"MFD_NOEXEC_SEAL", (long long)(MFD_NOEXEC_SEAL)},
#endif
#ifdef MFD_EXEC
    {"MFD_EXEC", (long long)(MFD_EXEC)},
#endif
#ifdef PATH_MAX
    {"PATH_MAX", (long long)(PATH_MAX)},
#endif
#ifdef NAME_MAX
    {"NAME_MAX", (long long)(NAME_MAX)},
#endif
#ifdef PIPE_BUF
    {"PIPE_BUF", (long long)(PIPE_BUF)},
#endif
#ifdef NGROUPS_MAX
    {"NGROUPS_MAX", (long long)(NGROUPS_MAX)},
#endif
#ifdef ARG_MAX
    {"ARG_MAX", (long long)(ARG_MAX)},
#endif
#ifdef MAXSYMLINKS
    {"MAXSYMLINKS", (long long)(MAXSYMLINKS)},
#endif
#ifdef TMPFS_MAGIC
    {"TMPFS_MAGIC", (long long)(TMPFS_MAGIC)},
#endif
#ifdef PROC_SUPER_MAGIC
    {"PROC_SUPER_MAGIC", (long long)(PROC_SUPER_MAGIC)},
#endif
#ifdef SYSFS_MAGIC
    {"SYSFS_MAGIC", (long long)(SYSFS_MAGIC)},
#endif
#ifdef DEVPTS_SUPER_MAGIC
    {"DEVPTS_SUPER_MAGIC", (long long)(DEVPTS_SUPER_MAGIC)},
#endif
#ifdef EXT4_SUPER_MAGIC
    {"EXT4_SUPER_MAGIC", (long long)(EXT4_SUPER_MAGIC)},
#endif
#ifdef EXT2_SUPER_MAGIC
    {"EXT2_SUPER_MAGIC", (long long)(EXT2_SUPER_MAGIC)},
#endif
#ifdef OVERLAYFS_SUPER_MAGIC
    {"OVERLAYFS_SUPER_MAGIC", (long long)(OVERLAYFS_SUPER_MAGIC)},
#endif
#ifdef CGROUP_SUPER_MAGIC
    {"CGROUP_SUPER_MAGIC", (long long)(CGROUP_SUPER_MAGIC)},
#endif
#ifdef CGROUP2_SUPER_MAGIC
    {"CGROUP2_SUPER_MAGIC", (long long)(CGROUP2_SUPER_MAGIC)},
#endif
#ifdef PIPEFS_MAGIC
    {"PIPEFS_MAGIC", (long long)(PIPEFS_MAGIC)},
#endif
#ifdef SOCKFS_MAGIC
    {"SOCKFS_MAGIC", (long long)(SOCKFS_MAGIC)},
#endif
#ifdef ANON_INODE_FS_MAGIC
    {"ANON_INODE_FS_MAGIC", (long long)(ANON_INODE_FS_MAGIC)},
#endif
#ifdef NSFS_MAGIC
    {"NSFS_MAGIC", (long long)(NSFS_MAGIC)},
#endif
#ifdef RAMFS_MAGIC
    {"RAMFS_MAGIC", (long long)(RAMFS_MAGIC)},
#endif
#ifdef BTRFS_SUPER_MAGIC
    {"BTRFS_SUPER_MAGIC", (long long)(BTRFS_SUPER_MAGIC)},
#endif
#ifdef XFS_SUPER_MAGIC
    {"XFS_SUPER_MAGIC", (long long)(XFS_SUPER_MAGIC)},
#endif
#ifdef SECURITYFS_MAGIC
    {"SECURITYFS_MAGIC", (long long)(SECURITYFS_MAGIC)},
#endif
#ifdef DEBUGFS_MAGIC
    {"DEBUGFS_MAGIC", (long long)(DEBUGFS_MAGIC)},
#endif
#ifdef MQUEUE_MAGIC
    {"MQUEUE_MAGIC", (long long)(MQUEUE_MAGIC)},
#endif
#ifdef BPF_FS_MAGIC
    {"BPF_FS_MAGIC", (long long)(BPF_FS_MAGIC)},
#endif
#ifdef ST_RDONLY
    {"ST_RDONLY", (long long)(ST_RDONLY)},
#endif
#ifdef ST_NOSUID
    {"ST_NOSUID", (long long)(ST_NOSUID)},
#endif
#ifdef ST_NODEV
    {"ST_NODEV", (long long)(ST_NODEV)},
#endif
#ifdef ST_NOEXEC
    {"ST_NOEXEC", (long long)(ST_NOEXEC)},
#endif
#ifdef ST_SYNCHRONOUS
    {"ST_SYNCHRONOUS", (long long)(ST_SYNCHRONOUS)},
#endif
#ifdef ST_VALID
    {"ST_VALID", (long long)(ST_VALID)},
#endif
#ifdef ST_MANDLOCK
    {"ST_MANDLOCK", (long long)(ST_MANDLOCK)},
#endif
#ifdef ST_NOATIME
    {"ST_NOATIME", (long long)(ST_NOATIME)},
#endif
#ifdef ST_NODIRATIME
    {"ST_NODIRATIME", (long long)(ST_NODIRATIME)},
#endif
#ifdef ST_RELATIME
    {"ST_RELATIME", (long long)(ST_RELATIME)},
#endif
#ifdef AF_UNSPEC
    {"AF_UNSPEC", (long long)(AF_UNSPEC)},
#endif
#ifdef AF_UNIX
    {"AF_UNIX", (long long)(AF_UNIX)},
#endif
#ifdef AF_LOCAL
    {"AF_LOCAL", (long long)(AF_LOCAL)},
#endif
#ifdef AF_INET
    {"AF_INET", (long long)(AF_INET)},
#endif
#ifdef AF_INET6
    {"AF_INET6", (long long)(AF_INET6)},
#endif
#ifdef AF_NETLINK
    {"AF_NETLINK", (long long)(AF_NETLINK)},
#endif
#ifdef AF_PACKET
    {"AF_PACKET", (long long)(AF_PACKET)},
#endif
#ifdef SOCK_STREAM
    {"SOCK_STREAM", (long long)(SOCK_STREAM)},
#endif
#ifdef SOCK_DGRAM
    {"SOCK_DGRAM", (long long)(SOCK_DGRAM)},
#endif
#ifdef SOCK_RAW
    {"SOCK_RAW", (long long)(SOCK_RAW)},
#endif
#ifdef SOCK_SEQPACKET
    {"SOCK_SEQPACKET", (long long)(SOCK_SEQPACKET)},
#endif
#ifdef SOCK_TYPE_MASK
    {"SOCK_TYPE_MASK", (long long)(SOCK_TYPE_MASK)},
#endif
#ifdef SOCK_NONBLOCK
    {"SOCK_NONBLOCK", (long long)(SOCK_NONBLOCK)},
#endif
#ifdef SOCK_CLOEXEC
    {"SOCK_CLOEXEC", (long long)(SOCK_CLOEXEC)},
#endif
#ifdef SOL_SOCKET
    {"SOL_SOCKET", (long long)(SOL_SOCKET)},
#endif
#ifdef SO_REUSEADDR
    {"SO_REUSEADDR", (long long)(SO_REUSEADDR)},
#endif
#ifdef SO_TYPE
    {"SO_TYPE", (long long)(SO_TYPE)},
#endif
#ifdef SO_ERROR
    {"SO_ERROR", (long long)(SO_ERROR)},
#endif
#ifdef SO_SNDBUF
    {"SO_SNDBUF", (long long)(SO_SNDBUF)},
#endif
#ifdef SO_RCVBUF
    {"SO_RCVBUF", (long long)(SO_RCVBUF)},
#endif
#ifdef SO_KEEPALIVE
    {"SO_KEEPALIVE", (long long)(SO_KEEPALIVE)},
#endif
#ifdef SO_PASSCRED
    {"SO_PASSCRED", (long long)(SO_PASSCRED)},
#endif
#ifdef SO_PEERCRED
    {"SO_PEERCRED", (long long)(SO_PEERCRED)},
#endif
#ifdef SO_ACCEPTCONN
    {"SO_ACCEPTCONN", (long long)(SO_ACCEPTCONN)},
#endif
#ifdef SO_DOMAIN
    {"SO_DOMAIN", (long long)(SO_DOMAIN)},
#endif
#ifdef SO_PROTOCOL
    {"SO_PROTOCOL", (long long)(SO_PROTOCOL)},
#endif
#ifdef SCM_RIGHTS
    {"SCM_RIGHTS", (long long)(SCM_RIGHTS)},
#endif
#ifdef SCM_CREDENTIALS
    {"SCM_CREDENTIALS", (long long)(SCM_CREDENTIALS)},
#endif
#ifdef MSG_OOB
    {"MSG_OOB", (long long)(MSG_OOB)},
#endif
#ifdef MSG_PEEK
    {"MSG_PEEK", (long long)(MSG_PEEK)},
#endif
#ifdef MSG_DONTROUTE
    {"MSG_DONTROUTE", (long long)(MSG_DONTROUTE)},
#endif
#ifdef MSG_CTRUNC
    {"MSG_CTRUNC", (long long)(MSG_CTRUNC)},
#endif
#ifdef MSG_TRUNC
    {"MSG_TRUNC", (long long)(MSG_TRUNC)},
#endif
#ifdef MSG_DONTWAIT
    {"MSG_DONTWAIT", (long long)(MSG_DONTWAIT)},
#endif
#ifdef MSG_EOR
    {"MSG_EOR", (long long)(MSG_EOR)},
#endif
#ifdef MSG_WAITALL
    {"MSG_WAITALL", (long long)(MSG_WAITALL)},
#endif
#ifdef MSG_NOSIGNAL
    {"MSG_NOSIGNAL", (long long)(MSG_NOSIGNAL)},
#endif
#ifdef MSG_CMSG_CLOEXEC
    {"MSG_CMSG_CLOEXEC", (long long)(MSG_CMSG_CLOEXEC)},
#endif
#ifdef SHUT_RD
    {"SHUT_RD", (long long)(SHUT_RD)},
#endif
#ifdef SHUT_WR
    {"SHUT_WR", (long long)(SHUT_WR)},
#endif
#ifdef SHUT_RDWR
    {"SHUT_RDWR", (long long)(SHUT_RDWR)},
#endif
#ifdef POLLIN
    {"POLLIN", (long long)(POLLIN)},
#endif
#ifdef POLLPRI
    {"POLLPRI", (long long)(POLLPRI)},
#endif
#ifdef POLLOUT
    {"POLLOUT", (long long)(POLLOUT)},
#endif
#ifdef POLLERR
    {"POLLERR", (long long)(POLLERR)},
#endif
#ifdef POLLHUP
    {"POLLHUP", (long long)(POLLHUP)},
#endif
#ifdef POLLNVAL
    {"POLLNVAL", (long long)(POLLNVAL)},
#endif
#ifdef POLLRDNORM
    {"POLLRDNORM", (long long)(POLLRDNORM)},
#endif
#ifdef POLLRDBAND
    {"POLLRDBAND", (long long)(POLLRDBAND)},
#endif
#ifdef POLLWRNORM
    {"POLLWRNORM", (long long)(POLLWRNORM)},
#endif
#ifdef POLLWRBAND
    {"POLLWRBAND", (long long)(POLLWRBAND)},
#endif
#ifdef POLLMSG
    {"POLLMSG", (long long)(POLLMSG)},
#endif
#ifdef POLLRDHUP
    {"POLLRDHUP", (long long)(POLLRDHUP)},
#endif
#ifdef EPOLLIN
    {"EPOLLIN", (long long)(EPOLLIN)},
#endif
#ifdef EPOLLPRI
    {"EPOLLPRI", (long long)(EPOLLPRI)},
#endif
#ifdef EPOLLOUT
    {"EPOLLOUT", (long long)(EPOLLOUT)},
#endif
#ifdef EPOLLERR
    {"EPOLLERR", (long long)(EPOLLERR)},
#endif
#ifdef EPOLLHUP
    {"EPOLLHUP", (long long)(EPOLLHUP)},
#endif
#ifdef EPOLLRDNORM
    {"EPOLLRDNORM", (long long)(EPOLLRDNORM)},
#endif
#ifdef EPOLLRDBAND
    {"EPOLLRDBAND", (long long)(EPOLLRDBAND)},
#endif
#ifdef EPOLLWRNORM
    {"EPOLLWRNORM", (long long)(EPOLLWRNORM)},
#endif
#ifdef EPOLLWRBAND
    {"EPOLLWRBAND", (long long)(EPOLLWRBAND)},
#endif
#ifdef EPOLLMSG
    {"EPOLLMSG", (long long)(EPOLLMSG)},
#endif
#ifdef EPOLLRDHUP
    {"EPOLLRDHUP", (long long)(EPOLLRDHUP)},
#endif
#ifdef EPOLLEXCLUSIVE
    {"EPOLLEXCLUSIVE", (long long)(EPOLLEXCLUSIVE)},
#endif
#ifdef EPOLLWAKEUP
    {"EPOLLWAKEUP", (long long)(EPOLLWAKEUP)},
#endif
#ifdef EPOLLONESHOT
    {"EPOLLONESHOT", (long long)(EPOLLONESHOT)},
#endif
#ifdef EPOLLET
    {"EPOLLET", (long long)(EPOLLET)},
#endif
#ifdef EPOLL_CTL_ADD
    {"EPOLL_CTL_ADD", (long long)(EPOLL_CTL_ADD)},
#endif
#ifdef EPOLL_CTL_DEL
    {"EPOLL_CTL_DEL", (long long)(EPOLL_CTL_DEL)},
#endif
#ifdef EPOLL_CTL_MOD
    {"EPOLL_CTL_MOD", (long long)(EPOLL_CTL_MOD)},
#endif
#ifdef EPOLL_CLOEXEC
    {"EPOLL_CLOEXEC", (long long)(EPOLL_CLOEXEC)},
#endif
#ifdef EFD_SEMAPHORE
    {"EFD_SEMAPHORE", (long long)(EFD_SEMAPHORE)},
#endif
#ifdef EFD_CLOEXEC
    {"EFD_CLOEXEC", (long long)(EFD_CLOEXEC)},
#endif
#ifdef EFD_NONBLOCK
    {"EFD_NONBLOCK", (long long)(EFD_NONBLOCK)},
#endif
#ifdef TFD_CLOEXEC
    {"TFD_CLOEXEC", (long long)(TFD_CLOEXEC)},
#endif
#ifdef TFD_NONBLOCK
    {"TFD_NONBLOCK", (long long)(TFD_NONBLOCK)},
#endif
#ifdef TFD_TIMER_ABSTIME
    {"TFD_TIMER_ABSTIME", (long long)(TFD_TIMER_ABSTIME)},
#endif
#ifdef TFD_TIMER_CANCEL_ON_SET
    {"TFD_TIMER_CANCEL_ON_SET", (long long)(TFD_TIMER_CANCEL_ON_SET)},
#endif
#ifdef SFD_CLOEXEC
    {"SFD_CLOEXEC", (long long)(SFD_CLOEXEC)},
#endif
#ifdef SFD_NONBLOCK
    {"SFD_NONBLOCK", (long long)(SFD_NONBLOCK)},
#endif
#ifdef IN_CLOEXEC
    {"IN_CLOEXEC", (long long)(IN_CLOEXEC)},
#endif
#ifdef IN_NONBLOCK
    {"IN_NONBLOCK", (long long)(IN_NONBLOCK)},
#endif
#ifdef CLOCK_REALTIME
    {"CLOCK_REALTIME", (long long)(CLOCK_REALTIME)},
#endif
#ifdef CLOCK_MONOTONIC
    {"CLOCK_MONOTONIC", (long long)(CLOCK_MONOTONIC)},
#endif
#ifdef CLOCK_PROCESS_CPUTIME_ID
    {"CLOCK_PROCESS_CPUTIME_ID", (long long)(CLOCK_PROCESS_CPUTIME_ID)},
#endif
#ifdef CLOCK_THREAD_CPUTIME_ID
    {"CLOCK_THREAD_CPUTIME_ID", (long long)(CLOCK_THREAD_CPUTIME_ID)},
#endif
#ifdef CLOCK_MONOTONIC_RAW
    {"CLOCK_MONOTONIC_RAW", (long long)(CLOCK_MONOTONIC_RAW)},
#endif
#ifdef CLOCK_REALTIME_COARSE
    {"CLOCK_REALTIME_COARSE", (long long)(CLOCK_REALTIME_COARSE)},
#endif
#ifdef CLOCK_MONOTONIC_COARSE
    {"CLOCK_MONOTONIC_COARSE", (long long)(CLOCK_MONOTONIC_COARSE)},
#endif
#ifdef CLOCK_BOOTTIME
    {"CLOCK_BOOTTIME", (long long)(CLOCK_BOOTTIME)},
#endif
#ifdef CLOCK_REALTIME_ALARM
    {"CLOCK_REALTIME_ALARM", (long long)(CLOCK_REALTIME_ALARM)},
#endif
#ifdef CLOCK_BOOTTIME_ALARM
    {"CLOCK_BOOTTIME_ALARM", (long long)(CLOCK_BOOTTIME_ALARM)},
#endif
#ifdef TIMER_ABSTIME
    {"TIMER_ABSTIME", (long long)(TIMER_ABSTIME)},
#endif
#ifdef ITIMER_REAL
    {"ITIMER_REAL", (long long)(ITIMER_REAL)},
#endif
#ifdef ITIMER_VIRTUAL
    {"ITIMER_VIRTUAL", (long long)(ITIMER_VIRTUAL)},
#endif
#ifdef ITIMER_PROF
    {"ITIMER_PROF", (long long)(ITIMER_PROF)},
#endif
#ifdef TCGETS
    {"TCGETS", (long long)(TCGETS)},
#endif
#ifdef TCSETS
    {"TCSETS", (long long)(TCSETS)},
#endif
#ifdef TCSETSW
    {"TCSETSW", (long long)(TCSETSW)},
#endif
#ifdef TCSETSF
    {"TCSETSF", (long long)(TCSETSF)},
#endif
#ifdef TCGETA
    {"TCGETA", (long long)(TCGETA)},
#endif
#ifdef TCSETA
    {"TCSETA", (long long)(TCSETA)},
#endif
#ifdef TCSETAW
    {"TCSETAW", (long long)(TCSETAW)},
#endif
#ifdef TCSETAF
    {"TCSETAF", (long long)(TCSETAF)},
#endif
#ifdef TCSBRK
    {"TCSBRK", (long long)(TCSBRK)},
#endif
#ifdef TCXONC
    {"TCXONC", (long long)(TCXONC)},
#endif
#ifdef TCFLSH
    {"TCFLSH", (long long)(TCFLSH)},
#endif
#ifdef TIOCEXCL
    {"TIOCEXCL", (long long)(TIOCEXCL)},
#endif
#ifdef TIOCNXCL
    {"TIOCNXCL", (long long)(TIOCNXCL)},
#endif
#ifdef TIOCSCTTY
    {"TIOCSCTTY", (long long)(TIOCSCTTY)},
#endif
#ifdef TIOCGPGRP
    {"TIOCGPGRP", (long long)(TIOCGPGRP)},
#endif
#ifdef TIOCSPGRP
    {"TIOCSPGRP", (long long)(TIOCSPGRP)},
#endif
#ifdef TIOCOUTQ
    {"TIOCOUTQ", (long long)(TIOCOUTQ)},
#endif
#ifdef TIOCSTI
    {"TIOCSTI", (long long)(TIOCSTI)},
#endif
#ifdef TIOCGWINSZ
    {"TIOCGWINSZ", (long long)(TIOCGWINSZ)},
#endif
#ifdef TIOCSWINSZ
    {"TIOCSWINSZ", (long long)(TIOCSWINSZ)},
#endif
#ifdef TIOCMGET
    {"TIOCMGET", (long long)(TIOCMGET)},
#endif
#ifdef TIOCMSET
    {"TIOCMSET", (long long)(TIOCMSET)},
#endif
#ifdef FIONREAD
    {"FIONREAD", (long long)(FIONREAD)},
#endif
#ifdef TIOCINQ
    {"TIOCINQ", (long long)(TIOCINQ)},
#endif
#ifdef TIOCLINUX
    {"TIOCLINUX", (long long)(TIOCLINUX)},
#endif
#ifdef TIOCCONS
    {"TIOCCONS", (long long)(TIOCCONS)},
#endif
#ifdef FIONBIO
    {"FIONBIO", (long long)(FIONBIO)},
#endif
#ifdef TIOCNOTTY
    {"TIOCNOTTY", (long long)(TIOCNOTTY)},
#endif
#ifdef TIOCSETD
    {"TIOCSETD", (long long)(TIOCSETD)},
#endif
#ifdef TIOCGETD
    {"TIOCGETD", (long long)(TIOCGETD)},
#endif
#ifdef TIOCSBRK
    {"TIOCSBRK", (long long)(TIOCSBRK)},
#endif
#ifdef TIOCCBRK
    {"TIOCCBRK", (long long)(TIOCCBRK)},
#endif
#ifdef TIOCGSID
    {"TIOCGSID", (long long)(TIOCGSID)},
#endif
#ifdef TIOCGPTN
    {"TIOCGPTN", (long long)(TIOCGPTN)},
#endif
#ifdef TIOCSPTLCK
    {"TIOCSPTLCK", (long long)(TIOCSPTLCK)},
#endif
#ifdef TIOCGPTPEER
    {"TIOCGPTPEER", (long long)(TIOCGPTPEER)},
#endif
#ifdef FIONCLEX
    {"FIONCLEX", (long long)(FIONCLEX)},
#endif
#ifdef FIOCLEX
    {"FIOCLEX", (long long)(FIOCLEX)},
#endif
#ifdef FIOASYNC
    {"FIOASYNC", (long long)(FIOASYNC)},
#endif
#ifdef FIOQSIZE
    {"FIOQSIZE", (long long)(FIOQSIZE)},
#endif
#ifdef PROT_NONE
    {"PROT_NONE", (long long)(PROT_NONE)},
#endif
#ifdef PROT_READ
    {"PROT_READ", (long long)(PROT_READ)},
#endif
#ifdef PROT_WRITE
    {"PROT_WRITE", (long long)(PROT_WRITE)},
#endif
#ifdef PROT_EXEC
    {"PROT_EXEC", (long long)(PROT_EXEC)},
#endif
#ifdef PROT_GROWSDOWN
    {"PROT_GROWSDOWN", (long long)(PROT_GROWSDOWN)},
#endif
#ifdef PROT_GROWSUP
    {"PROT_GROWSUP", (long long)(PROT_GROWSUP)},
#endif
#ifdef MAP_SHARED
    {"MAP_SHARED", (long long)(MAP_SHARED)},
#endif
#ifdef MAP_PRIVATE
    {"MAP_PRIVATE", (long long)(MAP_PRIVATE)},
#endif
#ifdef MAP_SHARED_VALIDATE
    {"MAP_SHARED_VALIDATE", (long long)(MAP_SHARED_VALIDATE)},
#endif
#ifdef MAP_TYPE
    {"MAP_TYPE", (long long)(MAP_TYPE)},
#endif
#ifdef MAP_FIXED
    {"MAP_FIXED", (long long)(MAP_FIXED)},
#endif
#ifdef MAP_ANONYMOUS
    {"MAP_ANONYMOUS", (long long)(MAP_ANONYMOUS)},
#endif
#ifdef MAP_ANON
    {"MAP_ANON", (long long)(MAP_ANON)},
#endif
#ifdef MAP_32BIT
    {"MAP_32BIT", (long long)(MAP_32BIT)},
#endif
#ifdef MAP_GROWSDOWN
    {"MAP_GROWSDOWN", (long long)(MAP_GROWSDOWN)},
#endif
#ifdef MAP_DENYWRITE
    {"MAP_DENYWRITE", (long long)(MAP_DENYWRITE)},
#endif
#ifdef MAP_EXECUTABLE
    {"MAP_EXECUTABLE", (long long)(MAP_EXECUTABLE)},
#endif
#ifdef MAP_LOCKED
    {"MAP_LOCKED", (long long)(MAP_LOCKED)},
#endif
#ifdef MAP_NORESERVE
    {"MAP_NORESERVE", (long long)(MAP_NORESERVE)},
#endif
#ifdef MAP_POPULATE
    {"MAP_POPULATE", (long long)(MAP_POPULATE)},
#endif
#ifdef MAP_NONBLOCK
    {"MAP_NONBLOCK", (long long)(MAP_NONBLOCK)},
#endif
#ifdef MAP_STACK
    {"MAP_STACK", (long long)(MAP_STACK)},
#endif
#ifdef MAP_HUGETLB
    {"MAP_HUGETLB", (long long)(MAP_HUGETLB)},
#endif
#ifdef MAP_SYNC
    {"MAP_SYNC", (long long)(MAP_SYNC)},
#endif
#ifdef MAP_FIXED_NOREPLACE
    {"MAP_FIXED_NOREPLACE", (long long)(MAP_FIXED_NOREPLACE)},
#endif
#ifdef MAP_UNINITIALIZED
    {"MAP_UNINITIALIZED", (long long)(MAP_UNINITIALIZED)},
#endif
#ifdef MAP_FAILED
    {"MAP_FAILED", (long long)(MAP_FAILED)},
#endif
#ifdef MREMAP_MAYMOVE
    {"MREMAP_MAYMOVE", (long long)(MREMAP_MAYMOVE)},
#endif
#ifdef MREMAP_FIXED
    {"MREMAP_FIXED", (long long)(MREMAP_FIXED)},
#endif
#ifdef MREMAP_DONTUNMAP
    {"MREMAP_DONTUNMAP", (long long)(MREMAP_DONTUNMAP)},
#endif
#ifdef MADV_NORMAL
    {"MADV_NORMAL", (long long)(MADV_NORMAL)},
#endif
#ifdef MADV_RANDOM
    {"MADV_RANDOM", (long long)(MADV_RANDOM)},
#endif
#ifdef MADV_SEQUENTIAL
    {"MADV_SEQUENTIAL", (long long)(MADV_SEQUENTIAL)},
#endif
#ifdef MADV_WILLNEED
    {"MADV_WILLNEED", (long long)(MADV_WILLNEED)},
#endif
#ifdef MADV_DONTNEED
    {"MADV_DONTNEED", (long long)(MADV_DONTNEED)},
#endif
#ifdef MADV_FREE
    {"MADV_FREE", (long long)(MADV_FREE)},
#endif
#ifdef MADV_REMOVE
    {"MADV_REMOVE", (long long)(MADV_REMOVE)},
#endif
#ifdef MADV_DONTFORK
    {"MADV_DONTFORK", (long long)(MADV_DONTFORK)},
#endif
#ifdef MADV_DOFORK
    {"MADV_DOFORK", (long long)(MADV_DOFORK)},
#endif
#ifdef MADV_MERGEABLE
    {"MADV_MERGEABLE", (long long)(MADV_MERGEABLE)},
#endif
#ifdef MADV_UNMERGEABLE
    {"MADV_UNMERGEABLE", (long long)(MADV_UNMERGEABLE)},
#endif
#ifdef MADV_HUGEPAGE
    {"MADV_HUGEPAGE", (long long)(MADV_HUGEPAGE)},
#endif
#ifdef MADV_NOHUGEPAGE
    {"MADV_NOHUGEPAGE", (long long)(MADV_NOHUGEPAGE)},
#endif
#ifdef MADV_DONTDUMP
    {"MADV_DONTDUMP", (long long)(MADV_DONTDUMP)},
#endif
#ifdef MADV_DODUMP
    {"MADV_DODUMP", (long long)(MADV_DODUMP)},
#endif
#ifdef MADV_WIPEONFORK
    {"MADV_WIPEONFORK", (long long)(MADV_WIPEONFORK)},
#endif
#ifdef MADV_KEEPONFORK
    {"MADV_KEEPONFORK", (long long)(MADV_KEEPONFORK)},
#endif
#ifdef MADV_COLD
    {"MADV_COLD", (long long)(MADV_COLD)},
#endif
#ifdef MADV_PAGEOUT
    {"MADV_PAGEOUT", (long long)(MADV_PAGEOUT)},
#endif
#ifdef MS_ASYNC
    {"MS_ASYNC", (long long)(MS_ASYNC)},
#endif
#ifdef MS_INVALIDATE
    {"MS_INVALIDATE", (long long)(MS_INVALIDATE)},
#endif
#ifdef MS_SYNC
    {"MS_SYNC", (long long)(MS_SYNC)},
#endif
#ifdef GRND_NONBLOCK
    {"GRND_NONBLOCK", (long long)(GRND_NONBLOCK)},
#endif
#ifdef GRND_RANDOM
    {"GRND_RANDOM", (long long)(GRND_RANDOM)},
#endif
#ifdef GRND_INSECURE
    {"GRND_INSECURE", (long long)(GRND_INSECURE)},
#endif
#ifdef CSIGNAL
    {"CSIGNAL", (long long)(CSIGNAL)},
#endif
#ifdef CLONE_NEWTIME
    {"CLONE_NEWTIME", (long long)(CLONE_NEWTIME)},
#endif
#ifdef CLONE_VM
    {"CLONE_VM", (long long)(CLONE_VM)},
#endif
#ifdef CLONE_FS
    {"CLONE_FS", (long long)(CLONE_FS)},
#endif
#ifdef CLONE_FILES
    {"CLONE_FILES", (long long)(CLONE_FILES)},
#endif
#ifdef CLONE_SIGHAND
    {"CLONE_SIGHAND", (long long)(CLONE_SIGHAND)},
#endif
#ifdef CLONE_PIDFD
    {"CLONE_PIDFD", (long long)(CLONE_PIDFD)},
#endif
#ifdef CLONE_PTRACE
    {"CLONE_PTRACE", (long long)(CLONE_PTRACE)},
#endif
#ifdef CLONE_VFORK
    {"CLONE_VFORK", (long long)(CLONE_VFORK)},
#endif
#ifdef CLONE_PARENT
    {"CLONE_PARENT", (long long)(CLONE_PARENT)},
#endif
#ifdef CLONE_THREAD
    {"CLONE_THREAD", (long long)(CLONE_THREAD)},
#endif
#ifdef CLONE_NEWNS
    {"CLONE_NEWNS", (long long)(CLONE_NEWNS)},
#endif
#ifdef CLONE_SYSVSEM
    {"CLONE_SYSVSEM", (long long)(CLONE_SYSVSEM)},
#endif
#ifdef CLONE_SETTLS
    {"CLONE_SETTLS", (long long)(CLONE_SETTLS)},
#endif
#ifdef CLONE_PARENT_SETTID
    {"CLONE_PARENT_SETTID", (long long)(CLONE_PARENT_SETTID)},
#endif
#ifdef CLONE_CHILD_CLEARTID
    {"CLONE_CHILD_CLEARTID", (long long)(CLONE_CHILD_CLEARTID)},
#endif
#ifdef CLONE_DETACHED
    {"CLONE_DETACHED", (long long)(CLONE_DETACHED)},
#endif
#ifdef CLONE_UNTRACED
    {"CLONE_UNTRACED", (long long)(CLONE_UNTRACED)},
#endif
#ifdef CLONE_CHILD_SETTID
    {"CLONE_CHILD_SETTID", (long long)(CLONE_CHILD_SETTID)},
#endif
#ifdef CLONE_NEWCGROUP
    {"CLONE_NEWCGROUP", (long long)(CLONE_NEWCGROUP)},
#endif
#ifdef CLONE_NEWUTS
    {"CLONE_NEWUTS", (long long)(CLONE_NEWUTS)},
#endif
#ifdef CLONE_NEWIPC
    {"CLONE_NEWIPC", (long long)(CLONE_NEWIPC)},
#endif
#ifdef CLONE_NEWUSER
    {"CLONE_NEWUSER", (long long)(CLONE_NEWUSER)},
#endif
#ifdef CLONE_NEWPID
    {"CLONE_NEWPID", (long long)(CLONE_NEWPID)},
#endif
#ifdef CLONE_NEWNET
    {"CLONE_NEWNET", (long long)(CLONE_NEWNET)},
#endif
#ifdef CLONE_IO
    {"CLONE_IO", (long long)(CLONE_IO)},
#endif
#ifdef CLONE_CLEAR_SIGHAND
    {"CLONE_CLEAR_SIGHAND", (long long)(CLONE_CLEAR_SIGHAND)},
#endif
#ifdef CLONE_INTO_CGROUP
    {"CLONE_INTO_CGROUP", (long long)(CLONE_INTO_CGROUP)},
#endif
#ifdef WNOHANG
    {"WNOHANG", (long long)(WNOHANG)},
#endif
#ifdef WUNTRACED
    {"WUNTRACED", (long long)(WUNTRACED)},
#endif
#ifdef WSTOPPED
    {"WSTOPPED", (long long)(WSTOPPED)},
#endif
#ifdef WEXITED
    {"WEXITED", (long long)(WEXITED)},
#endif
#ifdef WCONTINUED
    {"WCONTINUED", (long long)(WCONTINUED)},
#endif
#ifdef WNOWAIT
    {"WNOWAIT", (long long)(WNOWAIT)},
#endif
#ifdef __WNOTHREAD
    {"__WNOTHREAD", (long long)(__WNOTHREAD)},
#endif
#ifdef __WALL
    {"__WALL", (long long)(__WALL)},
#endif
#ifdef __WCLONE
    {"__WCLONE", (long long)(__WCLONE)},
#endif
    {"P_ALL", (long long)(P_ALL)},
    {"P_PID", (long long)(P_PID)},
    {"P_PGID", (long long)(P_PGID)},
    {"P_PIDFD", (long long)(P_PIDFD)},
#ifdef AT_NULL
    {"AT_NULL", (long long)(AT_NULL)},
#endif
#ifdef AT_IGNORE
    {"AT_IGNORE", (long long)(AT_IGNORE)},
#endif
#ifdef AT_EXECFD
    {"AT_EXECFD", (long long)(AT_EXECFD)},
#endif
#ifdef AT_PHDR
    {"AT_PHDR", (long long)(AT_PHDR)},
#endif
#ifdef AT_PHENT
    {"AT_PHENT", (long long)(AT_PHENT)},
#endif
#ifdef AT_PHNUM
    {"AT_PHNUM", (long long)(AT_PHNUM)},
#endif
#ifdef AT_PAGESZ
    {"AT_PAGESZ", (long long)(AT_PAGESZ)},
#endif
#ifdef AT_BASE
    {"AT_BASE", (long long)(AT_BASE)},
#endif
#ifdef AT_FLAGS
    {"AT_FLAGS", (long long)(AT_FLAGS)},
#endif
#ifdef AT_ENTRY
    {"AT_ENTRY", (long long)(AT_ENTRY)},
#endif
#ifdef AT_NOTELF
    {"AT_NOTELF", (long long)(AT_NOTELF)},
#endif
#ifdef AT_UID
    {"AT_UID", (long long)(AT_UID)},
#endif
#ifdef AT_EUID
    {"AT_EUID", (long long)(AT_EUID)},
#endif
#ifdef AT_GID
    {"AT_GID", (long long)(AT_GID)},
#endif
#ifdef AT_EGID
    {"AT_EGID", (long long)(AT_EGID)},
#endif
#ifdef AT_PLATFORM
    {"AT_PLATFORM", (long long)(AT_PLATFORM)},
#endif
#ifdef AT_HWCAP
    {"AT_HWCAP", (long long)(AT_HWCAP)},
#endif
#ifdef AT_CLKTCK
    {"AT_CLKTCK", (long long)(AT_CLKTCK)},
#endif
#ifdef AT_SECURE
    {"AT_SECURE", (long long)(AT_SECURE)},
#endif
#ifdef AT_BASE_PLATFORM
    {"AT_BASE_PLATFORM", (long long)(AT_BASE_PLATFORM)},
#endif
#ifdef AT_RANDOM
    {"AT_RANDOM", (long long)(AT_RANDOM)},
#endif
#ifdef AT_HWCAP2
    {"AT_HWCAP2", (long long)(AT_HWCAP2)},
#endif
#ifdef AT_RSEQ_FEATURE_SIZE
    {"AT_RSEQ_FEATURE_SIZE", (long long)(AT_RSEQ_FEATURE_SIZE)},
#endif
#ifdef AT_RSEQ_ALIGN
    {"AT_RSEQ_ALIGN", (long long)(AT_RSEQ_ALIGN)},
#endif
#ifdef AT_EXECFN
    {"AT_EXECFN", (long long)(AT_EXECFN)},
#endif
#ifdef AT_SYSINFO_EHDR
    {"AT_SYSINFO_EHDR", (long long)(AT_SYSINFO_EHDR)},
#endif
#ifdef AT_MINSIGSTKSZ
    {"AT_MINSIGSTKSZ", (long long)(AT_MINSIGSTKSZ)},
#endif
#ifdef PR_SET_PDEATHSIG
    {"PR_SET_PDEATHSIG", (long long)(PR_SET_PDEATHSIG)},
#endif
#ifdef PR_GET_PDEATHSIG
    {"PR_GET_PDEATHSIG", (long long)(PR_GET_PDEATHSIG)},
#endif
#ifdef PR_GET_DUMPABLE
    {"PR_GET_DUMPABLE", (long long)(PR_GET_DUMPABLE)},
#endif
#ifdef PR_SET_DUMPABLE
    {"PR_SET_DUMPABLE", (long long)(PR_SET_DUMPABLE)},
#endif
#ifdef PR_GET_KEEPCAPS
    {"PR_GET_KEEPCAPS", (long long)(PR_GET_KEEPCAPS)},
#endif
#ifdef PR_SET_KEEPCAPS
    {"PR_SET_KEEPCAPS", (long long)(PR_SET_KEEPCAPS)},
#endif
#ifdef PR_GET_TIMING
    {"PR_GET_TIMING", (long long)(PR_GET_TIMING)},
#endif
#ifdef PR_SET_NAME
    {"PR_SET_NAME", (long long)(PR_SET_NAME)},
#endif
#ifdef PR_GET_NAME
    {"PR_GET_NAME", (long long)(PR_GET_NAME)},
#endif
#ifdef PR_GET_SECCOMP
    {"PR_GET_SECCOMP", (long long)(PR_GET_SECCOMP)},
#endif
#ifdef PR_SET_SECCOMP
    {"PR_SET_SECCOMP", (long long)(PR_SET_SECCOMP)},
#endif
#ifdef PR_CAPBSET_READ
    {"PR_CAPBSET_READ", (long long)(PR_CAPBSET_READ)},
#endif
#ifdef PR_CAPBSET_DROP
    {"PR_CAPBSET_DROP", (long long)(PR_CAPBSET_DROP)},
#endif
#ifdef PR_GET_SECUREBITS
    {"PR_GET_SECUREBITS", (long long)(PR_GET_SECUREBITS)},
#endif
#ifdef PR_SET_SECUREBITS
    {"PR_SET_SECUREBITS", (long long)(PR_SET_SECUREBITS)},
#endif
#ifdef PR_GET_TIMERSLACK
    {"PR_GET_TIMERSLACK", (long long)(PR_GET_TIMERSLACK)},
#endif
#ifdef PR_SET_TIMERSLACK
    {"PR_SET_TIMERSLACK", (long long)(PR_SET_TIMERSLACK)},
#endif
#ifdef PR_SET_MM
    {"PR_SET_MM", (long long)(PR_SET_MM)},
#endif
#ifdef PR_SET_CHILD_SUBREAPER
    {"PR_SET_CHILD_SUBREAPER", (long long)(PR_SET_CHILD_SUBREAPER)},
#endif
#ifdef PR_GET_CHILD_SUBREAPER
    {"PR_GET_CHILD_SUBREAPER", (long long)(PR_GET_CHILD_SUBREAPER)},
#endif
#ifdef PR_SET_NO_NEW_PRIVS
    {"PR_SET_NO_NEW_PRIVS", (long long)(PR_SET_NO_NEW_PRIVS)},
#endif
#ifdef PR_GET_NO_NEW_PRIVS
    {"PR_GET_NO_NEW_PRIVS", (long long)(PR_GET_NO_NEW_PRIVS)},
#endif
#ifdef PR_GET_TID_ADDRESS
    {"PR_GET_TID_ADDRESS", (long long)(PR_GET_TID_ADDRESS)},
#endif
#ifdef PR_SET_THP_DISABLE
    {"PR_SET_THP_DISABLE", (long long)(PR_SET_THP_DISABLE)},
#endif
#ifdef PR_GET_THP_DISABLE
    {"PR_GET_THP_DISABLE", (long long)(PR_GET_THP_DISABLE)},
#endif
#ifdef PR_CAP_AMBIENT
    {"PR_CAP_AMBIENT", (long long)(PR_CAP_AMBIENT)},
#endif
#ifdef PR_CAP_AMBIENT_IS_SET
    {"PR_CAP_AMBIENT_IS_SET", (long long)(PR_CAP_AMBIENT_IS_SET)},
#endif
#ifdef PR_CAP_AMBIENT_RAISE
    {"PR_CAP_AMBIENT_RAISE", (long long)(PR_CAP_AMBIENT_RAISE)},
#endif
#ifdef PR_CAP_AMBIENT_LOWER
    {"PR_CAP_AMBIENT_LOWER", (long long)(PR_CAP_AMBIENT_LOWER)},
#endif
#ifdef PR_CAP_AMBIENT_CLEAR_ALL
    {"PR_CAP_AMBIENT_CLEAR_ALL", (long long)(PR_CAP_AMBIENT_CLEAR_ALL)},
#endif
#ifdef PR_SET_VMA
    {"PR_SET_VMA", (long long)(PR_SET_VMA)},
#endif
#ifdef TASK_COMM_LEN
    {"TASK_COMM_LEN", (long long)(TASK_COMM_LEN)},
#endif
#ifdef ARCH_SET_GS
    {"ARCH_SET_GS", (long long)(ARCH_SET_GS)},
#endif
#ifdef ARCH_SET_FS
    {"ARCH_SET_FS", (long long)(ARCH_SET_FS)},
#endif
#ifdef ARCH_GET_FS
    {"ARCH_GET_FS", (long long)(ARCH_GET_FS)},
#endif
#ifdef ARCH_GET_GS
    {"ARCH_GET_GS", (long long)(ARCH_GET_GS)},
#endif
#ifdef RLIMIT_CPU
    {"RLIMIT_CPU", (long long)(RLIMIT_CPU)},
#endif
#ifdef RLIMIT_FSIZE
    {"RLIMIT_FSIZE", (long long)(RLIMIT_FSIZE)},
#endif
#ifdef RLIMIT_DATA
    {"RLIMIT_DATA", (long long)(RLIMIT_DATA)},
#endif
#ifdef RLIMIT_STACK
    {"RLIMIT_STACK", (long long)(RLIMIT_STACK)},
#endif
#ifdef RLIMIT_CORE
    {"RLIMIT_CORE", (long long)(RLIMIT_CORE)},
#endif
#ifdef RLIMIT_RSS
    {"RLIMIT_RSS", (long long)(RLIMIT_RSS)},
#endif
#ifdef RLIMIT_NPROC
    {"RLIMIT_NPROC", (long long)(RLIMIT_NPROC)},
#endif
#ifdef RLIMIT_NOFILE
    {"RLIMIT_NOFILE", (long long)(RLIMIT_NOFILE)},
#endif
#ifdef RLIMIT_MEMLOCK
    {"RLIMIT_MEMLOCK", (long long)(RLIMIT_MEMLOCK)},
#endif
#ifdef RLIMIT_AS
    {"RLIMIT_AS", (long long)(RLIMIT_AS)},
#endif
#ifdef RLIMIT_LOCKS
    {"RLIMIT_LOCKS", (long long)(RLIMIT_LOCKS)},
#endif
#ifdef RLIMIT_SIGPENDING
    {"RLIMIT_SIGPENDING", (long long)(RLIMIT_SIGPENDING)},
#endif
#ifdef RLIMIT_MSGQUEUE
    {"RLIMIT_MSGQUEUE", (long long)(RLIMIT_MSGQUEUE)},
#endif
#ifdef RLIMIT_NICE
    {"RLIMIT_NICE", (long long)(RLIMIT_NICE)},
#endif
#ifdef RLIMIT_RTPRIO
    {"RLIMIT_RTPRIO", (long long)(RLIMIT_RTPRIO)},
#endif
#ifdef RLIMIT_RTTIME
    {"RLIMIT_RTTIME", (long long)(RLIMIT_RTTIME)},
#endif
#ifdef RLIM_NLIMITS
    {"RLIM_NLIMITS", (long long)(RLIM_NLIMITS)},
#endif
#ifdef RLIM_INFINITY
    {"RLIM_INFINITY", (long long)(RLIM_INFINITY)},
#endif
#ifdef SIGHUP
    {"SIGHUP", (long long)(SIGHUP)},
#endif
#ifdef SIGINT
    {"SIGINT", (long long)(SIGINT)},
#endif
#ifdef SIGQUIT
    {"SIGQUIT", (long long)(SIGQUIT)},
#endif
#ifdef SIGILL
    {"SIGILL", (long long)(SIGILL)},
#endif
#ifdef SIGTRAP
    {"SIGTRAP", (long long)(SIGTRAP)},
#endif
#ifdef SIGABRT
    {"SIGABRT", (long long)(SIGABRT)},
#endif
#ifdef SIGIOT
    {"SIGIOT", (long long)(SIGIOT)},
#endif
#ifdef SIGBUS
    {"SIGBUS", (long long)(SIGBUS)},
#endif
#ifdef SIGFPE
    {"SIGFPE", (long long)(SIGFPE)},
#endif
#ifdef SIGKILL
    {"SIGKILL", (long long)(SIGKILL)},
#endif
#ifdef SIGUSR1
    {"SIGUSR1", (long long)(SIGUSR1)},
#endif
#ifdef SIGSEGV
    {"SIGSEGV", (long long)(SIGSEGV)},
#endif
#ifdef SIGUSR2
    {"SIGUSR2", (long long)(SIGUSR2)},
#endif
#ifdef SIGPIPE
    {"SIGPIPE", (long long)(SIGPIPE)},
#endif
#ifdef SIGALRM
    {"SIGALRM", (long long)(SIGALRM)},
#endif
#ifdef SIGTERM
    {"SIGTERM", (long long)(SIGTERM)},
#endif
#ifdef SIGSTKFLT
    {"SIGSTKFLT", (long long)(SIGSTKFLT)},
#endif
#ifdef SIGCHLD
    {"SIGCHLD", (long long)(SIGCHLD)},
#endif
#ifdef SIGCONT
    {"SIGCONT", (long long)(SIGCONT)},
#endif
#ifdef SIGSTOP
    {"SIGSTOP", (long long)(SIGSTOP)},
#endif
#ifdef SIGTSTP
    {"SIGTSTP", (long long)(SIGTSTP)},
#endif
#ifdef SIGTTIN
    {"SIGTTIN", (long long)(SIGTTIN)},
#endif
#ifdef SIGTTOU
    {"SIGTTOU", (long long)(SIGTTOU)},
#endif
#ifdef SIGURG
    {"SIGURG", (long long)(SIGURG)},
#endif
#ifdef SIGXCPU
    {"SIGXCPU", (long long)(SIGXCPU)},
#endif
#ifdef SIGXFSZ
    {"SIGXFSZ", (long long)(SIGXFSZ)},
#endif
#ifdef SIGVTALRM
    {"SIGVTALRM", (long long)(SIGVTALRM)},
#endif
#ifdef SIGPROF
    {"SIGPROF", (long long)(SIGPROF)},
#endif
#ifdef SIGWINCH
    {"SIGWINCH", (long long)(SIGWINCH)},
#endif
#ifdef SIGIO
    {"SIGIO", (long long)(SIGIO)},
#endif
#ifdef SIGPOLL
    {"SIGPOLL", (long long)(SIGPOLL)},
#endif
#ifdef SIGPWR
    {"SIGPWR", (long long)(SIGPWR)},
#endif
#ifdef SIGSYS
    {"SIGSYS", (long long)(SIGSYS)},
#endif
#ifdef KERNEL_NSIG
    {"KERNEL_NSIG", (long long)(KERNEL_NSIG)},
#endif
#ifdef KERNEL_SIGSET_SIZE
    {"KERNEL_SIGSET_SIZE", (long long)(KERNEL_SIGSET_SIZE)},
#endif
#ifdef SIG_BLOCK
    {"SIG_BLOCK", (long long)(SIG_BLOCK)},
#endif
#ifdef SIG_UNBLOCK
    {"SIG_UNBLOCK", (long long)(SIG_UNBLOCK)},
#endif
#ifdef SIG_SETMASK
    {"SIG_SETMASK", (long long)(SIG_SETMASK)},
#endif
#ifdef SA_NOCLDSTOP
    {"SA_NOCLDSTOP", (long long)(SA_NOCLDSTOP)},
#endif
#ifdef SA_NOCLDWAIT
    {"SA_NOCLDWAIT", (long long)(SA_NOCLDWAIT)},
#endif
#ifdef SA_SIGINFO
    {"SA_SIGINFO", (long long)(SA_SIGINFO)},
#endif
#ifdef SA_UNSUPPORTED
    {"SA_UNSUPPORTED", (long long)(SA_UNSUPPORTED)},
#endif
#ifdef SA_EXPOSE_TAGBITS
    {"SA_EXPOSE_TAGBITS", (long long)(SA_EXPOSE_TAGBITS)},
#endif
#ifdef SA_RESTORER
    {"SA_RESTORER", (long long)(SA_RESTORER)},
#endif
#ifdef SA_ONSTACK
    {"SA_ONSTACK", (long long)(SA_ONSTACK)},
#endif
#ifdef SA_RESTART
    {"SA_RESTART", (long long)(SA_RESTART)},
#endif
#ifdef SA_NODEFER
    {"SA_NODEFER", (long long)(SA_NODEFER)},
#endif
#ifdef SA_RESETHAND
    {"SA_RESETHAND", (long long)(SA_RESETHAND)},
#endif
#ifdef SA_NOMASK
    {"SA_NOMASK", (long long)(SA_NOMASK)},
#endif
#ifdef SA_ONESHOT
    {"SA_ONESHOT", (long long)(SA_ONESHOT)},
#endif
#ifdef SS_ONSTACK
    {"SS_ONSTACK", (long long)(SS_ONSTACK)},
#endif
#ifdef SS_DISABLE
    {"SS_DISABLE", (long long)(SS_DISABLE)},
#endif
#ifdef SS_AUTODISARM
    {"SS_AUTODISARM", (long long)(SS_AUTODISARM)},
#endif
#ifdef SI_USER
    {"SI_USER", (long long)(SI_USER)},
#endif
#ifdef SI_KERNEL
    {"SI_KERNEL", (long long)(SI_KERNEL)},
#endif
#ifdef SI_QUEUE
    {"SI_QUEUE", (long long)(SI_QUEUE)},
#endif
#ifdef SI_TIMER
    {"SI_TIMER", (long long)(SI_TIMER)},
#endif
#ifdef SI_MESGQ
    {"SI_MESGQ", (long long)(SI_MESGQ)},
#endif
#ifdef SI_ASYNCIO
    {"SI_ASYNCIO", (long long)(SI_ASYNCIO)},
#endif
#ifdef SI_SIGIO
    {"SI_SIGIO", (long long)(SI_SIGIO)},
#endif
#ifdef SI_TKILL
    {"SI_TKILL", (long long)(SI_TKILL)},
#endif
#ifdef CLD_EXITED
    {"CLD_EXITED", (long long)(CLD_EXITED)},
#endif
#ifdef CLD_KILLED
    {"CLD_KILLED", (long long)(CLD_KILLED)},
#endif
#ifdef CLD_DUMPED
    {"CLD_DUMPED", (long long)(CLD_DUMPED)},
#endif
#ifdef CLD_TRAPPED
    {"CLD_TRAPPED", (long long)(CLD_TRAPPED)},
#endif
#ifdef CLD_STOPPED
    {"CLD_STOPPED", (long long)(CLD_STOPPED)},
#endif
#ifdef CLD_CONTINUED
    {"CLD_CONTINUED", (long long)(CLD_CONTINUED)},
#endif
#ifdef SEGV_MAPERR
    {"SEGV_MAPERR", (long long)(SEGV_MAPERR)},
#endif
#ifdef SEGV_ACCERR
    {"SEGV_ACCERR", (long long)(SEGV_ACCERR)},
#endif
#ifdef SYS_SECCOMP
    {"SYS_SECCOMP", (long long)(SYS_SECCOMP)},
#endif
#ifdef POLL_IN
    {"POLL_IN", (long long)(POLL_IN)},
#endif
#ifdef POLL_OUT
    {"POLL_OUT", (long long)(POLL_OUT)},
#endif
#ifdef POLL_HUP
    {"POLL_HUP", (long long)(POLL_HUP)},
#endif
#ifdef EPERM
    {"EPERM", (long long)(EPERM)},
#endif
#ifdef ENOENT
    {"ENOENT", (long long)(ENOENT)},
#endif
#ifdef ESRCH
    {"ESRCH", (long long)(ESRCH)},
#endif
#ifdef EINTR
    {"EINTR", (long long)(EINTR)},
#endif
#ifdef EIO
    {"EIO", (long long)(EIO)},
#endif
#ifdef ENXIO
    {"ENXIO", (long long)(ENXIO)},
#endif
#ifdef E2BIG
    {"E2BIG", (long long)(E2BIG)},
#endif
#ifdef ENOEXEC
    {"ENOEXEC", (long long)(ENOEXEC)},
#endif
#ifdef EBADF
    {"EBADF", (long long)(EBADF)},
#endif
#ifdef ECHILD
    {"ECHILD", (long long)(ECHILD)},
#endif
#ifdef EAGAIN
    {"EAGAIN", (long long)(EAGAIN)},
#endif
#ifdef ENOMEM
    {"ENOMEM", (long long)(ENOMEM)},
#endif
#ifdef EACCES
    {"EACCES", (long long)(EACCES)},
#endif
#ifdef EFAULT
    {"EFAULT", (long long)(EFAULT)},
#endif
#ifdef ENOTBLK
    {"ENOTBLK", (long long)(ENOTBLK)},
#endif
#ifdef EBUSY
    {"EBUSY", (long long)(EBUSY)},
#endif
#ifdef EEXIST
    {"EEXIST", (long long)(EEXIST)},
#endif
#ifdef EXDEV
    {"EXDEV", (long long)(EXDEV)},
#endif
#ifdef ENODEV
    {"ENODEV", (long long)(ENODEV)},
#endif
#ifdef ENOTDIR
    {"ENOTDIR", (long long)(ENOTDIR)},
#endif
#ifdef EISDIR
    {"EISDIR", (long long)(EISDIR)},
#endif
#ifdef EINVAL
    {"EINVAL", (long long)(EINVAL)},
#endif
#ifdef ENFILE
    {"ENFILE", (long long)(ENFILE)},
#endif
#ifdef EMFILE
    {"EMFILE", (long long)(EMFILE)},
#endif
#ifdef ENOTTY
    {"ENOTTY", (long long)(ENOTTY)},
#endif
#ifdef ETXTBSY
    {"ETXTBSY", (long long)(ETXTBSY)},
#endif
#ifdef EFBIG
    {"EFBIG", (long long)(EFBIG)},
#endif
#ifdef ENOSPC
    {"ENOSPC", (long long)(ENOSPC)},
#endif
#ifdef ESPIPE
    {"ESPIPE", (long long)(ESPIPE)},
#endif
#ifdef EROFS
    {"EROFS", (long long)(EROFS)},
#endif
#ifdef EMLINK
    {"EMLINK", (long long)(EMLINK)},
#endif
#ifdef EPIPE
    {"EPIPE", (long long)(EPIPE)},
#endif
#ifdef EDOM
    {"EDOM", (long long)(EDOM)},
#endif
#ifdef ERANGE
    {"ERANGE", (long long)(ERANGE)},
#endif
#ifdef EDEADLK
    {"EDEADLK", (long long)(EDEADLK)},
#endif
#ifdef ENAMETOOLONG
    {"ENAMETOOLONG", (long long)(ENAMETOOLONG)},
#endif
#ifdef ENOLCK
    {"ENOLCK", (long long)(ENOLCK)},
#endif
#ifdef ENOSYS
    {"ENOSYS", (long long)(ENOSYS)},
#endif
#ifdef ENOTEMPTY
    {"ENOTEMPTY", (long long)(ENOTEMPTY)},
#endif
#ifdef ELOOP
    {"ELOOP", (long long)(ELOOP)},
#endif
#ifdef ENOMSG
    {"ENOMSG", (long long)(ENOMSG)},
#endif
#ifdef EIDRM
    {"EIDRM", (long long)(EIDRM)},
#endif
#ifdef ECHRNG
    {"ECHRNG", (long long)(ECHRNG)},
#endif
#ifdef EL2NSYNC
    {"EL2NSYNC", (long long)(EL2NSYNC)},
#endif
#ifdef EL3HLT
    {"EL3HLT", (long long)(EL3HLT)},
#endif
#ifdef EL3RST
    {"EL3RST", (long long)(EL3RST)},
#endif
#ifdef ELNRNG
    {"ELNRNG", (long long)(ELNRNG)},
#endif
#ifdef EUNATCH
    {"EUNATCH", (long long)(EUNATCH)},
#endif
#ifdef ENOCSI
    {"ENOCSI", (long long)(ENOCSI)},
#endif
#ifdef EL2HLT
    {"EL2HLT", (long long)(EL2HLT)},
#endif
#ifdef EBADE
    {"EBADE", (long long)(EBADE)},
#endif
#ifdef EBADR
    {"EBADR", (long long)(EBADR)},
#endif
#ifdef EXFULL
    {"EXFULL", (long long)(EXFULL)},
#endif
#ifdef ENOANO
    {"ENOANO", (long long)(ENOANO)},
#endif
#ifdef EBADRQC
    {"EBADRQC", (long long)(EBADRQC)},
#endif
#ifdef EBADSLT
    {"EBADSLT", (long long)(EBADSLT)},
#endif
#ifdef EBFONT
    {"EBFONT", (long long)(EBFONT)},
#endif
#ifdef ENOSTR
    {"ENOSTR", (long long)(ENOSTR)},
#endif
#ifdef ENODATA
    {"ENODATA", (long long)(ENODATA)},
#endif
#ifdef ETIME
    {"ETIME", (long long)(ETIME)},
#endif
#ifdef ENOSR
    {"ENOSR", (long long)(ENOSR)},
#endif
#ifdef ENONET
    {"ENONET", (long long)(ENONET)},
#endif
#ifdef ENOPKG
    {"ENOPKG", (long long)(ENOPKG)},
#endif
#ifdef EREMOTE
    {"EREMOTE", (long long)(EREMOTE)},
#endif
#ifdef ENOLINK
    {"ENOLINK", (long long)(ENOLINK)},
#endif
#ifdef EADV
    {"EADV", (long long)(EADV)},
#endif
#ifdef ESRMNT
    {"ESRMNT", (long long)(ESRMNT)},
#endif
#ifdef ECOMM
    {"ECOMM", (long long)(ECOMM)},
#endif
#ifdef EPROTO
    {"EPROTO", (long long)(EPROTO)},
#endif
#ifdef EMULTIHOP
    {"EMULTIHOP", (long long)(EMULTIHOP)},
#endif
#ifdef EDOTDOT
    {"EDOTDOT", (long long)(EDOTDOT)},
#endif
#ifdef EBADMSG
    {"EBADMSG", (long long)(EBADMSG)},
#endif
#ifdef EOVERFLOW
    {"EOVERFLOW", (long long)(EOVERFLOW)},
#endif
#ifdef ENOTUNIQ
    {"ENOTUNIQ", (long long)(ENOTUNIQ)},
#endif
#ifdef EBADFD
    {"EBADFD", (long long)(EBADFD)},
#endif
#ifdef EREMCHG
    {"EREMCHG", (long long)(EREMCHG)},
#endif
#ifdef ELIBACC
    {"ELIBACC", (long long)(ELIBACC)},
#endif
#ifdef ELIBBAD
    {"ELIBBAD", (long long)(ELIBBAD)},
#endif
#ifdef ELIBSCN
    {"ELIBSCN", (long long)(ELIBSCN)},
#endif
#ifdef ELIBMAX
    {"ELIBMAX", (long long)(ELIBMAX)},
#endif
#ifdef ELIBEXEC
    {"ELIBEXEC", (long long)(ELIBEXEC)},
#endif
#ifdef EILSEQ
    {"EILSEQ", (long long)(EILSEQ)},
#endif
#ifdef ERESTART
    {"ERESTART", (long long)(ERESTART)},
#endif
#ifdef ESTRPIPE
    {"ESTRPIPE", (long long)(ESTRPIPE)},
#endif
#ifdef EUSERS
    {"EUSERS", (long long)(EUSERS)},
#endif
#ifdef ENOTSOCK
    {"ENOTSOCK", (long long)(ENOTSOCK)},
#endif
#ifdef EDESTADDRREQ
    {"EDESTADDRREQ", (long long)(EDESTADDRREQ)},
#endif
#ifdef EMSGSIZE
    {"EMSGSIZE", (long long)(EMSGSIZE)},
#endif
#ifdef EPROTOTYPE
    {"EPROTOTYPE", (long long)(EPROTOTYPE)},
#endif
#ifdef ENOPROTOOPT
    {"ENOPROTOOPT", (long long)(ENOPROTOOPT)},
#endif
#ifdef EPROTONOSUPPORT
    {"EPROTONOSUPPORT", (long long)(EPROTONOSUPPORT)},
#endif
#ifdef ESOCKTNOSUPPORT
    {"ESOCKTNOSUPPORT", (long long)(ESOCKTNOSUPPORT)},
#endif
#ifdef EOPNOTSUPP
    {"EOPNOTSUPP", (long long)(EOPNOTSUPP)},
#endif
#ifdef EPFNOSUPPORT
    {"EPFNOSUPPORT", (long long)(EPFNOSUPPORT)},
#endif
#ifdef EAFNOSUPPORT
    {"EAFNOSUPPORT", (long long)(EAFNOSUPPORT)},
#endif
#ifdef EADDRINUSE
    {"EADDRINUSE", (long long)(EADDRINUSE)},
#endif
#ifdef EADDRNOTAVAIL
    {"EADDRNOTAVAIL", (long long)(EADDRNOTAVAIL)},
#endif
#ifdef ENETDOWN
    {"ENETDOWN", (long long)(ENETDOWN)},
#endif
#ifdef ENETUNREACH
    {"ENETUNREACH", (long long)(ENETUNREACH)},
#endif
#ifdef ENETRESET
    {"ENETRESET", (long long)(ENETRESET)},
#endif
#ifdef ECONNABORTED
    {"ECONNABORTED", (long long)(ECONNABORTED)},
#endif
#ifdef ECONNRESET
    {"ECONNRESET", (long long)(ECONNRESET)},
#endif
#ifdef ENOBUFS
    {"ENOBUFS", (long long)(ENOBUFS)},
#endif
#ifdef EISCONN
    {"EISCONN", (long long)(EISCONN)},
#endif
#ifdef ENOTCONN
    {"ENOTCONN", (long long)(ENOTCONN)},
#endif
#ifdef ESHUTDOWN
    {"ESHUTDOWN", (long long)(ESHUTDOWN)},
#endif
#ifdef ETOOMANYREFS
    {"ETOOMANYREFS", (long long)(ETOOMANYREFS)},
#endif
#ifdef ETIMEDOUT
    {"ETIMEDOUT", (long long)(ETIMEDOUT)},
#endif
#ifdef ECONNREFUSED
    {"ECONNREFUSED", (long long)(ECONNREFUSED)},
#endif
#ifdef EHOSTDOWN
    {"EHOSTDOWN", (long long)(EHOSTDOWN)},
#endif
#ifdef EHOSTUNREACH
    {"EHOSTUNREACH", (long long)(EHOSTUNREACH)},
#endif
#ifdef EALREADY
    {"EALREADY", (long long)(EALREADY)},
#endif
#ifdef EINPROGRESS
    {"EINPROGRESS", (long long)(EINPROGRESS)},
#endif
#ifdef ESTALE
    {"ESTALE", (long long)(ESTALE)},
#endif
#ifdef EUCLEAN
    {"EUCLEAN", (long long)(EUCLEAN)},
#endif
#ifdef ENOTNAM
    {"ENOTNAM", (long long)(ENOTNAM)},
#endif
#ifdef ENAVAIL
    {"ENAVAIL", (long long)(ENAVAIL)},
#endif
#ifdef EISNAM
    {"EISNAM", (long long)(EISNAM)},
#endif
#ifdef EREMOTEIO
    {"EREMOTEIO", (long long)(EREMOTEIO)},
#endif
#ifdef EDQUOT
    {"EDQUOT", (long long)(EDQUOT)},
#endif
#ifdef ENOMEDIUM
    {"ENOMEDIUM", (long long)(ENOMEDIUM)},
#endif
#ifdef EMEDIUMTYPE
    {"EMEDIUMTYPE", (long long)(EMEDIUMTYPE)},
#endif
#ifdef ECANCELED
    {"ECANCELED", (long long)(ECANCELED)},
#endif
#ifdef ENOKEY
    {"ENOKEY", (long long)(ENOKEY)},
#endif
#ifdef EKEYEXPIRED
    {"EKEYEXPIRED", (long long)(EKEYEXPIRED)},
#endif
#ifdef EKEYREVOKED
    {"EKEYREVOKED", (long long)(EKEYREVOKED)},
#endif
#ifdef EKEYREJECTED
    {"EKEYREJECTED", (long long)(EKEYREJECTED)},
#endif
#ifdef EOWNERDEAD
    {"EOWNERDEAD", (long long)(EOWNERDEAD)},
#endif
#ifdef ENOTRECOVERABLE
    {"ENOTRECOVERABLE", (long long)(ENOTRECOVERABLE)},
#endif
#ifdef ERFKILL
    {"ERFKILL", (long long)(ERFKILL)},
#endif
#ifdef EHWPOISON
    {"EHWPOISON", (long long)(EHWPOISON)},
#endif
#ifdef ENOTSUP
    {"ENOTSUP", (long long)(ENOTSUP)},
#endif
#ifdef ERESTARTSYS
    {"ERESTARTSYS", (long long)(ERESTARTSYS)},
#endif
#ifdef ERESTARTNOINTR
    {"ERESTARTNOINTR", (long long)(ERESTARTNOINTR)},
#endif
#ifdef ERESTARTNOHAND
    {"ERESTARTNOHAND", (long long)(ERESTARTNOHAND)},
#endif
#ifdef ENOIOCTLCMD
    {"ENOIOCTLCMD", (long long)(ENOIOCTLCMD)},
#endif
#ifdef ERESTART_RESTARTBLOCK
    {"ERESTART_RESTARTBLOCK", (long long)(ERESTART_RESTARTBLOCK)},
#endif
};
/* GENERATED CONSTANTS END */

/* GENERATED SYSCALLS BEGIN */
static const struct chusk_abi_named chusk_abi_sys_table[] = {
    {"read", SYS_read},
    {"write", SYS_write},
    {"open", SYS_open},
    {"close", SYS_close},
    {"stat", SYS_stat},
    {"fstat", SYS_fstat},
    {"lstat", SYS_lstat},
    {"poll", SYS_poll},
    {"lseek", SYS_lseek},
    {"mmap", SYS_mmap},
    {"mprotect", SYS_mprotect},
    {"munmap", SYS_munmap},
    {"brk", SYS_brk},
    {"rt_sigaction", SYS_rt_sigaction},
    {"rt_sigprocmask", SYS_rt_sigprocmask},
    {"rt_sigreturn", SYS_rt_sigreturn},
    {"ioctl", SYS_ioctl},
    {"pread64", SYS_pread64},
    {"pwrite64", SYS_pwrite64},
    {"readv", SYS_readv},
    {"writev", SYS_writev},
    {"access", SYS_access},
    {"pipe", SYS_pipe},
    {"select", SYS_select},
    {"sched_yield", SYS_sched_yield},
    {"mremap", SYS_mremap},
    {"msync", SYS_msync},
    {"mincore", SYS_mincore},
    {"madvise", SYS_madvise},
    {"shmget", SYS_shmget},
    {"shmat", SYS_shmat},
    {"shmctl", SYS_shmctl},
    {"dup", SYS_dup},
    {"dup2", SYS_dup2},
    {"pause", SYS_pause},
    {"nanosleep", SYS_nanosleep},
    {"getitimer", SYS_getitimer},
    {"alarm", SYS_alarm},
    {"setitimer", SYS_setitimer},
    {"getpid", SYS_getpid},
    {"sendfile", SYS_sendfile},
    {"socket", SYS_socket},
    {"connect", SYS_connect},
    {"accept", SYS_accept},
    {"sendto", SYS_sendto},
    {"recvfrom", SYS_recvfrom},
    {"sendmsg", SYS_sendmsg},
    {"recvmsg", SYS_recvmsg},
    {"shutdown", SYS_shutdown},
    {"bind", SYS_bind},
    {"listen", SYS_listen},
    {"getsockname", SYS_getsockname},
    {"getpeername", SYS_getpeername},
    {"socketpair", SYS_socketpair},
    {"setsockopt", SYS_setsockopt},
    {"getsockopt", SYS_getsockopt},
    {"clone", SYS_clone},
    {"fork", SYS_fork},
    {"vfork", SYS_vfork},
    {"execve", SYS_execve},
    {"exit", SYS_exit},
    {"wait4", SYS_wait4},
    {"kill", SYS_kill},
    {"uname", SYS_uname},
    {"semget", SYS_semget},
    {"semop", SYS_semop},
    {"semctl", SYS_semctl},
    {"shmdt", SYS_shmdt},
    {"msgget", SYS_msgget},
    {"msgsnd", SYS_msgsnd},
    {"msgrcv", SYS_msgrcv},
    {"msgctl", SYS_msgctl},
    {"fcntl", SYS_fcntl},
    {"flock", SYS_flock},
    {"fsync", SYS_fsync},
    {"fdatasync", SYS_fdatasync},
    {"truncate", SYS_truncate},
    {"ftruncate", SYS_ftruncate},
    {"getdents", SYS_getdents},
    {"getcwd", SYS_getcwd},
    {"chdir", SYS_chdir},
    {"fchdir", SYS_fchdir},
    {"rename", SYS_rename},
    {"mkdir", SYS_mkdir},
    {"rmdir", SYS_rmdir},
    {"creat", SYS_creat},
    {"link", SYS_link},
    {"unlink", SYS_unlink},
    {"symlink", SYS_symlink},
    {"readlink", SYS_readlink},
    {"chmod", SYS_chmod},
    {"fchmod", SYS_fchmod},
    {"chown", SYS_chown},
    {"fchown", SYS_fchown},
    {"lchown", SYS_lchown},
    {"umask", SYS_umask},
    {"gettimeofday", SYS_gettimeofday},
    {"getrlimit", SYS_getrlimit},
    {"getrusage", SYS_getrusage},
    {"sysinfo", SYS_sysinfo},
    {"times", SYS_times},
    {"ptrace", SYS_ptrace},
    {"getuid", SYS_getuid},
    {"syslog", SYS_syslog},
    {"getgid", SYS_getgid},
    {"setuid", SYS_setuid},
    {"setgid", SYS_setgid},
    {"geteuid", SYS_geteuid},
    {"getegid", SYS_getegid},
    {"setpgid", SYS_setpgid},
    {"getppid", SYS_getppid},
    {"getpgrp", SYS_getpgrp},
    {"setsid", SYS_setsid},
    {"setreuid", SYS_setreuid},
    {"setregid", SYS_setregid},
    {"getgroups", SYS_getgroups},
    {"setgroups", SYS_setgroups},
    {"setresuid", SYS_setresuid},
    {"getresuid", SYS_getresuid},
    {"setresgid", SYS_setresgid},
    {"getresgid", SYS_getresgid},
    {"getpgid", SYS_getpgid},
    {"setfsuid", SYS_setfsuid},
    {"setfsgid", SYS_setfsgid},
    {"getsid", SYS_getsid},
    {"capget", SYS_capget},
    {"capset", SYS_capset},
    {"rt_sigpending", SYS_rt_sigpending},
    {"rt_sigtimedwait", SYS_rt_sigtimedwait},
    {"rt_sigqueueinfo", SYS_rt_sigqueueinfo},
    {"rt_sigsuspend", SYS_rt_sigsuspend},
    {"sigaltstack", SYS_sigaltstack},
    {"utime", SYS_utime},
    {"mknod", SYS_mknod},
    {"uselib", SYS_uselib},
    {"personality", SYS_personality},
    {"ustat", SYS_ustat},
    {"statfs", SYS_statfs},
    {"fstatfs", SYS_fstatfs},
    {"sysfs", SYS_sysfs},
    {"getpriority", SYS_getpriority},
    {"setpriority", SYS_setpriority},
    {"sched_setparam", SYS_sched_setparam},
    {"sched_getparam", SYS_sched_getparam},
    {"sched_setscheduler", SYS_sched_setscheduler},
    {"sched_getscheduler", SYS_sched_getscheduler},
    {"sched_get_priority_max", SYS_sched_get_priority_max},
    {"sched_get_priority_min", SYS_sched_get_priority_min},
    {"sched_rr_get_interval", SYS_sched_rr_get_interval},
    {"mlock", SYS_mlock},
    {"munlock", SYS_munlock},
    {"mlockall", SYS_mlockall},
    {"munlockall", SYS_munlockall},
    {"vhangup", SYS_vhangup},
    {"modify_ldt", SYS_modify_ldt},
    {"pivot_root", SYS_pivot_root},
    {"_sysctl", SYS__sysctl},
    {"prctl", SYS_prctl},
    {"arch_prctl", SYS_arch_prctl},
    {"adjtimex", SYS_adjtimex},
    {"setrlimit", SYS_setrlimit},
    {"chroot", SYS_chroot},
    {"sync", SYS_sync},
    {"acct", SYS_acct},
    {"settimeofday", SYS_settimeofday},
    {"mount", SYS_mount},
    {"umount2", SYS_umount2},
    {"swapon", SYS_swapon},
    {"swapoff", SYS_swapoff},
    {"reboot", SYS_reboot},
    {"sethostname", SYS_sethostname},
    {"setdomainname", SYS_setdomainname},
    {"iopl", SYS_iopl},
    {"ioperm", SYS_ioperm},
    {"create_module", SYS_create_module},
    {"init_module", SYS_init_module},
    {"delete_module", SYS_delete_module},
    {"get_kernel_syms", SYS_get_kernel_syms},
    {"query_module", SYS_query_module},
    {"quotactl", SYS_quotactl},
    {"nfsservctl", SYS_nfsservctl},
    {"getpmsg", SYS_getpmsg},
    {"putpmsg", SYS_putpmsg},
    {"afs_syscall", SYS_afs_syscall},
    {"tuxcall", SYS_tuxcall},
    {"security", SYS_security},
    {"gettid", SYS_gettid},
    {"readahead", SYS_readahead},
    {"setxattr", SYS_setxattr},
    {"lsetxattr", SYS_lsetxattr},
    {"fsetxattr", SYS_fsetxattr},
    {"getxattr", SYS_getxattr},
    {"lgetxattr", SYS_lgetxattr},
    {"fgetxattr", SYS_fgetxattr},
    {"listxattr", SYS_listxattr},
    {"llistxattr", SYS_llistxattr},
    {"flistxattr", SYS_flistxattr},
    {"removexattr", SYS_removexattr},
    {"lremovexattr", SYS_lremovexattr},
    {"fremovexattr", SYS_fremovexattr},
    {"tkill", SYS_tkill},
    {"time", SYS_time},
    {"futex", SYS_futex},
    {"sched_setaffinity", SYS_sched_setaffinity},
    {"sched_getaffinity", SYS_sched_getaffinity},
    {"set_thread_area", SYS_set_thread_area},
    {"io_setup", SYS_io_setup},
    {"io_destroy", SYS_io_destroy},
    {"io_getevents", SYS_io_getevents},
    {"io_submit", SYS_io_submit},
    {"io_cancel", SYS_io_cancel},
    {"get_thread_area", SYS_get_thread_area},
    {"lookup_dcookie", SYS_lookup_dcookie},
    {"epoll_create", SYS_epoll_create},
    {"epoll_ctl_old", SYS_epoll_ctl_old},
    {"epoll_wait_old", SYS_epoll_wait_old},
    {"remap_file_pages", SYS_remap_file_pages},
    {"getdents64", SYS_getdents64},
    {"set_tid_address", SYS_set_tid_address},
    {"restart_syscall", SYS_restart_syscall},
    {"semtimedop", SYS_semtimedop},
    {"fadvise64", SYS_fadvise64},
    {"timer_create", SYS_timer_create},
    {"timer_settime", SYS_timer_settime},
    {"timer_gettime", SYS_timer_gettime},
    {"timer_getoverrun", SYS_timer_getoverrun},
    {"timer_delete", SYS_timer_delete},
    {"clock_settime", SYS_clock_settime},
    {"clock_gettime", SYS_clock_gettime},
    {"clock_getres", SYS_clock_getres},
    {"clock_nanosleep", SYS_clock_nanosleep},
    {"exit_group", SYS_exit_group},
    {"epoll_wait", SYS_epoll_wait},
    {"epoll_ctl", SYS_epoll_ctl},
    {"tgkill", SYS_tgkill},
    {"utimes", SYS_utimes},
    {"vserver", SYS_vserver},
    {"mbind", SYS_mbind},
    {"set_mempolicy", SYS_set_mempolicy},
    {"get_mempolicy", SYS_get_mempolicy},
    {"mq_open", SYS_mq_open},
    {"mq_unlink", SYS_mq_unlink},
    {"mq_timedsend", SYS_mq_timedsend},
    {"mq_timedreceive", SYS_mq_timedreceive},
    {"mq_notify", SYS_mq_notify},
    {"mq_getsetattr", SYS_mq_getsetattr},
    {"kexec_load", SYS_kexec_load},
    {"waitid", SYS_waitid},
    {"add_key", SYS_add_key},
    {"request_key", SYS_request_key},
    {"keyctl", SYS_keyctl},
    {"ioprio_set", SYS_ioprio_set},
    {"ioprio_get", SYS_ioprio_get},
    {"inotify_init", SYS_inotify_init},
    {"inotify_add_watch", SYS_inotify_add_watch},
    {"inotify_rm_watch", SYS_inotify_rm_watch},
    {"migrate_pages", SYS_migrate_pages},
    {"openat", SYS_openat},
    {"mkdirat", SYS_mkdirat},
    {"mknodat", SYS_mknodat},
    {"fchownat", SYS_fchownat},
    {"futimesat", SYS_futimesat},
    {"newfstatat", SYS_newfstatat},
    {"unlinkat", SYS_unlinkat},
    {"renameat", SYS_renameat},
    {"linkat", SYS_linkat},
    {"symlinkat", SYS_symlinkat},
    {"readlinkat", SYS_readlinkat},
    {"fchmodat", SYS_fchmodat},
    {"faccessat", SYS_faccessat},
    {"pselect6", SYS_pselect6},
    {"ppoll", SYS_ppoll},
    {"unshare", SYS_unshare},
    {"set_robust_list", SYS_set_robust_list},
    {"get_robust_list", SYS_get_robust_list},
    {"splice", SYS_splice},
    {"tee", SYS_tee},
    {"sync_file_range", SYS_sync_file_range},
    {"vmsplice", SYS_vmsplice},
    {"move_pages", SYS_move_pages},
    {"utimensat", SYS_utimensat},
    {"epoll_pwait", SYS_epoll_pwait},
    {"signalfd", SYS_signalfd},
    {"timerfd_create", SYS_timerfd_create},
    {"eventfd", SYS_eventfd},
    {"fallocate", SYS_fallocate},
    {"timerfd_settime", SYS_timerfd_settime},
    {"timerfd_gettime", SYS_timerfd_gettime},
    {"accept4", SYS_accept4},
    {"signalfd4", SYS_signalfd4},
    {"eventfd2", SYS_eventfd2},
    {"epoll_create1", SYS_epoll_create1},
    {"dup3", SYS_dup3},
    {"pipe2", SYS_pipe2},
    {"inotify_init1", SYS_inotify_init1},
    {"preadv", SYS_preadv},
    {"pwritev", SYS_pwritev},
    {"rt_tgsigqueueinfo", SYS_rt_tgsigqueueinfo},
    {"perf_event_open", SYS_perf_event_open},
    {"recvmmsg", SYS_recvmmsg},
    {"fanotify_init", SYS_fanotify_init},
    {"fanotify_mark", SYS_fanotify_mark},
    {"prlimit64", SYS_prlimit64},
    {"name_to_handle_at", SYS_name_to_handle_at},
    {"open_by_handle_at", SYS_open_by_handle_at},
    {"clock_adjtime", SYS_clock_adjtime},
    {"syncfs", SYS_syncfs},
    {"sendmmsg", SYS_sendmmsg},
    {"setns", SYS_setns},
    {"getcpu", SYS_getcpu},
    {"process_vm_readv", SYS_process_vm_readv},
    {"process_vm_writev", SYS_process_vm_writev},
    {"kcmp", SYS_kcmp},
    {"finit_module", SYS_finit_module},
    {"sched_setattr", SYS_sched_setattr},
    {"sched_getattr", SYS_sched_getattr},
    {"renameat2", SYS_renameat2},
    {"seccomp", SYS_seccomp},
    {"getrandom", SYS_getrandom},
    {"memfd_create", SYS_memfd_create},
    {"kexec_file_load", SYS_kexec_file_load},
    {"bpf", SYS_bpf},
    {"execveat", SYS_execveat},
    {"userfaultfd", SYS_userfaultfd},
    {"membarrier", SYS_membarrier},
    {"mlock2", SYS_mlock2},
    {"copy_file_range", SYS_copy_file_range},
    {"preadv2", SYS_preadv2},
    {"pwritev2", SYS_pwritev2},
    {"pkey_mprotect", SYS_pkey_mprotect},
    {"pkey_alloc", SYS_pkey_alloc},
    {"pkey_free", SYS_pkey_free},
    {"statx", SYS_statx},
    {"io_pgetevents", SYS_io_pgetevents},
    {"rseq", SYS_rseq},
    {"pidfd_send_signal", SYS_pidfd_send_signal},
    {"io_uring_setup", SYS_io_uring_setup},
    {"io_uring_enter", SYS_io_uring_enter},
    {"io_uring_register", SYS_io_uring_register},
    {"open_tree", SYS_open_tree},
    {"move_mount", SYS_move_mount},
    {"fsopen", SYS_fsopen},
    {"fsconfig", SYS_fsconfig},
    {"fsmount", SYS_fsmount},
    {"fspick", SYS_fspick},
    {"pidfd_open", SYS_pidfd_open},
    {"clone3", SYS_clone3},
    {"close_range", SYS_close_range},
    {"openat2", SYS_openat2},
    {"pidfd_getfd", SYS_pidfd_getfd},
    {"faccessat2", SYS_faccessat2},
    {"process_madvise", SYS_process_madvise},
    {"epoll_pwait2", SYS_epoll_pwait2},
    {"mount_setattr", SYS_mount_setattr},
    {"quotactl_fd", SYS_quotactl_fd},
    {"landlock_create_ruleset", SYS_landlock_create_ruleset},
    {"landlock_add_rule", SYS_landlock_add_rule},
    {"landlock_restrict_self", SYS_landlock_restrict_self},
    {"memfd_secret", SYS_memfd_secret},
    {"process_mrelease", SYS_process_mrelease},
    {"futex_waitv", SYS_futex_waitv},
    {"set_mempolicy_home_node", SYS_set_mempolicy_home_node},
};
/* GENERATED SYSCALLS END */

int chusk_abi_const(const char *name, long long *value) {
    for (size_t i = 0; i < sizeof chusk_abi_const_table / sizeof chusk_abi_const_table[0]; i++) {
        if (strcmp(chusk_abi_const_table[i].name, name) == 0) {
            *value = chusk_abi_const_table[i].value;
            return 1;
        }
    }
    return 0;
}

long chusk_abi_sys_count(void) {
    return (long)(sizeof chusk_abi_sys_table / sizeof chusk_abi_sys_table[0]);
}
const char *chusk_abi_sys_name(long i) { return chusk_abi_sys_table[i].name; }
long chusk_abi_sys_nr(long i) { return (long)chusk_abi_sys_table[i].value; }

unsigned long long chusk_abi_makedev(unsigned int major, unsigned int minor) {
    return makedev(major, minor);
}

/* The kernel's rt_sigaction struct on x86_64 has no userspace header that coexists with
 * glibc's <signal.h>; this mirrors arch/x86/include/uapi/asm/signal.h (!__KERNEL__). */
struct chusk_kernel_sigaction {
    void *handler;          /* sa_handler and friends are macros in glibc */
    unsigned long flags;
    void *restorer;
    unsigned long mask;
};

#define SZ(name, type) {name, (long long)sizeof(type)}
#define OFF(name, type, field) {name "." #field, (long long)offsetof(type, field)}
static const struct chusk_abi_named chusk_abi_layout_table[] = {
    SZ("stat", struct stat), SZ("statx", struct statx), SZ("statx_timestamp", struct statx_timestamp),
    SZ("timespec", struct timespec), SZ("timeval", struct timeval), SZ("iovec", struct iovec),
    SZ("rlimit", struct rlimit), SZ("utsname", struct utsname), SZ("sysinfo", struct sysinfo),
    SZ("statfs", struct statfs), SZ("winsize", struct winsize), SZ("termios", struct termios),
    SZ("sigaction", struct chusk_kernel_sigaction), SZ("siginfo", siginfo_t),
    SZ("pollfd", struct pollfd), SZ("epoll_event", struct epoll_event), SZ("open_how", struct open_how),
    OFF("dirent64", struct dirent64, d_ino), OFF("dirent64", struct dirent64, d_off),
    OFF("dirent64", struct dirent64, d_reclen), OFF("dirent64", struct dirent64, d_type),
    OFF("dirent64", struct dirent64, d_name),
    OFF("stat", struct stat, st_atim), OFF("stat", struct stat, st_mtim), OFF("stat", struct stat, st_ctim),
    OFF("statx", struct statx, stx_atime), OFF("statx", struct statx, stx_mnt_id),
    OFF("siginfo", siginfo_t, si_pid), OFF("siginfo", siginfo_t, si_uid), OFF("siginfo", siginfo_t, si_status),
    OFF("siginfo", siginfo_t, si_utime), OFF("siginfo", siginfo_t, si_stime), OFF("siginfo", siginfo_t, si_value),
    OFF("siginfo", siginfo_t, si_addr), OFF("siginfo", siginfo_t, si_timerid), OFF("siginfo", siginfo_t, si_overrun),
    OFF("siginfo", siginfo_t, si_fd), OFF("siginfo", siginfo_t, si_call_addr),
    OFF("siginfo", siginfo_t, si_syscall), OFF("siginfo", siginfo_t, si_arch),
    OFF("epoll_event", struct epoll_event, data), OFF("termios", struct termios, c_cc),
    OFF("sysinfo", struct sysinfo, procs), OFF("sysinfo", struct sysinfo, totalhigh),
    OFF("sysinfo", struct sysinfo, mem_unit), OFF("statfs", struct statfs, f_fsid),
    OFF("statfs", struct statfs, f_flags),
};

long chusk_abi_layout(const char *name) {
    for (size_t i = 0; i < sizeof chusk_abi_layout_table / sizeof chusk_abi_layout_table[0]; i++)
        if (strcmp(chusk_abi_layout_table[i].name, name) == 0) return (long)chusk_abi_layout_table[i].value;
    return -1;
}

/* Field k of a sample gets P(k) truncated to its type; the Swift tests use the same pattern. */
static unsigned long long P(unsigned k) { return 0x0102030405060708ULL * k; }
#define EMIT(var) do { if (len < sizeof(var)) return -1; memcpy(buf, &(var), sizeof(var)); return (long)sizeof(var); } while (0)

long chusk_abi_sample(const char *name, void *buf, size_t len) {
    if (strcmp(name, "stat") == 0) {
        struct stat s; memset(&s, 0, sizeof s);
        s.st_dev = P(1); s.st_ino = P(2); s.st_nlink = P(3); s.st_mode = P(4); s.st_uid = P(5);
        s.st_gid = P(6); s.st_rdev = P(7); s.st_size = P(8); s.st_blksize = P(9); s.st_blocks = P(10);
        s.st_atim.tv_sec = P(11); s.st_atim.tv_nsec = P(12); s.st_mtim.tv_sec = P(13);
        s.st_mtim.tv_nsec = P(14); s.st_ctim.tv_sec = P(15); s.st_ctim.tv_nsec = P(16);
        EMIT(s);
    }
    if (strcmp(name, "statx") == 0) {
        struct statx s; memset(&s, 0, sizeof s);
        s.stx_mask = P(1); s.stx_blksize = P(2); s.stx_attributes = P(3); s.stx_nlink = P(4);
        s.stx_uid = P(5); s.stx_gid = P(6); s.stx_mode = P(7); s.stx_ino = P(8); s.stx_size = P(9);
        s.stx_blocks = P(10); s.stx_attributes_mask = P(11);
        s.stx_atime.tv_sec = P(12); s.stx_atime.tv_nsec = P(13);
        s.stx_btime.tv_sec = P(14); s.stx_btime.tv_nsec = P(15);
        s.stx_ctime.tv_sec = P(16); s.stx_ctime.tv_nsec = P(17);
        s.stx_mtime.tv_sec = P(18); s.stx_mtime.tv_nsec = P(19);
        s.stx_rdev_major = P(20); s.stx_rdev_minor = P(21); s.stx_dev_major = P(22);
        s.stx_dev_minor = P(23); s.stx_mnt_id = P(24); s.stx_dio_mem_align = P(25);
        s.stx_dio_offset_align = P(26);
        EMIT(s);
    }
    if (strcmp(name, "timespec") == 0) { struct timespec s = {P(1), P(2)}; EMIT(s); }
    if (strcmp(name, "timeval") == 0) { struct timeval s = {P(1), P(2)}; EMIT(s); }
    if (strcmp(name, "iovec") == 0) { struct iovec s = {(void *)P(1), P(2)}; EMIT(s); }
    if (strcmp(name, "rlimit") == 0) { struct rlimit s = {P(1), P(2)}; EMIT(s); }
    if (strcmp(name, "utsname") == 0) {
        struct utsname s; memset(&s, 0, sizeof s);
        strcpy(s.sysname, "Linux"); strcpy(s.nodename, "husk"); strcpy(s.release, "6.18.0");
        strcpy(s.version, "#1 SMP"); strcpy(s.machine, "x86_64"); strcpy(s.domainname, "(none)");
        EMIT(s);
    }
    if (strcmp(name, "sysinfo") == 0) {
        struct sysinfo s; memset(&s, 0, sizeof s);
        s.uptime = P(1); s.loads[0] = P(2); s.loads[1] = P(3); s.loads[2] = P(4); s.totalram = P(5);
        s.freeram = P(6); s.sharedram = P(7); s.bufferram = P(8); s.totalswap = P(9);
        s.freeswap = P(10); s.procs = P(11); s.totalhigh = P(12); s.freehigh = P(13); s.mem_unit = P(14);
        EMIT(s);
    }
    if (strcmp(name, "statfs") == 0) {
        struct statfs s; memset(&s, 0, sizeof s);
        s.f_type = P(1); s.f_bsize = P(2); s.f_blocks = P(3); s.f_bfree = P(4); s.f_bavail = P(5);
        s.f_files = P(6); s.f_ffree = P(7); s.f_fsid.__val[0] = P(8); s.f_fsid.__val[1] = P(9);
        s.f_namelen = P(10); s.f_frsize = P(11); s.f_flags = P(12);
        EMIT(s);
    }
    if (strcmp(name, "winsize") == 0) { struct winsize s = {P(1), P(2), P(3), P(4)}; EMIT(s); }
    if (strcmp(name, "termios") == 0) {
        struct termios s; memset(&s, 0, sizeof s);
        s.c_iflag = P(1); s.c_oflag = P(2); s.c_cflag = P(3); s.c_lflag = P(4); s.c_line = P(5);
        for (int i = 0; i < NCCS; i++) s.c_cc[i] = P(6 + i);
        EMIT(s);
    }
    if (strcmp(name, "siginfo_chld") == 0) {
        siginfo_t s; memset(&s, 0, sizeof s);
        s.si_signo = P(1); s.si_errno = P(2); s.si_code = P(3); s.si_pid = P(4); s.si_uid = P(5);
        s.si_status = P(6); s.si_utime = P(7); s.si_stime = P(8);
        EMIT(s);
    }
    if (strcmp(name, "siginfo_sys") == 0) {
        siginfo_t s; memset(&s, 0, sizeof s);
        s.si_signo = P(1); s.si_errno = P(2); s.si_code = P(3);
        s.si_call_addr = (void *)P(4); s.si_syscall = P(5); s.si_arch = P(6);
        EMIT(s);
    }
    if (strcmp(name, "pollfd") == 0) { struct pollfd s = {P(1), P(2), P(3)}; EMIT(s); }
    if (strcmp(name, "epoll_event") == 0) {
        struct epoll_event s; s.events = P(1); s.data.u64 = P(2); EMIT(s);
    }
    if (strcmp(name, "open_how") == 0) { struct open_how s = {P(1), P(2), P(3)}; EMIT(s); }
    if (strcmp(name, "dirent64") == 0) {
        /* One record named "hello": 19 + 5 + NUL = 25, padded to 32. */
        unsigned char rec[32]; struct dirent64 d; memset(&d, 0, sizeof d);
        d.d_ino = P(1); d.d_off = P(2); d.d_reclen = 32; d.d_type = DT_REG; strcpy(d.d_name, "hello");
        memcpy(rec, &d, sizeof rec);
        EMIT(rec);
    }
    return -1;
}
