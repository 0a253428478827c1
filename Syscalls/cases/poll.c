// syscalls: poll, ppoll
#include "check.h"
#include <poll.h>
#include <signal.h>
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
    struct pollfd f[4] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {-1, POLLIN, 0}, {999, POLLIN, 0}};

    /* Immediate readiness: the write end is writable, the read end is not readable, fd -1 is
       ignored, a closed fd is POLLNVAL. */
    CHECKV(poll(f, 4, 0));
    for (int i = 0; i < 4; i++) printf("revents[%d]: %#x\n", i, f[i].revents);
    struct pollfd r = {p[0], POLLIN | POLLRDNORM | POLLOUT, 0};
    CHECKV(poll(&r, 1, 0));
    SHOW("empty read end revents", "%#x", r.revents);
    write(p[1], "x", 1);
    CHECKV(poll(&r, 1, 0));
    SHOW("after a write", "%#x", r.revents);
    struct pollfd w = {p[1], POLLOUT | POLLWRNORM | POLLIN, 0};
    CHECKV(poll(&w, 1, 0));
    SHOW("write end revents", "%#x", w.revents);
    read(p[0], (char[4]){0}, 4);

    /* Timeouts: 0 returns at once; 50 ms waits about that long. */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECKV(poll(&r, 1, 50));
    long el = ms_since(&t0);
    FACT("poll 50ms waited >= 50ms", el >= 50);
    FACT("poll 50ms waited < 1000ms", el < 1000);
    SHOW("revents after timeout", "%#x", r.revents);
    CHECKV(poll(NULL, 0, 20));

    /* A write from a child wakes a blocked poll. */
    pid_t c = fork();
    if (c == 0) { usleep(30000); write(p[1], "y", 1); _exit(0); }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECKV(poll(&r, 1, 5000));
    FACT("woken before the timeout", ms_since(&t0) < 4000);
    SHOW("revents", "%#x", r.revents);
    waitpid(c, NULL, 0);
    read(p[0], (char[4]){0}, 4);

    /* The last writer's close wakes it with POLLHUP. */
    c = fork();
    if (c == 0) { usleep(30000); _exit(0); }
    int pw = p[1];
    (void)pw;
    int q[2];
    pipe(q);
    c = fork();
    if (c == 0) { close(q[0]); usleep(30000); close(q[1]); _exit(0); }
    close(q[1]);
    struct pollfd h = {q[0], POLLIN, 0};
    CHECKV(poll(&h, 1, 5000));
    SHOW("hang-up revents", "%#x", h.revents);
    while (wait(NULL) > 0) {}

    /* Errors. */
    CHECKN("poll BADPTR", poll(BADPTR, 1, 0));
    CHECKN("poll nfds > RLIMIT_NOFILE", poll(f, 1 << 20, 0));

    /* ppoll: timespec timeout, written back; sigmask size checked. */
    struct timespec ts = {0, 50 * 1000000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECKV(ppoll(&r, 1, &ts, NULL));
    FACT("ppoll 50ms waited >= 50ms", ms_since(&t0) >= 50);
    FACT("ppoll wrote back 0 left", ts.tv_sec == 0 && ts.tv_nsec == 0);
    write(p[1], "z", 1);
    ts.tv_sec = 5; ts.tv_nsec = 0;
    CHECKV(ppoll(&r, 1, &ts, NULL));
    FACT("ppoll ready at once: time left > 4s", ts.tv_sec == 4 || (ts.tv_sec == 5 && ts.tv_nsec == 0));
    sigset_t m;
    sigemptyset(&m);
    ts.tv_sec = 0; ts.tv_nsec = 0;
    CHECKV(ppoll(&r, 1, &ts, &m));
    CHECKN("ppoll sigsetsize 4", syscall(SYS_ppoll, &r, 1, &ts, &m, 4));
    ts.tv_nsec = 1000000000;
    CHECKN("ppoll bad timespec", ppoll(&r, 1, &ts, NULL));
    CHECKN("ppoll timespec BADPTR", syscall(SYS_ppoll, &r, 1, BADPTR, NULL, 8));
    CHECKV(syscall(SYS_ppoll, &r, 1, NULL, NULL, 8));
    return 0;
}
