// syscalls: ptrace (PTRACE_SYSCALL, TRACESYSGOOD, TRACEFORK, TRACEEXIT, SEIZE, INTERRUPT, LISTEN), wait4, getdents, clone (CLONE_UNTRACED)
// Syscall-entry and -exit stops for served and native calls with TRACESYSGOOD, a fork event
// that attaches the grandchild, an exit event, PTRACE_INTERRUPT of a seized tracee, and the
// old getdents on /proc/self/task.
#include "check.h"
#include <dirent.h>
#include <sched.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

static void show_status(const char *what, int st) {
    if (WIFSTOPPED(st)) printf("%s: stopped sig=%#x event=%d\n", what, WSTOPSIG(st), st >> 16);
    else if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st)) printf("%s: killed sig=%d\n", what, WTERMSIG(st));
}

/* Follows the child's syscalls from its SIGSTOP to its exit; prints those of interest. */
static void syscall_stops(void) {
    pid_t child = fork();
    if (child == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        getppid();                          /* native */
        close(-1);                          /* served: EBADF */
        int fd = open("/dev/null", O_RDONLY);
        close(fd);
        pid_t g = fork();                   /* a fork event */
        if (g == 0) _exit(7);
        int st;
        waitpid(g, &st, 0);
        _exit(WEXITSTATUS(st) + 1);
    }
    int st;
    waitpid(child, &st, 0);
    show_status("first stop", st);
    CHECKN("setoptions", ptrace(PTRACE_SETOPTIONS, child, 0, (void *)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEEXIT)));
    CHECKN("syscall", ptrace(PTRACE_SYSCALL, child, 0, 0));
    int entry = 1, forks = 0, grandchild = 0, gstops[4] = {0}, ngstops = 0, gend = 0;
    for (int i = 0; i < 400; i++) {
        pid_t w = waitpid(-1, &st, __WALL);
        if (w < 0) { printf("waitpid: errno=%s\n", errname(errno)); break; }
        if (w != child) {
            /* The grandchild, auto-attached: its first stop, its exit event, its end. */
            if (WIFSTOPPED(st)) { if (ngstops < 4) gstops[ngstops++] = st; ptrace(PTRACE_CONT, w, 0, 0); }
            else { gend = st; grandchild = 1; }
            continue;
        }
        if (WIFEXITED(st) || WIFSIGNALED(st)) { show_status("child end", st); break; }
        if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
            struct user_regs_struct r;
            ptrace(PTRACE_GETREGS, child, 0, &r);
            long nr = (long)r.orig_rax;
            if (entry && (nr == SYS_getppid || nr == SYS_close || nr == SYS_openat || nr == SYS_exit_group))
                printf("entry %s\n", nr == SYS_getppid ? "getppid" : nr == SYS_close ? "close" : nr == SYS_openat ? "openat" : "exit_group");
            if (!entry && nr == SYS_close) printf("exit close = %lld\n", (long long)r.rax);
            if (!entry && nr == SYS_getppid) FACT("exit getppid is the tracer", (pid_t)r.rax == getpid());
            entry = !entry;
        } else if (st >> 16 == PTRACE_EVENT_FORK) {
            unsigned long msg = 0;
            ptrace(PTRACE_GETEVENTMSG, child, 0, &msg);
            show_status("fork event", st);
            forks++;
        } else if (st >> 16 == PTRACE_EVENT_EXIT) {
            unsigned long msg = 0;
            ptrace(PTRACE_GETEVENTMSG, child, 0, &msg);
            show_status("exit event", st);
            printf("exit event status: %lu\n", msg >> 8);
            CHECKN("cont at exit", ptrace(PTRACE_CONT, child, 0, 0));
            continue;
        } else {
            show_status("other stop", st);
        }
        ptrace(PTRACE_SYSCALL, child, 0, 0);
    }
    FACT("one fork event", forks == 1);
    FACT("grandchild reported", grandchild);
    for (int i = 0; i < ngstops; i++) show_status("grandchild", gstops[i]);
    show_status("grandchild end", gend);
}

static void interrupt_listen(void) {
    pid_t child = fork();
    if (child == 0) { for (;;) pause(); }
    int st;
    CHECKN("interrupt not seized", ptrace(PTRACE_INTERRUPT, child, 0, 0));
    CHECKN("seize", ptrace(PTRACE_SEIZE, child, 0, (void *)PTRACE_O_EXITKILL));
    CHECKN("interrupt", ptrace(PTRACE_INTERRUPT, child, 0, 0));
    CHECKN("waitpid interrupt", waitpid(child, &st, 0) == child ? 0 : -1);
    show_status("interrupted", st);
    CHECKN("listen at the interrupt stop", ptrace(PTRACE_LISTEN, child, 0, 0));
    CHECKN("cont while listening", ptrace(PTRACE_CONT, child, 0, 0));
    kill(child, SIGKILL);
    waitpid(child, &st, 0);
    show_status("end", st);
}

struct old_dirent { unsigned long d_ino; unsigned long d_off; unsigned short d_reclen; char d_name[]; };

static void old_getdents(void) {
    int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY);
    char buf[4096];
    long n = syscall(SYS_getdents, fd, buf, sizeof buf);
    int found = 0, dirs = 1;
    for (long off = 0; off < n;) {
        struct old_dirent *d = (void *)(buf + off);
        if (atoi(d->d_name) == getpid()) found = 1;
        if (buf[off + d->d_reclen - 1] != DT_DIR) dirs = 0;
        off += d->d_reclen;
    }
    FACT("getdents lists the thread", n > 0 && found);
    FACT("every record is a directory", dirs);
    CHECKN("getdents not a directory", syscall(SYS_getdents, 0, buf, sizeof buf));
    close(fd);
}

int main(void) {
    syscall_stops();
    interrupt_listen();
    old_getdents();
    return 0;
}
