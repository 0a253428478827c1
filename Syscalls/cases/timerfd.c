// syscalls: timerfd_create, timerfd_settime, timerfd_gettime
#include "check.h"
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>

static struct itimerspec spec(long value_ns, long interval_ns) {
    struct itimerspec s = {{interval_ns / 1000000000, interval_ns % 1000000000}, {value_ns / 1000000000, value_ns % 1000000000}};
    return s;
}

int main(void) {
    int clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM};
    for (int i = 0; i < 5; i++) {
        int fd = timerfd_create(clocks[i], 0);
        printf("clock %d: %s\n", clocks[i], fd >= 0 ? "ok" : errname(errno));
        if (fd >= 0) close(fd);
    }
    CHECKN("bad clock", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
    CHECKN("bad flags", timerfd_create(CLOCK_MONOTONIC, 1));

    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    SHOW("cloexec", "%d", fcntl(fd, F_GETFD) & FD_CLOEXEC);
    uint64_t ticks = 0;
    struct itimerspec cur, s = spec(50000000, 0);
    CHECKN("gettime disarmed", timerfd_gettime(fd, &cur));
    SHOW("disarmed value", "%ld", cur.it_value.tv_sec + cur.it_value.tv_nsec);
    CHECKN("settime 50 ms", timerfd_settime(fd, 0, &s, NULL));
    CHECKN("gettime armed", timerfd_gettime(fd, &cur));
    FACT("0 < left <= 50 ms", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 50000000);
    struct pollfd p = {fd, POLLIN, 0};
    SHOW("poll before", "%d", poll(&p, 1, 0));
    CHECKV(read(fd, &ticks, sizeof ticks));          // blocks until the expiry
    SHOW("one-shot ticks", "%lu", (unsigned long)ticks);
    CHECKN("gettime after expiry", timerfd_gettime(fd, &cur));
    SHOW("value after expiry", "%ld", cur.it_value.tv_sec + cur.it_value.tv_nsec);
    CHECKN("short read", read(fd, &ticks, 4));

    // A periodic timer: expirations accumulate while nobody reads.
    s = spec(10000000, 10000000);
    struct itimerspec old;
    CHECKN("settime periodic", timerfd_settime(fd, 0, &s, &old));
    SHOW("old interval", "%ld", old.it_interval.tv_nsec);
    struct timespec nap = {0, 65000000};
    nanosleep(&nap, NULL);
    SHOW("poll after", "%d", poll(&p, 1, 0));
    read(fd, &ticks, sizeof ticks);
    FACT("periodic ticks >= 4", ticks >= 4);
    FACT("periodic ticks <= 8", ticks <= 8);
    CHECKN("gettime periodic", timerfd_gettime(fd, &cur));
    SHOW("interval", "%ld", cur.it_interval.tv_nsec);
    s = spec(0, 0);
    CHECKN("disarm", timerfd_settime(fd, 0, &s, NULL));

    // Absolute, in the past, with a 1 s period: due at once, the missed periods counted.
    int nb = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    CHECKN("nonblocking read, disarmed", read(nb, &ticks, sizeof ticks));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    s.it_value.tv_sec = now.tv_sec - 10; s.it_value.tv_nsec = now.tv_nsec;
    s.it_interval.tv_sec = 1; s.it_interval.tv_nsec = 0;
    CHECKN("settime ABSTIME past", timerfd_settime(nb, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &s, NULL));
    int ep = epoll_create1(0);
    struct epoll_event ev = {EPOLLIN, {.u32 = 7}}, got;
    epoll_ctl(ep, EPOLL_CTL_ADD, nb, &ev);
    SHOW("epoll_wait", "%d", epoll_wait(ep, &got, 1, 1000));
    read(nb, &ticks, sizeof ticks);
    FACT("missed periods counted (10 or 11)", ticks == 10 || ticks == 11);
    CHECKN("nonblocking read, drained", read(nb, &ticks, sizeof ticks));

    s = spec(1000, 0);
    s.it_value.tv_nsec = 1000000000;
    CHECKN("settime bad nsec", timerfd_settime(fd, 0, &s, NULL));
    s = spec(1000, 0);
    CHECKN("settime bad flags", timerfd_settime(fd, 4, &s, NULL));
    CHECKN("settime bad pointer", timerfd_settime(fd, 0, BADPTR, NULL));
    int efd = eventfd(0, 0);
    CHECKN("settime on an eventfd", timerfd_settime(efd, 0, &s, NULL));
    CHECKN("gettime bad fd", timerfd_gettime(999, &cur));
    CHECKN("write", write(fd, &ticks, 8));
    CHECKN("lseek", lseek(fd, 0, SEEK_SET));
    return 0;
}
