// syscalls: fork, exit, getppid, wait4: an orphan is reparented to the namespace's init (or a subreaper) and reaped
#include "check.h"
#include <signal.h>
#include <sys/wait.h>

int main(void) {
    int p[2];
    if (pipe(p) != 0) return 1;
    pid_t middle = fork();
    if (middle == 0) {
        pid_t me = getpid();
        pid_t grandchild = fork();
        if (grandchild == 0) {
            close(p[0]);
            usleep(300000);                 /* the middle process has exited by now */
            char ok = getppid() != me ? 'y' : 'n';
            if (write(p[1], &ok, 1) != 1) _exit(2);
            _exit(0);
        }
        _exit(5);
    }
    close(p[1]);
    int st;
    waitpid(middle, &st, 0);
    SHOW("middle exit", "%d", WEXITSTATUS(st));
    char ok = 0;
    FACT("grandchild reported", read(p[0], &ok, 1) == 1);
    SHOW("grandchild was reparented", "%c", ok);
    return 0;
}
