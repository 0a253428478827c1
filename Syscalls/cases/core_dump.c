// syscalls: wait4, waitid, setrlimit (WCOREDUMP and CLD_DUMPED for a core signal, by RLIMIT_CORE)
// A child killed by a signal whose default action dumps core reports WCOREDUMP (waitid:
// CLD_DUMPED) only when its RLIMIT_CORE soft limit is nonzero. Linux sets the flag only once
// the dump was written, so the child dies in a private directory under /tmp, where the native
// run's core file goes (and is removed); Husk writes no core file and sets the flag alone.
#include "check.h"
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>

static char dir[64];
static volatile sig_atomic_t chld_code, chld_status;
static void on_chld(int s, siginfo_t *si, void *u) { (void)s; (void)u; chld_code = si->si_code; chld_status = si->si_status; }
static const char *cld(int code) { return code == CLD_DUMPED ? "CLD_DUMPED" : code == CLD_KILLED ? "CLD_KILLED" : code == CLD_EXITED ? "CLD_EXITED" : "other"; }

static void clean(void) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
}

/* In a child: RLIMIT_CORE up to its hard limit, then death by `sig` in the private directory. */
static void die_dumping(int sig) {
    struct rlimit rl;
    getrlimit(RLIMIT_CORE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_CORE, &rl);
    if (chdir(dir) != 0) _exit(91);
    raise(sig);
    _exit(92);
}

/* The child sets RLIMIT_CORE to `limit` and dies of `sig`; the parent reaps it with wait4
   (or waitid when `use_waitid`). */
static void die_by(int sig, rlim_t limit, int use_waitid) {
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl;
        getrlimit(RLIMIT_CORE, &rl);
        rl.rlim_cur = limit < rl.rlim_max ? limit : rl.rlim_max;
        if (setrlimit(RLIMIT_CORE, &rl) != 0) _exit(90);
        if (chdir(dir) != 0) _exit(91);
        signal(sig, SIG_DFL);
        raise(sig);
        _exit(92);
    }
    if (use_waitid) {
        siginfo_t si = {0};
        CHECKN("waitid", waitid(P_PID, pid, &si, WEXITED));
        printf("sig %d limit %lu: si_code=%s si_status=%d\n", sig, (unsigned long)limit,
               si.si_code == CLD_DUMPED ? "CLD_DUMPED" : si.si_code == CLD_KILLED ? "CLD_KILLED" : "other", si.si_status);
    } else {
        int status = 0;
        CHECKN("wait4", wait4(pid, &status, 0, NULL));
        printf("sig %d limit %lu: signaled=%d termsig=%d coredump=%d\n", sig, (unsigned long)limit,
               WIFSIGNALED(status), WTERMSIG(status), WCOREDUMP(status) ? 1 : 0);
    }
    printf("  SIGCHLD: %s status=%d\n", cld(chld_code), (int)chld_status);
    clean();
}

int main(void) {
    struct rlimit hard;
    getrlimit(RLIMIT_CORE, &hard);
    if (hard.rlim_max < (1 << 20)) { printf("setup: hard RLIMIT_CORE too low to test\n"); return 0; }
    snprintf(dir, sizeof dir, "/tmp/core_dump_case.%d", getpid());
    if (mkdir(dir, 0777) != 0) { printf("setup: mkdir: %s\n", errname(errno)); return 99; }
    struct sigaction sa = {0};
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    die_by(SIGSEGV, 0, 0);
    die_by(SIGSEGV, RLIM_INFINITY, 0);
    die_by(SIGABRT, RLIM_INFINITY, 0);
    die_by(SIGQUIT, 1 << 30, 0);
    die_by(SIGTERM, RLIM_INFINITY, 0);   /* not a core signal */
    die_by(SIGFPE, RLIM_INFINITY, 1);
    die_by(SIGFPE, 0, 1);
    die_by(SIGKILL, RLIM_INFINITY, 1);
    /* WNOHANG: a dumped child reported without blocking. */
    pid_t pid = fork();
    if (pid == 0) die_dumping(SIGBUS);
    int status = 0;
    for (int i = 0; i < 2000; i++) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        usleep(1000);
    }
    printf("WNOHANG: termsig=%d coredump=%d\n", WTERMSIG(status), WCOREDUMP(status) ? 1 : 0);
    clean();
    /* sigwaitinfo takes the SIGCHLD of a dumped child: CLD_DUMPED. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    pid = fork();
    if (pid == 0) die_dumping(SIGILL);
    siginfo_t si;
    CHECKN("sigwaitinfo SIGCHLD", sigwaitinfo(&set, &si));
    printf("sigwaitinfo: %s status=%d from the child=%d\n", cld(si.si_code), si.si_status, si.si_pid == pid);
    waitpid(pid, &status, 0);
    clean();
    rmdir(dir);
    return 0;
}
