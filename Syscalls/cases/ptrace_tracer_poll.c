// syscalls: ptrace, poll, wait4 (a tracer sleeping in poll is woken by the SIGCHLD of its tracee's stop, even one that comes as it enters poll)
#include "check.h"
#include <poll.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

// gdb's loop: continue the tracee, then sleep in poll on a self-pipe that the SIGCHLD handler
// writes to. The tracee stops at once (a signal to itself), so its SIGCHLD often comes while
// the tracer is on its way into poll; Linux's poll sees it pending and returns EINTR.
static int wake[2];
static void on_child(int s) { (void)s; char b = 1; (void)!write(wake[1], &b, 1); }

int main(void) {
    if (pipe(wake) != 0) return 1;
    struct sigaction sa = { .sa_handler = on_child };
    sigaction(SIGCHLD, &sa, NULL);
    pid_t c = fork();
    if (c == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        for (;;) raise(SIGUSR1);
    }
    int st, rounds = 300, woken = 0;
    waitpid(c, &st, 0);                               // the first stop
    for (int i = 0; i < rounds; i++) {
        ptrace(PTRACE_CONT, c, 0, 0);                 // the signal is dropped; it raises the next
        struct pollfd p = { .fd = wake[0], .events = POLLIN };
        int n;
        while ((n = poll(&p, 1, -1)) < 0 && errno == EINTR) {}
        char b;
        if (n == 1 && read(wake[0], &b, 1) == 1) woken++;
        if (waitpid(c, &st, 0) != c || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGUSR1) { printf("stop %d: bad status\n", i); break; }
    }
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    if (woken != rounds) printf("woken %d of %d\n", woken, rounds);
    FACT("every stop woke the tracer's poll", woken == rounds);
    return 0;
}
