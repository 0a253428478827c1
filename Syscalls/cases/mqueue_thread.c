// syscalls: mq_notify, socket, recvmsg, poll
// mq_notify's SIGEV_THREAD: the cookie arrives on the netlink socket the caller names, its last
// byte NOTIFY_WOKENUP when a message comes and NOTIFY_REMOVED when the registration ends; and
// glibc's mq_notify(SIGEV_THREAD), which reads that socket from a helper thread.
#include "check.h"
#include <linux/netlink.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static char name[64];
static sem_t ran;
static int seen_value;

static void notified(union sigval v) {
    seen_value = v.sival_int;
    sem_post(&ran);
}

/* One datagram off the netlink socket: its length, flags, sender and the cookie's ends. */
static void take(const char *label, int ns, size_t room, int flags) {
    unsigned char buf[64] = {0};
    struct sockaddr_nl from = {0};
    struct iovec iov = {buf, room};
    struct msghdr h = {&from, sizeof from, &iov, 1, NULL, 0, 0};
    errno = 0;
    long n = recvmsg(ns, &h, flags);
    if (n < 0) { printf("%s: errno=%s\n", label, errname(errno)); return; }
    printf("%s: =%ld trunc=%d family=%d pid=%u groups=%u first=%c code=%d\n", label, n,
           (h.msg_flags & MSG_TRUNC) != 0, from.nl_family, from.nl_pid, from.nl_groups,
           buf[0], room >= 32 ? buf[31] : -1);
}

static int readable(int fd) {
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

int main(void) {
    snprintf(name, sizeof name, "/husk-mqt-%d", getpid());
    struct mq_attr a = {0, 4, 16, 0, {0}};
    mqd_t q = mq_open(name, O_CREAT | O_RDWR, 0600, &a);
    if (q < 0) { printf("mq_open: %s\n", errname(errno)); return 1; }

    int ns = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    CHECKN("netlink socket", ns >= 0 ? 0 : -1);
    char cookie[32];
    memset(cookie, 'c', sizeof cookie);
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_THREAD;
    ev.sigev_signo = ns;
    ev.sigev_value.sival_ptr = cookie;
    CHECKN("register", syscall(SYS_mq_notify, q, &ev));
    CHECKN("second registration", syscall(SYS_mq_notify, q, &ev));   /* EBUSY */
    FACT("readable before a message", readable(ns));
    CHECK(mq_send(q, "one", 3, 1));
    FACT("readable after a message", readable(ns));
    take("peek", ns, 64, MSG_PEEK | MSG_DONTWAIT);
    take("woken up", ns, 64, MSG_DONTWAIT);
    take("nothing more", ns, 64, MSG_DONTWAIT);
    /* A second message to a non-empty queue notifies no one (the registration ended). */
    CHECK(mq_send(q, "two", 3, 1));
    take("no second cookie", ns, 64, MSG_DONTWAIT);
    char buf[16];
    mq_receive(q, buf, sizeof buf, NULL);
    mq_receive(q, buf, sizeof buf, NULL);

    /* Register again and end it: NOTIFY_REMOVED, read into a short buffer. */
    cookie[0] = 'd';
    CHECKN("register again", syscall(SYS_mq_notify, q, &ev));
    CHECKN("unregister", syscall(SYS_mq_notify, q, NULL));
    take("removed, peeked into a short buffer", ns, 8, MSG_PEEK | MSG_DONTWAIT);
    take("removed", ns, 64, MSG_DONTWAIT);

    /* Any close of the queue by the owner ends it (mqueue_flush_file). */
    mqd_t q2 = mq_open(name, O_RDONLY);
    CHECKN("register through a second descriptor", syscall(SYS_mq_notify, q2, &ev));
    CHECK(mq_close(q2));
    take("removed by the close", ns, 64, MSG_DONTWAIT);

    /* The cookie was copied at registration: changing it afterwards changes nothing. */
    CHECKN("register a third time", syscall(SYS_mq_notify, q, &ev));
    cookie[0] = 'x';
    CHECK(mq_send(q, "three", 5, 1));
    take("cookie as registered", ns, 64, MSG_DONTWAIT | MSG_TRUNC);
    mq_receive(q, buf, sizeof buf, NULL);

    /* A blocking receive wakes when the cookie comes from another process. */
    CHECKN("register for a child's send", syscall(SYS_mq_notify, q, &ev));
    pid_t c = fork();
    if (c == 0) {
        usleep(50000);
        mq_send(q, "child", 5, 1);
        _exit(0);
    }
    take("blocking receive", ns, 64, 0);
    waitpid(c, NULL, 0);
    mq_receive(q, buf, sizeof buf, NULL);
    close(ns);

    /* glibc's SIGEV_THREAD: its helper thread gets the cookie and runs the function. */
    sem_init(&ran, 0, 0);
    struct sigevent th = {0};
    th.sigev_notify = SIGEV_THREAD;
    th.sigev_notify_function = notified;
    th.sigev_value.sival_int = 42;
    CHECKN("glibc SIGEV_THREAD", mq_notify(q, &th));
    CHECK(mq_send(q, "go", 2, 3));
    struct timespec limit;
    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += 10;
    CHECKN("the function ran", sem_timedwait(&ran, &limit));
    SHOW("its value", "%d", seen_value);
    mq_close(q);
    mq_unlink(name);
    return 0;
}
