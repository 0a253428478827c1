// syscalls: kill (SIGSTOP, SIGCONT, SIGTERM), wait4 (WUNTRACED, WCONTINUED), waitid (WSTOPPED, WNOWAIT), pause
#include "check.h"
#include <signal.h>
#include <sys/wait.h>

int main(void) {
    pid_t c = fork();
    /* Its own process group, so that the group is not orphaned (stop signals from the
     * keyboard set are discarded in orphaned groups, and the sandbox's init has no parent). */
    if (c == 0) { setpgid(0, 0); for (;;) pause(); }
    setpgid(c, c);
    int st = 0;
    CHECKN("kill SIGSTOP", kill(c, SIGSTOP));
    FACT("wait4 WUNTRACED returns the child", wait4(c, &st, WUNTRACED, NULL) == c);
    FACT("WIFSTOPPED", WIFSTOPPED(st));
    SHOW("WSTOPSIG", "%d", WSTOPSIG(st));
    CHECKN("kill SIGCONT", kill(c, SIGCONT));
    FACT("wait4 WCONTINUED returns the child", wait4(c, &st, WCONTINUED, NULL) == c);
    FACT("WIFCONTINUED", WIFCONTINUED(st));
    CHECKN("kill SIGTSTP", kill(c, SIGTSTP));
    siginfo_t si = {0};
    CHECKN("waitid WSTOPPED|WNOWAIT", waitid(P_PID, c, &si, WSTOPPED | WNOWAIT));
    SHOW("si_code is CLD_STOPPED", "%d", si.si_code == CLD_STOPPED);
    SHOW("si_status", "%d", si.si_status);
    FACT("wait4 still sees the stop", wait4(c, &st, WUNTRACED, NULL) == c && WIFSTOPPED(st));
    CHECKN("kill SIGTERM while stopped", kill(c, SIGTERM));
    CHECKN("kill SIGCONT", kill(c, SIGCONT));
    for (;;) {
        pid_t w = wait4(c, &st, 0, NULL);
        if (w != c) break;
        if (WIFSIGNALED(st)) { SHOW("terminated by", "%d", WTERMSIG(st)); break; }
    }
    CHECKN("kill bad signal", kill(getpid(), 65));
    CHECKN("kill missing process", kill(99999, 0));
    return 0;
}
