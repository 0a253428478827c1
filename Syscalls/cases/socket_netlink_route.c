// syscalls: socket, bind, getsockname, sendto, recvmsg, ioctl (NETLINK_ROUTE dumps, SIOCGIF* on inet and unix sockets, getifaddrs, if_nameindex)
#include "check.h"
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

/* This case runs natively in the host's namespace and inside in the sandbox's: it prints only
 * what both have, the loopback interface. */
int main(void) {
    int nl = CHECKN("socket NETLINK_ROUTE", socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
    CHECKN("bind", bind(nl, (struct sockaddr *)&sa, sizeof sa));
    socklen_t sl = sizeof sa;
    CHECKN("getsockname", getsockname(nl, (struct sockaddr *)&sa, &sl));
    FACT("port id assigned", sa.nl_pid != 0);
    struct { struct nlmsghdr h; struct ifinfomsg i; } req = {
        .h = { .nlmsg_len = sizeof req, .nlmsg_type = RTM_GETLINK, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 7 },
        .i = { .ifi_family = AF_UNSPEC },
    };
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    CHECKVN("sendto RTM_GETLINK dump", sendto(nl, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel));
    static char buf[65536];
    int found_lo = 0, done = 0, seq_ok = 1;
    while (!done) {
        struct iovec iov = { buf, sizeof buf };
        struct msghdr m = { .msg_name = &kernel, .msg_namelen = sizeof kernel, .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n = recvmsg(nl, &m, 0);
        if (n <= 0) { printf("recvmsg: errno=%s\n", errname(errno)); break; }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != 7 || h->nlmsg_pid != sa.nl_pid) seq_ok = 0;
            if (h->nlmsg_type == NLMSG_DONE) { done = 1; break; }
            if (h->nlmsg_type != RTM_NEWLINK) continue;
            struct ifinfomsg *i = NLMSG_DATA(h);
            if (i->ifi_flags & IFF_LOOPBACK) found_lo = (i->ifi_flags & IFF_UP) != 0;
        }
    }
    FACT("dump ends with NLMSG_DONE", done);
    FACT("replies carry our seq and port", seq_ok);
    FACT("lo is listed and up", found_lo);
    FACT("reply came from the kernel", kernel.nl_pid == 0);

    /* A change is refused (natively as root it would succeed: ask with a bad index instead). */
    struct { struct nlmsghdr h; struct ifinfomsg i; } set = {
        .h = { .nlmsg_len = sizeof set, .nlmsg_type = RTM_NEWLINK, .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK, .nlmsg_seq = 8 },
        .i = { .ifi_family = AF_UNSPEC, .ifi_index = 0x7ffffff0 },
    };
    long r = sendto(nl, &set, sizeof set, 0, (struct sockaddr *)&kernel, sizeof kernel);
    if (r < 0) printf("RTM_NEWLINK: refused\n");
    else {
        ssize_t n = recv(nl, buf, sizeof buf, 0);
        struct nlmsghdr *h = (struct nlmsghdr *)buf;
        printf("RTM_NEWLINK: %s\n", n > 0 && h->nlmsg_type == NLMSG_ERROR && ((struct nlmsgerr *)NLMSG_DATA(h))->error < 0 ? "refused" : "accepted");
    }
    CHECKN("socket NETLINK_AUDIT-like unknown protocol", socket(AF_NETLINK, SOCK_RAW, 31));

    /* SIOCGIF* on an inet and a unix socket. */
    int fds[2] = { socket(AF_INET, SOCK_DGRAM, 0), socket(AF_UNIX, SOCK_DGRAM, 0) };
    for (int k = 0; k < 2; k++) {
        struct ifreq ifr = { 0 };
        strcpy(ifr.ifr_name, "lo");
        CHECKN("SIOCGIFINDEX lo", ioctl(fds[k], SIOCGIFINDEX, &ifr));
        int index = ifr.ifr_ifindex;
        FACT("index positive", index > 0);
        CHECKN("SIOCGIFFLAGS lo", ioctl(fds[k], SIOCGIFFLAGS, &ifr));
        FACT("lo up and loopback", (ifr.ifr_flags & (IFF_UP | IFF_LOOPBACK)) == (IFF_UP | IFF_LOOPBACK));
        memset(&ifr, 0, sizeof ifr);
        ifr.ifr_ifindex = index;
        CHECKN("SIOCGIFNAME", ioctl(fds[k], SIOCGIFNAME, &ifr));
        SHOW("name", "%s", ifr.ifr_name);
        strcpy(ifr.ifr_name, "lo");
        CHECKN("SIOCGIFADDR lo", ioctl(fds[k], SIOCGIFADDR, &ifr));
        FACT("lo has 127.0.0.1", ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
        CHECKN("SIOCGIFMTU lo", ioctl(fds[k], SIOCGIFMTU, &ifr));
        strcpy(ifr.ifr_name, "nosuchif0");
        CHECKN("SIOCGIFINDEX missing", ioctl(fds[k], SIOCGIFINDEX, &ifr));
        struct ifconf ifc = { .ifc_len = 0, .ifc_buf = NULL };
        CHECKN("SIOCGIFCONF length", ioctl(fds[k], SIOCGIFCONF, &ifc));
        FACT("room for at least one", ifc.ifc_len >= (int)sizeof(struct ifreq));
        struct ifreq list[32];
        ifc.ifc_len = sizeof list; ifc.ifc_req = list;
        CHECKN("SIOCGIFCONF", ioctl(fds[k], SIOCGIFCONF, &ifc));
        int lo = 0;
        for (int i = 0; i < ifc.ifc_len / (int)sizeof(struct ifreq); i++) lo |= strcmp(list[i].ifr_name, "lo") == 0;
        FACT("SIOCGIFCONF lists lo", lo);
        CHECKN("SIOCGIFFLAGS bad pointer", ioctl(fds[k], SIOCGIFFLAGS, BADPTR));
    }

    /* libc on top. */
    FACT("if_nametoindex(lo) > 0", if_nametoindex("lo") > 0);
    struct if_nameindex *ni = if_nameindex();
    int lo = 0;
    for (struct if_nameindex *p = ni; p && p->if_index; p++) lo |= strcmp(p->if_name, "lo") == 0;
    FACT("if_nameindex lists lo", lo);
    struct ifaddrs *ifa;
    CHECKN("getifaddrs", getifaddrs(&ifa));
    int v4 = 0, v6 = 0;
    for (struct ifaddrs *p = ifa; p; p = p->ifa_next) {
        if (strcmp(p->ifa_name, "lo") || !p->ifa_addr) continue;
        if (p->ifa_addr->sa_family == AF_INET) v4 = ((struct sockaddr_in *)p->ifa_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
        if (p->ifa_addr->sa_family == AF_INET6) v6 = 1;
    }
    FACT("getifaddrs: lo has 127.0.0.1", v4);
    FACT("getifaddrs: lo has an IPv6 address", v6);
    return 0;
}
