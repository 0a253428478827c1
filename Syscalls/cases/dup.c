// syscalls: dup, dup2, dup3
#include "check.h"

int main(void) {
    int fd = must_open("/etc/os-release", O_RDONLY);
    int a = CHECKN("dup", dup(fd));
    FACT("dup gives the lowest free fd", a == fd + 1);
    /* Duplicates share the file offset. */
    lseek(fd, 4, SEEK_SET);
    FACT("dup shares offset", lseek(a, 0, SEEK_CUR) == 4);
    char c1, c2;
    read(a, &c1, 1);
    pread(fd, &c2, 1, 4);
    FACT("read through dup advances shared offset", c1 == c2 && lseek(fd, 0, SEEK_CUR) == 5);
    close(fd);
    FACT("dup survives closing the original", read(a, &c1, 1) == 1);

    CHECKN("dup bad fd", dup(-1));
    CHECKN("dup closed fd", dup(333));

    CHECKV(dup2(a, 40));
    CHECKV(fcntl(40, F_GETFD));
    CHECKV(dup2(a, a));                              /* same fd: returns it */
    CHECKV(dup2(a, 40));                             /* replaces silently */
    CHECKN("dup2 bad oldfd", dup2(-1, 41));
    CHECKN("dup2 closed oldfd same newfd", dup2(333, 333));
    CHECKN("dup2 newfd negative", dup2(a, -1));
    CHECKN("dup2 newfd huge", dup2(a, 1 << 30));
    CHECKN("fcntl on 41 still closed", fcntl(41, F_GETFD));

    CHECKV(dup3(a, 50, O_CLOEXEC));
    CHECKV(fcntl(50, F_GETFD));
    CHECKV(dup3(a, 51, 0));
    CHECKV(fcntl(51, F_GETFD));
    CHECKN("dup3 same fd", dup3(a, a, 0));
    CHECKN("dup3 bad flags", dup3(a, 52, O_NONBLOCK));
    CHECKN("dup3 bad oldfd", dup3(-1, 52, 0));
    CHECKN("dup3 closed oldfd", dup3(333, 52, 0));
    CHECKN("close 40", close(40));
    CHECKN("close 40 again", close(40));
    return 0;
}
