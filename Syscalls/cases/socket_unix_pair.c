// syscalls: socketpair, sendto, recvfrom, shutdown, getsockopt, setsockopt, getsockname, getpeername
#include "check.h"
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/time.h>

static void show_poll(const char *label, int fd) {
    struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP };
    poll(&p, 1, 0);
    printf("%s: in=%d out=%d hup=%d rdhup=%d err=%d\n", label, !!(p.revents & POLLIN), !!(p.revents & POLLOUT),
           !!(p.revents & POLLHUP), !!(p.revents & POLLRDHUP), !!(p.revents & POLLERR));
}

static int getint(int fd, int name) {
    int v = -1; socklen_t l = sizeof v;
    if (getsockopt(fd, SOL_SOCKET, name, &v, &l) < 0) return -errno;
    return v;
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    int sv[2];
    char buf[64];
    CHECKN("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct stat st;
    fstat(sv[0], &st);
    FACT("fstat is a socket", S_ISSOCK(st.st_mode));
    show_poll("fresh pair", sv[0]);
    CHECKVN("write 5", write(sv[0], "hello", 5));
    CHECKVN("send 3", send(sv[0], "abc", 3, 0));
    int n = -1;
    CHECKN("FIONREAD", ioctl(sv[1], FIONREAD, &n));
    SHOW("FIONREAD value", "%d", n);
    show_poll("with data", sv[1]);
    CHECKVN("recv MSG_PEEK 4", recv(sv[1], buf, 4, MSG_PEEK));
    CHECKVN("read 6 (stream joins writes)", read(sv[1], buf, 6));
    buf[6] = 0; SHOW("read data", "%s", buf);
    CHECKVN("recv rest", recv(sv[1], buf, sizeof buf, 0));
    CHECKVN("recv MSG_DONTWAIT empty", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    CHECKVN("recvfrom with address", recvfrom(sv[1], buf, sizeof buf, MSG_DONTWAIT, NULL, NULL));

    // socket options
    SHOW("SO_TYPE", "%d", getint(sv[0], SO_TYPE));
    SHOW("SO_DOMAIN", "%d", getint(sv[0], SO_DOMAIN));
    SHOW("SO_PROTOCOL", "%d", getint(sv[0], SO_PROTOCOL));
    SHOW("SO_ACCEPTCONN", "%d", getint(sv[0], SO_ACCEPTCONN));
    SHOW("SO_ERROR", "%d", getint(sv[0], SO_ERROR));
    SHOW("SO_PASSCRED", "%d", getint(sv[0], SO_PASSCRED));
    int v = 10000;
    CHECKN("SO_SNDBUF set", setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
    SHOW("SO_SNDBUF doubled", "%d", getint(sv[0], SO_SNDBUF));
    CHECKN("SO_RCVBUF set", setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof v));
    SHOW("SO_RCVBUF doubled", "%d", getint(sv[0], SO_RCVBUF));
    v = 1;
    CHECKN("SO_REUSEADDR", setsockopt(sv[0], SOL_SOCKET, SO_REUSEADDR, &v, sizeof v));
    SHOW("SO_REUSEADDR", "%d", getint(sv[0], SO_REUSEADDR));
    CHECKN("SO_KEEPALIVE", setsockopt(sv[0], SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v));
    CHECKN("setsockopt short", setsockopt(sv[0], SOL_SOCKET, SO_KEEPALIVE, &v, 2));
    CHECKN("setsockopt SO_TYPE", setsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, sizeof v));
    CHECKN("setsockopt bad level", setsockopt(sv[0], 6, 1, &v, sizeof v));
    CHECKN("getsockopt unknown", getsockopt(sv[0], SOL_SOCKET, 9999, &v, &(socklen_t){4}));
    struct timeval tv = { .tv_sec = 0, .tv_usec = 50000 }, tv2;
    CHECKN("SO_RCVTIMEO", setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    socklen_t tl = sizeof tv2;
    CHECKN("get SO_RCVTIMEO", getsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv2, &tl));
    FACT("SO_RCVTIMEO about 50 ms (jiffies)", tv2.tv_sec == 0 && tv2.tv_usec >= 50000 && tv2.tv_usec < 60000);
    CHECKVN("recv times out", recv(sv[1], buf, sizeof buf, 0));
    struct ucred cr; socklen_t cl = sizeof cr;
    CHECKN("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &cl));
    FACT("peercred pid is getpid", cr.pid == getpid());
    FACT("peercred uid is getuid", cr.uid == getuid());
    SHOW("peercred length", "%d", (int)cl);
    struct linger lg = { 1, 5 }, lg2; socklen_t ll = sizeof lg2;
    CHECKN("SO_LINGER", setsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    CHECKN("get SO_LINGER", getsockopt(sv[0], SOL_SOCKET, SO_LINGER, &lg2, &ll));
    printf("linger: %d/%d\n", lg2.l_onoff, lg2.l_linger);

    struct sockaddr_un a; socklen_t al = sizeof a;
    CHECKN("getsockname unbound", getsockname(sv[0], (struct sockaddr *)&a, &al));
    SHOW("unbound name length", "%d", (int)al);
    al = sizeof a;
    CHECKN("getpeername pair", getpeername(sv[0], (struct sockaddr *)&a, &al));
    SHOW("pair peer length", "%d", (int)al);

    // shutdown
    CHECKN("shutdown bad how", shutdown(sv[0], 7));
    CHECKN("shutdown SHUT_WR", shutdown(sv[0], SHUT_WR));
    show_poll("after peer SHUT_WR", sv[1]);
    show_poll("after own SHUT_WR", sv[0]);
    CHECKVN("read at EOF", read(sv[1], buf, sizeof buf));
    CHECKVN("write after SHUT_WR", write(sv[0], "x", 1));
    CHECKVN("send MSG_NOSIGNAL after SHUT_WR", send(sv[0], "x", 1, MSG_NOSIGNAL));
    CHECKVN("other way still works", write(sv[1], "yz", 2));
    CHECKVN("read it", read(sv[0], buf, sizeof buf));
    close(sv[1]);
    show_poll("peer closed", sv[0]);
    CHECKVN("read after peer close", read(sv[0], buf, sizeof buf));
    CHECKVN("pread on a socket", pread(sv[0], buf, 1, 0));
    close(sv[0]);

    // epoll: EPOLLRDHUP
    CHECKN("socketpair again", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
    FACT("SOCK_CLOEXEC", fcntl(sv[0], F_GETFD) & FD_CLOEXEC);
    FACT("SOCK_NONBLOCK", fcntl(sv[0], F_GETFL) & O_NONBLOCK);
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = sv[0] };
    epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
    CHECKVN("epoll nothing", epoll_wait(ep, &ev, 1, 0));
    shutdown(sv[1], SHUT_WR);
    CHECKVN("epoll after peer SHUT_WR", epoll_wait(ep, &ev, 1, 100));
    printf("events: in=%d rdhup=%d hup=%d\n", !!(ev.events & EPOLLIN), !!(ev.events & EPOLLRDHUP), !!(ev.events & EPOLLHUP));
    CHECKVN("read nonblocking at EOF", read(sv[0], buf, 1));
    close(sv[0]); close(sv[1]);

    // non-blocking fill: EAGAIN, then room after a read
    CHECKN("socketpair nonblocking", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
    static char big[65536];
    long total = 0, r;
    while ((r = write(sv[0], big, sizeof big)) > 0) total += r;
    SHOW("fill ends with", "%s", errname(errno));
    FACT("filled something", total > 0);
    show_poll("full writer", sv[0]);
    int outq = -1;
    CHECKN("SIOCOUTQ", ioctl(sv[0], TIOCOUTQ, &outq));
    FACT("SIOCOUTQ > 0", outq > 0);
    long got = 0;
    while ((r = read(sv[1], big, sizeof big)) > 0) got += r;
    FACT("read all written", got == total);
    show_poll("drained writer", sv[0]);
    close(sv[0]); close(sv[1]);

    // SOCK_SEQPACKET and SOCK_DGRAM keep boundaries
    int kinds[2] = { SOCK_SEQPACKET, SOCK_DGRAM };
    for (int k = 0; k < 2; k++) {
        printf("-- %s\n", k == 0 ? "seqpacket" : "dgram");
        CHECKN("socketpair", socketpair(AF_UNIX, kinds[k], 0, sv));
        send(sv[0], "one", 3, 0); send(sv[0], "three", 5, 0); send(sv[0], "", 0, 0);
        CHECKN("FIONREAD", ioctl(sv[1], FIONREAD, &n));
        SHOW("FIONREAD value", "%d", n);
        CHECKVN("recv 10", recv(sv[1], buf, 10, 0));
        CHECKVN("recv 2 of 5 with MSG_TRUNC", recv(sv[1], buf, 2, MSG_TRUNC));
        CHECKVN("empty message", recv(sv[1], buf, 10, MSG_DONTWAIT));
        CHECKVN("nothing left", recv(sv[1], buf, 10, MSG_DONTWAIT));
        struct msghdr m = { 0 };
        struct iovec io = { buf, 2 };
        m.msg_iov = &io; m.msg_iovlen = 1;
        send(sv[0], "longer", 6, 0);
        CHECKVN("recvmsg 2 of 6", recvmsg(sv[1], &m, 0));
        FACT("MSG_TRUNC set", m.msg_flags & MSG_TRUNC);
        CHECKN("SO_TYPE", getint(sv[0], SO_TYPE));
        SHOW("SO_TYPE", "%d", getint(sv[0], SO_TYPE));
        close(sv[1]);
        CHECKVN("send to closed peer", send(sv[0], "x", 1, MSG_DONTWAIT));
        CHECKVN("recv from closed peer", recv(sv[0], buf, 1, MSG_DONTWAIT));
        show_poll("closed peer", sv[0]);
        close(sv[0]);
    }
    CHECKN("socketpair AF_INET", socketpair(AF_INET, SOCK_STREAM, 0, sv));
    CHECKN("socketpair bad type", socketpair(AF_UNIX, 99, 0, sv));
    CHECKN("socketpair bad protocol", socketpair(AF_UNIX, SOCK_STREAM, 3, sv));
    CHECKN("socketpair bad address", socketpair(AF_UNIX, SOCK_STREAM, 0, BADPTR));
    return 0;
}
