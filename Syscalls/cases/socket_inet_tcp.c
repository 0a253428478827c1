// syscalls: socket, bind, listen, accept, accept4, connect, getsockname, getpeername, setsockopt, getsockopt, sendto, recvfrom, sendmsg, recvmsg, shutdown, ioctl, poll, epoll_wait, fstat (AF_INET/AF_INET6 TCP on loopback)
#include "check.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/sockios.h>

static int sigpipes;
static void on_pipe(int s) { (void)s; sigpipes++; }

static int getint(int fd, int level, int name) {
    int v = -1; socklen_t l = sizeof v;
    if (getsockopt(fd, level, name, &v, &l) < 0) return -errno;
    return v;
}

/* A listener on 127.0.0.1, port chosen by the kernel. */
static int listener(struct sockaddr_in *a) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    *a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    CHECKN("bind 127.0.0.1:0", bind(l, (struct sockaddr *)a, sizeof *a));
    socklen_t len = sizeof *a;
    CHECKN("getsockname", getsockname(l, (struct sockaddr *)a, &len));
    FACT("bound port is nonzero", a->sin_port != 0);
    FACT("bound address is loopback", a->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    return l;
}

int main(void) {
    signal(SIGPIPE, on_pipe);
    struct sockaddr_in a;
    int l = listener(&a);
    FACT("SO_ACCEPTCONN before listen", getint(l, SOL_SOCKET, SO_ACCEPTCONN) == 0);
    CHECKN("listen", listen(l, 8));
    FACT("SO_ACCEPTCONN after listen", getint(l, SOL_SOCKET, SO_ACCEPTCONN) == 1);
    SHOW("SO_TYPE", "%d", getint(l, SOL_SOCKET, SO_TYPE));
    SHOW("SO_DOMAIN", "%d", getint(l, SOL_SOCKET, SO_DOMAIN));
    SHOW("SO_PROTOCOL", "%d", getint(l, SOL_SOCKET, SO_PROTOCOL));
    struct stat st;
    CHECKN("fstat", fstat(l, &st));
    FACT("S_ISSOCK", S_ISSOCK(st.st_mode));

    int busy = socket(AF_INET, SOCK_STREAM, 0);
    CHECKN("bind in use", bind(busy, (struct sockaddr *)&a, sizeof a));
    int one = 1;
    CHECKN("SO_REUSEADDR", setsockopt(busy, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    FACT("SO_REUSEADDR reads 1", getint(busy, SOL_SOCKET, SO_REUSEADDR) == 1);
    struct sockaddr_in far = { .sin_family = AF_INET, .sin_addr.s_addr = inet_addr("10.254.254.1") };
    CHECKN("bind non-local address", bind(busy, (struct sockaddr *)&far, sizeof far));
    CHECKN("bind short address", bind(busy, (struct sockaddr *)&a, 4));
    close(busy);

    /* Blocking connect and accept4. */
    int c = CHECKN("socket", socket(AF_INET, SOCK_STREAM, 0));
    CHECKN("connect", connect(c, (struct sockaddr *)&a, sizeof a));
    CHECKN("connect again", connect(c, (struct sockaddr *)&a, sizeof a));
    struct sockaddr_in peer; socklen_t plen = sizeof peer;
    int s = CHECKN("accept4 SOCK_CLOEXEC", accept4(l, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC));
    FACT("accepted peer is loopback", peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && plen == sizeof peer);
    struct sockaddr_in cname; socklen_t clen = sizeof cname;
    getsockname(c, (struct sockaddr *)&cname, &clen);
    FACT("accept's address is the client's name", cname.sin_port == peer.sin_port);
    struct sockaddr_in pn; socklen_t pnl = sizeof pn;
    CHECKN("getpeername", getpeername(c, (struct sockaddr *)&pn, &pnl));
    FACT("peer port is the listener's", pn.sin_port == a.sin_port);
    FACT("FD_CLOEXEC on accepted", fcntl(s, F_GETFD) == FD_CLOEXEC);
    CHECKN("getpeername on listener", getpeername(l, (struct sockaddr *)&pn, &pnl));

    /* Options. */
    CHECKN("TCP_NODELAY", setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    FACT("TCP_NODELAY reads 1", getint(c, IPPROTO_TCP, TCP_NODELAY) == 1);
    int idle = 77;
    CHECKN("TCP_KEEPIDLE", setsockopt(c, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle));
    SHOW("TCP_KEEPIDLE", "%d", getint(c, IPPROTO_TCP, TCP_KEEPIDLE));
    CHECKN("SO_KEEPALIVE", setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one));
    FACT("SO_KEEPALIVE reads 1", getint(c, SOL_SOCKET, SO_KEEPALIVE) == 1);
    struct tcp_info ti; socklen_t til = sizeof ti;
    CHECKN("TCP_INFO", getsockopt(c, IPPROTO_TCP, TCP_INFO, &ti, &til));
    FACT("TCP_INFO state established", ti.tcpi_state == TCP_ESTABLISHED);
    struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
    CHECKN("SO_RCVTIMEO", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    struct timeval tv2; socklen_t tvl = sizeof tv2;
    getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv2, &tvl);
    FACT("SO_RCVTIMEO reads back", tv2.tv_sec == 0 && tv2.tv_usec == 200000);
    char b[64];
    CHECKN("recv times out", recv(s, b, sizeof b, 0));
    CHECKN("recv MSG_DONTWAIT", recv(s, b, sizeof b, MSG_DONTWAIT));
    CHECKN("unknown option", setsockopt(c, SOL_SOCKET, 9999, &one, sizeof one));
    SHOW("SO_ERROR", "%d", getint(c, SOL_SOCKET, SO_ERROR));

    /* Data. */
    CHECKVN("send", send(c, "hello", 5, 0));
    CHECKVN("write", write(c, " world", 6));
    struct pollfd p = { .fd = s, .events = POLLIN | POLLOUT };
    CHECKVN("poll", poll(&p, 1, 1000));
    SHOW("revents", "%#x", p.revents);
    int avail = 0;
    CHECKN("FIONREAD", ioctl(s, FIONREAD, &avail));
    SHOW("FIONREAD", "%d", avail);
    int outq = -1;
    CHECKN("SIOCOUTQ", ioctl(c, SIOCOUTQ, &outq));
    memset(b, 0, sizeof b);
    CHECKVN("recv MSG_PEEK", recv(s, b, 5, MSG_PEEK));
    SHOW("peeked", "%s", b);
    memset(b, 0, sizeof b);
    CHECKVN("recv MSG_WAITALL", recv(s, b, 11, MSG_WAITALL));
    SHOW("received", "%s", b);
    struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
    struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
    CHECKVN("sendmsg", sendmsg(s, &m, 0));
    char r1[3] = {0}, r2[3] = {0};
    struct iovec riov[2] = { { r1, 1 }, { r2, 3 } };
    struct msghdr rm = { .msg_iov = riov, .msg_iovlen = 2 };
    CHECKVN("recvmsg", recvmsg(c, &rm, MSG_WAITALL));
    printf("recvmsg parts: %s|%s\n", r1, r2);
    struct sockaddr_in from; socklen_t fl = sizeof from;
    CHECKVN("sendto", sendto(c, "x", 1, 0, NULL, 0));
    CHECKVN("recvfrom", recvfrom(s, b, sizeof b, 0, (struct sockaddr *)&from, &fl));
    SHOW("recvfrom addrlen", "%d", (int)fl);

    /* A child inherits the socket and writes to it. */
    pid_t pid = fork();
    if (pid == 0) { send(s, "child", 5, 0); _exit(0); }
    waitpid(pid, NULL, 0);
    memset(b, 0, sizeof b);
    CHECKVN("recv from child", recv(c, b, 5, MSG_WAITALL));
    SHOW("child sent", "%s", b);

    /* epoll with EPOLLRDHUP, then shutdown. */
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = s };
    CHECKN("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
    CHECKVN("epoll_wait before shutdown", epoll_wait(ep, &ev, 1, 0));
    CHECKN("shutdown SHUT_WR", shutdown(c, SHUT_WR));
    CHECKVN("epoll_wait after shutdown", epoll_wait(ep, &ev, 1, 1000));
    SHOW("events", "%#x", ev.events);
    CHECKVN("recv at end of input", recv(s, b, sizeof b, 0));
    CHECKN("shutdown bad how", shutdown(c, 7));
    close(c);
    usleep(100000);
    CHECKVN("send to closed peer", send(s, "z", 1, 0));
    usleep(100000);
    CHECKVN("send again MSG_NOSIGNAL", send(s, "z", 1, MSG_NOSIGNAL));
    CHECKVN("send again", send(s, "z", 1, 0));
    SHOW("SIGPIPEs", "%d", sigpipes);
    close(s);

    /* Non-blocking connect. */
    int n = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECKN("connect non-blocking", connect(n, (struct sockaddr *)&a, sizeof a));
    struct pollfd np = { .fd = n, .events = POLLOUT };
    CHECKVN("poll POLLOUT", poll(&np, 1, 2000));
    SHOW("SO_ERROR after connect", "%d", getint(n, SOL_SOCKET, SO_ERROR));
    int s2 = CHECKN("accept", accept(l, NULL, NULL));
    CHECKN("accept4 bad flags", accept4(l, NULL, NULL, 12345));
    fcntl(l, F_SETFL, O_NONBLOCK);
    CHECKN("accept non-blocking none pending", accept(l, NULL, NULL));
    close(s2); close(n);

    /* Refused. */
    close(l);
    int r = socket(AF_INET, SOCK_STREAM, 0);
    CHECKN("connect refused", connect(r, (struct sockaddr *)&a, sizeof a));
    int rn = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECKN("connect refused non-blocking", connect(rn, (struct sockaddr *)&a, sizeof a));
    struct pollfd rp = { .fd = rn, .events = POLLOUT };
    poll(&rp, 1, 2000);
    SHOW("SO_ERROR after refusal", "%s", errname(getint(rn, SOL_SOCKET, SO_ERROR)));

    /* IPv6 ::1 and IPV6_V6ONLY. */
    int l6 = CHECKN("socket AF_INET6", socket(AF_INET6, SOCK_STREAM, 0));
    CHECKN("IPV6_V6ONLY", setsockopt(l6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one));
    FACT("IPV6_V6ONLY reads 1", getint(l6, IPPROTO_IPV6, IPV6_V6ONLY) == 1);
    struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    CHECKN("bind [::1]:0", bind(l6, (struct sockaddr *)&a6, sizeof a6));
    socklen_t l6len = sizeof a6;
    getsockname(l6, (struct sockaddr *)&a6, &l6len);
    CHECKN("listen v6", listen(l6, 1));
    int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    CHECKN("connect [::1]", connect(c6, (struct sockaddr *)&a6, sizeof a6));
    int s6 = CHECKN("accept v6", accept(l6, NULL, NULL));
    CHECKVN("send v6", send(c6, "six", 3, 0));
    memset(b, 0, sizeof b);
    CHECKVN("recv v6", recv(s6, b, 3, MSG_WAITALL));
    SHOW("v6 data", "%s", b);

    /* Errors. */
    CHECKN("socket SOCK_SEQPACKET inet", socket(AF_INET, SOCK_SEQPACKET, 0));
    CHECKN("socket bad protocol", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    CHECKN("socketpair inet", socketpair(AF_INET, SOCK_STREAM, 0, (int[2]){0, 0}));
    int fd = must_open("/dev/null", O_RDONLY);
    CHECKN("bind on a non-socket", bind(fd, (struct sockaddr *)&a, sizeof a));
    CHECKN("listen bad fd", listen(-1, 1));
    CHECKN("recv on unconnected", recv(socket(AF_INET, SOCK_STREAM, 0), b, 1, 0));
    CHECKN("send on unconnected", send(socket(AF_INET, SOCK_STREAM, 0), b, 1, MSG_NOSIGNAL));
    CHECKN("connect bad address pointer", connect(socket(AF_INET, SOCK_STREAM, 0), BADPTR, sizeof a));
    return 0;
}
