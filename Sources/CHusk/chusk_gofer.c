#define _GNU_SOURCE
#include "chusk_gofer.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include <sys/mount.h>

_Static_assert(CHUSK_O_PATH == O_PATH, "O_PATH");
_Static_assert(CHUSK_O_NOFOLLOW == O_NOFOLLOW, "O_NOFOLLOW");
_Static_assert(CHUSK_O_DIRECTORY == O_DIRECTORY, "O_DIRECTORY");
_Static_assert(CHUSK_O_CLOEXEC == O_CLOEXEC, "O_CLOEXEC");
_Static_assert(CHUSK_O_NOATIME == O_NOATIME, "O_NOATIME");
_Static_assert(CHUSK_O_TMPFILE == O_TMPFILE, "O_TMPFILE");
_Static_assert(CHUSK_AT_EMPTY_PATH == AT_EMPTY_PATH, "AT_EMPTY_PATH");
_Static_assert(CHUSK_AT_SYMLINK_NOFOLLOW == AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW");
_Static_assert(CHUSK_AT_REMOVEDIR == AT_REMOVEDIR, "AT_REMOVEDIR");
_Static_assert(CHUSK_RESOLVE_NO_XDEV == RESOLVE_NO_XDEV, "RESOLVE_NO_XDEV");
_Static_assert(CHUSK_RESOLVE_NO_MAGICLINKS == RESOLVE_NO_MAGICLINKS, "RESOLVE_NO_MAGICLINKS");
_Static_assert(CHUSK_RESOLVE_NO_SYMLINKS == RESOLVE_NO_SYMLINKS, "RESOLVE_NO_SYMLINKS");
_Static_assert(CHUSK_RESOLVE_BENEATH == RESOLVE_BENEATH, "RESOLVE_BENEATH");
_Static_assert(CHUSK_CLONE_NEWNS == CLONE_NEWNS, "CLONE_NEWNS");
_Static_assert(CHUSK_CLONE_FS == CLONE_FS, "CLONE_FS");
_Static_assert((int)CHUSK_MS_RDONLY == (int)MS_RDONLY && (int)CHUSK_MS_NOSUID == (int)MS_NOSUID && (int)CHUSK_MS_NODEV == (int)MS_NODEV, "MS_*");
_Static_assert((int)CHUSK_MS_REMOUNT == (int)MS_REMOUNT && (int)CHUSK_MS_BIND == (int)MS_BIND && (int)CHUSK_MS_REC == (int)MS_REC, "MS_*");
_Static_assert((int)CHUSK_MS_PRIVATE == (int)MS_PRIVATE, "MS_PRIVATE");
_Static_assert(CHUSK_MOUNT_ATTR_RDONLY == MOUNT_ATTR_RDONLY && CHUSK_MOUNT_ATTR_NOSUID == MOUNT_ATTR_NOSUID
               && CHUSK_MOUNT_ATTR_NODEV == MOUNT_ATTR_NODEV, "MOUNT_ATTR_*");

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* One sendmsg of buf with nfds (0...CHUSK_MAX_SCM_FDS) fds as SCM_RIGHTS, MSG_NOSIGNAL, retried on EINTR. */
static long send_with_fds(int sock, const void *buf, size_t len, const int *fds, int nfds) {
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    union { char buf[CMSG_SPACE(sizeof(int) * CHUSK_MAX_SCM_FDS)]; struct cmsghdr align; } control;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (nfds > 0) {
        memset(&control, 0, sizeof control);
        msg.msg_control = control.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
    }
    for (;;) {
        ssize_t r = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (r >= 0) return (long)r;
        if (errno != EINTR) return -errno;
    }
}

long chusk_gofer_send(int sock, const void *buf, size_t len, int fd) {
    return send_with_fds(sock, buf, len, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0);
}

long chusk_send_fds(int sock, const void *buf, size_t len, const int *fds, int nfds) {
    if (nfds < 0 || nfds > CHUSK_MAX_SCM_FDS || len == 0) return -EINVAL;
    /* The fds go with the first bytes; the rest follows as plain sends. */
    size_t done = 0;
    while (done < len) {
        long r = send_with_fds(sock, (const char *)buf + done, len - done, done == 0 ? fds : NULL, done == 0 ? nfds : 0);
        if (r < 0) return r;
        done += (size_t)r;
    }
    return (long)done;
}

long chusk_gofer_recv(int sock, void *buf, size_t len, int *fds, int maxfds, int *nfds, int *flags) {
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    union { char buf[CMSG_SPACE(sizeof(int) * CHUSK_MAX_SCM_FDS)]; struct cmsghdr align; } control;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    memset(&control, 0, sizeof control);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    *nfds = 0;
    *flags = 0;
    ssize_t r;
    for (;;) {
        r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
        if (r >= 0) break;
        if (errno != EINTR) return -errno;
    }
    *flags = msg.msg_flags;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            if (*nfds < maxfds) fds[(*nfds)++] = fd; else close(fd);
        }
    }
    return (long)r;
}

