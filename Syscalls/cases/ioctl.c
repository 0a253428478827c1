// syscalls: ioctl (TCGETS, TIOCGWINSZ, FIONREAD, FIOCLEX, FIONCLEX)
#include "check.h"
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>

int main(void) {
    struct termios t;
    struct winsize ws;
    int fd = must_open("/etc/os-release", O_RDONLY);
    CHECKN("TCGETS on a file", ioctl(fd, TCGETS, &t));
    CHECKN("TIOCGWINSZ on a file", ioctl(fd, TIOCGWINSZ, &ws));
    int null_fd = must_open("/dev/null", O_RDWR);
    CHECKN("TCGETS on /dev/null", ioctl(null_fd, TCGETS, &t));
    CHECKN("TCGETS bad fd", ioctl(-1, TCGETS, &t));
    CHECKN("isatty(file)", isatty(fd) ? 0 : -1);
    FACT("isatty sets ENOTTY", errno == ENOTTY);

    struct stat st;
    fstat(fd, &st);
    int avail = -1;
    lseek(fd, 10, SEEK_SET);
    CHECK(ioctl(fd, FIONREAD, &avail));
    FACT("FIONREAD == size - offset", avail == st.st_size - 10);
    int dir = must_open("/etc", O_RDONLY | O_DIRECTORY);
    CHECKN("FIONREAD on a directory", ioctl(dir, FIONREAD, &avail));

    CHECK(ioctl(fd, FIOCLEX));
    CHECKV(fcntl(fd, F_GETFD));
    CHECK(ioctl(fd, FIONCLEX));
    CHECKV(fcntl(fd, F_GETFD));
    CHECKN("unknown ioctl on a file", ioctl(fd, 0x12345678, 0));
    CHECKN("FIONREAD bad pointer", ioctl(fd, FIONREAD, BADPTR));
    return 0;
}
