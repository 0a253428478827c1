// syscalls: kill, tgkill, tkill, rt_sigqueueinfo, rt_tgsigqueueinfo (an unreaped zombie and any thread id), /proc/PID/stat and status of a zombie
#include "check.h"
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

static volatile sig_atomic_t got;
static void on_usr1(int sig) { (void)sig; got++; }
static pid_t worker_tid;
static void *worker(void *a) {
    (void)a;
    worker_tid = gettid();
    for (;;) pause();
    return NULL;
}

static char state_of(const char *file, pid_t pid) {
    char path[64], buf[2048] = {0};
    snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return '-';
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return '?';
    if (strcmp(file, "stat") == 0) { char *p = strrchr(buf, ')'); return p ? p[2] : '?'; }
    char *p = strstr(buf, "State:\t");
    return p ? p[7] : '?';
}

int main(void) {
    pid_t c = fork();
    if (c == 0) _exit(3);
    /* Wait until it is a zombie, without reaping it. */
    siginfo_t si;
    CHECKN("waitid WNOWAIT", waitid(P_PID, c, &si, WEXITED | WNOWAIT));
    CHECKN("kill zombie, 0", kill(c, 0));
    CHECKN("kill zombie, SIGTERM", kill(c, SIGTERM));
    CHECKN("sigqueue zombie", sigqueue(c, SIGUSR1, (union sigval){0}));
    CHECKN("tgkill zombie", syscall(SYS_tgkill, c, c, SIGUSR1));
    CHECKN("tkill zombie", syscall(SYS_tkill, c, SIGUSR1));
    SHOW("zombie /proc stat state", "%c", state_of("stat", c));
    SHOW("zombie /proc status state", "%c", state_of("status", c));
    int st;
    CHECKN("reap", waitpid(c, &st, 0));
    SHOW("status", "%d", WEXITSTATUS(st));
    CHECKN("kill reaped", kill(c, 0));
    CHECKN("sigqueue reaped", sigqueue(c, 0, (union sigval){0}));
    SHOW("reaped /proc stat", "%c", state_of("stat", c));

    /* kill and rt_sigqueueinfo accept any thread's id for its process. */
    signal(SIGUSR1, on_usr1);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    while (!__atomic_load_n(&worker_tid, __ATOMIC_SEQ_CST)) sched_yield();
    pthread_sigmask(SIG_BLOCK, &usr1, NULL);   /* the worker takes it */
    CHECKN("kill(worker tid)", kill(worker_tid, SIGUSR1));
    while (got < 1) sched_yield();
    CHECKN("sigqueue(worker tid)", sigqueue(worker_tid, SIGUSR1, (union sigval){7}));
    while (got < 2) sched_yield();
    SHOW("handled", "%d", (int)got);
    /* Forging si_code >= 0 is for a thread signalling its own thread id only. */
    siginfo_t forged = {0};
    forged.si_code = SI_USER;
    forged.si_signo = SIGUSR1;
    CHECKN("rt_sigqueueinfo SI_USER to own pid", syscall(SYS_rt_sigqueueinfo, getpid(), 0, &forged));
    CHECKN("rt_sigqueueinfo SI_USER to the worker's tid", syscall(SYS_rt_sigqueueinfo, worker_tid, SIGUSR1, &forged));
    CHECKN("rt_tgsigqueueinfo SI_USER to the worker", syscall(SYS_rt_tgsigqueueinfo, getpid(), worker_tid, SIGUSR1, &forged));
    CHECKN("kill(unknown)", kill(99999, 0));
    return 0;
}
