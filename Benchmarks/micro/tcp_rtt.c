// Loopback TCP round trip between two processes (127.0.0.1, TCP_NODELAY): the parent sends
// 1 byte, the child reads it and sends it back. ns per round trip.
#include "bench.h"
#include "bench_tcp.h"
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 5000);
    bench_name = "tcp_rtt";
    struct sockaddr_in a;
    int l = bench_tcp_listener(&a);
    int one = 1;
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        int s = accept(l, NULL, NULL);
        if (s < 0) _exit(1);
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        char c;
        for (;;) {
            ssize_t r = read(s, &c, 1);
            if (r != 1) _exit(r == 0 ? 0 : 1);
            if (write(s, &c, 1) != 1) _exit(1);
        }
    }
    close(l);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(s, (struct sockaddr *)&a, sizeof a) == 0, "connect");
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char c = 'x';
    BENCH("tcp_rtt", n, , {
        CHECK(write(s, &c, 1) == 1, "write");
        CHECK(read(s, &c, 1) == 1, "read");
    }, );
    close(s);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "tcp_rtt: child failed\n"); return 1; }
    return 0;
}
