// syscalls: semop, semctl
// SEM_UNDO: a child that crashes while holding a semaphore gives it back.
#include "check.h"
#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/wait.h>

static void status(const char *what, int st) {
    if (WIFSIGNALED(st)) printf("%s: signal %d\n", what, WTERMSIG(st));
    else printf("%s: exit %d\n", what, WEXITSTATUS(st));
}

int main(void) {
    int id = semget(IPC_PRIVATE, 2, 0600);
    FACT("created", id >= 0);
    CHECK(semctl(id, 0, SETVAL, 1));

    /* A worker takes the lock with SEM_UNDO and crashes: the lock comes back. */
    pid_t c = fork();
    if (c == 0) {
        struct sembuf take = {0, -1, SEM_UNDO};
        if (semop(id, &take, 1) != 0) _exit(1);
        printf("child holds: %d\n", semctl(id, 0, GETVAL));
        signal(SIGSEGV, SIG_DFL);
        *(volatile int *)0 = 1;
        _exit(2);
    }
    int st;
    waitpid(c, &st, 0);
    status("crashing child", st);
    CHECKV(semctl(id, 0, GETVAL));
    FACT("GETPID is the dead child", semctl(id, 0, GETPID) == c);

    /* Several adjustments add up; a normal exit applies them too. */
    c = fork();
    if (c == 0) {
        struct sembuf ops[2] = {{1, 3, SEM_UNDO}, {1, 2, SEM_UNDO}};
        semop(id, ops, 2);
        struct sembuf down = {1, -1, SEM_UNDO};
        semop(id, &down, 1);
        printf("child sees: %d\n", semctl(id, 1, GETVAL));
        _exit(0);
    }
    waitpid(c, &st, 0);
    status("child", st);
    CHECKV(semctl(id, 1, GETVAL));

    /* Clamped at 0: the value went down behind the adjustment's back. */
    c = fork();
    if (c == 0) {
        struct sembuf up = {1, 2, SEM_UNDO};
        semop(id, &up, 1);
        semctl(id, 1, SETVAL, 2);   /* clears this process's adjustment */
        struct sembuf up2 = {1, 1, SEM_UNDO};
        semop(id, &up2, 1);
        semctl(id, 1, SETVAL, 0);
        _exit(0);
    }
    waitpid(c, &st, 0);
    CHECKV(semctl(id, 1, GETVAL));

    /* The adjustments survive exec and are applied at the exit of the new image. */
    c = fork();
    if (c == 0) {
        struct sembuf take = {0, -1, SEM_UNDO};
        semop(id, &take, 1);
        execl("/bin/sh", "sh", "-c", "exit 3", (char *)0);
        _exit(127);
    }
    waitpid(c, &st, 0);
    status("exec child", st);
    CHECKV(semctl(id, 0, GETVAL));

    /* A fork child does not inherit its parent's adjustments. */
    struct sembuf take = {0, -1, SEM_UNDO};
    CHECK(semop(id, &take, 1));
    c = fork();
    if (c == 0) _exit(0);
    waitpid(c, &st, 0);
    CHECKV(semctl(id, 0, GETVAL));

    /* Killed while blocked: nothing applied for the op it never did. */
    c = fork();
    if (c == 0) {
        struct sembuf t2 = {0, -1, SEM_UNDO};
        semop(id, &t2, 1);
        _exit(0);
    }
    for (int i = 0; i < 2000 && semctl(id, 0, GETNCNT) == 0; i++) usleep(1000);
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    status("killed waiter", st);
    CHECKV(semctl(id, 0, GETVAL));
    CHECKV(semctl(id, 0, GETNCNT));

    /* IPC_RMID while a process holds adjustments: its exit is harmless. */
    int id2 = semget(IPC_PRIVATE, 1, 0600);
    c = fork();
    if (c == 0) {
        struct sembuf up = {0, 1, SEM_UNDO};
        semop(id2, &up, 1);
        semctl(id2, 0, IPC_RMID);
        _exit(0);
    }
    waitpid(c, &st, 0);
    status("rmid child", st);
    CHECK(semctl(id2, 0, GETVAL));
    CHECK(semctl(id, 0, IPC_RMID));
    return 0;
}
