// syscalls: vmsplice (memory into a pipe and back, SPLICE_F_NONBLOCK, EBADF, EINVAL, EFAULT)
#include "check.h"
#include <signal.h>
#include <sys/uio.h>

int main(void) {
    int p[2];
    CHECKN("pipe", pipe(p));
    char a[] = "hello ", b[] = "vmsplice";
    struct iovec in[2] = {{a, 6}, {b, 8}};
    CHECKVN("vmsplice into the pipe", vmsplice(p[1], in, 2, 0));
    CHECKVN("vmsplice SPLICE_F_GIFT", vmsplice(p[1], in, 1, SPLICE_F_GIFT));
    char x[8] = {0}, y[32] = {0};
    struct iovec out[2] = {{x, 5}, {y, sizeof y - 1}};
    CHECKVN("vmsplice out of the pipe", vmsplice(p[0], out, 2, 0));
    printf("read: [%s][%s]\n", x, y);
    CHECKN("empty pipe, SPLICE_F_NONBLOCK", vmsplice(p[0], out, 2, SPLICE_F_NONBLOCK));
    struct iovec none = {x, 0};
    CHECKVN("nothing to move", vmsplice(p[0], &none, 1, 0));
    CHECKN("bad flags", vmsplice(p[1], in, 1, 0x100));
    CHECKN("bad fd", vmsplice(99, in, 1, 0));
    int f = must_open("/dev/null", O_WRONLY);
    CHECKN("not a pipe", vmsplice(f, in, 1, 0));
    CHECKN("iovec EFAULT", vmsplice(p[1], BADPTR, 1, 0));
    struct iovec bad = {BADPTR, 10};
    CHECKN("memory EFAULT", vmsplice(p[1], &bad, 1, 0));
    CHECKN("too many iovecs", vmsplice(p[1], in, 1025, 0));
    /* Fill the pipe: SPLICE_F_NONBLOCK answers EAGAIN once it is full. */
    fcntl(p[1], F_SETPIPE_SZ, 4096);
    static char page[4096] __attribute__((aligned(4096)));   /* Linux moves whole pages: one pipe slot */
    struct iovec full = {page, sizeof page};
    CHECKVN("fill", vmsplice(p[1], &full, 1, SPLICE_F_NONBLOCK));
    CHECKN("full pipe, SPLICE_F_NONBLOCK", vmsplice(p[1], &full, 1, SPLICE_F_NONBLOCK));
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    CHECKN("no reader", vmsplice(p[1], in, 1, 0));
    return 0;
}
