// syscalls: timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete, clock_gettime, clock_getres, clock_nanosleep (CPU-time clocks: process, thread, a pid's, a thread's)
#include "check.h"
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sys/wait.h>

/* The clockid encoding of include/linux/posix-timers.h. */
#define CPUCLOCK_PROF 0
#define CPUCLOCK_VIRT 1
#define CPUCLOCK_SCHED 2
#define MAKE_PROCESS_CPUCLOCK(pid, clock) ((int)(~(unsigned)(pid) << 3) | (clock))
#define MAKE_THREAD_CPUCLOCK(tid, clock) (MAKE_PROCESS_CPUCLOCK(tid, clock) | 4)

static volatile sig_atomic_t hits, hit_value, hit_code;
static void on_timer(int s, siginfo_t *si, void *u) { (void)s; (void)u; hits++; hit_value = si->si_value.sival_int; hit_code = si->si_code; }

static long long ns_of(clockid_t c) {
    struct timespec ts;
    if (clock_gettime(c, &ts) != 0) return -1;
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Burns CPU on the calling thread until `c` advanced by `ns` or the flag is set. */
static void burn(clockid_t c, long long ns, volatile sig_atomic_t *stop) {
    long long end = ns_of(c) + ns;
    while (ns_of(c) < end && !(stop && *stop)) { }
}

static timer_t make_timer(const char *label, clockid_t c, int notify, int sig, int value) {
    struct sigevent ev = {0};
    ev.sigev_notify = notify;
    ev.sigev_signo = sig;
    ev.sigev_value.sival_int = value;
    if (notify == SIGEV_THREAD_ID) ev._sigev_un._tid = gettid();
    timer_t t = 0;
    CHECKN(label, timer_create(c, &ev, &t));
    return t;
}

static void *burner(void *arg) { burn(CLOCK_THREAD_CPUTIME_ID, (long long)(long)arg, NULL); return NULL; }
static void *idle(void *arg) { (void)arg; usleep(100000); return NULL; }

int main(void) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_timer;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGRTMIN, &sa, NULL);
    struct itimerspec cur;

    /* Reading the clocks: the pid-encoded forms of the caller name the same clocks. */
    clockid_t self_clock;
    CHECKN("clock_getcpuclockid self", clock_getcpuclockid(getpid(), &self_clock));
    FACT("self clock is MAKE_PROCESS_CPUCLOCK", self_clock == MAKE_PROCESS_CPUCLOCK(getpid(), CPUCLOCK_SCHED));
    struct timespec res;
    CHECKN("clock_getres PROCESS", clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res));
    SHOW("res PROCESS ns", "%ld", res.tv_nsec);
    CHECKN("clock_getres THREAD", clock_getres(CLOCK_THREAD_CPUTIME_ID, &res));
    SHOW("res THREAD ns", "%ld", res.tv_nsec);
    CHECKN("clock_getres PROF of self", clock_getres(MAKE_PROCESS_CPUCLOCK(0, CPUCLOCK_PROF), &res));
    FACT("PROF resolution is a tick", res.tv_nsec > 1);
    CHECKN("clock_getres PERTHREAD which 3", clock_getres(MAKE_THREAD_CPUCLOCK(0, 3), &res));
    CHECKN("clock_gettime no such pid", clock_gettime(MAKE_PROCESS_CPUCLOCK(99999, CPUCLOCK_SCHED), &res));
    long long thread_ns = ns_of(CLOCK_THREAD_CPUTIME_ID);
    FACT("process clock >= thread clock", ns_of(CLOCK_PROCESS_CPUTIME_ID) >= thread_ns);
    SHOW("clock_nanosleep own THREAD clock rc", "%s", errname(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &(struct timespec){0, 1000}, NULL)));

    /* A process-clock timer fires once 20 ms of CPU were used, not while the process sleeps. */
    timer_t pt = make_timer("timer_create PROCESS", CLOCK_PROCESS_CPUTIME_ID, SIGEV_SIGNAL, SIGRTMIN, 11);
    CHECKN("timer_gettime disarmed", timer_gettime(pt, &cur));
    FACT("disarmed reads 0", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    struct itimerspec in20 = { {0, 0}, {0, 20000000} }, old;
    CHECKN("timer_settime 20ms CPU", timer_settime(pt, 0, &in20, NULL));
    usleep(100000);
    SHOW("hits after sleeping 100ms", "%d", (int)hits);
    CHECKN("timer_gettime armed", timer_gettime(pt, &cur));
    FACT("remaining in (0, 20ms]", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 20000000);
    long long start = ns_of(CLOCK_PROCESS_CPUTIME_ID);
    burn(CLOCK_PROCESS_CPUTIME_ID, 2000000000LL, &hits);
    long long used = ns_of(CLOCK_PROCESS_CPUTIME_ID) - start;
    SHOW("hits after burning", "%d", (int)hits);
    FACT("fired after >= 19 ms of CPU", used >= 19000000);
    FACT("fired before 2 s of CPU", used < 2000000000LL);
    SHOW("si_value", "%d", (int)hit_value);
    FACT("si_code SI_TIMER", hit_code == SI_TIMER);
    CHECKN("timer_gettime expired one-shot", timer_gettime(pt, &cur));
    FACT("expired reads 0", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    /* TIMER_ABSTIME on the CPU clock, and the old value. */
    hits = 0;
    struct itimerspec abs = { {0, 0}, {0, 0} };
    long long target = ns_of(CLOCK_PROCESS_CPUTIME_ID) + 15000000;
    abs.it_value.tv_sec = target / 1000000000; abs.it_value.tv_nsec = target % 1000000000;
    CHECKN("timer_settime ABSTIME +15ms", timer_settime(pt, TIMER_ABSTIME, &abs, NULL));
    CHECKN("timer_settime 1s, old", timer_settime(pt, 0, &(struct itimerspec){ {0, 0}, {1, 0} }, &old));
    FACT("old value in (0, 15ms]", old.it_value.tv_sec == 0 && old.it_value.tv_nsec > 0 && old.it_value.tv_nsec <= 15000000);
    CHECKN("timer_settime ABSTIME in the past", timer_settime(pt, TIMER_ABSTIME, &(struct itimerspec){ {0, 0}, {0, 1} }, NULL));
    for (int i = 0; i < 100 && !hits; i++) usleep(1000);
    SHOW("past absolute time fires at once", "%d", (int)hits);
    CHECKN("timer_delete PROCESS", timer_delete(pt));
    CHECKN("timer_gettime deleted", timer_gettime(pt, &cur));

    /* A periodic thread-clock timer to this thread; the signal blocked, so periods overrun. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &set, NULL);
    timer_t tt = make_timer("timer_create THREAD, SIGEV_THREAD_ID", CLOCK_THREAD_CPUTIME_ID, SIGEV_THREAD_ID, SIGRTMIN, 22);
    CHECKN("timer_settime 5ms every 5ms", timer_settime(tt, 0, &(struct itimerspec){ {0, 5000000}, {0, 5000000} }, NULL));
    /* Linux notices an expiry at a tick: burn 60 ms, then on until the signal is pending. */
    burn(CLOCK_THREAD_CPUTIME_ID, 60000000, NULL);
    long long until = ns_of(CLOCK_THREAD_CPUTIME_ID) + 1000000000LL;
    for (sigset_t pend; ns_of(CLOCK_THREAD_CPUTIME_ID) < until; ) {
        sigpending(&pend);
        if (sigismember(&pend, SIGRTMIN)) break;
    }
    siginfo_t si;
    CHECKN("sigtimedwait", sigtimedwait(&set, &si, &(struct timespec){5, 0}));
    SHOW("si_value", "%d", si.si_value.sival_int);
    FACT("si_overrun > 0", si.si_overrun > 0);
    CHECKN("timer_getoverrun", timer_getoverrun(tt));
    CHECKN("timer_gettime periodic", timer_gettime(tt, &cur));
    FACT("interval 5ms", cur.it_interval.tv_sec == 0 && cur.it_interval.tv_nsec == 5000000);
    FACT("next in (0, 5ms]", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 5000000);
    CHECKN("timer_delete THREAD", timer_delete(tt));
    sigprocmask(SIG_UNBLOCK, &set, NULL);

    /* SIGEV_NONE: nothing delivered, the time left can be read. */
    hits = 0;
    timer_t nt = make_timer("timer_create SIGEV_NONE", CLOCK_PROCESS_CPUTIME_ID, SIGEV_NONE, 0, 0);
    CHECKN("timer_settime 1h", timer_settime(nt, 0, &(struct itimerspec){ {0, 0}, {3600, 0} }, NULL));
    timer_gettime(nt, &cur);
    FACT("SIGEV_NONE time left ~1h", cur.it_value.tv_sec == 3599 || cur.it_value.tv_sec == 3600);
    CHECKN("timer_delete SIGEV_NONE", timer_delete(nt));

    /* The process clock sums its threads: two threads each burn 30 ms while the main thread
       waits; Linux notices the expiry at a tick of a running thread, so the main thread then
       runs until the signal comes. */
    hits = 0;
    timer_t st = make_timer("timer_create PROF of self (pid 0)", MAKE_PROCESS_CPUCLOCK(0, CPUCLOCK_PROF), SIGEV_SIGNAL, SIGRTMIN, 33);
    long long before = ns_of(CLOCK_PROCESS_CPUTIME_ID);
    timer_settime(st, 0, &(struct itimerspec){ {0, 0}, {0, 45000000} }, NULL);
    pthread_t a, b;
    pthread_create(&a, NULL, burner, (void *)30000000L);
    pthread_create(&b, NULL, burner, (void *)30000000L);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    burn(CLOCK_THREAD_CPUTIME_ID, 1000000000LL, &hits);
    SHOW("threads' time fires the process timer", "%d", (int)hits);
    FACT("threads used >= 60ms", ns_of(CLOCK_PROCESS_CPUTIME_ID) - before >= 60000000);
    /* (How long the main thread then runs is up to Linux's ticks: not compared.) */
    timer_delete(st);

    /* Another thread's clock (pthread_getcpuclockid) and the tid form. */
    pthread_t c;
    pthread_create(&c, NULL, idle, NULL);
    clockid_t cc;
    CHECKN("pthread_getcpuclockid", pthread_getcpuclockid(c, &cc));
    timer_t ct = make_timer("timer_create other thread's clock", cc, SIGEV_SIGNAL, SIGRTMIN, 44);
    CHECKN("timer_settime on it", timer_settime(ct, 0, &(struct itimerspec){ {0, 0}, {10, 0} }, NULL));
    timer_gettime(ct, &cur);
    FACT("idle thread's timer ~10s", cur.it_value.tv_sec == 9 || cur.it_value.tv_sec == 10);
    pthread_join(c, NULL);
    CHECKN("timer_delete other thread's", timer_delete(ct));
    timer_t bad;
    CHECKN("timer_create THREAD clock of a non-thread", timer_create(MAKE_THREAD_CPUCLOCK(getpid() + 4000, CPUCLOCK_SCHED), NULL, &bad));
    CHECKN("timer_create PERTHREAD which 3", timer_create(MAKE_THREAD_CPUCLOCK(0, 3), NULL, &bad));
    CHECKN("timer_create no such pid", timer_create(MAKE_PROCESS_CPUCLOCK(99999, CPUCLOCK_SCHED), NULL, &bad));
    CHECKN("timer_create process which 3 (CLOCKFD, a dynamic clock)", timer_create(MAKE_PROCESS_CPUCLOCK(0, 3), NULL, &bad));

    /* A child's process clock: the parent's timer fires as the child burns CPU. */
    int go[2];
    if (pipe(go) != 0) return 1;
    pid_t child = fork();
    if (child == 0) {
        char x;
        if (read(go[0], &x, 1) != 1) _exit(1);
        burn(CLOCK_PROCESS_CPUTIME_ID, 3000000000LL, NULL);
        _exit(0);
    }
    clockid_t kc;
    CHECKN("clock_getcpuclockid child", clock_getcpuclockid(child, &kc));
    CHECKN("timer_create THREAD clock of the child", timer_create(MAKE_THREAD_CPUCLOCK(child, CPUCLOCK_SCHED), NULL, &bad));
    sigprocmask(SIG_BLOCK, &set, NULL);
    timer_t kt = make_timer("timer_create child's clock", kc, SIGEV_SIGNAL, SIGRTMIN, 55);
    CHECKN("timer_settime 20ms of the child's CPU", timer_settime(kt, 0, &(struct itimerspec){ {0, 0}, {0, 20000000} }, NULL));
    usleep(50000);
    struct timespec zero = {0, 0};
    SHOW("nothing before the child runs", "%s", sigtimedwait(&set, &si, &zero) < 0 ? errname(errno) : "signal");
    if (write(go[1], "g", 1) != 1) return 1;
    CHECKN("sigtimedwait child's timer", sigtimedwait(&set, &si, &(struct timespec){10, 0}));
    SHOW("si_value", "%d", si.si_value.sival_int);
    FACT("child's clock >= 19ms", ns_of(kc) >= 19000000);
    int rc = clock_nanosleep(kc, 0, &(struct timespec){0, 10000000}, NULL);
    SHOW("clock_nanosleep on the child's clock +10ms", "%s", rc ? errname(rc) : "0");
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    CHECKN("timer_settime after the child was reaped", timer_settime(kt, 0, &(struct itimerspec){ {0, 0}, {1, 0} }, NULL));
    CHECKN("timer_gettime after the child was reaped", timer_gettime(kt, &cur));
    FACT("reads 0", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    CHECKN("timer_delete child's", timer_delete(kt));
    return 0;
}
