// syscalls: unshare, semget, msgget, shmget
// unshare(CLONE_NEWIPC): a fresh, empty IPC namespace, shared by the children made after it.
#include "check.h"
#include <sched.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>

#define KEY 0x48534b34

static int lines(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return -errno;
    int n = 0, c;
    while ((c = fgetc(f)) != EOF) if (c == '\n') n++;
    fclose(f);
    return n;
}

int main(void) {
    int stale = semget(KEY, 0, 0);
    if (stale >= 0) semctl(stale, 0, IPC_RMID);
    int outer = semget(KEY, 1, IPC_CREAT | 0600);
    FACT("outer set", outer >= 0);
    struct sembuf up = {0, 1, SEM_UNDO};
    CHECK(semop(outer, &up, 1));

    pid_t c = fork();
    if (c == 0) {
        CHECK(unshare(CLONE_NEWIPC));
        CHECK(semget(KEY, 0, 0));                      /* ENOENT: not in this namespace */
        SHOW("sysvipc/sem lines", "%d", lines("/proc/sysvipc/sem"));
        SHOW("sysvipc/msg lines", "%d", lines("/proc/sysvipc/msg"));
        SHOW("sysvipc/shm lines", "%d", lines("/proc/sysvipc/shm"));
        int inner = semget(KEY, 2, IPC_CREAT | 0600);
        FACT("inner set", inner >= 0);
        FACT("msgget", msgget(IPC_PRIVATE, 0600) >= 0);
        FACT("shmget", shmget(IPC_PRIVATE, 4096, 0600) >= 0);
        SHOW("sysvipc/sem lines", "%d", lines("/proc/sysvipc/sem"));
        pid_t g = fork();
        if (g == 0) {
            FACT("grandchild sees the inner set", semget(KEY, 0, 0) == inner);
            _exit(0);
        }
        waitpid(g, NULL, 0);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    FACT("outer set still there", semget(KEY, 0, 0) == outer);
    CHECKV(semctl(outer, 0, GETVAL));

    /* CLONE_SYSVSEM applies the adjustments now, as exit would */
    CHECK(unshare(CLONE_SYSVSEM));
    CHECKV(semctl(outer, 0, GETVAL));
    CHECK(semctl(outer, 0, IPC_RMID));

    c = fork();
    if (c == 0) {
        if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) _exit(9);
        CHECKN("unprivileged unshare(CLONE_NEWIPC)", unshare(CLONE_NEWIPC));
        _exit(0);
    }
    waitpid(c, &st, 0);
    return 0;
}
