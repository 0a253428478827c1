#define _GNU_SOURCE
#include "chusk_ptrace.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <grp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

_Static_assert((int)CHUSK_PTRACE_GETREGS == (int)PTRACE_GETREGS, "ptrace");
_Static_assert((int)CHUSK_PTRACE_SEIZE == (int)PTRACE_SEIZE, "ptrace");
_Static_assert((int)CHUSK_PTRACE_GET_SYSCALL_INFO == (int)PTRACE_GET_SYSCALL_INFO, "ptrace");
_Static_assert((int)CHUSK_PTRACE_O_EXITKILL == (int)PTRACE_O_EXITKILL, "ptrace");
_Static_assert((int)CHUSK_PTRACE_EVENT_STOP == (int)PTRACE_EVENT_STOP, "ptrace");
_Static_assert((int)CHUSK_WALL == (int)__WALL, "wait");

static long chusk_ret(long r) { return r == -1 ? -errno : r; }

long chusk_ptrace(long request, pid_t pid, unsigned long addr, unsigned long data) {
    return chusk_ret(ptrace((enum __ptrace_request)request, pid, (void *)addr, (void *)data));
}
long chusk_ptrace_data(long request, pid_t pid, unsigned long addr, void *data) {
    /* The raw call: PEEK* requests store the word at data instead of returning it. */
    return chusk_ret(syscall(SYS_ptrace, request, (long)pid, addr, data));
}
long chusk_ptrace_getregs(pid_t pid, struct user_regs_struct *regs) {
    return chusk_ret(ptrace(PTRACE_GETREGS, pid, NULL, regs));
}
long chusk_ptrace_setregs(pid_t pid, const struct user_regs_struct *regs) {
    return chusk_ret(ptrace(PTRACE_SETREGS, pid, NULL, (void *)regs));
}
long chusk_ptrace_geteventmsg(pid_t pid, unsigned long *msg) {
    return chusk_ret(ptrace(PTRACE_GETEVENTMSG, pid, NULL, msg));
}
long chusk_ptrace_syscall_op(pid_t pid) {
    struct __ptrace_syscall_info info;
    memset(&info, 0, sizeof info);
    long r = ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof info, &info);
    return r == -1 ? -errno : (long)info.op;
}
long chusk_waitpid(pid_t pid, int *status, int options) {
    long r;
    do { r = waitpid(pid, status, options); } while (r == -1 && errno == EINTR);
    return chusk_ret(r);
}
long chusk_vm_read(pid_t pid, void *local, size_t len, uint64_t remote) {
    struct iovec l = { local, len }, r = { (void *)(uintptr_t)remote, len };
    return chusk_ret(process_vm_readv(pid, &l, 1, &r, 1, 0));
}
long chusk_vm_write(pid_t pid, const void *local, size_t len, uint64_t remote) {
    struct iovec l = { (void *)local, len }, r = { (void *)(uintptr_t)remote, len };
    return chusk_ret(process_vm_writev(pid, &l, 1, &r, 1, 0));
}
long chusk_tgkill(pid_t tgid, pid_t tid, int sig) {
    return chusk_ret(syscall(SYS_tgkill, tgid, tid, sig));
}
long chusk_memfd_create(const char *name, unsigned int flags) {
    return chusk_ret(syscall(SYS_memfd_create, name, flags));
}
long chusk_sigchld_signalfd(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    int e = pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (e) return -e;
    return chusk_ret(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
}
void chusk_drain_signalfd(int fd) {
    struct signalfd_siginfo buf[8];
    while (read(fd, buf, sizeof buf) > 0) {}
}

// ---- the first task's child: async-signal-safe code only (raw syscalls, no allocation) ----

struct kernel_sigaction { void *handler; unsigned long flags; void *restorer; uint64_t mask; };

static void child_fail(int err_fd, int err) {
    int e = err;
    (void)!write(err_fd, &e, sizeof e);
    syscall(SYS_exit_group, 127);
    for (;;) {}
}

static void close_all_but(const int *keep, int n) {
    // keep[] is small: sort it, then close the gaps between kept fds.
    int k[20];
    for (int i = 0; i < n; i++) k[i] = keep[i];
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && k[j - 1] > k[j]; j--) { int t = k[j]; k[j] = k[j - 1]; k[j - 1] = t; }
    unsigned lo = 0;
    for (int i = 0; i < n; i++) {
        if ((unsigned)k[i] > lo) syscall(SYS_close_range, lo, (unsigned)k[i] - 1, 0);
        lo = (unsigned)k[i] + 1;
    }
    syscall(SYS_close_range, lo, ~0U, 0);
}

