// syscalls: openat, ftruncate, mmap, unlinkat, futex
// POSIX shared memory and named semaphores over /dev/shm (tmpfs files and futexes).
#include "check.h"
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

int main(void) {
    const char *name = "/husk-case-posix-shm", *sname = "/husk-case-posix-sem";
    shm_unlink(name);
    sem_unlink(sname);
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    FACT("shm_open", fd >= 0);
    CHECK(shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600));  /* EEXIST */
    CHECK(ftruncate(fd, 8192));
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    FACT("mmap", p != MAP_FAILED);
    struct stat st;
    CHECK(fstat(fd, &st));
    SHOW("size", "%ld", (long)st.st_size);

    sem_t *s = sem_open(sname, O_CREAT | O_EXCL, 0600, 0);
    FACT("sem_open", s != SEM_FAILED);
    pid_t c = fork();
    if (c == 0) {
        sem_t *cs = sem_open(sname, 0);
        int fd2 = shm_open(name, O_RDWR, 0);
        char *q = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
        if (cs == SEM_FAILED || q == MAP_FAILED) _exit(1);
        strcpy(q + 4096, "written by the child");
        sem_post(cs);
        _exit(0);
    }
    CHECK(sem_wait(s));
    SHOW("parent reads", "%s", p + 4096);
    int status;
    waitpid(c, &status, 0);
    FACT("child ok", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    int v = -1;
    sem_getvalue(s, &v);
    SHOW("sem value", "%d", v);
    CHECK(sem_trywait(s));                                   /* EAGAIN */
    CHECK(sem_close(s));
    CHECK(sem_unlink(sname));
    CHECK(sem_unlink(sname));                                /* ENOENT */
    CHECK(munmap(p, 8192));
    CHECK(shm_unlink(name));
    CHECK(shm_unlink(name));                                 /* ENOENT */
    CHECK(shm_open(name, O_RDWR, 0));                        /* ENOENT */
    return 0;
}
