// syscalls: pidfd_open, pidfd_send_signal, pidfd_getfd, poll (a pidfd is readable once its process exits), waitid (P_PIDFD), clone (CLONE_PIDFD)
#include "check.h"
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <pthread.h>
#include <sys/wait.h>

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
static int pidfd_open(pid_t pid, unsigned flags) { return syscall(SYS_pidfd_open, pid, flags); }
static int pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned flags) { return syscall(SYS_pidfd_send_signal, fd, sig, info, flags); }
static int pidfd_getfd(int fd, int target, unsigned flags) { return syscall(SYS_pidfd_getfd, fd, target, flags); }
static int readable(int fd, int ms) { struct pollfd p = {fd, POLLIN, 0}; return poll(&p, 1, ms) == 1 && (p.revents & POLLIN); }
static void *idle(void *a) { (void)a; pause(); return NULL; }

int main(void) {
    int go[2];
    if (pipe(go)) return 1;
    pid_t c = fork();
    if (c == 0) {
        char x;
        int secret = open("/etc/hostname", O_RDONLY);   /* fd 5: after 0-2 and the pipe */
        if (secret != 5 || read(go[0], &x, 1) != 1) _exit(2);
        _exit(9);
    }
    int fd = CHECKN("pidfd_open", pidfd_open(c, 0));
    FACT("close-on-exec", fcntl(fd, F_GETFD) & FD_CLOEXEC);
    CHECKN("pidfd_open flags", pidfd_open(c, 1));
    CHECKN("pidfd_open 0", pidfd_open(0, 0));
    CHECKN("pidfd_open unknown", pidfd_open(99999, 0));
    CHECKN("read", read(fd, &c, 1));
    FACT("not readable while it runs", !readable(fd, 50));
    CHECKN("pidfd_send_signal 0", pidfd_send_signal(fd, 0, NULL, 0));
    CHECKN("pidfd_send_signal flags", pidfd_send_signal(fd, 0, NULL, 8));
    CHECKN("pidfd_send_signal bad signal", pidfd_send_signal(fd, 99, NULL, 0));
    CHECKN("pidfd_send_signal not a pidfd", pidfd_send_signal(0, 0, NULL, 0));
    siginfo_t si = {0};
    si.si_signo = SIGUSR1;
    si.si_code = SI_USER;
    CHECKN("pidfd_send_signal forged SI_USER", pidfd_send_signal(fd, SIGUSR1, &si, 0));
    si.si_code = SI_QUEUE;
    CHECKN("pidfd_send_signal si_signo mismatch", pidfd_send_signal(fd, SIGUSR2, &si, 0));
    usleep(100000);   /* the child has opened its file */
    int got = CHECKN("pidfd_getfd", pidfd_getfd(fd, 5, 0));
    char buf[8];
    FACT("the child's file reads", got >= 0 && read(got, buf, 1) == 1);
    FACT("getfd close-on-exec", got >= 0 && (fcntl(got, F_GETFD) & FD_CLOEXEC));
    CHECKN("pidfd_getfd bad fd", pidfd_getfd(fd, 77, 0));
    CHECKN("pidfd_getfd flags", pidfd_getfd(fd, 5, 1));
    siginfo_t w = {0};
    CHECKN("waitid P_PIDFD WNOHANG while it runs", waitid(P_PIDFD, fd, &w, WEXITED | WNOHANG));
    SHOW("si_pid", "%d", w.si_pid);
    CHECKN("waitid P_PIDFD no options", waitid(P_PIDFD, fd, &w, 0));
    CHECKN("waitid P_PIDFD not a pidfd", waitid(P_PIDFD, 0, &w, WEXITED));
    if (write(go[1], "x", 1) != 1) return 1;
    FACT("readable once it exited", readable(fd, 5000));
    CHECKN("pidfd_send_signal to the zombie", pidfd_send_signal(fd, SIGTERM, NULL, 0));
    CHECKN("waitid P_PIDFD (blocks until the exit)", waitid(P_PIDFD, fd, &w, WEXITED));
    printf("waitid: pid_is_child=%d code=%d status=%d uid=%d\n", w.si_pid == c, w.si_code, w.si_status, (int)w.si_uid);
    CHECKN("pidfd_send_signal after the reap", pidfd_send_signal(fd, 0, NULL, 0));
    CHECKN("waitid again", waitid(P_PIDFD, fd, &w, WEXITED));

    /* A parked waitid woken by the exit, and a nonblocking pidfd. */
    c = fork();
    if (c == 0) { usleep(100000); _exit(4); }
    int nb = CHECKN("pidfd_open PIDFD_NONBLOCK", pidfd_open(c, PIDFD_NONBLOCK));
    FACT("O_NONBLOCK", fcntl(nb, F_GETFL) & O_NONBLOCK);
    CHECKN("waitid on a nonblocking pidfd", waitid(P_PIDFD, nb, &w, WEXITED));
    fd = pidfd_open(c, 0);
    CHECKN("waitid parked", waitid(P_PIDFD, fd, &w, WEXITED));
    printf("waitid: pid_is_child=%d status=%d\n", w.si_pid == c, w.si_status);

    /* Signals through a pidfd. */
    c = fork();
    if (c == 0) { pause(); _exit(0); }
    fd = pidfd_open(c, 0);
    CHECKN("pidfd_send_signal SIGTERM", pidfd_send_signal(fd, SIGTERM, NULL, 0));
    int st;
    waitpid(c, &st, 0);
    printf("killed by %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);

    /* A thread's id: EINVAL without PIDFD_THREAD. */
    pthread_t th;
    pthread_create(&th, NULL, idle, NULL);
    usleep(50000);
    CHECKN("pidfd_open own pid", pidfd_open(getpid(), 0));

    /* Another user's process: pidfd_getfd is EPERM, pidfd_send_signal EPERM. */
    c = fork();
    if (c == 0) {
        if (setgid(65534) || setuid(65534)) _exit(1);
        int p = pidfd_open(getppid(), 0);
        CHECKN("nobody: pidfd_open of root's process", p);
        CHECKN("nobody: pidfd_getfd", pidfd_getfd(p, 0, 0));
        CHECKN("nobody: pidfd_send_signal", pidfd_send_signal(p, SIGUSR1, NULL, 0));
        _exit(0);
    }
    waitpid(c, NULL, 0);

    /* CLONE_PIDFD is not offered inside. */
    return 0;
}
