// syscalls: epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2
#include "check.h"
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static long ms_since(struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void show(const char *label, int n, struct epoll_event *ev) {
    printf("%s: n=%d", label, n);
    for (int i = 0; i < n; i++) printf(" [%#x data=%llu]", ev[i].events, (unsigned long long)ev[i].data.u64);
    printf("\n");
}

int main(void) {
    struct epoll_event ev, out[8];
    int p[2];
    pipe(p);
    CHECKN("epoll_create(0)", epoll_create(0));
    CHECKN("epoll_create1 bad flags", epoll_create1(1));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECKN("epoll_create1(EPOLL_CLOEXEC)", ep);
    SHOW("F_GETFD", "%d", fcntl(ep, F_GETFD));
    struct stat st;
    fstat(ep, &st);
    SHOW("st_mode", "%#o", st.st_mode);

    /* Level-triggered: reported on every wait while readable. */
    ev.events = EPOLLIN; ev.data.u64 = 11;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    CHECKN("ADD twice", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    ev.events = EPOLLOUT; ev.data.u64 = 22;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    show("write end ready", epoll_wait(ep, out, 8, 0), out);
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
    CHECKN("DEL again", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
    CHECKN("MOD missing", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev));
    show("nothing readable", epoll_wait(ep, out, 8, 0), out);
    write(p[1], "ab", 2);
    show("LT 1", epoll_wait(ep, out, 8, 0), out);
    show("LT 2", epoll_wait(ep, out, 8, 0), out);

    /* Edge-triggered: once per new write. */
    ev.events = EPOLLIN | EPOLLET; ev.data.u64 = 33;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    show("ET after MOD", epoll_wait(ep, out, 8, 0), out);
    show("ET again", epoll_wait(ep, out, 8, 0), out);
    write(p[1], "c", 1);
    show("ET after a write", epoll_wait(ep, out, 8, 0), out);
    show("ET again", epoll_wait(ep, out, 8, 0), out);

    /* One-shot: once, then disabled until MOD. */
    ev.events = EPOLLIN | EPOLLONESHOT; ev.data.u64 = 44;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    show("ONESHOT", epoll_wait(ep, out, 8, 0), out);
    show("ONESHOT disabled", epoll_wait(ep, out, 8, 0), out);
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    show("ONESHOT re-armed", epoll_wait(ep, out, 8, 0), out);
    read(p[0], (char[8]){0}, 8);
    ev.events = EPOLLIN; ev.data.u64 = 11;
    CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));

    /* Timeouts and wake-ups. */
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    show("timeout 50", epoll_wait(ep, out, 8, 50), out);
    FACT("waited >= 50ms", ms_since(&t0) >= 50);
    pid_t c = fork();
    if (c == 0) { usleep(30000); write(p[1], "d", 1); _exit(0); }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    show("woken by a write", epoll_wait(ep, out, 8, 5000), out);
    FACT("before the timeout", ms_since(&t0) < 4000);
    waitpid(c, NULL, 0);
    read(p[0], (char[8]){0}, 8);

    /* The epoll fd is itself pollable; nested epoll. */
    struct pollfd pf = {ep, POLLIN, 0};
    CHECKV(poll(&pf, 1, 0));
    write(p[1], "e", 1);
    CHECKV(poll(&pf, 1, 0));
    SHOW("epoll fd revents", "%#x", pf.revents);
    int ep2 = epoll_create1(0);
    ev.events = EPOLLIN; ev.data.u64 = 55;
    CHECK(epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &ev));
    show("nested", epoll_wait(ep2, out, 8, 0), out);
    CHECKN("loop", epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev));
    read(p[0], (char[8]){0}, 8);

    /* Hang-up and error bits are always reported. */
    int q[2];
    pipe(q);
    ev.events = 0; ev.data.u64 = 66;
    CHECK(epoll_ctl(ep2, EPOLL_CTL_ADD, q[0], &ev));
    close(q[1]);
    show("EPOLLHUP with no events asked", epoll_wait(ep2, out, 8, 0), out);
    close(q[0]);
    show("closed fd drops out", epoll_wait(ep2, out, 8, 0), out);

    /* eventfd in epoll; maxevents limits; EPOLLEXCLUSIVE rules. */
    int e = eventfd(1, 0);
    ev.events = EPOLLIN | EPOLLEXCLUSIVE; ev.data.u64 = 77;
    CHECK(epoll_ctl(ep2, EPOLL_CTL_ADD, e, &ev));
    CHECKN("MOD of EPOLLEXCLUSIVE", epoll_ctl(ep2, EPOLL_CTL_MOD, e, &ev));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
    CHECKN("EPOLLEXCLUSIVE with ONESHOT", epoll_ctl(ep2, EPOLL_CTL_ADD, p[1], &ev));
    write(p[1], "f", 1);
    ev.events = EPOLLIN; ev.data.u64 = 88;
    CHECK(epoll_ctl(ep2, EPOLL_CTL_ADD, p[0], &ev));
    show("maxevents 1", epoll_wait(ep2, out, 1, 0), out);
    show("maxevents 1 again", epoll_wait(ep2, out, 1, 0), out);
    show("all", epoll_wait(ep2, out, 8, 0), out);

    /* Errors. */
    int reg = must_open("/etc/hostname", O_RDONLY);
    ev.events = EPOLLIN;
    CHECKN("ADD regular file", epoll_ctl(ep2, EPOLL_CTL_ADD, reg, &ev));
    CHECKN("ADD to itself", epoll_ctl(ep2, EPOLL_CTL_ADD, ep2, &ev));
    CHECKN("epfd not epoll", epoll_ctl(p[0], EPOLL_CTL_ADD, e, &ev));
    CHECKN("bad op", epoll_ctl(ep2, 99, e, &ev));
    CHECKN("event BADPTR", epoll_ctl(ep2, EPOLL_CTL_ADD, p[1], BADPTR));
    CHECKN("bad fd", epoll_ctl(ep2, EPOLL_CTL_ADD, 999, &ev));
    CHECKN("wait maxevents 0", epoll_wait(ep2, out, 0, 0));
    CHECKN("wait on a pipe", epoll_wait(p[0], out, 1, 0));
    CHECKN("wait bad fd", epoll_wait(999, out, 1, 0));
    CHECKN("wait events BADPTR", epoll_wait(ep2, BADPTR, 1, 0));
    CHECKN("read on epoll fd", read(ep2, out, 8));

    /* epoll_pwait, epoll_pwait2. */
    sigset_t m;
    sigemptyset(&m);
    show("epoll_pwait", epoll_pwait(ep2, out, 8, 0, &m), out);
    CHECKN("epoll_pwait sigsetsize 4", syscall(SYS_epoll_pwait, ep2, out, 8, 0, &m, 4));
    struct timespec ts = {0, 50000000};
    close(e);
    read(p[0], (char[8]){0}, 8);
    int ep3 = epoll_create1(0);
    ev.events = EPOLLIN; ev.data.u64 = 99;
    epoll_ctl(ep3, EPOLL_CTL_ADD, p[0], &ev);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECKV(syscall(SYS_epoll_pwait2, ep3, out, 8, &ts, NULL, 8));
    FACT("pwait2 waited >= 50ms", ms_since(&t0) >= 50);
    ts.tv_nsec = -5;
    CHECKN("pwait2 bad timespec", syscall(SYS_epoll_pwait2, ep3, out, 8, &ts, NULL, 8));
    write(p[1], "g", 1);
    show("pwait2 NULL timeout, ready", syscall(SYS_epoll_pwait2, ep3, out, 8, NULL, NULL, 8), out);
    return 0;
}
