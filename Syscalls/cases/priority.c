// syscalls: getpriority, setpriority, sched_setaffinity, sched_setscheduler, sched_setparam (the sandbox's credentials and capabilities)
#include "check.h"
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>

static long nice_in_stat(pid_t pid) {
    char path[64], buf[1024] = {0};
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return 99;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    char *p = n > 0 ? strrchr(buf, ')') : NULL;
    long v[17];
    char st;
    if (!p || sscanf(p + 2, "%c %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld", &st,
                     &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &v[11], &v[12], &v[13], &v[14], &v[15]) != 17) return 98;
    return v[15];   /* field 19 */
}

/* getpriority's value may be negative: print it with errno (0 when it succeeded). */
static void prio(const char *label, int which, int who) {
    errno = 0;
    int r = getpriority(which, who);
    printf("%s: %d errno=%s\n", label, r, errno ? errname(errno) : "0");
}

int main(void) {
    prio("getpriority", PRIO_PROCESS, 0);
    CHECKN("root: setpriority -5", setpriority(PRIO_PROCESS, 0, -5));
    prio("getpriority", PRIO_PROCESS, 0);
    CHECKVN("raw getpriority (20 - nice)", syscall(SYS_getpriority, PRIO_PROCESS, 0));
    SHOW("nice in /proc/self/stat", "%ld", nice_in_stat(getpid()));
    CHECKN("setpriority -100 clamps to -20", setpriority(PRIO_PROCESS, getpid(), -100));
    CHECKVN("getpriority", getpriority(PRIO_PROCESS, getpid()));
    CHECKN("setpriority -3", setpriority(PRIO_PROCESS, 0, -3));
    CHECKN("getpriority bad which", getpriority(7, 0));
    CHECKN("setpriority bad which", setpriority(7, 0, 0));
    CHECKN("getpriority unknown pid", getpriority(PRIO_PROCESS, 99999));
    CHECKN("setpriority unknown pid", setpriority(PRIO_PROCESS, 99999, 0));
    prio("getpriority PRIO_PGRP 0", PRIO_PGRP, 0);
    CHECKN("sched_setaffinity unknown pid", sched_setaffinity(99999, sizeof(cpu_set_t), &(cpu_set_t){{1}}));
    CHECKN("sched_setscheduler pid -1", sched_setscheduler(-1, SCHED_OTHER, &(struct sched_param){0}));
    CHECKN("sched_setparam unknown pid", sched_setparam(99999, &(struct sched_param){0}));
    pid_t parent = getpid();
    int p[2];
    if (pipe(p)) return 1;
    pid_t c = fork();
    if (c == 0) {
        prio("child: inherited", PRIO_PROCESS, 0);
        CHECKN("child (root): setpriority of the parent to -4", setpriority(PRIO_PROCESS, parent, -4));
        if (setgid(65534) || setuid(65534)) { printf("setuid: errno=%s\n", errname(errno)); _exit(1); }
        CHECKN("nobody: setpriority of root's parent", setpriority(PRIO_PROCESS, parent, 5));
        CHECKN("nobody: lower own nice", setpriority(PRIO_PROCESS, 0, -10));
        CHECKN("nobody: raise own nice", setpriority(PRIO_PROCESS, 0, 10));
        prio("nobody: getpriority", PRIO_PROCESS, 0);
        prio("nobody: getpriority of the parent", PRIO_PROCESS, parent);
        cpu_set_t set;
        CHECKN("nobody: sched_getaffinity of the parent", sched_getaffinity(parent, sizeof set, &set));
        CHECKN("nobody: sched_setaffinity of the parent", sched_setaffinity(parent, sizeof set, &set));
        CHECKN("nobody: sched_setscheduler of the parent", sched_setscheduler(parent, SCHED_OTHER, &(struct sched_param){0}));
        CHECKN("nobody: sched_setparam of the parent", sched_setparam(parent, &(struct sched_param){0}));
        CHECKN("nobody: own sched_setaffinity", sched_setaffinity(0, sizeof set, &set));
        CHECKN("nobody: own sched_setscheduler SCHED_BATCH", sched_setscheduler(0, SCHED_BATCH, &(struct sched_param){0}));
        CHECKVN("nobody: sched_getscheduler", sched_getscheduler(0));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    prio("after the child: getpriority", PRIO_PROCESS, 0);
    CHECKN("setpriority of the reaped child", setpriority(PRIO_PROCESS, c, 0));
    return 0;
}