int chusk_gofer_openat(int dirfd, const char *name, int flags, unsigned int mode) {
    for (;;) {
        int fd = openat(dirfd, name, flags, (mode_t)mode);
        if (fd >= 0) return fd;
        if (errno != EINTR) return -errno;
    }
}

int chusk_gofer_openat2(int dirfd, const char *name, uint64_t flags, uint64_t mode, uint64_t resolve) {
    struct open_how how;
    memset(&how, 0, sizeof how);
    how.flags = flags;
    how.mode = mode;
    how.resolve = resolve;
    for (;;) {
        long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof how);
        if (fd >= 0) return (int)fd;
        if (errno != EINTR && errno != EAGAIN) return -errno;
    }
}

long chusk_gofer_getdents64(int fd, void *buf, size_t len) {
    long r = syscall(SYS_getdents64, fd, buf, len);
    return r < 0 ? -errno : r;
}

int chusk_gofer_getfl(int fd) {
    int r = fcntl(fd, F_GETFL);
    return r < 0 ? -errno : r;
}

int chusk_gofer_setfl(int fd, int fl) {
    int r = fcntl(fd, F_SETFL, fl);
    return r < 0 ? -errno : r;
}

int chusk_gofer_dupfd(int fd) {
    int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    return r < 0 ? -errno : r;
}

int chusk_gofer_fchmod_opath(int fd, unsigned int mode) {
    long r = syscall(SYS_fchmodat2, fd, "", (mode_t)mode, AT_EMPTY_PATH);
    return r < 0 ? -errno : 0;
}

int chusk_gofer_unshare(int flags) {
    return unshare(flags) < 0 ? -errno : 0;
}

int chusk_gofer_mount_setattr_recursive(const char *path, uint64_t attr_set) {
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = attr_set;
    long r = syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof attr);
    return r < 0 ? -errno : 0;
}

int chusk_gofer_fstatfs(int fd, struct chusk_gofer_statfs *out) {
    struct statfs s;
    if (fstatfs(fd, &s) < 0) return -errno;
    out->type = (int64_t)s.f_type;
    out->bsize = (int64_t)s.f_bsize;
    out->blocks = (uint64_t)s.f_blocks;
    out->bfree = (uint64_t)s.f_bfree;
    out->bavail = (uint64_t)s.f_bavail;
    out->files = (uint64_t)s.f_files;
    out->ffree = (uint64_t)s.f_ffree;
    out->namelen = (int64_t)s.f_namelen;
    out->frsize = (int64_t)s.f_frsize;
    out->flags = (int64_t)s.f_flags;
    return 0;
}

int chusk_gofer_mount(const char *source, const char *target, const char *fstype, unsigned long flags,
                      const char *data) {
    return mount(source, target, fstype, flags, data) < 0 ? -errno : 0;
}

int chusk_gofer_clone_tree(int dirfd, uint64_t attr_set) {
    int tree = (int)syscall(SYS_open_tree, dirfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    if (tree < 0) return -errno;
    struct mount_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = attr_set;
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0) {
        int e = errno;
        close(tree);
        return -e;
    }
    return tree;
}
