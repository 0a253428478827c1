// syscalls: fork (clone), wait4, waitid, getppid, kill
#include "check.h"
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

int main(void) {
    pid_t me = getpid();
    pid_t c = fork();
    if (c == 0) {
        FACT("child: getppid == parent's getpid", getppid() == me);
        FACT("child: getpid != parent's", getpid() != me);
        _exit(7);
    }
    int st = 0;
    struct rusage ru;
    pid_t w = wait4(c, &st, 0, &ru);
    FACT("fork returned a pid", c > 0);             /* printed after the child's lines */
    FACT("wait4 returned the child", w == c);
    FACT("WIFEXITED", WIFEXITED(st));
    SHOW("WEXITSTATUS", "%d", WEXITSTATUS(st));
    CHECKN("wait4 no children", wait4(-1, &st, 0, NULL));
    CHECKN("wait4 WNOHANG no children", wait4(-1, &st, WNOHANG, NULL));
    CHECKN("wait4 bad options", wait4(-1, &st, 0x12345678, NULL));

    /* A child killed by a signal. */
    c = fork();
    if (c == 0) { kill(getpid(), SIGKILL); _exit(1); }
    w = wait4(-1, &st, 0, NULL);
    FACT("wait4(-1) returned the child", w == c);
    FACT("WIFSIGNALED", WIFSIGNALED(st));
    SHOW("WTERMSIG", "%d", WTERMSIG(st));

    /* WNOHANG on a running child returns 0; SIGTERM then ends it. */
    c = fork();
    if (c == 0) { for (;;) pause(); }
    CHECKV(wait4(c, &st, WNOHANG, NULL));
    CHECKN("kill child SIGTERM", kill(c, SIGTERM));
    w = wait4(c, &st, 0, NULL);
    FACT("child ended by SIGTERM", w == c && WIFSIGNALED(st));
    SHOW("WTERMSIG", "%d", WTERMSIG(st));

    /* waitid sees the same. */
    c = fork();
    if (c == 0) _exit(3);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, c, &si, WEXITED));
    FACT("waitid si_pid == child", si.si_pid == c);
    SHOW("waitid si_code==CLD_EXITED", "%d", si.si_code == CLD_EXITED);
    SHOW("waitid si_status", "%d", si.si_status);
    CHECKN("waitid no children", waitid(P_ALL, 0, &si, WEXITED));
    CHECKN("kill 0 to self", kill(getpid(), 0));
    return 0;
}
