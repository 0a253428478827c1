// syscalls: setrlimit, prlimit64 (limits the kernel enforces on the process's own work: RLIMIT_CPU's SIGXCPU and SIGKILL, RLIMIT_AS and RLIMIT_DATA on mmap and brk)
// A process that lowers its own limits is held to them by the kernel: CPU time ends it (the
// soft limit with SIGXCPU, the hard one with SIGKILL), and allocations past its address space
// or data limit fail with ENOMEM.
#include "check.h"
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

/* A child that sets RLIMIT_CPU to (soft, hard) seconds and spins. */
static void spin_under(rlim_t soft, rlim_t hard) {
    pid_t c = fork();
    if (c == 0) {
        struct rlimit rl = {soft, hard};
        if (setrlimit(RLIMIT_CPU, &rl) != 0) _exit(90);
        for (volatile unsigned long i = 0;; i++) {}
    }
    int status = 0;
    waitpid(c, &status, 0);
    printf("RLIMIT_CPU %lu/%lu: signaled=%d signal=%s\n", (unsigned long)soft, (unsigned long)hard,
           WIFSIGNALED(status), WIFSIGNALED(status) ? sigabbrev_np(WTERMSIG(status)) : "-");
}

int main(void) {
    spin_under(1, 1);
    spin_under(1, 3);

    pid_t c = fork();
    if (c == 0) {
        struct rlimit rl = {64 << 20, 64 << 20};
        CHECKN("prlimit64 RLIMIT_AS 64 MiB", prlimit(0, RLIMIT_AS, &rl, NULL));
        void *p = mmap(NULL, 128 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        printf("mmap 128 MiB: %s\n", p == MAP_FAILED ? errname(errno) : "mapped");
        p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        printf("mmap 1 MiB: %s\n", p == MAP_FAILED ? errname(errno) : "mapped");
        struct rlimit got;
        getrlimit(RLIMIT_AS, &got);
        printf("getrlimit RLIMIT_AS: %lu %lu\n", (unsigned long)got.rlim_cur, (unsigned long)got.rlim_max);
        rl.rlim_cur = rl.rlim_max = 1 << 20;
        CHECKN("setrlimit RLIMIT_DATA 1 MiB", setrlimit(RLIMIT_DATA, &rl));
        void *top = sbrk(0);
        errno = 0;
        void *r = sbrk(8 << 20);
        printf("sbrk 8 MiB: %s\n", r == (void *)-1 ? errname(errno) : "grew");
        p = mmap(NULL, 8 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        printf("private writable mmap 8 MiB: %s\n", p == MAP_FAILED ? errname(errno) : "mapped");
        (void)top;
        _exit(0);
    }
    waitpid(c, NULL, 0);
    return 0;
}
