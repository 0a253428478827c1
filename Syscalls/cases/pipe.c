// syscalls: pipe, pipe2, read, write, readv, writev, fcntl, ioctl, fstat, lseek, pread64, close
#include "check.h"
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

static char big[1 << 20];

/* Fills a non-blocking pipe with writes of `chunk` bytes; returns the total written. */
static long fill(int wfd, size_t chunk) {
    long total = 0;
    for (;;) {
        ssize_t n = write(wfd, big, chunk);
        if (n < 0) { SHOW("fill stops with", "%s", errname(errno)); return total; }
        total += n;
    }
}

int main(void) {
    int p[2];
    memset(big, 'x', sizeof big);

    /* Creation and flags. */
    CHECK(pipe(p));
    FACT("pipe fds distinct", p[0] != p[1] && p[0] >= 0 && p[1] >= 0);
    SHOW("read end F_GETFL", "%#o", fcntl(p[0], F_GETFL));
    SHOW("write end F_GETFL", "%#o", fcntl(p[1], F_GETFL));
    SHOW("F_GETFD", "%d", fcntl(p[0], F_GETFD));
    CHECKN("pipe(BADPTR)", syscall(SYS_pipe, BADPTR));
    CHECKN("pipe2 bad flags", pipe2(p, 0x40000000));
    CHECKN("pipe2 O_EXCL", pipe2(p, O_EXCL));
    int q[2];
    CHECK(pipe2(q, O_CLOEXEC | O_NONBLOCK));
    SHOW("pipe2 cloexec F_GETFD", "%d", fcntl(q[0], F_GETFD));
    SHOW("pipe2 nonblock F_GETFL", "%#o", fcntl(q[1], F_GETFL));
    close(q[0]); close(q[1]);

    /* stat, seek, wrong direction. */
    struct stat st;
    CHECK(fstat(p[0], &st));
    FACT("S_ISFIFO", S_ISFIFO(st.st_mode));
    SHOW("mode & 0777", "%o", st.st_mode & 0777);
    SHOW("st_blksize", "%ld", (long)st.st_blksize);
    SHOW("st_size", "%ld", (long)st.st_size);
    struct stat st2;
    fstat(p[1], &st2);
    FACT("both ends same inode", st.st_ino == st2.st_ino);
    CHECKN("lseek on pipe", lseek(p[0], 0, SEEK_SET));
    char buf[8192];
    CHECKN("pread on pipe", pread(p[0], buf, 1, 0));
    CHECKN("pwrite on pipe", pwrite(p[1], "a", 1, 0));
    CHECKN("read from write end", read(p[1], buf, 1));
    CHECKN("write to read end", write(p[0], "a", 1));
    char link[64] = {0};
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    CHECKN("readlink /proc/self/fd/N", readlink(path, link, sizeof link - 1));
    FACT("link is pipe:[...]", strncmp(link, "pipe:[", 6) == 0);

    /* Data, FIONREAD, readv/writev. */
    CHECKV(write(p[1], "hello", 5));
    int avail = -1;
    CHECK(ioctl(p[0], FIONREAD, &avail));
    SHOW("FIONREAD", "%d", avail);
    CHECKN("FIONREAD BADPTR", ioctl(p[0], FIONREAD, BADPTR));
    CHECKV(read(p[0], buf, 3));
    CHECKV(read(p[0], buf, sizeof buf));
    struct iovec iov[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
    CHECKV(writev(p[1], iov, 3));
    char r1[1], r2[10];
    struct iovec riov[2] = {{r1, 1}, {r2, sizeof r2}};
    CHECKV(readv(p[0], riov, 2));
    printf("readv data: %.1s%.4s\n", r1, r2);
    CHECKN("write BADPTR", write(p[1], BADPTR, 4));
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    CHECKN("read BADPTR (empty pipe, nonblocking)", syscall(SYS_read, p[0], BADPTR, 4));
    CHECKV(write(p[1], "zz", 2));
    CHECKN("read BADPTR", syscall(SYS_read, p[0], BADPTR, 4));
    CHECKV(read(p[0], buf, sizeof buf));
    CHECKV(write(p[1], "", 0));
    CHECKV(read(p[0], buf, 0));

    /* Non-blocking: EAGAIN, capacity, atomic writes, partial large writes. */
    CHECKN("read empty O_NONBLOCK", read(p[0], buf, 1));
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    SHOW("F_GETPIPE_SZ", "%d", fcntl(p[0], F_GETPIPE_SZ));
    SHOW("filled with 4096-byte writes", "%ld", fill(p[1], 4096));
    CHECKN("write 1 byte to full pipe", write(p[1], "a", 1));
    struct pollfd pf = {p[1], POLLOUT, 0};
    SHOW("poll POLLOUT on full pipe", "%d", poll(&pf, 1, 0));
    CHECKV(read(p[0], buf, 100));
    CHECKN("write PIPE_BUF with 100 free (atomic)", write(p[1], big, 4096));
    CHECKV(write(p[1], big, 100));
    SHOW("FIONREAD full", "%d", (ioctl(p[0], FIONREAD, &avail), avail));
    while (read(p[0], big, sizeof big) > 0) {}
    memset(big, 'x', sizeof big);
    CHECKV(write(p[1], big, 5000));
    CHECKV(write(p[1], big, 100000));
    while (read(p[0], buf, sizeof buf) > 0) {}
    SHOW("filled with 1-byte writes", "%ld", fill(p[1], 1));
    while (read(p[0], buf, sizeof buf) > 0) {}

    /* F_SETPIPE_SZ. */
    CHECKV(fcntl(p[1], F_SETPIPE_SZ, 0));
    CHECKV(fcntl(p[1], F_SETPIPE_SZ, 5000));
    CHECKV(fcntl(p[1], F_GETPIPE_SZ));
    SHOW("filled after F_SETPIPE_SZ 8192", "%ld", fill(p[1], 1000));
    CHECKN("shrink below content", fcntl(p[1], F_SETPIPE_SZ, 4096));
    while (read(p[0], buf, sizeof buf) > 0) {}
    CHECKV(fcntl(p[1], F_SETPIPE_SZ, 1 << 20));
    /* Above pipe-max-size depends on CAP_SYS_RESOURCE: pipe_limits covers it. */
    CHECKN("F_SETPIPE_SZ 2^31+1", fcntl(p[1], F_SETPIPE_SZ, (1u << 31) + 1));
    CHECKN("F_SETPIPE_SZ -1", fcntl(p[1], F_SETPIPE_SZ, -1));
    CHECKN("F_GETPIPE_SZ on /dev/null", fcntl(must_open("/dev/null", O_RDONLY), F_GETPIPE_SZ));
    fcntl(p[1], F_SETPIPE_SZ, 65536);

    /* EOF after the last writer closes, even with a dup'd reader. */
    int r2fd = dup(p[0]);
    CHECKV(write(p[1], "end", 3));
    close(p[1]);
    fcntl(p[0], F_SETFL, 0);
    CHECKV(read(p[0], buf, sizeof buf));
    CHECKV(read(p[0], buf, sizeof buf));
    CHECKV(read(r2fd, buf, sizeof buf));
    pf.fd = p[0]; pf.events = POLLIN; pf.revents = 0;
    CHECKV(poll(&pf, 1, 0));
    SHOW("revents after writer closed", "%#x", pf.revents);
    close(p[0]); close(r2fd);

    /* EPIPE with SIGPIPE ignored. */
    signal(SIGPIPE, SIG_IGN);
    CHECK(pipe(p));
    close(p[0]);
    CHECKN("write no reader (SIGPIPE ignored)", write(p[1], "a", 1));
    CHECKV(write(p[1], "", 0));
    pf.fd = p[1]; pf.events = POLLOUT; pf.revents = 0;
    CHECKV(poll(&pf, 1, 0));
    SHOW("write end revents, no reader", "%#x", pf.revents);
    close(p[1]);
    signal(SIGPIPE, SIG_DFL);

    /* Default action: the writer dies of SIGPIPE. */
    CHECK(pipe(p));
    close(p[0]);
    pid_t c = fork();
    if (c == 0) {
        write(p[1], "a", 1);
        _exit(0);
    }
    int ws = 0;
    waitpid(c, &ws, 0);
    FACT("child killed by a signal", WIFSIGNALED(ws));
    SHOW("WTERMSIG", "%d", WIFSIGNALED(ws) ? WTERMSIG(ws) : -1);
    close(p[1]);

    /* A blocking write larger than the pipe completes whole while a child reads. */
    CHECK(pipe(p));
    c = fork();
    if (c == 0) {
        close(p[1]);
        long total = 0;
        ssize_t n;
        usleep(20000);
        while ((n = read(p[0], buf, 3000)) > 0) total += n;
        printf("child read %ld\n", total);
        _exit(0);
    }
    close(p[0]);
    CHECKV(write(p[1], big, 300000));
    close(p[1]);
    waitpid(c, &ws, 0);
    SHOW("reader exit", "%d", WEXITSTATUS(ws));

    /* A reader blocked on an empty pipe wakes on data. */
    CHECK(pipe(p));
    c = fork();
    if (c == 0) { usleep(20000); write(p[1], "wake", 4); _exit(0); }
    close(p[1]);
    CHECKV(read(p[0], buf, sizeof buf));
    CHECKV(read(p[0], buf, sizeof buf));
    waitpid(c, &ws, 0);
    close(p[0]);

    /* O_DIRECT: packets. */
    CHECK(pipe2(p, O_DIRECT | O_NONBLOCK));
    SHOW("O_DIRECT F_GETFL has O_DIRECT", "%d", (fcntl(p[1], F_GETFL) & O_DIRECT) != 0);
    CHECKV(write(p[1], "one", 3));
    CHECKV(write(p[1], "three", 5));
    CHECKV(write(p[1], big, 5000));
    CHECKV(read(p[0], buf, sizeof buf));
    CHECKV(read(p[0], buf, 2));
    CHECKV(read(p[0], buf, sizeof buf));
    CHECKV(read(p[0], buf, sizeof buf));
    CHECKN("O_DIRECT empty", read(p[0], buf, sizeof buf));
    fcntl(p[1], F_SETFL, O_NONBLOCK);   /* back to stream mode */
    CHECKV(write(p[1], "ab", 2));
    CHECKV(write(p[1], "cd", 2));
    CHECKV(read(p[0], buf, sizeof buf));
    close(p[0]); close(p[1]);
    return 0;
}
