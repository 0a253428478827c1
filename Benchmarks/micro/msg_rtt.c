// SysV message round trip between two processes: the parent sends a type-1 message of 64
// bytes, the child receives it and answers with type 2, the parent receives that. ns per
// round trip.
#include "bench.h"
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <unistd.h>

struct msg { long type; char text[64]; };

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 5000);
    bench_name = "msg_rtt";
    int id = msgget(IPC_PRIVATE, 0600);
    CHECK(id >= 0, "msgget");
    long total = n + (n / 10 > 0 ? n / 10 : 1);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        struct msg m;
        for (long i = 0; i < total; i++) {
            if (msgrcv(id, &m, sizeof m.text, 1, 0) != sizeof m.text) _exit(1);
            m.type = 2;
            if (msgsnd(id, &m, sizeof m.text, 0) != 0) _exit(1);
        }
        _exit(0);
    }
    struct msg m = {1, "ping"};
    BENCH("msg_rtt", n, , {
        m.type = 1;
        CHECK(msgsnd(id, &m, sizeof m.text, 0) == 0, "msgsnd");
        CHECK(msgrcv(id, &m, sizeof m.text, 2, 0) == sizeof m.text, "msgrcv");
    }, );
    int status;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    msgctl(id, IPC_RMID, NULL);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "msg_rtt: child failed\n"); return 1; }
    return 0;
}
