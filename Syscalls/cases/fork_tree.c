// syscalls: fork, execve, wait4, exit_group, kill: a three-deep tree with exit codes and signals as statuses
#include "check.h"
#include <signal.h>
#include <sys/wait.h>

int main(int argc, char **argv) {
    int depth = argc > 1 ? atoi(argv[1]) : 0;
    if (depth == 3) {
        if (argc > 2 && strcmp(argv[2], "kill") == 0) raise(SIGTERM);
        return 3;
    }
    char d[8];
    snprintf(d, sizeof d, "%d", depth + 1);
    int st;
    pid_t c = fork();
    if (c == 0) { execl(argv[0], argv[0], d, (char *)NULL); _exit(127); }
    waitpid(c, &st, 0);
    printf("depth %d: child exited=%d status=%d\n", depth, WIFEXITED(st), WEXITSTATUS(st));
    if (depth == 2) {
        c = fork();
        if (c == 0) { execl(argv[0], argv[0], d, "kill", (char *)NULL); _exit(127); }
        waitpid(c, &st, 0);
        printf("depth %d: child signaled=%d sig=%d\n", depth, WIFSIGNALED(st), WTERMSIG(st));
    }
    return depth + 10;
}
