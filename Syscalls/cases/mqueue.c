// syscalls: mq_open, mq_unlink, mq_timedsend, mq_timedreceive, mq_notify, mq_getsetattr
// POSIX message queues: names, attributes and limits, priorities, O_NONBLOCK, absolute timeouts,
// notification by signal, access modes, the queue file's line, poll, fork, signals, unlink.
#include "check.h"
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static char name[64], name2[64];
static volatile sig_atomic_t got;
static void on_usr1(int s) { (void)s; got++; }

static long sys_open(const char *n, int flags, int mode, struct mq_attr *a) {
    return syscall(SYS_mq_open, n, flags, mode, a);
}

/* A queue of `maxmsg` messages of `msgsize` bytes. */
static mqd_t make(const char *n, int flags, long maxmsg, long msgsize) {
    struct mq_attr a = {0, maxmsg, msgsize, 0, {0}};
    return mq_open(n, O_CREAT | flags, 0666, &a);
}

static void recv1(const char *label, mqd_t q, size_t size) {
    char buf[64] = {0};
    unsigned prio = 999;
    errno = 0;
    long n = mq_receive(q, buf, size, &prio);
    if (n < 0) printf("%s: errno=%s\n", label, errname(errno));
    else printf("%s: =%ld prio=%u text=%.*s\n", label, n, prio, (int)n, buf);
}

static struct timespec in_ms(long ms) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000;
    if (t.tv_nsec >= 1000000000) { t.tv_sec++; t.tv_nsec -= 1000000000; }
    return t;
}

/* The queue file's line, NOTIFY_PID shown as a relation to this process. */
static void line(const char *label, mqd_t q) {
    char buf[128] = {0};
    long n = pread(q, buf, sizeof buf - 1, 0);
    char *pid = strstr(buf, "NOTIFY_PID:");
    if (n <= 0 || !pid) { printf("%s: read=%ld errno=%s\n", label, n, errname(errno)); return; }
    int owner = atoi(pid + 11);
    *pid = 0;
    printf("%s: %slen=%ld pid=%s\n", label, buf, n, owner == 0 ? "0" : owner == getpid() ? "self" : "other");
}

static short revents(mqd_t q) {
    struct pollfd p = {q, POLLIN | POLLOUT, 0};
    poll(&p, 1, 0);
    return p.revents;
}

