// syscalls: unshare, setns, clone (namespace flags refused)
#include "check.h"
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

int main(void) {
    /* The case runs as root natively: give up the capabilities first, so that both runs
     * show what Linux tells a process without CAP_SYS_ADMIN. */
    pid_t c = fork();
    if (c == 0) {
        if (setresuid(1000, 1000, 1000) != 0) _exit(3);
        CHECKN("unshare CLONE_NEWNS", unshare(CLONE_NEWNS));
        CHECKN("unshare CLONE_NEWUTS", unshare(CLONE_NEWUTS));
        CHECKN("unshare CLONE_NEWNET", unshare(CLONE_NEWNET));
        CHECKN("unshare CLONE_NEWPID", unshare(CLONE_NEWPID));
        CHECKN("unshare CLONE_FILES", unshare(CLONE_FILES));
        CHECKN("unshare CLONE_FS", unshare(CLONE_FS));
        CHECKN("unshare 0", unshare(0));
        CHECKN("unshare bad flag", unshare(0x1));
        CHECKN("setns bad fd", setns(-1, 0));
        char stack[4096];
        (void)stack;
        CHECKN("fork with CLONE_NEWNS", syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0));
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    SHOW("child exit", "%d", WEXITSTATUS(st));
    return 0;
}
