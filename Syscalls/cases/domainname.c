// syscalls: setdomainname, uname, sethostname (set in the UTS namespace; read back by uname, getdomainname, /proc/sys/kernel; EPERM without CAP_SYS_ADMIN)
// Natively the case first enters a UTS namespace of its own (not printed), so the host's
// names stay as they are; inside the sandbox the names are the sandbox's.
#include "check.h"
#include <sched.h>
#include <sys/utsname.h>
#include <sys/wait.h>

static void show(void) {
    struct utsname u;
    uname(&u);
    char d[128] = {0};
    getdomainname(d, sizeof d);
    char *proc;
    long n = slurp("/proc/sys/kernel/domainname", &proc);
    printf("uname domainname=%s getdomainname=%s proc=%.*s", u.domainname, d, (int)n, proc);
    free(proc);
}

int main(void) {
    unshare(CLONE_NEWUTS);
    CHECKN("setdomainname", setdomainname("husk.example", 12));
    show();
    char name[65];
    memset(name, 'd', 64);
    name[64] = 0;
    CHECKN("setdomainname 64 bytes", setdomainname(name, 64));
    struct utsname u;
    uname(&u);
    printf("length back: %zu\n", strlen(u.domainname));
    CHECKN("setdomainname 65 bytes", setdomainname(name, 65));
    CHECKN("setdomainname bad pointer", syscall(SYS_setdomainname, BADPTR, 4));
    CHECKN("setdomainname empty", setdomainname("", 0));
    show();
    CHECKN("setdomainname embedded NUL", setdomainname("ab\0cd", 5));
    show();
    int fd = open("/proc/sys/kernel/domainname", O_WRONLY);
    CHECKN("write /proc/sys/kernel/domainname", write(fd, "via.proc\n", 9));
    close(fd);
    show();
    pid_t c = fork();
    if (c == 0) {
        show();
        if (setuid(65534) != 0) _exit(1);
        CHECKN("setdomainname as nobody", setdomainname("x", 1));
        CHECKN("sethostname as nobody", sethostname("x", 1));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    return 0;
}
