// fork(2) of a child that exits at once + waitpid(2).
#include "bench.h"
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 500);
    BENCH("fork_wait", n, , {
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0) _exit(0);
        int status;
        CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status");
    }, );
    return 0;
}
