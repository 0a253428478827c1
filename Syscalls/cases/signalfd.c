// syscalls: signalfd, signalfd4
#include "check.h"
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

int main(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    sigset_t only1;
    sigemptyset(&only1);
    sigaddset(&only1, SIGUSR1);

    int fd = signalfd(-1, &only1, SFD_NONBLOCK | SFD_CLOEXEC);
    FACT("signalfd", fd >= 0);
    SHOW("cloexec", "%d", fcntl(fd, F_GETFD) & FD_CLOEXEC);
    struct signalfd_siginfo si[2];
    CHECKN("read, nothing pending", read(fd, si, sizeof si));
    CHECKN("read, short buffer", read(fd, si, 64));
    struct pollfd p = {fd, POLLIN, 0};
    SHOW("poll, nothing pending", "%d", poll(&p, 1, 0));
    raise(SIGUSR1);
    SHOW("poll, SIGUSR1 pending", "%d", poll(&p, 1, 0));
    CHECKV(read(fd, si, sizeof si));
    SHOW("ssi_signo", "%u", si[0].ssi_signo);
    SHOW("ssi_code", "%d", si[0].ssi_code);
    FACT("ssi_pid is ours", si[0].ssi_pid == (uint32_t)getpid());
    SHOW("ssi_uid", "%u", si[0].ssi_uid);

    // SIGUSR2 is not in the mask until the mask changes.
    union sigval v = {.sival_int = 42};
    sigqueue(getpid(), SIGUSR2, v);
    CHECKN("read, SIGUSR2 not in the mask", read(fd, si, sizeof si));
    CHECKV(signalfd(fd, &set, 0));
    CHECKV(read(fd, si, sizeof si));
    SHOW("ssi_signo", "%u", si[0].ssi_signo);
    SHOW("ssi_code", "%d", si[0].ssi_code);
    SHOW("ssi_int", "%d", si[0].ssi_int);

    // A blocking read waits for a child's SIGCHLD.
    int bfd = signalfd(-1, &set, 0);
    pid_t child = fork();
    if (child == 0) { usleep(50000); _exit(3); }
    CHECKV(read(bfd, si, sizeof si));
    SHOW("ssi_signo", "%u", si[0].ssi_signo);
    SHOW("ssi_code (CLD_EXITED)", "%d", si[0].ssi_code);
    SHOW("ssi_status", "%d", si[0].ssi_status);
    FACT("ssi_pid is the child", si[0].ssi_pid == (uint32_t)child);
    waitpid(child, NULL, 0);

    CHECKN("bad size", syscall(SYS_signalfd4, -1, &set, 4, 0));
    CHECKN("bad flags", syscall(SYS_signalfd4, -1, &set, 8, 1));
    CHECKN("bad mask pointer", syscall(SYS_signalfd4, -1, BADPTR, 8, 0));
    int pfd[2];
    pipe(pfd);
    CHECKN("not a signalfd", signalfd(pfd[0], &set, 0));
    CHECKN("bad fd", signalfd(999, &set, 0));
    CHECKN("write", write(fd, si, sizeof si[0]));
    return 0;
}
