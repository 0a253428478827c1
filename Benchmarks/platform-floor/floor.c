// The kernel's floor for each way a served call can reach a supervisor (issue 16): a child
// calls getuid in a loop under a one-rule seccomp filter, and the parent answers it doing no
// work at all. What the Sentry adds on top of these is its own cost; what they cost is not.
//
//   floor MODE [ITERATIONS]    prints `MODE NS_PER_CALL`
//
//   unotify        SECCOMP_RET_USER_NOTIF, the parent blocks in poll (SYNC_WAKE_UP set)
//   unotify-spin   the same, the parent spins on poll(0) instead of sleeping
//   ptrace         SECCOMP_RET_TRACE, the parent (tracer) writes the result with SETREGS
//   sigsys         SECCOMP_RET_TRAP, a SIGSYS handler in the child writes the result; untraced
//   sigsys-traced  the same with the parent attached by PTRACE_SEIZE: every SIGSYS becomes a
//                  signal-delivery stop the tracer must resume (what a systrap platform that
//                  keeps ptrace for clone/exec/exit would pay)
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

enum { ANSWER = 4321 };

static void die(const char *what) { fprintf(stderr, "floor: %s: %s\n", what, strerror(errno)); exit(1); }

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void send_fd(int sock, int fd) {
    char control[CMSG_SPACE(sizeof fd)] = {0};
    char byte = 'f';
    struct iovec iov = { &byte, 1 };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof fd);
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    if (sendmsg(sock, &m, 0) != 1) die("sendmsg");
}

static int recv_fd(int sock) {
    char control[CMSG_SPACE(sizeof(int))] = {0};
    char byte;
    struct iovec iov = { &byte, 1 };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    if (recvmsg(sock, &m, 0) != 1) die("recvmsg");
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (!c) die("no fd");
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

static void on_sigsys(int sig, siginfo_t *info, void *context) {
    (void)sig; (void)info;
    ((ucontext_t *)context)->uc_mcontext.gregs[REG_RAX] = ANSWER;
}

/* The child: filter getuid with `action`, then time n calls. */
static void child(unsigned action, unsigned flags, int sock, long n, const char *mode) {
    if (action == SECCOMP_RET_TRAP) {
        struct sigaction sa = {0};
        sa.sa_sigaction = on_sigsys;
        sa.sa_flags = SA_SIGINFO;
        sigfillset(&sa.sa_mask);
        if (sigaction(SIGSYS, &sa, NULL) != 0) die("sigaction");
    }
    struct sock_filter insns[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getuid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, action),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { sizeof insns / sizeof insns[0], insns };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("no_new_privs");
    long listener = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (listener < 0) die("seccomp");
    if (flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) { send_fd(sock, (int)listener); close((int)listener); }
    for (long i = 0; i < n / 10 + 1; i++) syscall(SYS_getuid);
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (syscall(SYS_getuid) != ANSWER) { fprintf(stderr, "floor: %s: wrong answer\n", mode); _exit(1); }
    printf("%s %.0f\n", mode, (now_ns() - t0) / (double)n);
    fflush(stdout);
    _exit(0);
}

static void serve_notifications(int listener, int spin) {
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, 0) != 0 && !spin)
        fprintf(stderr, "floor: SYNC_WAKE_UP not available: %s\n", strerror(errno));
    for (;;) {
        struct pollfd p = { listener, POLLIN, 0 };
        int r;
        do r = poll(&p, 1, spin ? 0 : -1); while (r == 0 || (r < 0 && errno == EINTR));
        if (r < 0 || (p.revents & (POLLHUP | POLLERR))) return;
        struct seccomp_notif req;
        memset(&req, 0, sizeof req);
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) { if (errno == ENOENT || errno == EINTR) continue; return; }
        struct seccomp_notif_resp resp = { .id = req.id, .val = ANSWER, .error = 0, .flags = 0 };
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0 && errno != ENOENT) return;
    }
}

/* The tracer's loop: answers seccomp stops (ptrace mode) or passes SIGSYS back (sigsys-traced). */
static void trace(pid_t pid) {
    int status;
    for (;;) {
        if (waitpid(pid, &status, __WALL) < 0 || WIFEXITED(status) || WIFSIGNALED(status)) return;
        int sig = 0;
        if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8))) {
            struct user_regs_struct regs;
            if (ptrace(PTRACE_GETREGS, pid, 0, &regs) != 0) die("GETREGS");
            regs.orig_rax = (unsigned long long)-1;   /* skip the call */
            regs.rax = ANSWER;
            if (ptrace(PTRACE_SETREGS, pid, 0, &regs) != 0) die("SETREGS");
        } else if (WIFSTOPPED(status) && WSTOPSIG(status) == SIGSYS) {
            sig = SIGSYS;   /* signal-delivery stop: deliver it to the handler */
        }
        ptrace(PTRACE_CONT, pid, 0, sig);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: floor unotify|unotify-spin|ptrace|sigsys|sigsys-traced [ITERATIONS]\n"); return 2; }
    const char *mode = argv[1];
    long n = argc > 2 ? strtol(argv[2], NULL, 10) : 100000;
    if (n < 1) n = 1;
    int unotify = strncmp(mode, "unotify", 7) == 0, spin = strcmp(mode, "unotify-spin") == 0;
    int traced = strcmp(mode, "ptrace") == 0 || strcmp(mode, "sigsys-traced") == 0;
    unsigned action = unotify ? SECCOMP_RET_USER_NOTIF : strcmp(mode, "ptrace") == 0 ? SECCOMP_RET_TRACE : SECCOMP_RET_TRAP;
    if (!unotify && !traced && strcmp(mode, "sigsys") != 0) { fprintf(stderr, "floor: unknown mode %s\n", mode); return 2; }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) die("socketpair");
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        if (traced) raise(SIGSTOP);   /* wait for the seize */
        unsigned flags = unotify ? SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV : 0;
        child(action, flags, sv[0], n, mode);
    }
    close(sv[0]);
    if (unotify) {
        int listener = recv_fd(sv[1]);
        serve_notifications(listener, spin);
        close(listener);
    } else if (traced) {
        int status;
        if (waitpid(pid, &status, WSTOPPED) != pid) die("waitpid");
        if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL) != 0) die("PTRACE_SEIZE");
        kill(pid, SIGCONT);
        trace(pid);
    }
    int status = 0;
    waitpid(pid, &status, __WALL);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
