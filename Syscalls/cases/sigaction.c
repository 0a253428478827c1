// syscalls: rt_sigaction, tgkill (raise)
#include "check.h"
#include <signal.h>

static volatile sig_atomic_t hits;
static void on_usr1(int sig) { hits += sig == SIGUSR1; }

int main(void) {
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    CHECKN("install SIGUSR1 handler", sigaction(SIGUSR1, &sa, &old));
    FACT("old SIGUSR1 was SIG_DFL", old.sa_handler == SIG_DFL);

    memset(&old, 0, sizeof old);
    CHECKN("read back SIGUSR1", sigaction(SIGUSR1, NULL, &old));
    FACT("handler read back", old.sa_handler == on_usr1);
    FACT("SA_RESTART read back", (old.sa_flags & SA_RESTART) != 0);
    FACT("SA_SIGINFO not set", (old.sa_flags & SA_SIGINFO) == 0);
    FACT("mask has SIGUSR2", sigismember(&old.sa_mask, SIGUSR2) == 1);
    FACT("mask lacks SIGINT", sigismember(&old.sa_mask, SIGINT) == 0);

    CHECKN("raise SIGUSR1", raise(SIGUSR1));
    SHOW("handler hits", "%d", (int)hits);

    sa.sa_handler = SIG_IGN;
    CHECKN("ignore SIGUSR1", sigaction(SIGUSR1, &sa, NULL));
    CHECKN("raise ignored SIGUSR1", raise(SIGUSR1));
    SHOW("handler hits", "%d", (int)hits);
    sigaction(SIGUSR1, NULL, &old);
    FACT("SIG_IGN read back", old.sa_handler == SIG_IGN);

    CHECKN("SIGKILL handler", sigaction(SIGKILL, &sa, NULL));
    CHECKN("SIGSTOP handler", sigaction(SIGSTOP, &sa, NULL));
    CHECKN("read SIGKILL disposition", sigaction(SIGKILL, NULL, &old));
    CHECKN("signal 0", sigaction(0, &sa, NULL));
    CHECKN("signal 65", sigaction(65, &sa, NULL));
    CHECKN("raw rt_sigaction bad sigsetsize", syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 4));
    CHECKN("raw rt_sigaction bad pointer", syscall(SYS_rt_sigaction, SIGUSR1, BADPTR, NULL, 8));
    CHECKN("rt_sigaction SIGRTMAX (64)", syscall(SYS_rt_sigaction, 64, NULL, &old, 8));
    return 0;
}
