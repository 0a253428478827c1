// syscalls: select, pselect6
#include "check.h"
#include <signal.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>

static long ms_since(struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

int main(void) {
    int p[2];
    pipe(p);
    fd_set rs, ws, es;
    struct timeval tv = {0, 0};

    FD_ZERO(&rs); FD_ZERO(&ws); FD_ZERO(&es);
    FD_SET(p[0], &rs); FD_SET(p[1], &ws); FD_SET(p[0], &es);
    CHECKV(select(p[1] + 1, &rs, &ws, &es, &tv));
    FACT("read end not readable", !FD_ISSET(p[0], &rs));
    FACT("write end writable", FD_ISSET(p[1], &ws));
    FACT("no exception", !FD_ISSET(p[0], &es));

    write(p[1], "x", 1);
    FD_ZERO(&rs); FD_SET(p[0], &rs); FD_SET(p[1], &rs);
    FD_ZERO(&ws); FD_SET(p[1], &ws);
    CHECKV(select(p[1] + 1, &rs, &ws, NULL, &tv));
    FACT("readable after a write", FD_ISSET(p[0], &rs));
    FACT("write end not in the read result", !FD_ISSET(p[1], &rs));
    read(p[0], (char[4]){0}, 4);

    /* 50 ms timeout: waits, clears the sets, writes back 0 time left. */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    FD_ZERO(&rs); FD_SET(p[0], &rs);
    tv.tv_sec = 0; tv.tv_usec = 50000;
    CHECKV(select(p[0] + 1, &rs, NULL, NULL, &tv));
    FACT("select 50ms waited >= 50ms", ms_since(&t0) >= 50);
    FACT("set cleared", !FD_ISSET(p[0], &rs));
    FACT("timeval written back as 0", tv.tv_sec == 0 && tv.tv_usec == 0);
    tv.tv_sec = 0; tv.tv_usec = 20000;
    CHECKV(select(0, NULL, NULL, NULL, &tv));

    /* A child's write wakes it early; the time left is written back. */
    pid_t c = fork();
    if (c == 0) { usleep(30000); write(p[1], "y", 1); _exit(0); }
    FD_ZERO(&rs); FD_SET(p[0], &rs);
    tv.tv_sec = 5; tv.tv_usec = 0;
    CHECKV(select(p[0] + 1, &rs, NULL, NULL, &tv));
    FACT("readable", FD_ISSET(p[0], &rs));
    FACT("time left between 3 and 5 s", tv.tv_sec >= 3 && tv.tv_sec < 5);
    waitpid(c, NULL, 0);

    /* Errors. */
    FD_ZERO(&rs); FD_SET(50, &rs);
    CHECKN("select closed fd", select(51, &rs, NULL, NULL, &tv));
    CHECKN("select nfds -1", select(-1, NULL, NULL, NULL, &tv));
    tv.tv_sec = -1;
    CHECKN("select negative timeval", select(1, NULL, NULL, NULL, &tv));
    tv.tv_sec = 0; tv.tv_usec = 1500000;
    FD_ZERO(&rs); FD_SET(p[0], &rs);
    CHECKV(select(p[0] + 1, &rs, NULL, NULL, &tv));
    CHECKN("select sets BADPTR", select(4, BADPTR, NULL, NULL, NULL));

    /* pselect6. */
    struct timespec ts = {0, 50000000};
    FD_ZERO(&rs); FD_SET(p[0], &rs);
    read(p[0], (char[4]){0}, 4);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sigset_t m;
    sigemptyset(&m);
    CHECKV(pselect(p[0] + 1, &rs, NULL, NULL, &ts, &m));
    FACT("pselect 50ms waited >= 50ms", ms_since(&t0) >= 50);
    FD_ZERO(&ws); FD_SET(p[1], &ws);
    CHECKV(pselect(p[1] + 1, NULL, &ws, NULL, NULL, NULL));
    struct { void *ss; size_t len; } sd = {&m, 4};
    ts.tv_sec = 0; ts.tv_nsec = 0;
    CHECKN("pselect6 sigset size 4", syscall(SYS_pselect6, p[1] + 1, NULL, &ws, NULL, &ts, &sd));
    ts.tv_nsec = -1;
    CHECKN("pselect6 bad timespec", syscall(SYS_pselect6, p[1] + 1, NULL, &ws, NULL, &ts, NULL));
    return 0;
}