int main(void) {
    snprintf(name, sizeof name, "/husk-case-mq-%d", getpid());
    snprintf(name2, sizeof name2, "/husk-case-mq2-%d", getpid());
    umask(022);

    /* Names and attributes. */
    CHECK(mq_open(name, O_RDWR));                                  /* ENOENT */
    CHECK(mq_open("no-slash", O_RDWR));                            /* EINVAL (libc) */
    CHECK(sys_open("a/b", O_RDWR | O_CREAT, 0600, NULL));          /* EACCES */
    CHECK(sys_open(".", O_RDWR | O_CREAT, 0600, NULL));
    CHECK(sys_open("..", O_RDWR, 0, NULL));
    CHECK(sys_open("", O_RDWR, 0, NULL));                          /* ENOENT */
    char longname[300];
    memset(longname, 'x', 299);
    longname[299] = 0;
    CHECK(sys_open(longname, O_RDWR | O_CREAT, 0600, NULL));       /* ENAMETOOLONG */
    CHECK(sys_open(name + 1, O_RDWR | O_CREAT, 0600, BADPTR));     /* EFAULT */
    CHECK(sys_open(BADPTR, O_RDWR, 0, NULL));
    CHECKN("maxmsg 0", make(name, O_RDWR, 0, 16));                  /* EINVAL */
    CHECKN("msgsize -1", make(name, O_RDWR, 4, -1));
    CHECKN("maxmsg 65537", make(name, O_RDWR, 65537, 16));
    CHECKN("msgsize 16M+1", make(name, O_RDWR, 1, 16 * 1024 * 1024 + 1));

    mqd_t q = make(name, O_RDWR | O_EXCL, 4, 16);
    FACT("created", q >= 0);
    CHECKN("again O_EXCL", make(name, O_RDWR | O_EXCL, 4, 16));     /* EEXIST */
    CHECKN("O_ACCMODE", sys_open(name + 1, 3, 0, NULL));            /* EINVAL */
    SHOW("FD_CLOEXEC", "%d", fcntl(q, F_GETFD));
    SHOW("F_GETFL", "%o", fcntl(q, F_GETFL));
    struct stat st;
    CHECK(fstat(q, &st));
    FACT("S_ISREG", S_ISREG(st.st_mode));
    SHOW("mode", "%o", st.st_mode & 07777);
    SHOW("size", "%ld", (long)st.st_size);
    FACT("uid", st.st_uid == geteuid());
    char link[64], fdpath[32];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", q);
    long n = readlink(fdpath, link, sizeof link - 1);
    FACT("fd link is /name", n == (long)strlen(name) && memcmp(link, name, n) == 0);

    struct mq_attr a, b;
    CHECK(mq_getattr(q, &a));
    printf("attr: flags=%ld maxmsg=%ld msgsize=%ld curmsgs=%ld\n", a.mq_flags, a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs);
    mqd_t dflt = mq_open(name2, O_CREAT | O_RDONLY, 0600, NULL);
    CHECK(mq_getattr(dflt, &b));
    printf("default attr: maxmsg=%ld msgsize=%ld\n", b.mq_maxmsg, b.mq_msgsize);
    CHECK(mq_close(dflt));
    CHECK(mq_unlink(name2));

    /* Priorities: highest first, FIFO within one. */
    SHOW("poll empty", "%x", revents(q));
    CHECK(mq_send(q, "a1", 2, 1));
    SHOW("poll one", "%x", revents(q));
    CHECK(mq_send(q, "b5", 2, 5));
    CHECK(mq_send(q, "a2", 2, 1));
    CHECK(mq_send(q, "c3-long", 7, 3));
    SHOW("poll full", "%x", revents(q));
    CHECK(mq_send(q, "x", 1, 32768));                              /* EINVAL */
    CHECK(mq_send(q, "0123456789abcdefg", 17, 0));                 /* EMSGSIZE */
    CHECK(mq_send(q, BADPTR, 4, 0));                               /* EFAULT, before the full queue */
    line("line full", q);
    CHECK(mq_getattr(q, &a));
    SHOW("curmsgs", "%ld", a.mq_curmsgs);
    struct mq_attr nb = {O_NONBLOCK, 0, 0, 0, {0}}, bad = {O_RDWR, 0, 0, 0, {0}};
    CHECK(mq_setattr(q, &bad, NULL));                              /* EINVAL */
    CHECK(mq_setattr(q, &nb, &a));
    SHOW("old flags", "%ld", a.mq_flags);
    SHOW("F_GETFL nonblock", "%o", fcntl(q, F_GETFL));
    CHECK(mq_send(q, "full", 4, 0));                               /* EAGAIN */
    struct timespec badts = {0, 1000000000};
    CHECK(mq_timedsend(q, "full", 4, 0, &badts));                  /* EINVAL */
    CHECK(mq_timedsend(q, "full", 4, 0, BADPTR));                  /* EFAULT */
    char small[64];
    CHECK(mq_receive(q, small, 15, NULL));                         /* EMSGSIZE */
    recv1("recv 1", q, 16);
    recv1("recv 2", q, 64);
    recv1("recv 3", q, 16);
    recv1("recv 4", q, 16);
    recv1("recv empty", q, 16);                                    /* EAGAIN */
    CHECK(mq_timedreceive(q, small, 16, NULL, &badts));            /* EINVAL */
    nb.mq_flags = 0;
    CHECK(mq_setattr(q, &nb, NULL));
    struct timespec past = {1, 0};
    CHECK(mq_timedreceive(q, small, 16, NULL, &past));             /* ETIMEDOUT */
    struct timespec soon = in_ms(100);
    CHECK(mq_timedreceive(q, small, 16, NULL, &soon));             /* ETIMEDOUT */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    FACT("waited until the deadline", now.tv_sec > soon.tv_sec || (now.tv_sec == soon.tv_sec && now.tv_nsec >= soon.tv_nsec));
    for (int i = 0; i < 4; i++) mq_send(q, "f", 1, 0);
    soon = in_ms(50);
    CHECK(mq_timedsend(q, "g", 1, 0, &soon));                      /* ETIMEDOUT */
    for (int i = 0; i < 4; i++) mq_receive(q, small, 16, NULL);
    line("line empty", q);

    /* Access modes and other files. */
    mqd_t ro = mq_open(name, O_RDONLY), wo = mq_open(name, O_WRONLY);
    FACT("opened ro and wo", ro >= 0 && wo >= 0);
    CHECK(mq_send(ro, "x", 1, 0));                                 /* EBADF */
    CHECK(mq_receive(wo, small, 16, NULL));                        /* EBADF */
    CHECK(write(q, "x", 1));                                       /* EINVAL */
    CHECK(write(ro, "x", 1));                                      /* EBADF */
    CHECK(read(wo, small, 16));                                    /* EBADF */
    int devnull = must_open("/dev/null", O_RDWR);
    CHECK(mq_send(devnull, "x", 1, 0));                            /* EBADF */
    CHECK(mq_getattr(devnull, &a));
    CHECK(mq_notify(devnull, NULL));
    CHECK(mq_send(999, "x", 1, 0));
    CHECK(mq_close(ro));
    int d = dup(wo);
    CHECK(mq_send(d, "dup", 3, 2));
    CHECK(close(d));
    CHECK(mq_close(wo));
    recv1("recv dup", q, 16);
    CHECK(lseek(q, 0, SEEK_END));
    SHOW("read at end", "%ld", (long)read(q, small, 16));

    /* Notification by signal. */
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 42;
    CHECK(mq_notify(q, &ev));
    CHECK(mq_notify(q, &ev));                                      /* EBUSY */
    line("line registered", q);
    CHECK(mq_send(q, "n1", 2, 0));
    siginfo_t si;
    struct timespec zero = {0, 0};
    int sig = sigtimedwait(&usr1, &si, &zero);
    SHOW("signal", "%d", sig);
    FACT("SI_MESGQ", si.si_code == SI_MESGQ);
    SHOW("si_value", "%d", si.si_value.sival_int);
    FACT("si_pid", si.si_pid == getpid());
    FACT("si_uid", si.si_uid == getuid());
    line("line after firing", q);
    CHECK(mq_notify(q, &ev));                                      /* registered again */
    CHECK(mq_send(q, "n2", 2, 0));                                 /* not empty: no signal */
    SHOW("no signal when not empty", "%d", sigtimedwait(&usr1, &si, &zero));
    recv1("drain", q, 16);
    recv1("drain", q, 16);
    CHECK(mq_send(q, "n3", 2, 0));
    SHOW("signal when empty again", "%d", sigtimedwait(&usr1, &si, &zero));
    recv1("drain", q, 16);
    CHECK(mq_notify(q, &ev));
    CHECK(mq_notify(q, NULL));                                     /* removed */
    line("line removed", q);
    CHECK(mq_send(q, "n4", 2, 0));
    SHOW("no signal when removed", "%d", sigtimedwait(&usr1, &si, &zero));
    recv1("drain", q, 16);
    ev.sigev_notify = SIGEV_NONE;
    CHECK(mq_notify(q, &ev));
    line("line SIGEV_NONE", q);
    d = dup(q);
    CHECK(close(d));                                               /* the owner's close ends it */
    line("line after owner close", q);
    CHECK(mq_notify(q, &ev));
    d = dup(q);
    CHECK(dup2(devnull, d));                                       /* dup2's close is a close */
    line("line after dup2 over it", q);
    CHECK(close(d));
    ev.sigev_notify = 99;
    CHECK(mq_notify(q, &ev));                                      /* EINVAL */
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = 65;
    CHECK(mq_notify(q, &ev));                                      /* EINVAL */
    CHECK(syscall(SYS_mq_notify, q, BADPTR));                      /* EFAULT */
    /* SIGEV_THREAD (the raw call: the libc would make its own netlink socket). */
    char cookie[32] = {0};
    struct sigevent th = {0};
    th.sigev_notify = SIGEV_THREAD;
    th.sigev_value.sival_ptr = cookie;
    th.sigev_signo = 999;
    CHECKN("SIGEV_THREAD bad fd", syscall(SYS_mq_notify, q, &th));  /* EBADF */
    th.sigev_signo = devnull;
    CHECKN("SIGEV_THREAD not a socket", syscall(SYS_mq_notify, q, &th));
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    th.sigev_signo = sv[0];
    CHECKN("SIGEV_THREAD unix socket", syscall(SYS_mq_notify, q, &th));
    th.sigev_value.sival_ptr = BADPTR;
    CHECKN("SIGEV_THREAD bad cookie", syscall(SYS_mq_notify, q, &th));
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);

    /* fork: the child's sends reach the parent's blocked receive; the fd is inherited. */
    pid_t c = fork();
    if (c == 0) {
        mqd_t w = mq_open(name, O_WRONLY);
        usleep(100000);
        mq_send(w, "from child", 10, 7);
        mq_send(q, "inherited", 9, 1);
        _exit(0);
    }
    recv1("blocked receive", q, 16);
    int status;
    waitpid(c, &status, 0);
    SHOW("child status", "%d", status);
    recv1("after child", q, 16);

    /* A sender blocked on a full queue goes on when room is made. */
    for (int i = 0; i < 4; i++) mq_send(q, "f", 1, 0);
    c = fork();
    if (c == 0) _exit(mq_send(q, "waited", 6, 9) == 0 ? 0 : 1);
    usleep(100000);
    recv1("make room", q, 16);
    waitpid(c, &status, 0);
    SHOW("blocked sender status", "%d", status);
    recv1("sent after waiting", q, 16);
    for (int i = 0; i < 3; i++) mq_receive(q, small, 16, NULL);

    /* Signals: EINTR after a handler without SA_RESTART; a restart with it. */
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    c = fork();
    if (c == 0) { usleep(100000); kill(getppid(), SIGUSR1); _exit(0); }
    recv1("interrupted", q, 16);
    waitpid(c, &status, 0);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    c = fork();
    if (c == 0) {
        usleep(100000);
        kill(getppid(), SIGUSR1);
        usleep(100000);
        mq_send(q, "restarted", 9, 4);
        _exit(0);
    }
    recv1("restarted", q, 16);
    waitpid(c, &status, 0);
    SHOW("handler ran", "%d", (int)got);

    /* Limits and permissions in a child: RLIMIT_MSGQUEUE, then another user. */
    c = fork();
    if (c == 0) {
        struct rlimit rl = {0, 0};
        setrlimit(RLIMIT_MSGQUEUE, &rl);
        CHECKN("past RLIMIT_MSGQUEUE", mq_open(name2, O_CREAT | O_RDWR, 0600, NULL));  /* EMFILE */
        _exit(0);
    }
    waitpid(c, &status, 0);
    c = fork();
    if (c == 0) {
        if (setgid(1000) || setuid(1000)) _exit(2);
        CHECKN("other user open", mq_open(name, O_RDWR));            /* EACCES */
        CHECKN("other user unlink", mq_unlink(name));                /* EACCES (sticky) */
        CHECKN("other user maxmsg 11", make(name2, O_RDWR, 11, 16)); /* EINVAL: msg_max */
        mqd_t own = make(name2, O_RDWR, 10, 16);
        FACT("other user creates", own >= 0);
        CHECK(mq_unlink(name2));
        _exit(0);
    }
    waitpid(c, &status, 0);
    SHOW("limits child", "%d", status);

    /* Unlink: the name goes, the open queue stays. */
    CHECK(mq_unlink("/a/b"));                                      /* EACCES */
    CHECK(mq_unlink(name));
    CHECK(mq_unlink(name));                                        /* ENOENT */
    CHECK(mq_open(name, O_RDWR));                                  /* ENOENT */
    CHECK(mq_send(q, "still", 5, 0));
    recv1("after unlink", q, 16);
    CHECK(mq_close(q));
    CHECK(mq_close(q));                                            /* EBADF */
    return 0;
}
