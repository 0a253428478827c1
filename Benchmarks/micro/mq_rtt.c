// POSIX message queue round trip between two processes: the parent sends a 64-byte message on
// one queue, the child receives it and answers on a second queue, the parent receives that. ns
// per round trip. The queues are unlinked at once (they live while open).
#include "bench.h"
#include <fcntl.h>
#include <mqueue.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 5000);
    bench_name = "mq_rtt";
    char ping[64], pong[64];
    snprintf(ping, sizeof ping, "/husk-bench-ping-%d", getpid());
    snprintf(pong, sizeof pong, "/husk-bench-pong-%d", getpid());
    struct mq_attr a = {0, 4, 64, 0, {0}};
    mqd_t there = mq_open(ping, O_CREAT | O_EXCL | O_RDWR, 0600, &a);
    CHECK(there >= 0, "mq_open ping");
    mqd_t back = mq_open(pong, O_CREAT | O_EXCL | O_RDWR, 0600, &a);
    CHECK(back >= 0, "mq_open pong");
    mq_unlink(ping);
    mq_unlink(pong);
    long total = n + (n / 10 > 0 ? n / 10 : 1);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        char m[64];
        for (long i = 0; i < total; i++) {
            if (mq_receive(there, m, sizeof m, NULL) != sizeof m) _exit(1);
            if (mq_send(back, m, sizeof m, 0) != 0) _exit(1);
        }
        _exit(0);
    }
    char m[64] = "ping";
    BENCH("mq_rtt", n, , {
        CHECK(mq_send(there, m, sizeof m, 0) == 0, "mq_send");
        CHECK(mq_receive(back, m, sizeof m, NULL) == sizeof m, "mq_receive");
    }, );
    int status;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "mq_rtt: child failed\n"); return 1; }
    return 0;
}
