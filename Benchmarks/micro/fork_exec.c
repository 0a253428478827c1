// fork(2) + execve(/bin/true) + waitpid(2).
#include "bench.h"
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 200);
    char *const args[] = {"/bin/true", NULL};
    char *const env[] = {"PATH=/usr/bin:/bin", NULL};
    BENCH("fork_exec", n, , {
        pid_t pid = fork();
        CHECK(pid >= 0, "fork");
        if (pid == 0) { execve("/bin/true", args, env); _exit(127); }
        int status;
        CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
        errno = 0;
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status (exec failed?)");
    }, );
    return 0;
}
