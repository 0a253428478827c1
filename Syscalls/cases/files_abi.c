// syscalls: open (O_NOATIME needs ownership), fcntl (F_SETFL O_NOATIME), /proc/vmstat
#include "check.h"
#include <sys/wait.h>

int main(void) {
    /* Root (CAP_FOWNER) may use O_NOATIME on anyone's file. */
    int fd = CHECKN("root: O_NOATIME on /etc/passwd", open("/etc/passwd", O_RDONLY | O_NOATIME));
    FACT("F_GETFL shows O_NOATIME", fcntl(fd, F_GETFL) & O_NOATIME);
    close(fd);
    pid_t c = fork();
    if (c == 0) {
        if (setgid(65534) || setuid(65534)) { printf("setuid: errno=%s\n", errname(errno)); _exit(1); }
        CHECKN("nobody: O_NOATIME on root's /etc/passwd", open("/etc/passwd", O_RDONLY | O_NOATIME));
        int p = CHECKN("nobody: /etc/passwd", open("/etc/passwd", O_RDONLY));
        CHECKN("nobody: F_SETFL O_NOATIME", fcntl(p, F_SETFL, O_NOATIME));
        FACT("F_GETFL without O_NOATIME", !(fcntl(p, F_GETFL) & O_NOATIME));
        CHECKN("nobody: F_SETFL O_NONBLOCK", fcntl(p, F_SETFL, O_NONBLOCK));
        _exit(0);
    }
    waitpid(c, NULL, 0);

    char *text;
    long n = slurp("/proc/vmstat", &text);
    FACT("/proc/vmstat read", n > 0);
    FACT("/proc/vmstat has nr_free_pages", n > 0 && strstr(text, "nr_free_pages ") != NULL);
    FACT("/proc/vmstat has pgfault", n > 0 && strstr(text, "\npgfault ") != NULL);
    return 0;
}
