// syscalls: timerfd_create, timerfd_settime, timerfd_gettime, read, ioctl (every clock, the ALARM forms included, expiring relative and absolute; TFD_TIMER_CANCEL_ON_SET accepted; TFD_IOC_SET_TICKS; CAP_WAKE_ALARM)
#include "check.h"
#include <poll.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>

#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS _IOW('T', 0, unsigned long long)
#endif

static const char *name(int c) {
    switch (c) {
    case CLOCK_REALTIME: return "REALTIME";
    case CLOCK_MONOTONIC: return "MONOTONIC";
    case CLOCK_BOOTTIME: return "BOOTTIME";
    case CLOCK_REALTIME_ALARM: return "REALTIME_ALARM";
    case CLOCK_BOOTTIME_ALARM: return "BOOTTIME_ALARM";
    }
    return "?";
}

int main(void) {
    int clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME_ALARM};
    for (int i = 0; i < 5; i++) {
        int c = clocks[i];
        printf("-- %s\n", name(c));
        int fd = timerfd_create(c, 0);
        if (fd < 0) { printf("create: errno=%s\n", errname(errno)); continue; }
        struct itimerspec s = {{0, 0}, {0, 20000000}}, cur;
        CHECKN("relative 20 ms", timerfd_settime(fd, 0, &s, NULL));
        uint64_t ticks = 0;
        CHECKVN("read (blocks until the expiry)", read(fd, &ticks, sizeof ticks));
        SHOW("ticks", "%lu", (unsigned long)ticks);
        /* Absolute: now + 20 ms on the timer's own clock (the ALARM clocks read their base). */
        struct timespec now;
        clock_gettime(c == CLOCK_REALTIME_ALARM ? CLOCK_REALTIME : c == CLOCK_BOOTTIME_ALARM ? CLOCK_BOOTTIME : c, &now);
        now.tv_nsec += 20000000;
        if (now.tv_nsec >= 1000000000) { now.tv_sec++; now.tv_nsec -= 1000000000; }
        s.it_value = now;
        CHECKN("absolute +20 ms, CANCEL_ON_SET", timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &s, NULL));
        CHECKN("gettime", timerfd_gettime(fd, &cur));
        FACT("gettime is relative, in (0, 20 ms]", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 20000000);
        struct pollfd p = {fd, POLLIN, 0};
        SHOW("poll until ready", "%d", poll(&p, 1, 5000));
        CHECKVN("read", read(fd, &ticks, sizeof ticks));
        SHOW("ticks", "%lu", (unsigned long)ticks);
        /* TFD_IOC_SET_TICKS sets the count a read returns. */
        unsigned long long n = 5;
        CHECKN("TFD_IOC_SET_TICKS 5", ioctl(fd, TFD_IOC_SET_TICKS, &n));
        CHECKVN("read", read(fd, &ticks, sizeof ticks));
        SHOW("ticks", "%lu", (unsigned long)ticks);
        n = 0;
        CHECKN("TFD_IOC_SET_TICKS 0", ioctl(fd, TFD_IOC_SET_TICKS, &n));
        close(fd);
    }
    /* The ALARM clocks need CAP_WAKE_ALARM. */
    pid_t c = fork();
    if (c == 0) {
        if (setuid(65534) != 0) _exit(1);
        CHECKN("REALTIME_ALARM as nobody", timerfd_create(CLOCK_REALTIME_ALARM, 0));
        CHECKN("BOOTTIME_ALARM as nobody", timerfd_create(CLOCK_BOOTTIME_ALARM, 0));
        CHECKN("BOOTTIME as nobody", timerfd_create(CLOCK_BOOTTIME, 0));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    return 0;
}
