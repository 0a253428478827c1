// syscalls: close, newfstatat, lseek, openat, read (regular file), getcwd (with SIGCHLD arriving, handler without SA_RESTART)
#include "check.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* Calls Linux finishes without sleeping are never cut short by a signal, even under a handler
 * without SA_RESTART: a shell's close of a pipe end while its children exit must not fail
 * with EINTR (the fd would stay open and the pipeline wait for ever). Children exit all the
 * time here, so SIGCHLD keeps arriving while the parent makes such calls. */
static volatile sig_atomic_t chld;
static void on_chld(int s) { (void)s; chld++; }

int main(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_chld;
    sa.sa_flags = 0;   /* no SA_RESTART */
    sigaction(SIGCHLD, &sa, NULL);
    int fd = open("/etc/passwd", O_RDONLY);
    if (fd < 0) { printf("open: %s\n", errname(errno)); return 1; }
    int eintr = 0, other = 0, children = 0;
    for (int round = 0; round < 150; round++) {
        pid_t c = fork();
        if (c == 0) _exit(0);
        if (c > 0) children++;
        for (int i = 0; i < 20; i++) {
            struct stat st;
            char buf[64];
            int d = dup(1);
            if (d < 0 || close(d) != 0) { if (errno == EINTR) eintr++; else other++; }
            if (stat("/", &st) != 0) { if (errno == EINTR) eintr++; else other++; }
            if (lseek(fd, 0, SEEK_SET) != 0) { if (errno == EINTR) eintr++; else other++; }
            if (read(fd, buf, sizeof buf) < 0) { if (errno == EINTR) eintr++; else other++; }
            if (!getcwd(buf, sizeof buf)) { if (errno == EINTR) eintr++; else other++; }
            int o = open("/etc/hostname", O_RDONLY);
            if (o < 0) { if (errno == EINTR) eintr++; else other++; } else close(o);
        }
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
    }
    while (waitpid(-1, NULL, 0) > 0) {}
    printf("children %d, EINTR %d, other errors %d, SIGCHLD seen %s\n", children, eintr, other, chld > 0 ? "yes" : "no");
    return 0;
}
