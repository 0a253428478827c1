// syscalls: alarm, setitimer, getitimer, timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete, read (interrupted by SIGALRM), pause
#include "check.h"
#include <signal.h>
#include <time.h>
#include <sys/time.h>
#include <sys/wait.h>

static volatile sig_atomic_t alarms, timer_hits, timer_value, timer_code;
static void on_alarm(int s) { (void)s; alarms++; }
static void on_timer(int s, siginfo_t *si, void *u) { (void)s; (void)u; timer_hits++; timer_value = si->si_value.sival_int; timer_code = si->si_code; }

static void read_with_alarm(int restart) {
    int p[2];
    pipe(p);
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGALRM, &sa, NULL);
    pid_t writer = -1;
    if (restart) {
        /* With SA_RESTART the read goes on after the handler: a child writes later. */
        writer = fork();
        if (writer == 0) { usleep(600000); ssize_t w = write(p[1], "z", 1); (void)w; _exit(0); }
    }
    alarms = 0;
    struct itimerval it = { {0, 0}, {0, 200000} };
    setitimer(ITIMER_REAL, &it, NULL);
    char c;
    errno = 0;
    ssize_t n = read(p[0], &c, 1);
    printf("%s: read=%zd errno=%s alarms=%d\n", restart ? "SA_RESTART" : "plain", n, n < 0 ? errname(errno) : "-", (int)alarms);
    if (writer > 0) waitpid(writer, NULL, 0);
    close(p[0]); close(p[1]);
}

int main(void) {
    signal(SIGALRM, on_alarm);
    SHOW("alarm(5) first", "%u", alarm(5));
    SHOW("alarm(0) returns left", "%u", alarm(0));
    struct itimerval it = { {0, 0}, {0, 0} }, old;
    CHECKN("getitimer disarmed", getitimer(ITIMER_REAL, &old));
    SHOW("disarmed value", "%ld", old.it_value.tv_sec + old.it_value.tv_usec);
    it.it_value.tv_sec = 3; it.it_interval.tv_usec = 500000;
    CHECKN("setitimer 3s every 0.5s", setitimer(ITIMER_REAL, &it, NULL));
    CHECKN("getitimer", getitimer(ITIMER_REAL, &old));
    SHOW("interval usec", "%ld", old.it_interval.tv_usec);
    FACT("value between 2 and 3 s", old.it_value.tv_sec == 2 || (old.it_value.tv_sec == 3 && old.it_value.tv_usec == 0));
    it.it_value.tv_usec = 2000000;
    CHECKN("setitimer bad usec", setitimer(ITIMER_REAL, &it, NULL));
    CHECKN("setitimer bad which", setitimer(7, &it, NULL));
    memset(&it, 0, sizeof it);
    setitimer(ITIMER_REAL, &it, NULL);

    /* A periodic timer ticks while the process waits. */
    alarms = 0;
    struct itimerval tick = { {0, 50000}, {0, 50000} };
    setitimer(ITIMER_REAL, &tick, NULL);
    while (alarms < 3) pause();
    setitimer(ITIMER_REAL, &it, NULL);
    SHOW("periodic ticks seen", "%d", alarms >= 3);

    read_with_alarm(0);
    read_with_alarm(1);

    struct sigaction sa = {0};
    sa.sa_sigaction = on_timer;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN, &sa, NULL);
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGRTMIN;
    ev.sigev_value.sival_int = 77;
    timer_t tid;
    CHECKN("timer_create MONOTONIC", timer_create(CLOCK_MONOTONIC, &ev, &tid));
    struct itimerspec ts = { {0, 0}, {0, 100000000} }, cur;
    CHECKN("timer_settime 100ms", timer_settime(tid, 0, &ts, NULL));
    CHECKN("timer_gettime", timer_gettime(tid, &cur));
    FACT("pending value <= 100ms", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 100000000 && cur.it_value.tv_nsec > 0);
    while (!timer_hits) pause();
    SHOW("timer value", "%d", (int)timer_value);
    FACT("si_code SI_TIMER", timer_code == SI_TIMER);
    CHECKVN("timer_getoverrun", timer_getoverrun(tid));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    timer_t rt;
    CHECKN("timer_create REALTIME default sigevent", timer_create(CLOCK_REALTIME, NULL, &rt));
    struct itimerspec abs = { {0, 0}, { now.tv_sec + 100, 0 } };
    CHECKN("timer_settime ABSTIME", timer_settime(rt, TIMER_ABSTIME, &abs, NULL));
    timer_gettime(rt, &cur);
    FACT("absolute deadline ~100s away", cur.it_value.tv_sec >= 98 && cur.it_value.tv_sec <= 100);
    CHECKN("timer_delete", timer_delete(rt));
    CHECKN("timer_delete again", timer_delete(rt));
    CHECKN("timer_delete", timer_delete(tid));
    CHECKN("timer_settime bad nsec", syscall(SYS_timer_settime, 0, 0, &(struct itimerspec){ {0, 0}, {0, 2000000000} }, NULL));
    CHECKN("timer_create bad clock", syscall(SYS_timer_create, 1234, NULL, &tid));
    ev.sigev_notify = 99;
    CHECKN("timer_create bad notify", timer_create(CLOCK_MONOTONIC, &ev, &tid));
    return 0;
}
