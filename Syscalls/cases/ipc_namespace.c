// syscalls: unshare, clone, semget, msgget, shmget, mq_open
// unshare(CLONE_NEWIPC): a fresh, empty IPC namespace, shared by the children made after it;
// clone(CLONE_NEWIPC): a child in a fresh one (SysV objects and POSIX queues alike).
#include "check.h"
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
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

static char qname[64];

static int in_new_namespace(void *arg) {
    (void)arg;
    CHECKN("clone child: semget", semget(KEY, 0, 0));            /* ENOENT */
    CHECKN("clone child: mq_open", mq_open(qname, O_RDONLY));    /* ENOENT */
    SHOW("clone child: sysvipc/sem lines", "%d", lines("/proc/sysvipc/sem"));
    mqd_t q = mq_open(qname, O_CREAT | O_EXCL | O_RDWR, 0600, NULL);
    FACT("clone child: its own queue of that name", q >= 0);
    mq_unlink(qname);
    return 0;
}

static int clone_newipc(unsigned long flags) {
    static char stack[64 * 1024] __attribute__((aligned(16)));
    pid_t c = clone(in_new_namespace, stack + sizeof stack, (int)flags | SIGCHLD, NULL);
    if (c < 0) return -1;
    int st;
    waitpid(c, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
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

    /* clone(CLONE_NEWIPC): the child's namespace is new; the parent's objects stay. */
    snprintf(qname, sizeof qname, "/husk-case-ipcns-%d", getpid());
    mq_unlink(qname);
    int set = semget(KEY, 1, IPC_CREAT | 0600);
    mqd_t q = mq_open(qname, O_CREAT | O_RDWR, 0600, NULL);
    FACT("parent set and queue", set >= 0 && q >= 0);
    CHECKV(clone_newipc(CLONE_NEWIPC));
    FACT("parent set still there", semget(KEY, 0, 0) == set);
    mqd_t again = mq_open(qname, O_RDWR);
    FACT("parent queue still there", again >= 0);
    CHECKN("CLONE_NEWIPC|CLONE_SYSVSEM", clone_newipc(CLONE_NEWIPC | CLONE_SYSVSEM));   /* EINVAL */
    c = fork();
    if (c == 0) {
        if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) _exit(9);
        CHECKN("unprivileged clone(CLONE_NEWIPC)", clone_newipc(CLONE_NEWIPC));     /* EPERM */
        _exit(0);
    }
    waitpid(c, &st, 0);
    mq_close(again);
    mq_close(q);
    mq_unlink(qname);
    semctl(set, 0, IPC_RMID);
    return 0;
}
