// syscalls: fcntl (F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL)
#include "check.h"
#include <sys/resource.h>

static void flags(const char *label, int fd) {
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) { printf("%s: errno=%s\n", label, errname(errno)); return; }
    int acc = fl & O_ACCMODE;
    printf("%s: %s%s%s%s\n", label, acc == O_RDONLY ? "O_RDONLY" : acc == O_WRONLY ? "O_WRONLY" : "O_RDWR",
           fl & O_APPEND ? "|O_APPEND" : "", fl & O_NONBLOCK ? "|O_NONBLOCK" : "",
           (fl & O_PATH) == O_PATH ? "|O_PATH" : "");
}

int main(void) {
    int fd = must_open("/dev/null", O_RDWR);
    CHECKV(fcntl(fd, F_GETFD));
    int d = CHECKN("F_DUPFD 20", fcntl(fd, F_DUPFD, 20));
    FACT("F_DUPFD 20 gives 20", d == 20);
    CHECKV(fcntl(d, F_GETFD));
    int d2 = fcntl(fd, F_DUPFD, 20);
    FACT("F_DUPFD 20 again gives 21", d2 == 21);
    int c = CHECKN("F_DUPFD_CLOEXEC 30", fcntl(fd, F_DUPFD_CLOEXEC, 30));
    FACT("F_DUPFD_CLOEXEC gives 30", c == 30);
    CHECKV(fcntl(c, F_GETFD));
    CHECKV(fcntl(c, F_SETFD, 0));
    CHECKV(fcntl(c, F_GETFD));
    CHECKV(fcntl(fd, F_SETFD, FD_CLOEXEC));
    CHECKV(fcntl(fd, F_GETFD));
    CHECKV(fcntl(d, F_GETFD));                        /* the flag is per descriptor */

    flags("F_GETFL O_RDWR /dev/null", fd);
    CHECKV(fcntl(fd, F_SETFL, O_NONBLOCK));
    flags("after F_SETFL O_NONBLOCK", fd);
    flags("dup shares status flags", d);
    CHECKV(fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
    flags("after F_SETFL O_APPEND|O_NONBLOCK", fd);
    CHECKV(fcntl(fd, F_SETFL, O_RDONLY));              /* access mode bits are ignored */
    flags("after F_SETFL 0", fd);
    int ro = must_open("/etc/os-release", O_RDONLY);
    CHECKV(fcntl(ro, F_SETFL, O_WRONLY | O_APPEND));
    flags("F_SETFL cannot change access mode", ro);
    int p = must_open("/etc", O_PATH);
    flags("F_GETFL O_PATH", p);
    CHECKN("F_GETFD on O_PATH", fcntl(p, F_GETFD));

    CHECKN("F_GETFD bad fd", fcntl(-1, F_GETFD));
    CHECKN("F_GETFL closed fd", fcntl(444, F_GETFL));
    CHECKN("bad command", fcntl(fd, 9999));
    CHECKN("F_DUPFD negative", fcntl(fd, F_DUPFD, -1));
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    CHECKN("F_DUPFD at RLIMIT_NOFILE", fcntl(fd, F_DUPFD, (int)rl.rlim_cur));
    CHECKN("F_DUPFD bad fd", fcntl(-1, F_DUPFD, 0));
    return 0;
}
