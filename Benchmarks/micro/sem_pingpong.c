// SysV semaphore ping-pong between two processes: the parent raises semaphore 0 and waits on
// semaphore 1, the child waits on 0 and raises 1. ns per round trip.
#include "bench.h"
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 5000);
    bench_name = "sem_pingpong";
    int id = semget(IPC_PRIVATE, 2, 0600);
    CHECK(id >= 0, "semget");
    long total = n + (n / 10 > 0 ? n / 10 : 1);
    pid_t pid = fork();
    CHECK(pid >= 0, "fork");
    if (pid == 0) {
        struct sembuf down = {0, -1, 0}, up = {1, 1, 0};
        for (long i = 0; i < total; i++) {
            if (semop(id, &down, 1) != 0 || semop(id, &up, 1) != 0) _exit(1);
        }
        _exit(0);
    }
    struct sembuf up = {0, 1, 0}, down = {1, -1, 0};
    BENCH("sem_pingpong", n, , {
        CHECK(semop(id, &up, 1) == 0, "semop up");
        CHECK(semop(id, &down, 1) == 0, "semop down");
    }, );
    int status;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    semctl(id, 0, IPC_RMID);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { fprintf(stderr, "sem_pingpong: child failed\n"); return 1; }
    return 0;
}
