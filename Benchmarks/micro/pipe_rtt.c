// Pipe round trip between two processes: the parent writes 1 byte, the child reads it and
// writes 1 byte back on a second pipe, the parent reads it. ns per round trip.
#include "bench.h"
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 5000);
    int to_child[2], to_parent[2];
    bench_name = "pipe_rtt";
    CHECK(pipe(to_child) == 0 && pipe(to_parent) == 0, "pipe");
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        close(to_child[1]); close(to_parent[0]);
        char c;
        for (;;) {
            ssize_t r = read(to_child[0], &c, 1);
            if (r != 1) _exit(r == 0 ? 0 : 1);
            if (write(to_parent[1], &c, 1) != 1) _exit(1);
        }
    }
    close(to_child[0]); close(to_parent[1]);
    char c = 'x';
    BENCH("pipe_rtt", n, , {
        CHECK(write(to_child[1], &c, 1) == 1, "write");
        CHECK(read(to_parent[0], &c, 1) == 1, "read");
    }, );
    close(to_child[1]);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "pipe_rtt: child failed\n"); return 1; }
    return 0;
}
