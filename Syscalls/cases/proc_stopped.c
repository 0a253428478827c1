// syscalls: kill (SIGSTOP), wait4 (WUNTRACED), openat/read of /proc/PID/stat and /proc/PID/status (state of a stopped process), readlink of /proc/self/fd of a pipe
#include "check.h"
#include <signal.h>
#include <sys/wait.h>

static char state_of(pid_t pid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return '?';
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return '?';
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : '?';
}

int main(void) {
    pid_t c = fork();
    if (c == 0) { setpgid(0, 0); for (;;) pause(); }
    setpgid(c, c);
    int st;
    kill(c, SIGSTOP);
    waitpid(c, &st, WUNTRACED);
    FACT("child stopped", WIFSTOPPED(st));
    /* The state may trail the wait notification by a moment: look for up to a second. */
    char s = '?';
    for (int i = 0; i < 100 && (s = state_of(c)) != 'T'; i++) usleep(10000);
    SHOW("state of the stopped child", "%c", s);
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    int p[2];
    if (pipe(p) != 0) return 1;
    char link[64], target[128];
    snprintf(link, sizeof link, "/proc/self/fd/%d", p[0]);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n > 0) target[n] = 0;
    FACT("pipe fd link reads pipe:[N]", n > 6 && strncmp(target, "pipe:[", 6) == 0);
    return 0;
}
