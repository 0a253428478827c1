// syscalls: seccomp, prctl
// SECCOMP_MODE_STRICT: only read, write, exit and rt_sigreturn are allowed; any other call
// (getpid, exit_group, prctl, seccomp itself) kills the task with SIGKILL. Entering strict mode
// over a filter fails with EINVAL. Each part runs in a forked child.
#include "check.h"
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/wait.h>

/* printf without stdio: in strict mode a stdio call could need a call besides write. */
static void say(const char *fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (write(1, buf, n) < 0) syscall(SYS_exit, 98);
}

static long enter_prctl(void) { return prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0); }
static long enter_seccomp(void) { return syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL); }

static int fds[2], ready[2];   /* parent -> child data; child -> parent "strict now" */

static void part(const char *name, void (*fn)(void)) {
    printf("== %s\n", name);
    pid_t p = fork();
    if (p == 0) { fn(); syscall(SYS_exit, 0); }
    int st;
    waitpid(p, &st, 0);
    if (WIFEXITED(st)) printf("%s: exited %d\n", name, WEXITSTATUS(st));
    else printf("%s: killed sig=%d\n", name, WTERMSIG(st));
}

static void write_and_exit(void) {
    long r = enter_prctl();
    say("prctl(PR_SET_SECCOMP, STRICT) = %ld\n", r);
    char buf[8] = {0};
    long n = read(fds[0], buf, 3);                  /* the parent wrote "abc" */
    say("read = %ld (%s)\n", n, buf);
    long w = write(99, "x", 1);
    say("write to a bad fd = %ld errno=%s\n", w, errname(errno));
    syscall(SYS_exit, 7);
}

static void getpid_kills(void) {
    long r = enter_seccomp();
    say("seccomp(SET_MODE_STRICT) = %ld\n", r);
    syscall(SYS_getpid);
    say("survived\n");
}

static void exit_group_kills(void) {
    enter_prctl();
    say("calling exit_group\n");
    syscall(SYS_exit_group, 3);
}

static void prctl_kills(void) {
    enter_prctl();
    say("calling PR_GET_SECCOMP\n");
    long r = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
    say("PR_GET_SECCOMP = %ld\n", r);
}

static void filter_kills(void) {
    struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
    struct sock_fprog prog = { 1, allow };
    enter_seccomp();
    say("installing a filter\n");
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
    say("install = %ld\n", r);
}

static void strict_again_kills(void) {
    enter_seccomp();
    say("entering strict mode again\n");
    long r = enter_seccomp();
    say("again = %ld\n", r);
}

/* rt_sigreturn is allowed: a handler runs and returns, the interrupted read restarts. */
static void on_usr1(int sig) { say("handler: sig=%d\n", sig); }
static void signal_handler(void) {
    sigaction(SIGUSR1, &(struct sigaction){ .sa_handler = on_usr1, .sa_flags = SA_RESTART }, NULL);
    enter_prctl();
    if (write(ready[1], "r", 1) != 1) syscall(SYS_exit, 98);
    char buf[4] = {0};
    long n = read(fds[0], buf, 1);
    say("read after the handler = %ld (%s)\n", n, buf);
    syscall(SYS_exit, 5);
}

static void filter_then_strict(void) {
    struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
    struct sock_fprog prog = { 1, allow };
    CHECKN("install a filter", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog));
    CHECKN("seccomp(SET_MODE_STRICT)", enter_seccomp());
    CHECKN("prctl(PR_SET_SECCOMP, STRICT)", enter_prctl());
    CHECKVN("PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    exit(0);
}

int main(void) {
    CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    CHECKVN("PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    if (pipe(fds) < 0 || pipe(ready) < 0 || write(fds[1], "abc", 3) != 3) return 99;
    part("write and exit", write_and_exit);
    part("getpid", getpid_kills);
    part("exit_group", exit_group_kills);
    part("prctl", prctl_kills);
    part("filter", filter_kills);
    part("strict again", strict_again_kills);

    /* The parent signals the child once it is strict, then sends data: whether the signal
       interrupts the read or arrives with the data, the handler prints before the read returns. */
    printf("== signal handler\n");
    pid_t p = fork();
    if (p == 0) signal_handler();
    char c;
    if (read(ready[0], &c, 1) != 1) return 99;
    kill(p, SIGUSR1);
    if (write(fds[1], "d", 1) != 1) return 99;
    int st;
    waitpid(p, &st, 0);
    if (WIFEXITED(st)) printf("signal handler: exited %d\n", WEXITSTATUS(st));
    else printf("signal handler: killed sig=%d\n", WTERMSIG(st));

    part("filter then strict", filter_then_strict);
    CHECKVN("PR_GET_SECCOMP at the end", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    return 0;
}
