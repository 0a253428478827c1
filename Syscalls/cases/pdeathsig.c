// syscalls: prctl (PR_SET_PDEATHSIG delivery: parent process exit, creating thread exit, siginfo, cleared by fork and by a credential change)
#include "check.h"
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static volatile sig_atomic_t got, code, sender;
static void on_usr1(int s, siginfo_t *si, void *u) { (void)s; (void)u; got++; code = si->si_code; sender = si->si_pid; }

/* In the grandchild: waits up to 5 s for the death signal, then writes what it saw. */
static void report(int fd, pid_t expected_sender) {
    for (int i = 0; i < 500 && !got; i++) usleep(10000);
    char line[128];
    int n = snprintf(line, sizeof line, "signal=%d si_code=%s sender_is_parent=%d\n", (int)got,
                     code == SI_USER ? "SI_USER" : code == SI_TKILL ? "SI_TKILL" : "other", sender == expected_sender);
    if (write(fd, line, n) != n) _exit(1);
    _exit(0);
}

static int out[2], ready[2];

static pid_t spawn_watched(void) {
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        struct sigaction sa = {0};
        sa.sa_sigaction = on_usr1;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGUSR1, &sa, NULL);
        prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
        if (write(ready[1], "r", 1) != 1) _exit(1);
        report(out[1], parent);
    }
    return c;
}

static void *thread_forks(void *arg) {
    (void)arg;
    spawn_watched();
    char r;
    if (read(ready[0], &r, 1) != 1) return NULL;
    return NULL;   /* the creating thread exits; the process goes on */
}

static void collect(const char *label) {
    char buf[256];
    ssize_t n = read(out[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("%s: %s", label, n > 0 ? buf : "nothing\n");
}

int main(void) {
    if (pipe(out) || pipe(ready)) return 1;

    /* The parent process exits: the child gets its death signal, SI_USER from the parent. */
    pid_t m = fork();
    if (m == 0) {
        spawn_watched();
        char r;
        if (read(ready[0], &r, 1) != 1) _exit(1);
        _exit(0);
    }
    waitpid(m, NULL, 0);
    collect("parent process exited");

    /* The thread that forked exits while its process lives on: Linux sends it then. */
    m = fork();
    if (m == 0) {
        pthread_t t;
        pthread_create(&t, NULL, thread_forks, NULL);
        pthread_join(t, NULL);
        char buf[256];
        ssize_t n = read(out[0], buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = 0;
        printf("creating thread exited: %s", n > 0 ? buf : "nothing\n");
        _exit(0);
    }
    waitpid(m, NULL, 0);

    /* Cleared in a fork child, and by a change of effective uid. */
    pid_t c = fork();
    if (c == 0) {
        int sig = -1;
        prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
        pid_t g = fork();
        if (g == 0) {
            prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
            printf("fork child's pdeathsig: %d\n", sig);
            _exit(0);
        }
        waitpid(g, NULL, 0);
        CHECKN("setresuid(0, 65534, 0)", setresuid(0, 65534, 0));
        prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
        printf("after an euid change: %d\n", sig);
        CHECKN("setresuid(0, 0, 0)", setresuid(0, 0, 0));
        prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0);
        CHECKN("setresuid(0, 0, 0) again (no change)", setresuid(0, 0, 0));
        prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
        printf("after no change: %d\n", sig);
        _exit(0);
    }
    waitpid(c, NULL, 0);
    return 0;
}
