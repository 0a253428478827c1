// syscalls: ioprio_set, ioprio_get (per thread, inherited by fork and threads; a process group's best; the classes' checks; permission of another user)
// The I/O priority: class in bits 13-15 (1 real-time, 2 best-effort, 3 idle; 0 none), level in
// bits 0-2. ioprio_get of a thread answers what was set (0 for none); of a process group, the
// best of its threads' effective priorities (none: best-effort at (nice + 20) / 5).
#include "check.h"
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#define WHO_PROCESS 1
#define WHO_PGRP 2
#define WHO_USER 3
#define PRIO(class, level) (((class) << 13) | (level))

static long get_(int which, int who) { return syscall(SYS_ioprio_get, which, who); }
static long set_(int which, int who, int prio) { return syscall(SYS_ioprio_set, which, who, prio); }

static void *thread_main(void *arg) {
    (void)arg;
    CHECKVN("thread: inherited", get_(WHO_PROCESS, 0));
    CHECKVN("thread: set best-effort 1", set_(WHO_PROCESS, 0, PRIO(2, 1)));
    CHECKVN("thread: own", get_(WHO_PROCESS, 0));
    return NULL;
}

int main(void) {
    setpgid(0, 0);   // a process group of its own: its best is this test's alone
    CHECKVN("none", set_(WHO_PROCESS, 0, 0));
    CHECKVN("get self", get_(WHO_PROCESS, 0));
    CHECKVN("get own group (none: nice 0)", get_(WHO_PGRP, 0));
    setpriority(PRIO_PROCESS, 0, 10);
    CHECKVN("get own group (none: nice 10)", get_(WHO_PGRP, 0));
    CHECKVN("get self (nice 10)", get_(WHO_PROCESS, 0));
    setpriority(PRIO_PROCESS, 0, 0);

    CHECKVN("set best-effort 6", set_(WHO_PROCESS, 0, PRIO(2, 6)));
    CHECKVN("get by pid", get_(WHO_PROCESS, getpid()));
    CHECKVN("set idle 5", set_(WHO_PROCESS, 0, PRIO(3, 5)));
    CHECKVN("get self", get_(WHO_PROCESS, 0));
    CHECKVN("set real-time 7 (root)", set_(WHO_PROCESS, 0, PRIO(1, 7)));
    CHECKVN("get self", get_(WHO_PROCESS, 0));
    CHECKVN("set none with a hint", set_(WHO_PROCESS, 0, 1 << 3));
    CHECKVN("get self", get_(WHO_PROCESS, 0));
    CHECKVN("get own group", get_(WHO_PGRP, 0));
    CHECKVN("set above 16 bits", set_(WHO_PROCESS, 0, 0x10000 | PRIO(2, 0)));
    CHECKVN("get self", get_(WHO_PROCESS, 0));

    CHECKVN("set none level 1", set_(WHO_PROCESS, 0, 1));
    CHECKVN("set class 4", set_(WHO_PROCESS, 0, PRIO(4, 0)));
    CHECKVN("set class 7", set_(WHO_PROCESS, 0, 0xffff));
    CHECKVN("set -1", set_(WHO_PROCESS, 0, -1));
    CHECKVN("set which 0", set_(0, 0, 0));
    CHECKVN("get which 4", get_(4, 0));
    CHECKVN("get missing pid", get_(WHO_PROCESS, 999999));
    CHECKVN("set missing pid", set_(WHO_PROCESS, 999999, PRIO(2, 4)));
    CHECKVN("get missing group", get_(WHO_PGRP, 999999));
    CHECKVN("set missing group", set_(WHO_PGRP, 999999, PRIO(2, 4)));
    CHECKVN("get negative group", get_(WHO_PGRP, -3));
    CHECKVN("get user without processes", get_(WHO_USER, 54321));
    CHECKVN("set user without processes", set_(WHO_USER, 54321, PRIO(2, 4)));

    // fork: the child inherits; the group's best covers both.
    set_(WHO_PROCESS, 0, PRIO(2, 6));
    int go[2];
    if (pipe(go) != 0) return 1;
    pid_t c = fork();
    if (c == 0) { char b; read(go[0], &b, 1); _exit(0); }
    CHECKVN("child inherits", get_(WHO_PROCESS, c));
    set_(WHO_PROCESS, c, 0);
    CHECKVN("child none", get_(WHO_PROCESS, c));
    CHECKVN("group: best-effort 6 and none", get_(WHO_PGRP, 0));
    set_(WHO_PROCESS, 0, PRIO(3, 0));
    CHECKVN("group: idle and none", get_(WHO_PGRP, 0));
    set_(WHO_PROCESS, c, PRIO(2, 2));
    CHECKVN("group: idle and best-effort 2", get_(WHO_PGRP, 0));
    CHECKVN("group by id", get_(WHO_PGRP, getpgrp()));
    CHECKVN("set the group", set_(WHO_PGRP, 0, PRIO(2, 5)));
    CHECKVN("child after the group's set", get_(WHO_PROCESS, c));
    CHECKVN("self after the group's set", get_(WHO_PROCESS, 0));
    write(go[1], "x", 1);
    waitpid(c, NULL, 0);

    // A thread has its own, inherited at creation.
    pthread_t th;
    pthread_create(&th, NULL, thread_main, NULL);
    pthread_join(th, NULL);
    CHECKVN("main after the thread's set", get_(WHO_PROCESS, 0));

    // Another user: no real-time class, no change of root's threads.
    pid_t parent = getpid();
    c = fork();
    if (c == 0) {
        if (setresuid(1000, 1000, 1000) != 0) { printf("setresuid: %s\n", errname(errno)); _exit(1); }
        CHECKVN("user 1000: set real-time", set_(WHO_PROCESS, 0, PRIO(1, 0)));
        CHECKVN("user 1000: set own best-effort 3", set_(WHO_PROCESS, 0, PRIO(2, 3)));
        CHECKVN("user 1000: set the parent's", set_(WHO_PROCESS, parent, PRIO(2, 3)));
        CHECKVN("user 1000: get the parent's", get_(WHO_PROCESS, parent));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    return 0;
}
