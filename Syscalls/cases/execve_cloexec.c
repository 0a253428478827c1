// syscalls: execve (close-on-exec and inherited fds seen by the new image), fcntl
#include "check.h"

int main(int argc, char **argv) {
    if (argc > 1) {                      /* the exec'd image */
        FACT("inherited fd 40 open", fcntl(40, F_GETFD) >= 0);
        FACT("close-on-exec fd 41 closed", fcntl(41, F_GETFD) < 0 && errno == EBADF);
        char c;
        FACT("inherited fd keeps its offset", read(40, &c, 1) == 1 && lseek(40, 0, SEEK_CUR) == 3);
        printf("argv[1]: %s\n", argv[1]);
        return 5;
    }
    int fd = must_open("/etc/os-release", O_RDONLY);
    dup2(fd, 40);
    dup3(fd, 41, O_CLOEXEC);
    lseek(fd, 2, SEEK_SET);
    fflush(stdout);
    /* The runner starts cases by absolute path, so argv[0] names this program. */
    execl(argv[0], argv[0], "child", (char *)NULL);
    printf("execl self: errno=%s\n", errname(errno));
    return 1;
}
