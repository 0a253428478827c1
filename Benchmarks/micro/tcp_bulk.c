// Bulk loopback TCP transfer between two processes: the child sends ITERATIONS MiB (default
// 256) in 64-KiB writes, the parent reads them all. ns per MiB (the whole transfer, divided).
#include "bench.h"
#include "bench_tcp.h"
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long mib = bench_iterations(argc, argv, 256);
    bench_name = "tcp_bulk";
    struct sockaddr_in a;
    int l = bench_tcp_listener(&a);
    static char buf[65536];
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) _exit(1);
        memset(buf, 'b', sizeof buf);
        for (long i = 0; i < mib * 16; i++) {
            for (size_t off = 0; off < sizeof buf;) {
                ssize_t w = write(s, buf + off, sizeof buf - off);
                if (w <= 0) _exit(1);
                off += (size_t)w;
            }
        }
        _exit(0);
    }
    int s = accept(l, NULL, NULL);
    CHECK(s >= 0, "accept");
    long total = mib << 20, got = 0;
    double t0 = bench_now_ns();
    while (got < total) {
        ssize_t r = read(s, buf, sizeof buf);
        CHECK(r > 0, "read");
        got += r;
    }
    double t1 = bench_now_ns();
    printf("tcp_bulk %.1f\n", (t1 - t0) / (double)mib);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "tcp_bulk: child failed\n"); return 1; }
    return 0;
}
