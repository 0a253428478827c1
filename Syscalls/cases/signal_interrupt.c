// syscalls: read (interrupted), kill, rt_sigaction (SA_RESTART), pipe/stdin-independent: a blocked read of a pipe
#include "check.h"
#include <signal.h>
#include <sys/wait.h>

static volatile sig_atomic_t handled;
static void on_usr1(int s) { (void)s; handled++; }

/* A child blocked in read() on its stdin-like fd gets SIGUSR1 from its parent:
 * without SA_RESTART read fails with EINTR; with SA_RESTART it keeps waiting and returns data. */
static void run(int restart) {
    int p[2];
    if (pipe(p) != 0) { printf("pipe: errno=%s\n", errname(errno)); return; }
    pid_t c = fork();
    if (c == 0) {
        close(p[1]);
        struct sigaction sa = {0};
        sa.sa_handler = on_usr1;
        sa.sa_flags = restart ? SA_RESTART : 0;
        sigaction(SIGUSR1, &sa, NULL);
        char b[8];
        ssize_t n = read(p[0], b, sizeof b);
        int e = errno;
        printf("%s: read=%zd errno=%s handled=%d\n", restart ? "SA_RESTART" : "no SA_RESTART", n, n < 0 ? errname(e) : "-", (int)handled);
        _exit(0);
    }
    close(p[0]);
    usleep(200000);
    kill(c, SIGUSR1);
    usleep(200000);
    ssize_t w = write(p[1], "x", 1);   /* EPIPE when the first child already left */
    (void)w;
    close(p[1]);
    waitpid(c, NULL, 0);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);   /* the first child may be gone before the parent writes */
    run(0);
    run(1);
    return 0;
}
