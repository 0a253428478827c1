// syscalls: sendmsg, recvmsg, sendmmsg, recvmmsg, socketpair
#include "check.h"
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

static int send_fds(int s, int *fds, int n, const char *data) {
    char cbuf[CMSG_SPACE(sizeof(int) * 8)] = { 0 };
    struct iovec io = { (void *)data, strlen(data) };
    struct msghdr m = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_RIGHTS; c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    return sendmsg(s, &m, 0);
}

/* Receives into fds; returns the byte count, prints the control facts. */
static int recv_fds(int s, int *fds, int *n, size_t room, int flags) {
    char cbuf[256] = { 0 }, data[64];
    struct iovec io = { data, sizeof data };
    struct msghdr m = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = room };
    int r = recvmsg(s, &m, flags);
    if (r < 0) { printf("recvmsg: errno=%s\n", errname(errno)); return r; }
    *n = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_type == SCM_RIGHTS) {
            int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            memcpy(fds + *n, CMSG_DATA(c), k * sizeof(int));
            *n += k;
        } else if (c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred u; memcpy(&u, CMSG_DATA(c), sizeof u);
            printf("  creds: pid ok=%d uid ok=%d gid ok=%d\n", u.pid == getpid() || u.pid == getppid(), u.uid == getuid(), u.gid == getgid());
        }
    }
    printf("  recvmsg=%d fds=%d ctrunc=%d controllen=%zu\n", r, *n, !!(m.msg_flags & MSG_CTRUNC), (size_t)m.msg_controllen);
    return r;
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    int sv[2], fds[8], n;
    char buf[64];
    CHECKN("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    int p[2];
    pipe(p);
    CHECKVN("send a pipe's read end", send_fds(sv[0], &p[0], 1, "pipe"));
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        recv_fds(sv[1], fds, &n, sizeof(buf), 0);
        int r = read(fds[0], buf, sizeof buf);
        printf("  child read %d bytes through the passed fd\n", r);
        _exit(0);
    }
    write(p[1], "through", 7);
    waitpid(pid, NULL, 0);

    int f = must_open("/etc/os-release", O_RDONLY);
    int two[2] = { f, p[1] };
    CHECKVN("send two fds", send_fds(sv[0], two, 2, "two"));
    recv_fds(sv[1], fds, &n, CMSG_SPACE(sizeof(int) * 2), MSG_CMSG_CLOEXEC);
    FACT("MSG_CMSG_CLOEXEC set", n == 2 && (fcntl(fds[0], F_GETFD) & FD_CLOEXEC));
    FACT("received file is the same file", n == 2 && lseek(fds[0], 0, SEEK_CUR) == lseek(f, 0, SEEK_CUR));
    if (n == 2) { close(fds[0]); close(fds[1]); }
    CHECKVN("send two fds again", send_fds(sv[0], two, 2, "ctr"));
    recv_fds(sv[1], fds, &n, CMSG_SPACE(sizeof(int) * 1), 0);
    if (n > 0) close(fds[0]);
    CHECKVN("send with no room for control", send_fds(sv[0], two, 1, "none"));
    recv_fds(sv[1], fds, &n, 0, 0);
    CHECKVN("bad fd in SCM_RIGHTS", send_fds(sv[0], (int[]){ 999 }, 1, "bad"));

    // data after a message with fds is not merged into the same read
    send(sv[0], "aaa", 3, 0);
    send_fds(sv[0], &f, 1, "bbb");
    send(sv[0], "ccc", 3, 0);
    printf("read up to the fds:\n");
    recv_fds(sv[1], fds, &n, sizeof(buf), 0);
    if (n) close(fds[0]);
    printf("read after fds:\n");
    recv_fds(sv[1], fds, &n, sizeof(buf), 0);

    // in-flight fds are closed when never received
    int q[2];
    pipe(q);
    send_fds(sv[0], &q[1], 1, "lost");
    close(q[1]);
    close(sv[0]); close(sv[1]);
    CHECKVN("pipe EOF once the in-flight write end is gone", read(q[0], buf, sizeof buf));
    close(q[0]);

    // SCM_CREDENTIALS and SO_PASSCRED
    CHECKN("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    int one = 1;
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    send(sv[0], "c1", 2, 0);
    printf("implicit credentials:\n");
    recv_fds(sv[1], fds, &n, sizeof(buf), 0);
    {
        char cbuf[CMSG_SPACE(sizeof(struct ucred))] = { 0 };
        struct iovec io = { "c2", 2 };
        struct msghdr m = { .msg_iov = &io, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET; c->cmsg_type = SCM_CREDENTIALS; c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
        struct ucred u = { getpid(), getuid(), getgid() };
        memcpy(CMSG_DATA(c), &u, sizeof u);
        CHECKVN("sendmsg SCM_CREDENTIALS", sendmsg(sv[0], &m, 0));
        printf("explicit credentials:\n");
        recv_fds(sv[1], fds, &n, sizeof(buf), 0);
        u.pid = 1; u.uid = 12345;
        memcpy(CMSG_DATA(c), &u, sizeof u);
        if (getuid() != 0) CHECKVN("forged credentials", sendmsg(sv[0], &m, 0));
        c->cmsg_type = 77;
        CHECKVN("unknown cmsg type", sendmsg(sv[0], &m, 0));
    }

    // sendmmsg / recvmmsg
    struct mmsghdr mm[3];
    struct iovec ios[3] = { { "m1", 2 }, { "mm2", 3 }, { "mmm3", 4 } };
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) { mm[i].msg_hdr.msg_iov = &ios[i]; mm[i].msg_hdr.msg_iovlen = 1; }
    CHECKVN("sendmmsg 3", sendmmsg(sv[0], mm, 3, 0));
    printf("msg_len: %u %u %u\n", mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
    char bufs[4][16];
    struct iovec rios[4];
    struct mmsghdr rm[4];
    memset(rm, 0, sizeof rm);
    for (int i = 0; i < 4; i++) { rios[i].iov_base = bufs[i]; rios[i].iov_len = 16; rm[i].msg_hdr.msg_iov = &rios[i]; rm[i].msg_hdr.msg_iovlen = 1; }
    CHECKVN("recvmmsg MSG_WAITFORONE", recvmmsg(sv[1], rm, 4, MSG_WAITFORONE, NULL));
    printf("msg_len: %u %u %u\n", rm[0].msg_len, rm[1].msg_len, rm[2].msg_len);
    CHECKVN("recvmmsg MSG_DONTWAIT empty", recvmmsg(sv[1], rm, 4, MSG_DONTWAIT, NULL));
    CHECKVN("sendmsg bad msghdr", sendmsg(sv[0], BADPTR, 0));
    CHECKVN("recvmsg bad msghdr", recvmsg(sv[1], BADPTR, MSG_DONTWAIT));
    return 0;
}
