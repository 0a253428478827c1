// syscalls: rt_sigtimedwait (sigwaitinfo, sigtimedwait: the sender in the siginfo, SI_USER/SI_QUEUE/SI_TKILL, si_value, SIGCHLD, timeouts, EINTR)
#include "check.h"
#include <signal.h>
#include <time.h>
#include <sys/wait.h>

static volatile sig_atomic_t handled;
static void on_usr2(int sig) { (void)sig; handled++; }

static void show(const char *label, int r, const siginfo_t *si, pid_t expected) {
    if (r < 0) { printf("%s: errno=%s\n", label, errname(errno)); return; }
    printf("%s: sig=%d code=%d pid_is_sender=%d uid=%d", label, r, si->si_code, si->si_pid == expected, (int)si->si_uid);
    if (si->si_code == SI_QUEUE) printf(" value=%d", si->si_value.sival_int);
    if (r == SIGCHLD) printf(" status=%d", si->si_status);
    printf("\n");
}

int main(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGRTMIN);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    siginfo_t si;
    pid_t me = getpid();

    /* Already pending when asked. */
    pid_t c = fork();
    if (c == 0) {
        kill(me, SIGUSR1);
        sigqueue(me, SIGRTMIN, (union sigval){42});
        _exit(0);
    }
    waitpid(c, NULL, 0);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, SIGUSR1);
    show("kill", sigwaitinfo(&one, &si), &si, c);
    sigemptyset(&one);
    sigaddset(&one, SIGRTMIN);
    show("sigqueue", sigwaitinfo(&one, &si), &si, c);
    sigemptyset(&one);
    sigaddset(&one, SIGCHLD);
    show("SIGCHLD", sigwaitinfo(&one, &si), &si, c);

    /* Parked until the signal comes. */
    c = fork();
    if (c == 0) {
        usleep(100000);
        kill(me, SIGUSR1);
        _exit(3);
    }
    sigemptyset(&one);
    sigaddset(&one, SIGUSR1);
    show("kill while waiting", sigwaitinfo(&one, &si), &si, c);
    sigemptyset(&one);
    sigaddset(&one, SIGCHLD);
    show("SIGCHLD while waiting", sigtimedwait(&one, &si, &(struct timespec){5, 0}), &si, c);
    waitpid(c, NULL, 0);

    /* Its own thread: SI_TKILL. */
    syscall(SYS_tgkill, me, gettid(), SIGUSR1);
    sigemptyset(&one);
    sigaddset(&one, SIGUSR1);
    show("tgkill self", sigwaitinfo(&one, &si), &si, me);
    raise(SIGUSR1);
    CHECKVN("NULL siginfo", sigwaitinfo(&one, NULL));

    /* Timeouts and errors. */
    CHECKN("nothing pending, zero timeout", sigtimedwait(&one, &si, &(struct timespec){0, 0}));
    CHECKN("nothing pending, 50 ms", sigtimedwait(&one, &si, &(struct timespec){0, 50000000}));
    CHECKN("bad timespec", sigtimedwait(&one, &si, &(struct timespec){0, 1000000000}));
    CHECKN("negative timespec", sigtimedwait(&one, &si, &(struct timespec){-1, 0}));
    CHECKN("sigsetsize 4", syscall(SYS_rt_sigtimedwait, &one, &si, NULL, 4));
    CHECKN("set EFAULT", syscall(SYS_rt_sigtimedwait, BADPTR, &si, NULL, 8));
    CHECKN("timeout EFAULT", syscall(SYS_rt_sigtimedwait, &one, &si, BADPTR, 8));

    /* Another signal with a handler ends the wait: EINTR, even under SA_RESTART. */
    struct sigaction sa = {0};
    sa.sa_handler = on_usr2;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &sa, NULL);
    c = fork();
    if (c == 0) {
        usleep(100000);
        kill(me, SIGUSR2);
        _exit(0);
    }
    sigemptyset(&one);
    sigaddset(&one, SIGHUP);
    CHECKN("interrupted by a handled signal", sigwaitinfo(&one, &si));
    SHOW("handler ran", "%d", (int)handled);
    waitpid(c, NULL, 0);
    sigemptyset(&one);
    sigaddset(&one, SIGCHLD);
    CHECKVN("the child's SIGCHLD", sigtimedwait(&one, NULL, &(struct timespec){5, 0}));
    return 0;
}
