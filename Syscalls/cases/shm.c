// syscalls: shmget, shmat, shmdt, shmctl
#include "check.h"
#include <signal.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>

#define KEY 0x48534b33

static long nattch(int id) {
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) < 0) return -errno;
    return (long)ds.shm_nattch;
}


int main(void) {
    int stale = shmget(KEY, 0, 0);
    if (stale >= 0) shmctl(stale, IPC_RMID, NULL);

    CHECK(shmget(KEY, 4096, 0600));                    /* ENOENT */
    CHECK(shmget(IPC_PRIVATE, 0, 0600));               /* EINVAL */
    int id = shmget(KEY, 10000, IPC_CREAT | 0640);
    FACT("created", id >= 0);
    FACT("same key", shmget(KEY, 4096, 0) == id);
    CHECK(shmget(KEY, 20000, 0));                      /* EINVAL: larger than it is */
    CHECK(shmget(KEY, 100, IPC_CREAT | IPC_EXCL));     /* EEXIST */

    struct shmid_ds ds;
    CHECK(shmctl(id, IPC_STAT, &ds));
    SHOW("segsz", "%lu", (unsigned long)ds.shm_segsz);
    SHOW("mode", "%o", ds.shm_perm.mode & 0777);
    SHOW("nattch", "%lu", (unsigned long)ds.shm_nattch);
    FACT("cpid", ds.shm_cpid == getpid());
    FACT("atime 0", ds.shm_atime == 0 && ds.shm_lpid == 0);
    CHECK(shmctl(id, IPC_STAT, (void *)8));

    char *p = shmat(id, NULL, 0);
    FACT("attached", p != (void *)-1);
    strcpy(p, "hello");
    p[9999] = 'z';
    SHOW("nattch", "%ld", nattch(id));
    CHECK(shmctl(id, IPC_STAT, &ds));
    FACT("lpid, atime", ds.shm_lpid == getpid() && ds.shm_atime > 0);

    char *q = shmat(id, NULL, SHM_RDONLY);
    FACT("second attach", q != (void *)-1 && q != p);
    SHOW("read through it", "%s", q);
    SHOW("nattch", "%ld", nattch(id));
    CHECK(mprotect(q, 4096, PROT_READ | PROT_WRITE));  /* EACCES: read-only attach */
    CHECK(shmdt(q));
    CHECK(shmdt(q));                                   /* EINVAL */
    CHECK(shmdt(p + 1));                               /* EINVAL */
    SHOW("nattch", "%ld", nattch(id));

    /* address hints */
    char *fixed = (char *)0x700000000000;
    FACT("at an address", shmat(id, fixed, 0) == fixed);
    CHECK((long)shmat(id, fixed, 0));                  /* EINVAL: already mapped */
    FACT("SHM_REMAP", shmat(id, fixed, SHM_REMAP) == fixed);
    FACT("SHM_RND", shmat(id, fixed + 0x10000 + 5, SHM_RND) == fixed + 0x10000);
    CHECK((long)shmat(id, fixed + 0x20000 + 5, 0));    /* EINVAL */
    CHECK((long)shmat(id, NULL, SHM_REMAP));           /* EINVAL */
    SHOW("data at fixed", "%s", fixed);
    CHECK(shmdt(fixed));
    CHECK(shmdt(fixed + 0x10000));
    SHOW("nattch", "%ld", nattch(id));                /* the SHM_REMAP attach replaced one */
    CHECK((long)shmat(-1, NULL, 0));
    CHECK((long)shmat(id + 1000000, NULL, 0));

    /* fork shares, exit detaches */
    pid_t c = fork();
    if (c == 0) {
        printf("child nattch: %ld\n", nattch(id));
        strcpy(p, "from child");
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    SHOW("after child", "%s", p);
    SHOW("nattch", "%ld", nattch(id));

    /* exec detaches */
    c = fork();
    if (c == 0) { execl("/bin/true", "true", (char *)0); _exit(127); }
    waitpid(c, &st, 0);
    SHOW("nattch after exec", "%ld", nattch(id));

    /* IPC_RMID while attached: SHM_DEST, key gone, freed at the last detach */
    CHECK(shmctl(id, IPC_RMID, NULL));
    CHECK(shmctl(id, IPC_STAT, &ds));
    FACT("SHM_DEST", (ds.shm_perm.mode & SHM_DEST) != 0);
    SHOW("key now", "%d", ds.shm_perm.__key);
    CHECK(shmget(KEY, 4096, 0));                       /* ENOENT */
    SHOW("still readable", "%s", p);
    CHECK(shmdt(p));
    CHECK(shmctl(id, IPC_STAT, &ds));                  /* EINVAL: freed */

    /* permissions */
    int p2 = shmget(IPC_PRIVATE, 4096, 0600);
    c = fork();
    if (c == 0) {
        if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) _exit(9);
        CHECKN("other: shmat", (long)shmat(p2, NULL, 0));
        CHECKN("other: IPC_STAT", shmctl(p2, IPC_STAT, &ds));
        CHECKN("other: IPC_RMID", shmctl(p2, IPC_RMID, NULL));
        _exit(0);
    }
    waitpid(c, &st, 0);
    CHECK(shmctl(p2, SHM_LOCK, NULL));
    CHECK(shmctl(p2, IPC_STAT, &ds));
    FACT("SHM_LOCKED", (ds.shm_perm.mode & SHM_LOCKED) != 0);
    CHECK(shmctl(p2, SHM_UNLOCK, NULL));
    CHECK(shmctl(p2, IPC_RMID, NULL));
    CHECK(shmctl(p2, 99, NULL));

    struct shminfo si;
    CHECK(shmctl(0, IPC_INFO, (struct shmid_ds *)&si) >= 0);
    printf("shminfo: max=%lu min=%lu mni=%lu seg=%lu all=%lu\n", si.shmmax, si.shmmin, si.shmmni, si.shmseg, si.shmall);
    CHECK(shmctl(0, IPC_INFO, (void *)8));
    return 0;
}