static void __attribute__((noreturn)) first_task_child(const struct chusk_first_task *s, int sync_r, int err_w) {
    int maxdst = 2;
    for (int i = 0; i < s->nfds; i++) if (s->dst_fds[i] > maxdst) maxdst = s->dst_fds[i];
    int stage = maxdst + 1;

    // The targets (TaskHostFD: 1000 and 1001, lower under a low hard limit) must be valid
    // fd numbers, and staging goes above them.
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rlim_t need = (rlim_t)stage + (rlim_t)s->nfds + 8;
        if (rl.rlim_cur < need) {
            rl.rlim_cur = need;
            if (rl.rlim_max < need) rl.rlim_max = need;
            if (setrlimit(RLIMIT_NOFILE, &rl) != 0) child_fail(err_w, errno);
        }
    }
    // The host must never dump a task's core: a core_pattern file would land in the Sentry's
    // empty read-only root, but a pipe (systemd-coredump, apport) would hand the task's memory
    // to a host helper. A host RLIMIT_CORE of 1 is the kernel's "no dump" for both (below a
    // page for a file; the recursion guard for a pipe). The sandbox's own RLIMIT_CORE is the
    // Sentry's (setrlimit and prlimit64 are served), which decides WCOREDUMP.
    if (getrlimit(RLIMIT_CORE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max >= 1 ? 1 : 0;
        rl.rlim_max = rl.rlim_cur;
        if (setrlimit(RLIMIT_CORE, &rl) != 0) child_fail(err_w, errno);
    }
    // Stage everything above the targets first, so a source never collides with a target.
    err_w = fcntl(err_w, F_DUPFD_CLOEXEC, stage);
    if (err_w < 0) syscall(SYS_exit_group, 127);
    sync_r = fcntl(sync_r, F_DUPFD_CLOEXEC, stage);
    if (sync_r < 0) child_fail(err_w, errno);
    int staged[16];
    for (int i = 0; i < s->nfds; i++) {
        staged[i] = fcntl(s->src_fds[i], F_DUPFD_CLOEXEC, stage);
        if (staged[i] < 0) child_fail(err_w, errno);
    }
    for (int i = 0; i < s->nfds; i++)  // dup2 clears close-on-exec on the target
        if (dup2(staged[i], s->dst_fds[i]) < 0) child_fail(err_w, errno);
    int keep[20];
    int n = 0;
    for (int i = 0; i < s->nfds; i++) keep[n++] = s->dst_fds[i];
    keep[n++] = sync_r;
    keep[n++] = err_w;
    close_all_but(keep, n);

    // Dispositions set to SIG_IGN and the mask survive execve: reset both (raw, so that
    // glibc's reserved signals 32/33 are reset too).
    for (int sig = 1; sig <= 64; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        struct kernel_sigaction ksa = { SIG_DFL, 0, NULL, 0 };
        syscall(SYS_rt_sigaction, sig, &ksa, NULL, 8);
    }
    uint64_t empty = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, 8);

    // A mount namespace of its own without the Sentry's /proc, its root read-only: a native
    // open that ever slipped past the filter would find an empty directory and nothing else.
    if (s->hide_mounts) {
        if (unshare(CLONE_NEWNS) != 0) child_fail(err_w, errno);
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) child_fail(err_w, errno);
        if (umount2("/proc", MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) child_fail(err_w, errno);
        if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
            child_fail(err_w, errno);
    }

    // No capabilities: empty the bounding set (so an exec as uid 0 gains nothing), the
    // ambient set, then the permitted/effective/inheritable sets.
    for (int cap = 0; cap <= 63; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) child_fail(err_w, errno);
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    // Another host uid than the Sentry's: a task can neither signal nor trace it.
    if (s->task_gid >= 0) {
        if (setgroups(0, NULL) != 0) child_fail(err_w, errno);
        if (setresgid((gid_t)s->task_gid, (gid_t)s->task_gid, (gid_t)s->task_gid) != 0) child_fail(err_w, errno);
    }
    if (s->task_uid >= 0 && setresuid((uid_t)s->task_uid, (uid_t)s->task_uid, (uid_t)s->task_uid) != 0)
        child_fail(err_w, errno);
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &hdr, data) != 0) child_fail(err_w, errno);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(err_w, errno);

    // The program's init leads a session and a process group of its own (pid 1 of both),
    // as a container's init does, rather than sitting in the Sentry's, which its namespace
    // cannot see (getsid and getpgrp would answer 0).
    if (setsid() < 0) child_fail(err_w, errno);

    // Wait for the tracer: until it has set PTRACE_O_TRACESECCOMP, RET_TRACE fails every
    // filtered call (execveat included) with ENOSYS.
    char go = 0;
    ssize_t r;
    do { r = read(sync_r, &go, 1); } while (r < 0 && errno == EINTR);
    if (r != 1) syscall(SYS_exit_group, 126);
    close(sync_r);

    struct sock_fprog prog = { s->filter_len, (struct sock_filter *)s->filter };
    if (s->user_notify) {
        // The listener (close-on-exec) stays here until the tracer takes it with pidfd_getfd at
        // the execveat's seccomp stop, which names its number in r9 (execveat has five
        // arguments). From here on a served call would wait for that listener: none is made.
        long listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog);
        if (listener < 0) child_fail(err_w, errno);
        syscall(SYS_execveat, s->exec_fd, "", s->argv, s->envp, AT_EMPTY_PATH, listener);
        syscall(SYS_exit_group, errno > 0 && errno < 256 ? errno : 255);
    }
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) child_fail(err_w, errno);
    syscall(SYS_execveat, s->exec_fd, "", s->argv, s->envp, AT_EMPTY_PATH);
    child_fail(err_w, errno);
    for (;;) {}
}

long chusk_spawn_first_task(const struct chusk_first_task *spec, int *sync_fd, int *err_fd) {
    if (spec->nfds < 0 || spec->nfds > 16) return -EINVAL;
    int syncp[2], errp[2];
    if (pipe2(syncp, O_CLOEXEC) != 0) return -errno;
    if (pipe2(errp, O_CLOEXEC) != 0) { int e = errno; close(syncp[0]); close(syncp[1]); return -e; }
    // A raw clone behaves like fork (no CLONE_VM, no atfork handlers): the child only runs
    // the C above and never returns into Swift.
    long pid = syscall(SYS_clone, (unsigned long)(CLONE_NEWPID | SIGCHLD), 0, 0, 0, 0);
    if (pid == 0) first_task_child(spec, syncp[0], errp[1]);
    int e = errno;
    close(syncp[0]);
    close(errp[1]);
    if (pid < 0) { close(syncp[1]); close(errp[0]); return -e; }
    *sync_fd = syncp[1];
    *err_fd = errp[0];
    return pid;
}
