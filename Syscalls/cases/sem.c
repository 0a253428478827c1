// syscalls: semget, semop, semtimedop, semctl
#include "check.h"
#include <signal.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>

#define KEY 0x48534b31

union semun { int val; struct semid_ds *buf; unsigned short *array; struct seminfo *__buf; };

static int waitcount(int id, int num, int cmd) {
    for (int i = 0; i < 2000; i++) {
        int n = semctl(id, num, cmd);
        if (n != 0) return n;
        usleep(1000);
    }
    return 0;
}

static void on_usr1(int s) { (void)s; }

int main(void) {
    int stale = semget(KEY, 0, 0);
    if (stale >= 0) semctl(stale, 0, IPC_RMID);

    CHECK(semget(KEY, 1, 0600));                       /* ENOENT */
    CHECK(semget(IPC_PRIVATE, 0, 0600));               /* EINVAL */
    CHECK(semget(IPC_PRIVATE, -1, 0600));
    CHECK(semget(IPC_PRIVATE, 40000, 0600));
    int id = semget(KEY, 3, IPC_CREAT | 0640);
    FACT("created", id >= 0);
    FACT("same key same id", semget(KEY, 2, 0) == id);
    FACT("IPC_CREAT finds it", semget(KEY, 3, IPC_CREAT | 0600) == id);
    CHECK(semget(KEY, 3, IPC_CREAT | IPC_EXCL | 0600)); /* EEXIST */
    CHECK(semget(KEY, 4, 0));                          /* EINVAL: more than it has */
    int priv = semget(IPC_PRIVATE, 1, 0600);
    FACT("private differs", priv >= 0 && priv != id && semget(IPC_PRIVATE, 1, 0600) != priv);

    struct semid_ds ds;
    CHECK(semctl(id, 0, IPC_STAT, &ds));
    SHOW("nsems", "%lu", (unsigned long)ds.sem_nsems);
    SHOW("mode", "%o", ds.sem_perm.mode & 0777);
    FACT("uid is euid", ds.sem_perm.uid == geteuid() && ds.sem_perm.cuid == geteuid());
    FACT("otime 0", ds.sem_otime == 0);
    FACT("ctime set", ds.sem_ctime > 0);
    CHECK(semctl(id, 0, IPC_STAT, (void *)8));         /* EFAULT */
    CHECK(semctl(-1, 0, IPC_STAT, &ds));
    CHECK(semctl(id + 1000000, 0, IPC_STAT, &ds));
    CHECK(semctl(id, 0, 99, 0));

    /* values */
    CHECKV(semctl(id, 1, GETVAL));
    CHECK(semctl(id, 1, SETVAL, 5));
    CHECKV(semctl(id, 1, GETVAL));
    FACT("GETPID after SETVAL", semctl(id, 1, GETPID) == getpid());
    CHECK(semctl(id, 1, SETVAL, 32768));               /* ERANGE */
    CHECK(semctl(id, 1, SETVAL, -1));
    CHECK(semctl(id, 3, SETVAL, 1));                   /* EINVAL */
    CHECK(semctl(id, 3, GETVAL));
    CHECK(semctl(id, -1, GETVAL));
    unsigned short all[3] = {1, 2, 3}, got[3] = {0};
    CHECK(semctl(id, 0, SETALL, all));
    CHECK(semctl(id, 0, GETALL, got));
    printf("GETALL: %u %u %u\n", got[0], got[1], got[2]);
    unsigned short bad[3] = {1, 40000, 3};
    CHECK(semctl(id, 0, SETALL, bad));                 /* ERANGE */
    CHECK(semctl(id, 0, GETALL, (void *)8));           /* EFAULT */
    CHECK(semctl(id, 0, SETALL, (void *)8));

    /* semop: atomic, in order */
    struct sembuf ops[3] = {{0, -1, 0}, {1, -5, IPC_NOWAIT}, {2, 1, 0}};
    CHECK(semop(id, ops, 3));                          /* EAGAIN: sem 1 is 2 */
    CHECK(semctl(id, 0, GETALL, got));
    printf("unchanged: %u %u %u\n", got[0], got[1], got[2]);
    ops[1].sem_op = -2;
    CHECK(semop(id, ops, 3));
    CHECK(semctl(id, 0, GETALL, got));
    printf("applied: %u %u %u\n", got[0], got[1], got[2]);
    struct sembuf seq[2] = {{2, 1, 0}, {2, -5, IPC_NOWAIT}};
    CHECK(semop(id, seq, 2));                          /* sees its own +1: 5-5=0 */
    CHECKV(semctl(id, 2, GETVAL));
    struct sembuf zero = {2, 0, IPC_NOWAIT};
    CHECK(semop(id, &zero, 1));
    struct sembuf up = {2, 1, 0};
    CHECK(semop(id, &up, 1));
    CHECK(semop(id, &zero, 1));                        /* EAGAIN */
    struct sembuf big = {0, 32767, 0};
    CHECK(semop(id, &big, 1));                         /* ERANGE */
    struct sembuf far = {3, 1, 0};
    CHECK(semop(id, &far, 1));                         /* EFBIG */
    CHECK(semop(id, ops, 0));                          /* EINVAL */
    CHECK(semop(id, ops, 501));                        /* E2BIG */
    CHECK(semop(id, (void *)8, 1));                    /* EFAULT */
    CHECK(semop(-1, &up, 1));
    CHECK(semop(id + 1000000, &up, 1));

    /* semtimedop */
    struct timespec ts = {0, 20 * 1000 * 1000};
    struct sembuf down = {0, -1, 0};
    CHECK(semctl(id, 0, SETVAL, 0));
    CHECK(semtimedop(id, &down, 1, &ts));              /* EAGAIN after 20 ms */
    struct timespec badts = {0, 1000000000};
    CHECK(semtimedop(id, &down, 1, &badts));           /* EINVAL */
    CHECK(semtimedop(id, &down, 1, (void *)8));        /* EFAULT */
    struct timespec zts = {0, 0};
    CHECK(semtimedop(id, &down, 1, &zts));             /* EAGAIN */
    CHECK(semctl(id, 0, SETVAL, 1));
    CHECK(semtimedop(id, &down, 1, &ts));

    /* a blocked decrement, woken by an increment; GETNCNT counts it */
    pid_t c = fork();
    if (c == 0) {
        struct sembuf d = {0, -2, 0};
        int r = semop(id, &d, 1);
        _exit(r == 0 ? 0 : 1);
    }
    SHOW("GETNCNT", "%d", waitcount(id, 0, GETNCNT));
    CHECKV(semctl(id, 0, GETZCNT));
    CHECK(semctl(id, 0, SETVAL, 2));
    int st;
    waitpid(c, &st, 0);
    FACT("child got it", WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECKV(semctl(id, 0, GETVAL));
    FACT("GETPID is child", semctl(id, 0, GETPID) == c);
    CHECKV(semctl(id, 0, GETNCNT));

    /* wait-for-zero */
    CHECK(semctl(id, 1, SETVAL, 1));
    c = fork();
    if (c == 0) {
        struct sembuf z = {1, 0, 0};
        _exit(semop(id, &z, 1) == 0 ? 0 : 1);
    }
    SHOW("GETZCNT", "%d", waitcount(id, 1, GETZCNT));
    struct sembuf d1 = {1, -1, 0};
    CHECK(semop(id, &d1, 1));
    waitpid(c, &st, 0);
    FACT("zero waiter woke", WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* EINTR even under SA_RESTART */
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    c = fork();
    if (c == 0) {
        struct sembuf d = {0, -5, 0};
        int r = semop(id, &d, 1);
        printf("child semop: %d %s\n", r, r < 0 ? errname(errno) : "");
        _exit(0);
    }
    waitcount(id, 0, GETNCNT);
    kill(c, SIGUSR1);
    waitpid(c, &st, 0);
    CHECKV(semctl(id, 0, GETNCNT));

    /* removal wakes with EIDRM */
    c = fork();
    if (c == 0) {
        struct sembuf d = {0, -5, 0};
        int r = semop(id, &d, 1);
        _exit(r < 0 ? errno : 0);
    }
    waitcount(id, 0, GETNCNT);
    CHECK(semctl(id, 0, IPC_RMID));
    waitpid(c, &st, 0);
    printf("child after RMID: %s\n", WIFEXITED(st) ? errname(WEXITSTATUS(st)) : "killed");
    CHECK(semctl(id, 0, GETVAL));                      /* EINVAL */
    CHECK(semctl(id, 0, IPC_RMID));
    CHECK(semget(KEY, 1, 0));                          /* ENOENT */

    /* permissions and ownership */
    int p2 = semget(IPC_PRIVATE, 1, 0600);
    c = fork();
    if (c == 0) {
        if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) _exit(9);
        CHECKN("other: GETVAL", semctl(p2, 0, GETVAL));
        CHECKN("other: IPC_STAT", semctl(p2, 0, IPC_STAT, &ds));
        struct sembuf u = {0, 1, 0};
        CHECKN("other: semop", semop(p2, &u, 1));
        CHECKN("other: IPC_RMID", semctl(p2, 0, IPC_RMID));
        _exit(0);
    }
    waitpid(c, &st, 0);
    CHECK(semctl(p2, 0, IPC_STAT, &ds));
    ds.sem_perm.mode = 0604;
    ds.sem_perm.uid = 1000;
    CHECK(semctl(p2, 0, IPC_SET, &ds));
    CHECK(semctl(p2, 0, IPC_STAT, &ds));
    SHOW("mode after IPC_SET", "%o", ds.sem_perm.mode & 0777);
    SHOW("uid after IPC_SET", "%u", ds.sem_perm.uid);
    c = fork();
    if (c == 0) {
        if (setresgid(1001, 1001, 1001) || setresuid(1001, 1001, 1001)) _exit(9);
        CHECKVN("other: GETVAL readable", semctl(p2, 0, GETVAL));
        struct sembuf u = {0, 1, 0};
        CHECKN("other: semop still refused", semop(p2, &u, 1));
        _exit(0);
    }
    waitpid(c, &st, 0);
    c = fork();
    if (c == 0) {
        if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) _exit(9);
        CHECKN("owner: IPC_RMID", semctl(p2, 0, IPC_RMID));
        _exit(0);
    }
    waitpid(c, &st, 0);

    struct seminfo si;
    CHECK(semctl(0, 0, IPC_INFO, &si) >= 0);
    printf("seminfo: msl=%d mns=%d opm=%d mni=%d vmx=%d aem=%d usz=%d\n", si.semmsl, si.semmns, si.semopm, si.semmni, si.semvmx, si.semaem, si.semusz);
    CHECK(semctl(0, 0, IPC_INFO, (void *)8));
    CHECK(semctl(-1, 0, IPC_INFO, &si));
    semctl(priv, 0, IPC_RMID);
    return 0;
}
