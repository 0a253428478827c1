// syscalls: open, read, readlink, getdents64, prctl
// /proc/self and /proc/PID: stat, status, cmdline, comm (read and written), maps, fd/, fdinfo/,
// task/, limits, cgroup, and the global files programs read. Facts that hold natively too.
#include "check.h"
#include <dirent.h>
#include <sys/prctl.h>

static char *field(char *text, const char *key) {
    static char value[256];
    char *p = strstr(text, key);
    if (!p) return "(none)";
    p += strlen(key);
    while (*p == ' ' || *p == '\t') p++;
    size_t n = strcspn(p, "\n");
    snprintf(value, sizeof value, "%.*s", (int)n, p);
    return value;
}

int main(int argc, char **argv) {
    char *buf;
    char path[64];
    (void)argc;

    // stat: "pid (comm) state ppid ..."
    long n = slurp("/proc/self/stat", &buf);
    int pid = 0; char comm[64] = "", state = 0; int ppid = 0;
    FACT("stat parses", sscanf(buf, "%d (%63[^)]) %c %d", &pid, comm, &state, &ppid) == 4);
    FACT("stat pid == getpid", pid == getpid());
    SHOW("stat comm", "%s", comm);
    SHOW("stat state", "%c", state);
    FACT("stat ppid == getppid", ppid == getppid());
    FACT("stat ends with newline", n > 0 && buf[n - 1] == '\n');
    int fields = 0;
    for (char *p = strrchr(buf, ')'); p && *p; p++) if (*p == ' ') fields++;
    FACT("stat has >= 50 fields", fields + 2 >= 50);
    free(buf);

    // status
    slurp("/proc/self/status", &buf);
    SHOW("status Name", "%s", field(buf, "Name:"));
    SHOW("status State", "%.1s", field(buf, "State:"));
    FACT("status Pid == getpid", atoi(field(buf, "\nPid:")) == getpid());
    FACT("status Tgid == getpid", atoi(field(buf, "Tgid:")) == getpid());
    FACT("status PPid == getppid", atoi(field(buf, "PPid:")) == getppid());
    SHOW("status TracerPid", "%s", field(buf, "TracerPid:"));
    char want[64];
    snprintf(want, sizeof want, "%d\t%d\t%d\t%d", getuid(), geteuid(), getuid(), geteuid());
    FACT("status Uid line", strcmp(field(buf, "Uid:"), want) == 0);
    SHOW("status Threads", "%s", field(buf, "Threads:"));
    FACT("status VmRSS present", strstr(buf, "VmRSS:") != NULL);
    free(buf);

    // statm: seven numbers
    slurp("/proc/self/statm", &buf);
    long a[7];
    FACT("statm has 7 numbers", sscanf(buf, "%ld %ld %ld %ld %ld %ld %ld", &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &a[6]) == 7);
    free(buf);

    // cmdline: argv, NUL separated
    n = slurp("/proc/self/cmdline", &buf);
    FACT("cmdline == argv[0]\\0", n == (long)strlen(argv[0]) + 1 && memcmp(buf, argv[0], n) == 0);
    free(buf);

    // comm, read and written
    slurp("/proc/self/comm", &buf);
    SHOW("comm", "%s", field(buf, ""));
    free(buf);
    int fd = CHECK(open("/proc/self/comm", O_WRONLY | O_TRUNC));
    CHECKV(write(fd, "renamed\n", 8));
    close(fd);
    char name[17] = "";
    prctl(PR_GET_NAME, name);
    SHOW("comm after write", "%s", name);
    prctl(PR_SET_NAME, "proc_self");
    slurp("/proc/self/comm", &buf);
    SHOW("comm after prctl", "%s", field(buf, ""));
    free(buf);

    // maps: the executable and the stack
    slurp("/proc/self/maps", &buf);
    char exe[512] = "";
    long en = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (en > 0) exe[en] = 0;
    FACT("exe link is absolute", exe[0] == '/');
    FACT("maps names exe", en > 0 && strstr(buf, exe) != NULL);
    FACT("maps has [stack]", strstr(buf, "[stack]") != NULL);
    FACT("maps has r-xp", strstr(buf, "r-xp") != NULL);
    free(buf);

    // fd/ and fdinfo/
    fd = must_open("/usr/lib/os-release", O_RDONLY);
    lseek(fd, 7, SEEK_SET);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    char target[256] = "";
    n = readlink(path, target, sizeof target - 1);
    if (n > 0) target[n] = 0;
    SHOW("fd link", "%s", target);
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    slurp(path, &buf);
    SHOW("fdinfo pos", "%s", field(buf, "pos:"));
    SHOW("fdinfo flags", "%s", field(buf, "flags:"));
    free(buf);
    int fd2 = CHECK(open(path, O_RDONLY));  // re-open through the magic link
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int again = CHECK(open(path, O_RDONLY));
    char c[8] = "";
    CHECKV(read(again, c, 4));
    SHOW("reopen reads from start", "%.4s", c);
    close(fd2); close(again);
    snprintf(path, sizeof path, "/proc/self/fd/%d", 999);
    CHECKN("missing fd link", readlink(path, target, sizeof target));

    // task/ lists this thread
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", getpid());
    CHECKN("task/TID/stat", access(path, R_OK));
    DIR *d = opendir("/proc/self/task");
    int tasks = 0;
    for (struct dirent *e; d && (e = readdir(d));) if (e->d_name[0] != '.') tasks++;
    if (d) closedir(d);
    SHOW("task entries", "%d", tasks);

    // readlink self, thread-self
    n = readlink("/proc/self", target, sizeof target - 1);
    target[n > 0 ? n : 0] = 0;
    FACT("self -> pid", atoi(target) == getpid());
    n = readlink("/proc/thread-self", target, sizeof target - 1);
    target[n > 0 ? n : 0] = 0;
    snprintf(want, sizeof want, "%d/task/%d", getpid(), getpid());
    FACT("thread-self -> pid/task/tid", strcmp(target, want) == 0);

    slurp("/proc/self/limits", &buf);
    FACT("limits header", strncmp(buf, "Limit                     Soft Limit", 36) == 0);
    FACT("limits has Max open files", strstr(buf, "Max open files") != NULL);
    free(buf);

    // global files
    FACT("cpuinfo has processor", slurp("/proc/cpuinfo", &buf) > 0 && strstr(buf, "processor") != NULL); free(buf);
    FACT("meminfo has MemTotal", slurp("/proc/meminfo", &buf) > 0 && strncmp(buf, "MemTotal:", 9) == 0); free(buf);
    FACT("stat has cpu line", slurp("/proc/stat", &buf) > 0 && strncmp(buf, "cpu ", 4) == 0); free(buf);
    double up = 0, idle = 0;
    slurp("/proc/uptime", &buf);
    FACT("uptime parses", sscanf(buf, "%lf %lf", &up, &idle) == 2 && up > 0); free(buf);
    slurp("/proc/loadavg", &buf);
    double l1, l5, l15; int run, tot, last;
    FACT("loadavg parses", sscanf(buf, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &run, &tot, &last) == 6); free(buf);
    FACT("version starts Linux version", slurp("/proc/version", &buf) > 0 && strncmp(buf, "Linux version ", 14) == 0); free(buf);
    slurp("/proc/sys/kernel/ostype", &buf); SHOW("ostype", "%s", field(buf, "")); free(buf);
    slurp("/proc/sys/fs/pipe-max-size", &buf); SHOW("pipe-max-size", "%s", field(buf, "")); free(buf);
    char u1[64], u2[64];
    slurp("/proc/sys/kernel/random/uuid", &buf); snprintf(u1, sizeof u1, "%s", field(buf, "")); free(buf);
    slurp("/proc/sys/kernel/random/uuid", &buf); snprintf(u2, sizeof u2, "%s", field(buf, "")); free(buf);
    FACT("uuid fresh each read", strcmp(u1, u2) != 0 && strlen(u1) == 36 && u1[14] == '4');
    slurp("/proc/sys/kernel/random/boot_id", &buf); snprintf(u1, sizeof u1, "%s", field(buf, "")); free(buf);
    slurp("/proc/sys/kernel/random/boot_id", &buf); snprintf(u2, sizeof u2, "%s", field(buf, "")); free(buf);
    FACT("boot_id stable", strcmp(u1, u2) == 0 && strlen(u1) == 36);
    CHECKN("readlink /proc/mounts", readlink("/proc/mounts", target, sizeof target));
    CHECKN("open /proc/self/mounts", open("/proc/self/mounts", O_RDONLY));
    CHECKN("open /proc/self/mountinfo", open("/proc/self/mountinfo", O_RDONLY));
    CHECKN("open missing pid", open("/proc/999999/stat", O_RDONLY));
    CHECKN("write /proc/self/stat", open("/proc/self/stat", O_WRONLY));
    CHECKN("sys cpu online", access("/sys/devices/system/cpu/online", R_OK));
    slurp("/proc/self/cgroup", &buf); FACT("cgroup has a 0::/ line", strncmp(buf, "0::/", 4) == 0 || strstr(buf, "\n0::/") != NULL); free(buf);
    return 0;
}
