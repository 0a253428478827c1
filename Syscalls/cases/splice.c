// syscalls: splice, tee, pipe2, read, write, lseek
#include "check.h"
#include <signal.h>

int main(void) {
    char path[] = "/tmp/husk-splice-XXXXXX";
    int file = mkstemp(path);
    if (file < 0) { printf("setup: mkstemp: errno=%s\n", errname(errno)); return 99; }
    unlink(path);
    signal(SIGPIPE, SIG_IGN);
    int p[2], q[2];
    char buf[64];
    loff_t off;
    if (pipe(p) || pipe(q)) return 99;

    /* Argument checks. */
    CHECKVN("len 0 with bad fds", splice(-1, NULL, -1, NULL, 0, 0));
    CHECKN("bad flags", splice(p[0], NULL, q[1], NULL, 4, 0x10));
    CHECKN("bad fd", splice(99, NULL, q[1], NULL, 4, 0));
    CHECKN("read end as output", splice(q[0], NULL, p[0], NULL, 4, 0));
    CHECKN("write end as input", splice(p[1], NULL, q[1], NULL, 4, 0));
    CHECKN("no pipe", splice(file, NULL, file, NULL, 4, 0));
    CHECKN("same pipe", splice(p[0], NULL, p[1], NULL, 4, 0));
    off = 0;
    CHECKN("offset on pipe input", splice(p[0], &off, q[1], NULL, 4, 0));
    CHECKN("offset on pipe output", splice(file, NULL, q[1], &off, 4, 0));
    CHECKN("empty pipe, SPLICE_F_NONBLOCK", splice(p[0], NULL, q[1], NULL, 4, SPLICE_F_NONBLOCK));

    /* Pipe to pipe. */
    CHECKV(write(p[1], "abcdefgh", 8));
    CHECKVN("pipe to pipe, 5", splice(p[0], NULL, q[1], NULL, 5, 0));
    memset(buf, 0, sizeof buf);
    CHECKVN("read q", read(q[0], buf, sizeof buf));
    SHOW("q data", "%s", buf);
    memset(buf, 0, sizeof buf);
    CHECKVN("read p rest", read(p[0], buf, sizeof buf));
    SHOW("p rest", "%s", buf);

    /* tee copies without consuming. */
    CHECKN("tee not pipes", tee(file, q[1], 4, 0));
    CHECKN("tee same pipe", tee(p[0], p[1], 4, 0));
    CHECKVN("tee len 0", tee(p[0], q[1], 0, 0));
    CHECKN("tee empty, NONBLOCK", tee(p[0], q[1], 4, SPLICE_F_NONBLOCK));
    CHECKV(write(p[1], "teedata", 7));
    CHECKVN("tee 3", tee(p[0], q[1], 3, 0));
    memset(buf, 0, sizeof buf);
    CHECKVN("read q after tee", read(q[0], buf, sizeof buf));
    SHOW("q tee data", "%s", buf);
    memset(buf, 0, sizeof buf);
    CHECKVN("read p after tee", read(p[0], buf, sizeof buf));
    SHOW("p kept", "%s", buf);

    /* Pipe to file, at the file offset and at an explicit one. */
    CHECKV(write(p[1], "0123456789", 10));
    CHECKVN("pipe to file", splice(p[0], NULL, file, NULL, 4, 0));
    SHOW("file offset", "%ld", (long)lseek(file, 0, SEEK_CUR));
    off = 20;
    CHECKVN("pipe to file at 20", splice(p[0], NULL, file, &off, 3, 0));
    SHOW("off after", "%ld", (long)off);
    SHOW("file offset unchanged", "%ld", (long)lseek(file, 0, SEEK_CUR));
    off = -1;
    CHECKN("negative offset", splice(p[0], NULL, file, &off, 3, 0));
    memset(buf, 0, sizeof buf);
    CHECKVN("pread file", pread(file, buf, 4, 0));
    SHOW("file head", "%s", buf);
    memset(buf, 0, sizeof buf);
    CHECKVN("pread at 20", pread(file, buf, 3, 20));
    SHOW("file at 20", "%s", buf);

    /* File to pipe. */
    off = 1;
    CHECKVN("file to pipe at 1", splice(file, &off, q[1], NULL, 3, 0));
    SHOW("off after", "%ld", (long)off);
    lseek(file, 0, SEEK_SET);
    CHECKVN("file to pipe at file offset", splice(file, NULL, q[1], NULL, 2, 0));
    SHOW("file offset moved", "%ld", (long)lseek(file, 0, SEEK_CUR));
    memset(buf, 0, sizeof buf);
    CHECKVN("read q", read(q[0], buf, sizeof buf));
    SHOW("q from file", "%s", buf);
    off = 1000;
    CHECKVN("file to pipe past EOF", splice(file, &off, q[1], NULL, 3, 0));

    /* O_APPEND output is EINVAL. */
    int app = open("/dev/null", O_WRONLY | O_APPEND);
    CHECKN("O_APPEND output", splice(p[0], NULL, app, NULL, 3, 0));
    close(app);

    /* EOF and EPIPE. */
    close(p[1]);
    CHECKVN("input writers gone", splice(p[0], NULL, q[1], NULL, 4, 0));
    CHECKVN("tee input writers gone", tee(p[0], q[1], 4, 0));
    close(q[0]);
    if (pipe(p)) return 99;
    CHECKV(write(p[1], "x", 1));
    CHECKN("output readers gone", splice(p[0], NULL, q[1], NULL, 1, 0));
    CHECKN("file to pipe, readers gone", splice(file, &off, q[1], NULL, 1, 0));
    return 0;
}
