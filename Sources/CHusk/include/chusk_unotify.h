// seccomp user notification (the unotify Platform): the listener's ioctls, the kernel-feature
// probe and taking the listener out of the first task. Raw wrappers: each returns 0 (or a
// value) or a negative errno.
#ifndef CHUSK_UNOTIFY_H
#define CHUSK_UNOTIFY_H
#include <stdint.h>
#include <sys/types.h>

/// One notification, as SECCOMP_IOCTL_NOTIF_RECV reports it (struct seccomp_notif with its
/// struct seccomp_data flattened).
struct chusk_notif {
    uint64_t id;
    uint32_t pid;            // the thread's tid in the receiver's PID namespace
    uint32_t flags;
    int32_t nr;
    uint32_t arch;
    uint64_t instruction_pointer;
    uint64_t args[6];
};

/// The ioctl request numbers (for the Sentry's host filter and docs).
uint64_t chusk_notif_ioctl_recv(void);
uint64_t chusk_notif_ioctl_send(void);
uint64_t chusk_notif_ioctl_id_valid(void);
uint64_t chusk_notif_ioctl_set_flags(void);

/// Whether a notification is waiting (poll with no timeout): 1, 0, or a negative errno
/// (-EPIPE when no task uses the filter any more).
long chusk_notif_ready(int listener);
/// One poll (no timeout) of the SIGCHLD signalfd and the listener: bit 0 the signalfd is
/// readable, bit 1 a notification waits, bit 2 no task uses the filter any more; or -errno.
long chusk_unotify_ready(int sigchld_fd, int listener);
/// SECCOMP_IOCTL_NOTIF_RECV into *n (blocks when nothing is waiting: call after ready).
long chusk_notif_recv(int listener, struct chusk_notif *n);
/// SECCOMP_IOCTL_NOTIF_SEND: the call returns `val`, or fails with `error` (a negative errno,
/// or -ERESTARTNOINTR to have it issued again after a pending signal). -ENOENT: the task is
/// no longer waiting (a fatal signal, or it is gone).
long chusk_notif_send(int listener, uint64_t id, int64_t val, int32_t error);
/// SECCOMP_IOCTL_NOTIF_ID_VALID: 0 while the notification is still pending, else -ENOENT.
long chusk_notif_id_valid(int listener, uint64_t id);
/// SECCOMP_IOCTL_NOTIF_SET_FLAGS(SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) (Linux 6.6).
long chusk_notif_sync_wakeup(int listener);

/// The kernel features the unotify Platform needs, probed without installing anything:
/// a bit set of what is missing (0: all there).
enum {
    CHUSK_UNOTIFY_MISSING_USER_NOTIF = 1,      // SECCOMP_RET_USER_NOTIF (5.0)
    CHUSK_UNOTIFY_MISSING_KILLABLE_RECV = 2,   // SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (5.19)
    CHUSK_UNOTIFY_MISSING_PIDFD_GETFD = 4,     // pidfd_open + pidfd_getfd (5.6)
};
int chusk_unotify_probe(void);

/// Copies fd `target_fd` of task `pid` into the caller (pidfd_open + pidfd_getfd, close-on-exec).
long chusk_take_task_fd(pid_t pid, int target_fd);

/// A child for tests and benchmarks of the notification round trip: it loads a filter that
/// answers syscall `nr` with RET_USER_NOTIF (everything else runs), then makes that call
/// `iterations` times (forever when negative) and exits with status 0 if every call returned
/// `expect` (a negative errno for a failure), 1 otherwise. The listener (taken with pidfd_getfd) goes to *listener. Returns the
/// child's pid or a negative errno.
long chusk_unotify_spawn_caller(int nr, long iterations, long expect, int *listener);

#endif
