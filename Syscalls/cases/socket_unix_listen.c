// syscalls: bind, listen, accept, accept4, connect, getsockname, getpeername, sendto, recvfrom
#include "check.h"
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

static socklen_t path_addr(struct sockaddr_un *a, const char *p) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, p);
    return offsetof(struct sockaddr_un, sun_path) + strlen(p) + 1;
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *p) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    memcpy(a->sun_path + 1, p, strlen(p));
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(p);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    char dir[] = "/tmp/husk-sockXXXXXX";
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    char path[200];
    snprintf(path, sizeof path, "%s/s", dir);
    struct sockaddr_un a, b;
    socklen_t al, bl;
    char buf[64];

    int l = CHECKN("socket", socket(AF_UNIX, SOCK_STREAM, 0));
    CHECKN("listen unbound", listen(l, 5));
    al = path_addr(&a, path);
    CHECKN("bind path", bind(l, (struct sockaddr *)&a, al));
    CHECKN("bind again", bind(l, (struct sockaddr *)&a, al));
    struct stat st;
    CHECKN("stat the socket", lstat(path, &st));
    FACT("S_ISSOCK", S_ISSOCK(st.st_mode));
    SHOW("mode", "%o", st.st_mode & 0777 & ~0022);
    int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECKN("bind taken path", bind(l2, (struct sockaddr *)&a, al));
    CHECKN("bind wrong family", bind(l2, (struct sockaddr *)&(struct sockaddr){ .sa_family = AF_INET }, sizeof(struct sockaddr)));
    CHECKN("bind bad length", bind(l2, (struct sockaddr *)&a, 1));
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECKN("connect before listen", connect(c, (struct sockaddr *)&a, al));
    CHECKN("listen", listen(l, 1));
    SHOW("SO_ACCEPTCONN", "%d", ({ int v; socklen_t vl = 4; getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl); v; }));
    struct pollfd p = { .fd = l, .events = POLLIN | POLLOUT };
    CHECKVN("poll listener idle", poll(&p, 1, 0));
    CHECKN("connect", connect(c, (struct sockaddr *)&a, al));
    CHECKN("connect again", connect(c, (struct sockaddr *)&a, al));
    CHECKVN("poll listener ready", poll(&p, 1, 0));
    SHOW("revents", "%#x", p.revents);
    bl = sizeof b;
    int s = CHECKN("accept4", accept4(l, (struct sockaddr *)&b, &bl, SOCK_CLOEXEC | SOCK_NONBLOCK));
    SHOW("accepted peer address length (unbound client)", "%d", (int)bl);
    FACT("accept4 cloexec", fcntl(s, F_GETFD) & FD_CLOEXEC);
    FACT("accept4 nonblock", fcntl(s, F_GETFL) & O_NONBLOCK);
    bl = sizeof b;
    CHECKN("getsockname accepted", getsockname(s, (struct sockaddr *)&b, &bl));
    FACT("accepted socket has the listener's name", bl == al && strcmp(b.sun_path, path) == 0);
    bl = sizeof b;
    CHECKN("getpeername client", getpeername(c, (struct sockaddr *)&b, &bl));
    FACT("client's peer is the path", bl == al && strcmp(b.sun_path, path) == 0);
    bl = 4;
    CHECKN("getpeername short buffer", getpeername(c, (struct sockaddr *)&b, &bl));
    SHOW("full length reported", "%d", (int)bl);
    CHECKVN("client -> server", write(c, "ping", 4));
    CHECKVN("server reads", read(s, buf, sizeof buf));
    CHECKVN("server -> client", send(s, "pong", 4, 0));
    CHECKVN("client reads", recv(c, buf, sizeof buf, 0));
    CHECKVN("sendto on connected stream", sendto(c, "x", 1, 0, (struct sockaddr *)&a, al));
    fcntl(l, F_SETFL, O_NONBLOCK);
    CHECKN("accept EAGAIN", accept(l, NULL, NULL));
    CHECKN("accept4 bad flags", accept4(l, NULL, NULL, 1));
    CHECKN("accept on a connected socket", accept(c, NULL, NULL));

    // backlog 1: the queue takes backlog+1, then a non-blocking connect is EAGAIN
    int q[3];
    for (int i = 0; i < 3; i++) {
        q[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        printf("queued connect %d: ", i);
        CHECKN("", connect(q[i], (struct sockaddr *)&a, al));
    }
    for (int i = 0; i < 3; i++) close(q[i]);
    int x = accept(l, NULL, NULL);
    CHECKVN("accepted a connection whose client closed: read", read(x, buf, sizeof buf));
    close(x);

    // blocking accept woken by a child's connect (the queue drained while still non-blocking)
    while ((x = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) close(x);
    fcntl(l, F_SETFL, 0);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(50000);
        int cc = socket(AF_UNIX, SOCK_STREAM, 0);
        connect(cc, (struct sockaddr *)&a, al);
        write(cc, "from child", 10);
        _exit(0);
    }
    x = CHECKN("blocking accept", accept(l, NULL, NULL));
    CHECKVN("MSG_WAITALL read", recv(x, buf, 10, MSG_WAITALL));
    waitpid(pid, NULL, 0);
    close(x);

    // unlink removes the name
    CHECKN("unlink", unlink(path));
    int d = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECKN("connect after unlink", connect(d, (struct sockaddr *)&a, al));
    close(l);
    al = path_addr(&a, path);
    l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, al);
    close(l);
    CHECKN("connect to a closed socket's name", connect(d, (struct sockaddr *)&a, al));
    unlink(path);
    char rel[300];
    snprintf(rel, sizeof rel, "%s/f", dir);
    close(must_open(rel, O_CREAT | O_WRONLY));
    al = path_addr(&a, rel);
    CHECKN("connect to a regular file", connect(d, (struct sockaddr *)&a, al));
    unlink(rel);
    int sq = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    bind(sq, (struct sockaddr *)&a, al);
    listen(sq, 1);
    CHECKN("connect a stream socket to a seqpacket path", connect(d, (struct sockaddr *)&a, al));
    close(sq);
    unlink(rel);

    // abstract names
    al = abstract_addr(&a, "husk-test-abstract");
    l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECKN("bind abstract", bind(l, (struct sockaddr *)&a, al));
    CHECKN("listen seqpacket", listen(l, 4));
    bl = sizeof b;
    getsockname(l, (struct sockaddr *)&b, &bl);
    FACT("abstract name round trip", bl == al && memcmp(&a, &b, al) == 0);
    int st2 = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECKN("connect wrong type", connect(st2, (struct sockaddr *)&a, al));
    // an abstract name is bound per type: a stream socket may take the seqpacket's name
    int sn = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECKN("bind the same abstract name as a stream socket", bind(sn, (struct sockaddr *)&a, al));
    CHECKN("bind it twice as a stream socket", bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, al));
    CHECKN("listen stream on the shared name", listen(sn, 1));
    CHECKN("connect stream to the shared name", connect(st2, (struct sockaddr *)&a, al));
    close(sn); close(st2);
    c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECKN("connect seqpacket", connect(c, (struct sockaddr *)&a, al));
    s = accept(l, NULL, NULL);
    send(c, "rec1", 4, 0); send(c, "record2", 7, 0);
    CHECKVN("record 1", recv(s, buf, sizeof buf, 0));
    CHECKVN("record 2", recv(s, buf, sizeof buf, 0));
    close(c); close(s); close(l);
    l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECKN("abstract name free after close", bind(l, (struct sockaddr *)&a, al));
    close(l);

    // autobind
    l = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECKN("autobind", bind(l, (struct sockaddr *)&a, sizeof(sa_family_t)));
    bl = sizeof b;
    getsockname(l, (struct sockaddr *)&b, &bl);
    SHOW("autobind length", "%d", (int)bl);
    FACT("autobind is abstract", b.sun_path[0] == 0);

    // datagrams with addresses
    int u = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECKVN("send unconnected dgram", send(u, "x", 1, 0));
    CHECKVN("sendto autobound", sendto(u, "hi", 2, 0, (struct sockaddr *)&b, bl));
    struct sockaddr_un from; socklen_t fl = sizeof from;
    CHECKVN("recvfrom", recvfrom(l, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl));
    SHOW("from length (unbound sender)", "%d", (int)fl);
    al = abstract_addr(&a, "husk-dgram-sender");
    bind(u, (struct sockaddr *)&a, al);
    sendto(u, "again", 5, 0, (struct sockaddr *)&b, bl);
    fl = sizeof from;
    CHECKVN("recvfrom bound sender", recvfrom(l, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl));
    FACT("from is the sender's name", fl == al && memcmp(&from, &a, al) == 0);
    CHECKN("connect dgram", connect(u, (struct sockaddr *)&b, bl));
    CHECKVN("send connected dgram", send(u, "c", 1, 0));
    CHECKN("connect AF_UNSPEC", connect(u, (struct sockaddr *)&(struct sockaddr){ .sa_family = AF_UNSPEC }, sizeof(struct sockaddr)));
    CHECKN("getpeername disconnected", getpeername(u, (struct sockaddr *)&from, &fl));
    CHECKN("listen on dgram", listen(u, 1));
    CHECKN("accept on dgram", accept(u, NULL, NULL));
    al = abstract_addr(&a, "husk-nobody");
    CHECKVN("sendto nobody", sendto(u, "x", 1, 0, (struct sockaddr *)&a, al));
    rmdir(dir);
    return 0;
}
