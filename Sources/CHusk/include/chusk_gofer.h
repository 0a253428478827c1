// Gofer helpers: fd passing over SOCK_SEQPACKET (SCM_RIGHTS), openat2, getdents64, and the
// GNU-only constants the Gofer needs (mirrored here, checked in chusk_gofer.c).
#ifndef CHUSK_GOFER_H
#define CHUSK_GOFER_H
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

enum {
    CHUSK_O_PATH = 010000000,
    CHUSK_O_NOFOLLOW = 0400000,
    CHUSK_O_DIRECTORY = 0200000,
    CHUSK_O_CLOEXEC = 02000000,
    CHUSK_O_NOATIME = 01000000,
    CHUSK_O_TMPFILE = 020200000,
    CHUSK_AT_EMPTY_PATH = 0x1000,
    CHUSK_AT_SYMLINK_NOFOLLOW = 0x100,
    CHUSK_AT_REMOVEDIR = 0x200,
    CHUSK_RESOLVE_NO_XDEV = 0x01,
    CHUSK_RESOLVE_NO_MAGICLINKS = 0x02,
    CHUSK_RESOLVE_NO_SYMLINKS = 0x04,
    CHUSK_RESOLVE_BENEATH = 0x08,
    CHUSK_CLONE_NEWNS = 0x00020000,
    CHUSK_CLONE_FS = 0x00000200,
    CHUSK_MS_RDONLY = 1,
    CHUSK_MS_NOSUID = 2,
    CHUSK_MS_NODEV = 4,
    CHUSK_MS_REMOUNT = 32,
    CHUSK_MS_BIND = 4096,
    CHUSK_MS_REC = 16384,
    CHUSK_MS_PRIVATE = 1 << 18,
    CHUSK_MOUNT_ATTR_RDONLY = 1,
    CHUSK_MOUNT_ATTR_NOSUID = 2,
    CHUSK_MOUNT_ATTR_NODEV = 4,
};

/// sendmsg of one buffer with at most one fd (fd < 0: none), MSG_NOSIGNAL.
/// Returns bytes sent or -errno.
long chusk_gofer_send(int sock, const void *buf, size_t len, int fd);

/// The most fds one message carries (the Gofer's replies, the parts' zygote's requests).
enum { CHUSK_MAX_SCM_FDS = 32 };

/// sendmsg of all of buf with up to CHUSK_MAX_SCM_FDS fds as SCM_RIGHTS on its first bytes (blocking socket).
long chusk_send_fds(int sock, const void *buf, size_t len, const int *fds, int nfds);

/// recvmsg of one message with MSG_CMSG_CLOEXEC. Received fds go to fds[0..<*nfds] (at most
/// maxfds, and CHUSK_MAX_SCM_FDS; extra ones are closed). *flags gets msg_flags (MSG_TRUNC / MSG_CTRUNC).
/// Returns bytes received (0 = peer closed) or -errno.
long chusk_gofer_recv(int sock, void *buf, size_t len, int *fds, int maxfds, int *nfds, int *flags);

/// openat with an explicit mode; returns fd or -errno.
int chusk_gofer_openat(int dirfd, const char *name, int flags, unsigned int mode);

/// openat2(dirfd, name, {flags, mode, resolve}); returns fd or -errno (-ENOSYS when absent).
int chusk_gofer_openat2(int dirfd, const char *name, uint64_t flags, uint64_t mode, uint64_t resolve);

/// getdents64; returns bytes or -errno.
long chusk_gofer_getdents64(int fd, void *buf, size_t len);

/// fcntl(F_GETFL) / fcntl(F_SETFL, fl); return value or -errno.
int chusk_gofer_getfl(int fd);
int chusk_gofer_setfl(int fd, int fl);
/// fcntl(fd, F_DUPFD_CLOEXEC, 0): a copy of fd (the same open file); the new fd or -errno.
int chusk_gofer_dupfd(int fd);

/// fchmodat2(fd, "", mode, AT_EMPTY_PATH): chmod through an O_PATH fd; 0 or -errno.
int chusk_gofer_fchmod_opath(int fd, unsigned int mode);

/// fstatfs(2) results, flattened.
struct chusk_gofer_statfs {
    int64_t type, bsize;
    uint64_t blocks, bfree, bavail, files, ffree;
    int64_t namelen, frsize, flags;
};

/// fstatfs(fd) (works on O_PATH fds); 0 or -errno.
int chusk_gofer_fstatfs(int fd, struct chusk_gofer_statfs *out);

/// unshare(flags); 0 or -errno.
int chusk_gofer_unshare(int flags);

/// mount(2); 0 or -errno.
int chusk_gofer_mount(const char *source, const char *target, const char *fstype, unsigned long flags,
                      const char *data);

/// mount_setattr(AT_FDCWD, path, AT_RECURSIVE, {attr_set}); 0 or -errno.
int chusk_gofer_mount_setattr_recursive(const char *path, uint64_t attr_set);
/// A detached, non-recursive bind of the mount holding directory `dirfd` at that directory
/// (open_tree OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC) with MOUNT_ATTR_* `attr_set` applied: the
/// fd of its top directory, or -errno.
int chusk_gofer_clone_tree(int dirfd, uint64_t attr_set);

#endif
