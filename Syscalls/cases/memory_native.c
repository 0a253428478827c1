// syscalls: msync, mincore, mlock, munlock, mlock2, mlockall, munlockall, rt_sigpending, arch_prctl, readahead, setdomainname
#include "check.h"
#include <signal.h>
#include <sys/mman.h>
#include <asm/prctl.h>

// Calls the table runs natively (memory of the caller, its pending signals, arch_prctl's
// CPUID and AMX codes) and two small served ones (readahead, setdomainname's refusals).
int main(void) {
    long page = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 1;
    CHECKN("msync MS_SYNC", msync(p, page, MS_SYNC));
    CHECKN("msync bad flags", msync(p, page, MS_SYNC | MS_ASYNC));
    CHECKN("msync unaligned", msync(p + 1, page, MS_SYNC));
    unsigned char vec[4] = {9, 9, 9, 9};
    CHECKN("mincore", mincore(p, 4 * page, vec));
    SHOW("first page resident", "%d", vec[0] & 1);
    CHECKN("mincore unaligned", mincore(p + 1, page, vec));
    munmap(p + 3 * page, page);
    CHECKN("mincore unmapped", mincore(p + 3 * page, page, vec));
    CHECKN("mlock one page", mlock(p, page));
    CHECKN("munlock", munlock(p, page));
    CHECKN("mlock2 ONFAULT", syscall(SYS_mlock2, p, page, 1 /* MLOCK_ONFAULT */));
    CHECKN("mlock2 bad flags", syscall(SYS_mlock2, p, page, 8));
    CHECKN("munlock again", munlock(p, page));
    CHECKN("mlockall no flags", mlockall(0));
    CHECKN("mlockall FUTURE", mlockall(MCL_FUTURE));
    CHECKN("munlockall", munlockall());

    sigset_t block, pending;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR1);
    sigemptyset(&pending);
    CHECKN("sigpending", sigpending(&pending));
    SHOW("SIGUSR1 pending", "%d", sigismember(&pending, SIGUSR1));
    SHOW("SIGUSR2 pending", "%d", sigismember(&pending, SIGUSR2));
    CHECKN("rt_sigpending bad size", syscall(SYS_rt_sigpending, &pending, 64));
    CHECKN("rt_sigpending bad pointer", syscall(SYS_rt_sigpending, BADPTR, 8));

    CHECKV(syscall(SYS_arch_prctl, ARCH_GET_CPUID, 0));
    CHECKN("ARCH_SET_CPUID 1", syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1));
    unsigned long features = 0;
    CHECKN("ARCH_GET_XCOMP_SUPP", syscall(SYS_arch_prctl, 0x1021, &features));
    CHECKN("arch_prctl unknown code", syscall(SYS_arch_prctl, 0x9999, 0));

    int fd = must_open("/etc/os-release", O_RDONLY);
    CHECKN("readahead file", syscall(SYS_readahead, fd, 0, 4096));
    int pfd[2];
    pipe(pfd);
    CHECKN("readahead pipe", syscall(SYS_readahead, pfd[0], 0, 4096));
    CHECKN("readahead write-only", syscall(SYS_readahead, pfd[1], 0, 4096));
    CHECKN("readahead bad fd", syscall(SYS_readahead, 999, 0, 4096));

    char name[80];
    memset(name, 'x', sizeof name);
    CHECKN("setdomainname too long", setdomainname(name, 65));
    CHECKN("setdomainname negative", syscall(SYS_setdomainname, name, -1));
    CHECKN("sethostname too long", sethostname(name, 65));
    return 0;
}
