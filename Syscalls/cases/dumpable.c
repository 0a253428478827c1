// syscalls: prctl (PR_SET_DUMPABLE, PR_GET_DUMPABLE), execve (dumpability), setresuid (commit_creds), ptrace (PTRACE_SEIZE access), process_vm_readv (access), openat (/proc/PID/mem, environ, maps access; owners)
#include "check.h"
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

static char area[32] = "the target's bytes";
static char self[4096];

static void as_user(void) {
    if (setgroups(0, NULL) || setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) { printf("setup: setresuid\n"); _exit(99); }
}

static void owner(const char *what, pid_t pid, const char *name) {
    char p[64];
    struct stat st;
    snprintf(p, sizeof p, "/proc/%d%s", pid, name);
    if (stat(p, &st) == 0) printf("%s owner: %u:%u\n", what, st.st_uid, st.st_gid);
    else printf("%s owner: errno=%s\n", what, errname(errno));
}

static void try_open(const char *what, pid_t pid, const char *name, int flags) {
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/%s", pid, name);
    int fd = CHECKN(what, open(p, flags));
    if (fd >= 0) close(fd);
}

/* What the caller may do to `pid`, one line each. */
static void probe(const char *who, pid_t pid) {
    printf("-- %s\n", who);
    char p[64], buf[64];
    snprintf(p, sizeof p, "/proc/%d/mem", pid);
    int fd = CHECKN("open mem", open(p, O_RDONLY));
    if (fd >= 0) {
        memset(buf, 0, sizeof buf);
        if (CHECKN("pread mem", pread(fd, buf, 18, (off_t)(unsigned long)area)) > 0) printf("mem: %s\n", buf);
        close(fd);
    }
    try_open("open environ", pid, "environ", O_RDONLY);
    try_open("open maps", pid, "maps", O_RDONLY);
    try_open("open auxv", pid, "auxv", O_RDONLY);
    snprintf(p, sizeof p, "/proc/%d/exe", pid);
    CHECKN("readlink exe", readlink(p, buf, sizeof buf));
    snprintf(p, sizeof p, "/proc/%d/cwd/", pid);
    CHECKN("stat through cwd", access(p, F_OK));
    struct iovec l = {buf, 18}, r = {area, 18};
    CHECKN("process_vm_readv", process_vm_readv(pid, &l, 1, &r, 1, 0));
    CHECKN("PTRACE_SEIZE", ptrace(PTRACE_SEIZE, pid, 0, 0));
    owner("dir", pid, "");
    owner("status", pid, "/status");
    owner("fd dir", pid, "/fd");
    owner("task dir", pid, "/task");
    owner("mem", pid, "/mem");
}

static void probe_in_child(const char *who, pid_t pid, int user) {
    pid_t c = fork();
    if (c == 0) {
        if (user) as_user();
        probe(who, pid);
        _exit(0);   /* a seized target is let go */
    }
    waitpid(c, NULL, 0);
}

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "exec")) {
        printf("after exec (%s): %d\n", argv[2], prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
        return 0;
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0) return 99;
    self[n] = 0;

    CHECKV(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    CHECKN("PR_SET_DUMPABLE 2", prctl(PR_SET_DUMPABLE, 2, 0, 0, 0));
    CHECKN("PR_SET_DUMPABLE 3", prctl(PR_SET_DUMPABLE, 3, 0, 0, 0));
    CHECKN("PR_SET_DUMPABLE -1", prctl(PR_SET_DUMPABLE, -1L, 0, 0, 0));
    CHECKN("PR_SET_DUMPABLE 0", prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
    CHECKV(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    pid_t c = fork();
    if (c == 0) { printf("fork child: %d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)); _exit(0); }
    waitpid(c, NULL, 0);
    /* execve makes it dumpable again. */
    c = fork();
    if (c == 0) { execl(self, self, "exec", "plain", (char *)NULL); _exit(98); }
    waitpid(c, NULL, 0);
    CHECKN("PR_SET_DUMPABLE 1", prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
    char *sd = NULL;
    if (slurp("/proc/sys/fs/suid_dumpable", &sd) > 0) printf("suid_dumpable: %s", sd);

    /* commit_creds: a change of the effective ids makes the process not dumpable and clears
       the parent-death signal; a change of the real id alone does not. */
    c = fork();
    if (c == 0) {
        prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0);
        CHECK(setresuid(1000, -1, -1));
        printf("after setresuid(real): %d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
        CHECK(setresuid(0, 0, 0));
        int sig = -1;
        prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
        printf("pdeathsig kept: %d\n", sig);
        CHECK(seteuid(1000));
        printf("after seteuid: %d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
        prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
        printf("pdeathsig after seteuid: %d\n", sig);
        /* euid != uid at execve: not dumpable after it. */
        execl(self, self, "exec", "euid-differs", (char *)NULL);
        _exit(98);
    }
    waitpid(c, NULL, 0);
    c = fork();
    if (c == 0) {
        CHECKVN("setfsuid (the old fsuid)", setfsuid(1000));
        printf("after setfsuid: %d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
        _exit(0);
    }
    waitpid(c, NULL, 0);

    /* An executable the caller cannot read (mode 0711): not dumpable after exec. */
    char copy[] = "/dev/shm/husk-dumpable-XXXXXX";
    int out = mkstemp(copy);
    int in = open(self, O_RDONLY);
    char chunk[65536];
    ssize_t got;
    while ((got = read(in, chunk, sizeof chunk)) > 0) if (write(out, chunk, got) != got) return 99;
    close(in);
    fchmod(out, 0711);
    close(out);
    c = fork();
    if (c == 0) {
        as_user();
        execl(copy, copy, "exec", "unreadable", (char *)NULL);
        printf("exec unreadable: errno=%s\n", errname(errno));
        _exit(98);
    }
    waitpid(c, NULL, 0);
    c = fork();
    if (c == 0) {
        as_user();
        execl(self, self, "exec", "readable-as-user", (char *)NULL);
        _exit(98);
    }
    waitpid(c, NULL, 0);
    unlink(copy);

    /* Access to a process of user 1000, dumpable or not, from another process of the same
       user and from root (CAP_SYS_PTRACE). */
    int cmd[2], ack[2];
    if (pipe(cmd) || pipe(ack)) return 99;
    pid_t target = fork();
    if (target == 0) {
        as_user();
        char x;
        printf("target after setresuid: %d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
        prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
        if (write(ack[1], "r", 1) != 1) _exit(2);
        if (read(cmd[0], &x, 1) != 1) _exit(2);
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        /* Its own /proc files stay its own to read, fd/ included. */
        CHECKN("own fd dir", access("/proc/self/fd", R_OK | X_OK));
        char buf[64];
        CHECKN("own exe", readlink("/proc/self/exe", buf, sizeof buf));
        int fd = CHECKN("own mem", open("/proc/self/mem", O_RDONLY));
        if (fd >= 0) close(fd);
        if (write(ack[1], "r", 1) != 1) _exit(2);
        if (read(cmd[0], &x, 1) != 1) _exit(2);
        _exit(0);
    }
    char x;
    if (read(ack[0], &x, 1) != 1) return 99;
    probe_in_child("same user, dumpable", target, 1);
    if (write(cmd[1], "g", 1) != 1 || read(ack[0], &x, 1) != 1) return 99;
    probe_in_child("same user, not dumpable", target, 1);
    probe_in_child("root, not dumpable", target, 0);
    if (write(cmd[1], "g", 1) != 1) return 99;
    waitpid(target, NULL, 0);
    return 0;
}
