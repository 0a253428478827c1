// syscalls: prctl (PR_SET_CHILD_SUBREAPER, PR_GET_CHILD_SUBREAPER), getppid, wait4: orphans are reparented to the subreaper, which reaps them
#include "check.h"
#include <sys/prctl.h>
#include <sys/wait.h>

static long ppid_in_stat(pid_t pid) {
    char path[64], buf[512] = {0};
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    char *p = n > 0 ? strrchr(buf, ')') : NULL;
    char state;
    long ppid;
    if (!p || sscanf(p + 2, "%c %ld", &state, &ppid) != 2) return -1;
    return ppid;
}

int main(void) {
    int v = -1;
    CHECKN("PR_GET_CHILD_SUBREAPER", prctl(PR_GET_CHILD_SUBREAPER, &v));
    SHOW("subreaper", "%d", v);
    CHECKN("PR_SET_CHILD_SUBREAPER 1", prctl(PR_SET_CHILD_SUBREAPER, 1));
    CHECKN("PR_GET_CHILD_SUBREAPER", prctl(PR_GET_CHILD_SUBREAPER, &v));
    SHOW("subreaper", "%d", v);
    CHECKN("PR_GET_CHILD_SUBREAPER EFAULT", prctl(PR_GET_CHILD_SUBREAPER, BADPTR));
    pid_t me = getpid();
    int p[2], go[2];
    if (pipe(p) || pipe(go)) return 1;
    pid_t middle = fork();
    if (middle == 0) {
        int w = -1;
        prctl(PR_GET_CHILD_SUBREAPER, &w);
        printf("child: subreaper not inherited: %d\n", w == 0);
        pid_t grandchild = fork();
        if (grandchild == 0) {
            close(p[0]);
            char c;
            if (read(go[0], &c, 1) != 1) _exit(2);   /* the middle process has been reaped */
            pid_t pp = getppid();
            if (write(p[1], &pp, sizeof pp) != sizeof pp) _exit(2);
            _exit(7);
        }
        if (write(p[1], &grandchild, sizeof grandchild) != sizeof grandchild) _exit(2);
        _exit(5);
    }
    close(p[1]);
    int st;
    waitpid(middle, &st, 0);
    SHOW("middle exit", "%d", WEXITSTATUS(st));
    pid_t grandchild = 0, seen = 0;
    if (read(p[0], &grandchild, sizeof grandchild) != sizeof grandchild) return 1;
    FACT("grandchild's ppid in /proc is the subreaper", ppid_in_stat(grandchild) == me);
    if (write(go[1], "x", 1) != 1) return 1;
    FACT("grandchild reported", read(p[0], &seen, sizeof seen) == sizeof seen);
    FACT("grandchild's getppid is the subreaper", seen == me);
    pid_t r = waitpid(-1, &st, 0);
    FACT("the subreaper reaped the grandchild", r == grandchild);
    SHOW("grandchild exit", "%d", WEXITSTATUS(st));
    CHECKN("no more children", waitpid(-1, &st, WNOHANG));
    CHECKN("PR_SET_CHILD_SUBREAPER 0", prctl(PR_SET_CHILD_SUBREAPER, 0));
    CHECKN("PR_GET_CHILD_SUBREAPER", prctl(PR_GET_CHILD_SUBREAPER, &v));
    SHOW("subreaper", "%d", v);
    return 0;
}
