// syscalls: socket, bind, connect, sendto, recvfrom, sendmsg, recvmsg, sendmmsg, recvmmsg, getsockname, getpeername, setsockopt, getsockopt, ioctl, poll (AF_INET/AF_INET6 UDP on loopback)
#include "check.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

int main(void) {
    int r = CHECKN("socket", socket(AF_INET, SOCK_DGRAM, 0));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    CHECKN("bind", bind(r, (struct sockaddr *)&a, sizeof a));
    socklen_t len = sizeof a;
    getsockname(r, (struct sockaddr *)&a, &len);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
    char b[64];
    CHECKN("recv nothing MSG_DONTWAIT", recv(r, b, sizeof b, MSG_DONTWAIT));
    CHECKN("send unconnected", send(s, "x", 1, 0));
    CHECKN("getpeername unconnected", getpeername(s, (struct sockaddr *)&a, &len));
    CHECKVN("sendto", sendto(s, "hello", 5, 0, (struct sockaddr *)&a, sizeof a));
    struct pollfd p = { .fd = r, .events = POLLIN };
    CHECKVN("poll", poll(&p, 1, 1000));
    int avail = 0;
    CHECKN("FIONREAD", ioctl(r, FIONREAD, &avail));
    SHOW("FIONREAD", "%d", avail);
    struct sockaddr_in from; socklen_t fl = sizeof from;
    memset(b, 0, sizeof b);
    CHECKVN("recvfrom MSG_PEEK", recvfrom(r, b, sizeof b, MSG_PEEK, (struct sockaddr *)&from, &fl));
    CHECKVN("recv MSG_TRUNC short buffer", recv(r, b, 2, MSG_TRUNC));
    struct sockaddr_in sn; socklen_t snl = sizeof sn;
    getsockname(s, (struct sockaddr *)&sn, &snl);
    FACT("sender autobound to a port", sn.sin_port != 0);
    FACT("recvfrom names the sender", fl == sizeof from && from.sin_port == sn.sin_port);

    /* Truncation with recvmsg: MSG_TRUNC in msg_flags. */
    sendto(s, "0123456789", 10, 0, (struct sockaddr *)&a, sizeof a);
    struct iovec iov = { b, 4 };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
    CHECKVN("recvmsg truncated", recvmsg(r, &m, 0));
    FACT("msg_flags MSG_TRUNC", (m.msg_flags & MSG_TRUNC) != 0);

    /* IP_PKTINFO control message. */
    int one = 1;
    CHECKN("IP_PKTINFO", setsockopt(r, IPPROTO_IP, IP_PKTINFO, &one, sizeof one));
    sendto(s, "pk", 2, 0, (struct sockaddr *)&a, sizeof a);
    char ctl[256];
    m = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
    CHECKVN("recvmsg with control", recvmsg(r, &m, 0));
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    FACT("cmsg is IP_PKTINFO", c && c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO);
    if (c) {
        struct in_pktinfo *pi = (struct in_pktinfo *)CMSG_DATA(c);
        FACT("pktinfo destination is loopback", pi->ipi_addr.s_addr == htonl(INADDR_LOOPBACK));
    }
    int rights[1] = { 0 };
    char sc[CMSG_SPACE(sizeof rights)];
    struct iovec siov = { "r", 1 };
    struct msghdr sm = { .msg_name = &a, .msg_namelen = sizeof a, .msg_iov = &siov, .msg_iovlen = 1, .msg_control = sc, .msg_controllen = sizeof sc };
    struct cmsghdr *h = CMSG_FIRSTHDR(&sm);
    h->cmsg_level = SOL_SOCKET; h->cmsg_type = SCM_RIGHTS; h->cmsg_len = CMSG_LEN(sizeof rights);
    memcpy(CMSG_DATA(h), rights, sizeof rights);
    CHECKN("sendmsg SCM_RIGHTS on UDP", sendmsg(s, &sm, 0));

    /* connect, send, recv. */
    CHECKN("connect", connect(s, (struct sockaddr *)&a, sizeof a));
    struct sockaddr_in pn; socklen_t pnl = sizeof pn;
    CHECKN("getpeername", getpeername(s, (struct sockaddr *)&pn, &pnl));
    FACT("peer is the receiver", pn.sin_port == a.sin_port);
    CHECKVN("send connected", send(s, "abc", 3, 0));
    CHECKVN("write connected", write(s, "defg", 4));
    CHECKVN("read", read(r, b, sizeof b));
    CHECKVN("recv", recv(r, b, sizeof b, 0));
    CHECKVN("send empty datagram", send(s, "", 0, 0));
    CHECKVN("recv empty datagram", recv(r, b, sizeof b, 0));

    /* sendmmsg / recvmmsg. */
    struct iovec mi[3] = { { "one", 3 }, { "two!", 4 }, { "three", 5 } };
    struct mmsghdr mm[3];
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) { mm[i].msg_hdr.msg_iov = &mi[i]; mm[i].msg_hdr.msg_iovlen = 1; }
    CHECKVN("sendmmsg", sendmmsg(s, mm, 3, 0));
    char rb[3][16];
    struct iovec ri[3] = { { rb[0], 16 }, { rb[1], 16 }, { rb[2], 16 } };
    struct mmsghdr rmm[3];
    memset(rmm, 0, sizeof rmm);
    for (int i = 0; i < 3; i++) { rmm[i].msg_hdr.msg_iov = &ri[i]; rmm[i].msg_hdr.msg_iovlen = 1; }
    usleep(50000);
    CHECKVN("recvmmsg", recvmmsg(r, rmm, 3, MSG_DONTWAIT, NULL));
    printf("lengths: %u %u %u\n", rmm[0].msg_len, rmm[1].msg_len, rmm[2].msg_len);

    /* A connected UDP socket to a closed port: ECONNREFUSED on the next call. */
    int gone = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in ga = a;
    bind(gone, (struct sockaddr *)&(struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) }, sizeof ga);
    socklen_t gl = sizeof ga;
    getsockname(gone, (struct sockaddr *)&ga, &gl);
    close(gone);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    connect(u, (struct sockaddr *)&ga, sizeof ga);
    CHECKVN("send to closed port", send(u, "?", 1, 0));
    usleep(50000);
    CHECKN("recv after ICMP unreachable", recv(u, b, sizeof b, MSG_DONTWAIT));

    /* SO_RCVTIMEO on a blocking receive. */
    struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
    setsockopt(r, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    CHECKN("recv times out", recv(r, b, sizeof b, 0));
    SHOW("SO_TYPE", "%d", ({ int v; socklen_t l = sizeof v; getsockopt(r, SOL_SOCKET, SO_TYPE, &v, &l); v; }));
    CHECKN("listen on UDP", listen(r, 1));
    CHECKN("accept on UDP", accept(r, NULL, NULL));

    /* IPv6. */
    int r6 = CHECKN("socket AF_INET6", socket(AF_INET6, SOCK_DGRAM, 0));
    struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    CHECKN("bind [::1]", bind(r6, (struct sockaddr *)&a6, sizeof a6));
    socklen_t l6 = sizeof a6;
    getsockname(r6, (struct sockaddr *)&a6, &l6);
    int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
    CHECKVN("sendto v6", sendto(s6, "v6", 2, 0, (struct sockaddr *)&a6, sizeof a6));
    struct sockaddr_in6 f6; socklen_t f6l = sizeof f6;
    CHECKVN("recvfrom v6", recvfrom(r6, b, sizeof b, 0, (struct sockaddr *)&f6, &f6l));
    FACT("v6 sender is ::1", f6l == sizeof f6 && memcmp(&f6.sin6_addr, &in6addr_loopback, 16) == 0);
    CHECKN("sendto v4 address on v6 socket", sendto(s6, "x", 1, 0, (struct sockaddr *)&a, sizeof a));
    return 0;
}
