// Unix stream socket round trip between two processes: the parent sends 1 byte on a
// socketpair, the child reads it and sends it back. ns per round trip.
#include "bench.h"
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 5000);
    int sv[2];
    bench_name = "unix_rtt";
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        close(sv[0]);
        char c;
        for (;;) {
            ssize_t r = read(sv[1], &c, 1);
            if (r != 1) _exit(r == 0 ? 0 : 1);
            if (write(sv[1], &c, 1) != 1) _exit(1);
        }
    }
    close(sv[1]);
    char c = 'x';
    BENCH("unix_rtt", n, , {
        CHECK(write(sv[0], &c, 1) == 1, "write");
        CHECK(read(sv[0], &c, 1) == 1, "read");
    }, );
    close(sv[0]);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "unix_rtt: child failed\n"); return 1; }
    return 0;
}
