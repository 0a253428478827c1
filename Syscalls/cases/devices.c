// syscalls: open, read, write, lseek on /dev/null, /dev/zero, /dev/full, /dev/urandom
#include "check.h"

int main(void) {
    char buf[4096];
    int null_fd = CHECKN("open /dev/null O_RDWR", open("/dev/null", O_RDWR));
    CHECKV(read(null_fd, buf, sizeof buf));
    CHECKV(write(null_fd, buf, sizeof buf));
    CHECKV(lseek(null_fd, 0, SEEK_END));

    int zero = CHECKN("open /dev/zero", open("/dev/zero", O_RDONLY));
    memset(buf, 0x55, sizeof buf);
    CHECKV(read(zero, buf, sizeof buf));
    int allzero = 1;
    for (size_t i = 0; i < sizeof buf; i++) allzero &= buf[i] == 0;
    FACT("/dev/zero gives zeros", allzero);
    CHECKV(pread(zero, buf, 100, 12345));

    int full = CHECKN("open /dev/full", open("/dev/full", O_RDWR));
    CHECKN("write /dev/full", write(full, "x", 1));
    CHECKV(read(full, buf, 16));

    int ur = CHECKN("open /dev/urandom", open("/dev/urandom", O_RDONLY));
    CHECKV(read(ur, buf, 32));
    CHECKN("open /dev/random", open("/dev/random", O_RDONLY));
    CHECKN("open /dev/no-such-device", open("/dev/no-such-device", O_RDONLY));
    CHECKN("open /dev/null O_DIRECTORY", open("/dev/null", O_RDONLY | O_DIRECTORY));
    return 0;
}
