#define _GNU_SOURCE
#include "chusk_confine.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

static const char *sigsys_who = "husk";
static const char *const *sigsys_names;
static int sigsys_name_count;
static volatile uint64_t sigsys_refused;

// Async-signal-safe: raw write of a line built on the stack.
static void sigsys_handler(int sig, siginfo_t *info, void *ctx_) {
    (void)sig;
    int saved = errno;
    ucontext_t *ctx = (ucontext_t *)ctx_;
    int nr = info->si_syscall;
    char line[200];
    size_t n = 0;
    const char *parts[] = { "husk: ", sigsys_who, ": host syscall " };
    for (int p = 0; p < 3; p++)
        for (const char *s = parts[p]; *s && n < 120; s++) line[n++] = *s;
    char digits[12];
    int d = 0;
    unsigned v = (unsigned)nr;
    do { digits[d++] = (char)('0' + v % 10); v /= 10; } while (v && d < 11);
    while (d) line[n++] = digits[--d];
    if (nr >= 0 && nr < sigsys_name_count && sigsys_names[nr] && sigsys_names[nr][0]) {
        line[n++] = ' '; line[n++] = '(';
        for (const char *s = sigsys_names[nr]; *s && n < 170; s++) line[n++] = *s;
        line[n++] = ')';
    }
    const char *tail = " refused by its seccomp filter (EPERM)\n";
    for (const char *s = tail; *s; s++) line[n++] = *s;
    (void)!syscall(SYS_write, 2, line, n);
    sigsys_refused++;
    ctx->uc_mcontext.gregs[REG_RAX] = -EPERM;
    errno = saved;
}

int chusk_confine_sigsys_logger(const char *who) {
    sigsys_who = who;
    return chusk_confine_sigsys_install();
}

int chusk_confine_sigsys_logger_named(const char *who, const char *const *names, int count) {
    sigsys_who = who;
    sigsys_names = names;
    sigsys_name_count = count;
    return chusk_confine_sigsys_install();
}

int chusk_confine_sigsys_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sigsys_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSYS, &sa, NULL) != 0) return -errno;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGSYS);
    if (pthread_sigmask(SIG_UNBLOCK, &s, NULL) != 0) return -EINVAL;
    return 0;
}

uint64_t chusk_confine_refused_count(void) { return sigsys_refused; }

int chusk_confine_load_filter(const void *program, int count, int tsync) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -errno;
    struct sock_fprog prog = { (unsigned short)count, (struct sock_filter *)program };
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, tsync ? SECCOMP_FILTER_FLAG_TSYNC : 0, &prog);
    if (r < 0) return -errno;
    if (r > 0) return -EAGAIN;   // TSYNC: thread r could not be synchronised
    return 0;
}

int chusk_confine_capabilities(uint64_t keep) {
    for (int cap = 0; cap <= 63; cap++) {
        if (keep & (1ULL << cap)) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) return -errno;
    }
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capget, &hdr, data) != 0) return -errno;
    uint64_t prm = (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32);
    uint64_t want = prm & keep;
    data[0].permitted = data[0].effective = (uint32_t)want;
    data[1].permitted = data[1].effective = (uint32_t)(want >> 32);
    data[0].inheritable = data[1].inheritable = 0;
    if (syscall(SYS_capset, &hdr, data) != 0) return -errno;
    return 0;
}

int chusk_confine_read_capabilities(uint64_t *eff, uint64_t *prm, uint64_t *inh, uint64_t *bnd, uint64_t *amb) {
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capget, &hdr, data) != 0) return -errno;
    *eff = (uint64_t)data[0].effective | ((uint64_t)data[1].effective << 32);
    *prm = (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32);
    *inh = (uint64_t)data[0].inheritable | ((uint64_t)data[1].inheritable << 32);
    uint64_t b = 0, a = 0;
    for (int cap = 0; cap <= 63; cap++) {
        int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
        if (r < 0) break;
        if (r == 1) b |= 1ULL << cap;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1) a |= 1ULL << cap;
    }
    *bnd = b;
    *amb = a;
    return 0;
}

int chusk_confine_no_new_privs(void) {
    int r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    return r < 0 ? -errno : r;
}

int chusk_confine_seccomp_mode(void) {
    int r = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
    return r < 0 ? -errno : r;
}

long chusk_confine_probe(const void *program, int count, const char *who, long nr, long a0, long a1, long a2) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return -errno;
    long pid = syscall(SYS_clone, (unsigned long)SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) { int e = errno; close(p[0]); close(p[1]); return -e; }
    if (pid == 0) {
        long r = chusk_confine_sigsys_logger(who);
        if (r == 0) r = chusk_confine_load_filter(program, count, 0);
        if (r == 0) {
            r = syscall(nr, a0, a1, a2, 0, 0, 0);
            if (r < 0) r = -errno;
        } else r = 100000 + r;
        (void)!write(p[1], &r, sizeof r);   // may itself be filtered: the exit status says it too
        syscall(SYS_exit_group, r >= 0 ? 200 : (int)(-r & 0xff));
    }
    close(p[1]);
    long out = 0;
    ssize_t n;
    do { n = read(p[0], &out, sizeof out); } while (n < 0 && errno == EINTR);
    close(p[0]);
    int st = 0;
    while (waitpid((pid_t)pid, &st, 0) < 0 && errno == EINTR) {}
    if (n != (ssize_t)sizeof out) {
        if (WIFSIGNALED(st)) return 4096 + WTERMSIG(st);
        int code = WEXITSTATUS(st);
        return code == 200 ? 0x7fffffff : -code;
    }
    return out;
}

int chusk_confine_not_dumpable(void) {
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0 : -errno;
}
