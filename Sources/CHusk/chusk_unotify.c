#define _GNU_SOURCE
#include "chusk_unotify.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

_Static_assert(sizeof(struct chusk_notif) == sizeof(struct seccomp_notif), "seccomp_notif layout");
_Static_assert(offsetof(struct chusk_notif, nr) == offsetof(struct seccomp_notif, data.nr), "seccomp_notif layout");
_Static_assert(offsetof(struct chusk_notif, args) == offsetof(struct seccomp_notif, data.args), "seccomp_notif layout");

static long ret(long r) { return r < 0 ? -errno : r; }

uint64_t chusk_notif_ioctl_recv(void) { return SECCOMP_IOCTL_NOTIF_RECV; }
uint64_t chusk_notif_ioctl_send(void) { return SECCOMP_IOCTL_NOTIF_SEND; }
uint64_t chusk_notif_ioctl_id_valid(void) { return SECCOMP_IOCTL_NOTIF_ID_VALID; }
uint64_t chusk_notif_ioctl_set_flags(void) { return SECCOMP_IOCTL_NOTIF_SET_FLAGS; }

long chusk_notif_ready(int listener) {
    struct pollfd p = { listener, POLLIN, 0 };
    int r = poll(&p, 1, 0);
    if (r < 0) return -errno;
    if (r == 0) return 0;
    if (p.revents & POLLIN) return 1;
    return -EPIPE;    // POLLHUP: no task uses the filter
}

long chusk_unotify_ready(int sigchld_fd, int listener) {
    struct pollfd p[2] = { { sigchld_fd, POLLIN, 0 }, { listener, POLLIN, 0 } };
    int r = poll(p, listener >= 0 ? 2 : 1, 0);
    if (r < 0) return -errno;
    long bits = 0;
    if (p[0].revents & POLLIN) bits |= 1;
    if (listener >= 0 && (p[1].revents & POLLIN)) bits |= 2;
    else if (listener >= 0 && (p[1].revents & (POLLHUP | POLLERR))) bits |= 4;
    return bits;
}

long chusk_notif_recv(int listener, struct chusk_notif *n) {
    memset(n, 0, sizeof *n);    // the kernel refuses a buffer that is not zeroed
    long r;
    do { r = ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, n); } while (r < 0 && errno == EINTR);
    return ret(r);
}

long chusk_notif_send(int listener, uint64_t id, int64_t val, int32_t error) {
    struct seccomp_notif_resp resp;
    memset(&resp, 0, sizeof resp);
    resp.id = id;
    resp.val = val;
    resp.error = error;
    return ret(ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp));
}

long chusk_notif_id_valid(int listener, uint64_t id) {
    return ret(ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id));
}

long chusk_notif_sync_wakeup(int listener) {
    return ret(ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP));
}

int chusk_unotify_probe(void) {
    int missing = 0;
    uint32_t action = SECCOMP_RET_USER_NOTIF;
    if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) != 0) missing |= CHUSK_UNOTIFY_MISSING_USER_NOTIF;
    // Unknown flags fail with EINVAL before the (absent) program is read (EFAULT): nothing
    // is installed either way.
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                     SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, NULL);
    if (r == 0 || errno == EINVAL) missing |= CHUSK_UNOTIFY_MISSING_KILLABLE_RECV;
    if (syscall(SYS_pidfd_getfd, -1, 0, 0) == 0 || errno == ENOSYS) missing |= CHUSK_UNOTIFY_MISSING_PIDFD_GETFD;
    return missing;
}

long chusk_unotify_spawn_caller(int nr, long iterations, long expect, int *listener) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return -errno;
    long pid = syscall(SYS_clone, (unsigned long)SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) { int e = errno; close(p[0]); close(p[1]); return -e; }
    if (pid == 0) {
        struct sock_filter code[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = { 4, code };
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) syscall(SYS_exit_group, 2);
        int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
        if (fd < 0 || write(p[1], &fd, sizeof fd) != sizeof fd) syscall(SYS_exit_group, 3);
        int ok = 1;
        for (long i = 0; iterations < 0 || i < iterations; i++) {
            long r = syscall(nr, 0, 0, 0, 0, 0, 0);
            if ((r == -1 ? -errno : r) != expect) ok = 0;
        }
        syscall(SYS_exit_group, ok ? 0 : 1);
    }
    close(p[1]);
    int fd = -1;
    ssize_t n;
    do { n = read(p[0], &fd, sizeof fd); } while (n < 0 && errno == EINTR);
    close(p[0]);
    if (n != sizeof fd) { kill((pid_t)pid, SIGKILL); waitpid((pid_t)pid, NULL, 0); return -ECHILD; }
    long l = chusk_take_task_fd((pid_t)pid, fd);
    if (l < 0) { kill((pid_t)pid, SIGKILL); waitpid((pid_t)pid, NULL, 0); return l; }
    *listener = (int)l;
    return pid;
}

long chusk_take_task_fd(pid_t pid, int target_fd) {
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) return -errno;
    long fd = syscall(SYS_pidfd_getfd, pidfd, target_fd, 0);
    int e = errno;
    close(pidfd);
    return fd < 0 ? -e : fd;
}
