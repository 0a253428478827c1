// syscalls: pipe, pipe2, fcntl (F_SETPIPE_SZ limits: pipe-max-size, pipe-user-pages-soft), setuid
#include "check.h"
#include <grp.h>
#include <sys/wait.h>
#include <linux/capability.h>

/* The pipe limits of fs/pipe.c: F_SETPIPE_SZ above pipe-max-size needs CAP_SYS_RESOURCE; once
 * an unprivileged user's pipes hold more than pipe-user-pages-soft slots, its new pipes get 2
 * slots and cannot grow (shrinking stays allowed); freeing pipes gives the slots back. The user
 * is an otherwise unused uid so that no other process's pipes count natively. */

static int has_cap(int cap) {
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2] = {0};
    if (syscall(SYS_capget, &h, d) != 0) return -1;
    return (d[cap / 32].effective >> (cap % 32)) & 1;
}

static void sysctl(const char *name) {
    char path[128], *text;
    snprintf(path, sizeof path, "/proc/sys/fs/%s", name);
    long n = slurp(path, &text);
    printf("%s: %.*s", name, (int)n, text);
    free(text);
}

static void unprivileged(void) {
    if (setgroups(0, NULL) != 0 || setgid(54321) != 0 || setuid(54321) != 0) { printf("setup: setuid failed\n"); _exit(99); }
    FACT("no CAP_SYS_RESOURCE, no CAP_SYS_ADMIN", !has_cap(CAP_SYS_RESOURCE) && !has_cap(CAP_SYS_ADMIN));
    int p[2];
    CHECK(pipe(p));
    CHECKN("F_SETPIPE_SZ 2 MiB (above pipe-max-size)", fcntl(p[1], F_SETPIPE_SZ, 2 << 20));
    CHECKN("F_SETPIPE_SZ pipe-max-size + 1", fcntl(p[1], F_SETPIPE_SZ, (1 << 20) + 1));
    CHECKVN("F_SETPIPE_SZ 1 MiB", fcntl(p[1], F_SETPIPE_SZ, 1 << 20));
    close(p[0]); close(p[1]);

    /* 64 pipes of 256 slots reach 16384 exactly, which is not past the soft limit. */
    static int ends[80][2];
    int grown = 0;
    for (int i = 0; i < 64; i++) {
        if (pipe(ends[i]) != 0) { printf("pipe %d: errno=%s\n", i, errname(errno)); break; }
        if (fcntl(ends[i][1], F_SETPIPE_SZ, 1 << 20) < 0) { printf("grow %d: errno=%s\n", i, errname(errno)); break; }
        grown++;
    }
    SHOW("pipes grown to 1 MiB", "%d", grown);
    int q[2];
    CHECK(pipe(q));
    SHOW("next pipe past the soft limit: F_GETPIPE_SZ", "%d", fcntl(q[0], F_GETPIPE_SZ));
    CHECKN("grow it to 64 KiB", fcntl(q[1], F_SETPIPE_SZ, 65536));
    CHECKVN("shrink it to 4 KiB", fcntl(q[1], F_SETPIPE_SZ, 4096));
    CHECKN("grow a 1 MiB pipe to 2 MiB", fcntl(ends[0][1], F_SETPIPE_SZ, 2 << 20));
    CHECKVN("shrink a 1 MiB pipe to 512 KiB", fcntl(ends[0][1], F_SETPIPE_SZ, 512 << 10));
    CHECKN("grow it back to 1 MiB", fcntl(ends[0][1], F_SETPIPE_SZ, 1 << 20));
    int r[2];
    CHECK(pipe2(r, O_CLOEXEC));
    SHOW("another new pipe: F_GETPIPE_SZ", "%d", fcntl(r[0], F_GETPIPE_SZ));
    /* Freeing two 1 MiB pipes gives their slots back: new pipes are full size again. */
    for (int i = 1; i < 3; i++) { close(ends[i][0]); close(ends[i][1]); }
    int s[2];
    CHECK(pipe(s));
    SHOW("after closing two: F_GETPIPE_SZ", "%d", fcntl(s[0], F_GETPIPE_SZ));
    CHECKVN("and it grows to 1 MiB", fcntl(s[1], F_SETPIPE_SZ, 1 << 20));
}

int main(void) {
    sysctl("pipe-max-size");
    sysctl("pipe-user-pages-soft");
    sysctl("pipe-user-pages-hard");

    int p[2];
    CHECK(pipe(p));
    SHOW("default F_GETPIPE_SZ", "%d", fcntl(p[0], F_GETPIPE_SZ));
    CHECKVN("root: F_SETPIPE_SZ 1 MiB", fcntl(p[1], F_SETPIPE_SZ, 1 << 20));
    /* Above pipe-max-size: allowed exactly when the caller has CAP_SYS_RESOURCE (the sandbox's
     * root has it; this VM's native root does not). */
    long big = fcntl(p[1], F_SETPIPE_SZ, 2 << 20);
    FACT("root: F_SETPIPE_SZ 2 MiB allowed iff CAP_SYS_RESOURCE", (big == (2 << 20)) == (has_cap(CAP_SYS_RESOURCE) == 1));
    CHECKN("F_SETPIPE_SZ 2^31+1", fcntl(p[1], F_SETPIPE_SZ, (1u << 31) + 1));
    close(p[0]); close(p[1]);

    pid_t c = fork();
    if (c == 0) { unprivileged(); fflush(stdout); _exit(0); }
    int st = 0;
    waitpid(c, &st, 0);
    SHOW("unprivileged child exit", "%d", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    return 0;
}
