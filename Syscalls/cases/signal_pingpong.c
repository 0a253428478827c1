// syscalls: kill, rt_sigaction, rt_sigprocmask, rt_sigsuspend, rt_sigqueueinfo, rt_tgsigqueueinfo, tgkill, tkill
#include "check.h"
#include <signal.h>
#include <sys/wait.h>

static volatile sig_atomic_t got, value;
static void on_usr1(int s) { (void)s; got++; }
static void on_queued(int s, siginfo_t *si, void *u) { (void)s; (void)u; got++; value = si->si_value.sival_int; }

int main(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        for (int i = 0; i < 100; i++) {
            sigsuspend(&old);
            kill(parent, SIGUSR1);
        }
        _exit(got == 100 ? 0 : 1);
    }
    for (int i = 0; i < 100; i++) {
        kill(c, SIGUSR1);
        sigsuspend(&old);
    }
    int st;
    waitpid(c, &st, 0);
    SHOW("parent got", "%d", (int)got);
    FACT("child got all 100", WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* sigqueue carries a value; a forged si_code to another process is refused. */
    struct sigaction qa = {0};
    qa.sa_sigaction = on_queued;
    qa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &qa, NULL);
    got = 0;
    c = fork();
    if (c == 0) {
        sigset_t none; sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        while (!got) pause();
        _exit(value == 42 ? 0 : 1);
    }
    union sigval v = { .sival_int = 42 };
    sleep(0);
    CHECKN("sigqueue to child", sigqueue(c, SIGUSR2, v));
    waitpid(c, &st, 0);
    FACT("child saw the value", WIFEXITED(st) && WEXITSTATUS(st) == 0);
    siginfo_t si = {0};
    si.si_code = SI_USER;
    si.si_signo = SIGUSR2;
    CHECKN("rt_sigqueueinfo forged code to init-less target", syscall(SYS_rt_sigqueueinfo, 99999, SIGUSR2, &si));
    CHECKN("tgkill bad tid", syscall(SYS_tgkill, getpid(), 99999, SIGUSR1));
    CHECKN("tgkill bad signal", syscall(SYS_tgkill, getpid(), getpid(), 99));
    CHECKN("tkill invalid tid", syscall(SYS_tkill, -1, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, NULL);
    got = 0;
    CHECKN("tgkill self", syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1));
    SHOW("handler ran", "%d", (int)got);
    return 0;
}
