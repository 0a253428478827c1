// syscalls: eventfd, eventfd2, read, write, poll
#include "check.h"
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

int main(void) {
    uint64_t v = 0;
    int e = eventfd(3, 0);
    CHECKN("eventfd(3, 0)", e);
    SHOW("F_GETFL", "%#o", fcntl(e, F_GETFL));
    CHECKV(read(e, &v, 8));
    SHOW("value", "%llu", (unsigned long long)v);
    CHECKN("read with 4 bytes", read(e, &v, 4));
    v = 5;
    CHECKV(write(e, &v, 8));
    v = 2;
    CHECKV(write(e, &v, 8));
    CHECKV(read(e, &v, 16));
    SHOW("sum", "%llu", (unsigned long long)v);
    CHECKN("write with 4 bytes", write(e, &v, 4));
    v = UINT64_MAX;
    CHECKN("write 2^64-1", write(e, &v, 8));
    struct stat st;
    CHECK(fstat(e, &st));
    SHOW("st_mode", "%#o", st.st_mode);
    char link[64] = {0}, path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", e);
    readlink(path, link, sizeof link - 1);
    SHOW("link", "%s", link);
    CHECKN("lseek", lseek(e, 0, SEEK_SET));
    close(e);

    /* Non-blocking and semaphore modes. */
    e = eventfd(0, EFD_NONBLOCK | EFD_SEMAPHORE | EFD_CLOEXEC);
    CHECKN("eventfd2 nonblock|semaphore|cloexec", e);
    SHOW("F_GETFD", "%d", fcntl(e, F_GETFD));
    SHOW("F_GETFL", "%#o", fcntl(e, F_GETFL));
    CHECKN("read zero counter", read(e, &v, 8));
    struct pollfd pf = {e, POLLIN | POLLOUT, 0};
    CHECKV(poll(&pf, 1, 0));
    SHOW("revents at 0", "%#x", pf.revents);
    v = 2;
    write(e, &v, 8);
    CHECKV(poll(&pf, 1, 0));
    SHOW("revents at 2", "%#x", pf.revents);
    CHECKV(read(e, &v, 8));
    SHOW("semaphore read", "%llu", (unsigned long long)v);
    CHECKV(read(e, &v, 8));
    CHECKN("read after two", read(e, &v, 8));
    v = UINT64_MAX - 1;
    CHECKV(write(e, &v, 8));
    v = 1;
    CHECKN("write past the maximum", write(e, &v, 8));
    pf.revents = 0;
    CHECKV(poll(&pf, 1, 0));
    SHOW("revents at max", "%#x", pf.revents);
    close(e);

    /* A blocked read wakes on a write from a child. */
    e = eventfd(0, 0);
    pid_t c = fork();
    if (c == 0) { usleep(30000); v = 7; write(e, &v, 8); _exit(0); }
    CHECKV(read(e, &v, 8));
    SHOW("woken with", "%llu", (unsigned long long)v);
    waitpid(c, NULL, 0);

    CHECKN("eventfd2 bad flags", syscall(SYS_eventfd2, 0, 0x10));
    CHECKN("read BADPTR", (v = 1, write(e, &v, 8), syscall(SYS_read, e, BADPTR, 8)));
    CHECKV(syscall(SYS_eventfd, 1));
    return 0;
}
