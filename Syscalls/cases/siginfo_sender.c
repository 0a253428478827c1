// syscalls: kill, tgkill, alarm (the siginfo a handler sees: si_code, si_pid, si_uid)
#include "check.h"
#include <signal.h>
#include <sys/wait.h>

static volatile sig_atomic_t code, spid, suid, hits;
static void on_sig(int s, siginfo_t *si, void *u) { (void)s; (void)u; code = si->si_code; spid = si->si_pid; suid = si->si_uid; hits++; }

int main(void) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_sig;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block); sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) { kill(parent, SIGUSR1); _exit(0); }
    waitpid(c, NULL, 0);
    sigsuspend(&old);
    printf("kill: si_code SI_USER %d, si_pid is the child %d, si_uid %d\n", code == SI_USER, spid == c, (int)suid);
    c = fork();
    if (c == 0) { syscall(SYS_tgkill, parent, parent, SIGUSR1); _exit(0); }
    waitpid(c, NULL, 0);
    sigsuspend(&old);
    printf("tgkill: si_code SI_TKILL %d, si_pid is the child %d\n", code == SI_TKILL, spid == c);
    hits = 0;
    alarm(1);
    while (!hits) pause();
    printf("alarm: si_code SI_KERNEL %d, si_pid %d\n", code == SI_KERNEL, (int)spid);
    return 0;
}
