// syscalls: ppoll, pselect6, epoll_pwait (their temporary signal masks), rt_sigprocmask
#include "check.h"
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/wait.h>

static volatile sig_atomic_t usr1, usr2;
static void on_usr1(int s) { (void)s; usr1++; }
static void on_usr2(int s) { (void)s; usr2++; }

static pid_t send_later(int sig, int usec) {
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) { usleep(usec); kill(parent, sig); _exit(0); }
    return c;
}

static int usr1_blocked(void) {
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    return sigismember(&cur, SIGUSR1);
}

int main(void) {
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, on_usr2);
    sigset_t block1, none, only2;
    sigemptyset(&block1); sigaddset(&block1, SIGUSR1);
    sigemptyset(&none);
    sigemptyset(&only2); sigaddset(&only2, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block1, NULL);      /* SIGUSR1 blocked outside the waits */
    int p[2];
    if (pipe(p) != 0) return 1;
    struct pollfd pfd = { .fd = p[0], .events = POLLIN };
    struct timespec five = { 5, 0 };

    /* The wait's mask unblocks SIGUSR1: it interrupts the wait, the handler runs, the caller's
     * mask (SIGUSR1 blocked) is back afterwards. */
    pid_t c = send_later(SIGUSR1, 200000);
    errno = 0;
    int r = ppoll(&pfd, 1, &five, &none);
    printf("ppoll: r=%d errno=%s usr1=%d blocked-after=%d\n", r, r < 0 ? errname(errno) : "-", (int)usr1, usr1_blocked());
    waitpid(c, NULL, 0);

    fd_set rs;
    FD_ZERO(&rs); FD_SET(p[0], &rs);
    c = send_later(SIGUSR1, 200000);
    errno = 0;
    r = pselect(p[0] + 1, &rs, NULL, NULL, &five, &none);
    printf("pselect: r=%d errno=%s usr1=%d blocked-after=%d\n", r, r < 0 ? errname(errno) : "-", (int)usr1, usr1_blocked());
    waitpid(c, NULL, 0);

    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = p[0] }, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    c = send_later(SIGUSR1, 200000);
    errno = 0;
    r = epoll_pwait(ep, &out, 1, 5000, &none);
    printf("epoll_pwait: r=%d errno=%s usr1=%d blocked-after=%d\n", r, r < 0 ? errname(errno) : "-", (int)usr1, usr1_blocked());
    waitpid(c, NULL, 0);

    /* SIGUSR2 is open outside but blocked during the wait: the wait times out, then the
     * handler runs once the caller's mask is back. */
    struct timespec short_wait = { 0, 500000000 };
    c = send_later(SIGUSR2, 100000);
    r = ppoll(&pfd, 1, &short_wait, &only2);
    int during = usr2;
    waitpid(c, NULL, 0);
    printf("ppoll with USR2 blocked: r=%d usr2-during=%d usr2-after=%d\n", r, during, (int)usr2);
    return 0;
}
