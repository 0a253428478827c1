// The escape suite's program, run inside `husk run`. Each case prints one line:
//   "held <case>: <what happened>"   or   "BROKEN <case>: <what happened>"
// Usage: escape all HOSTPID PORT MARKER | escape forkbomb | escape memory MIB | escape stub |
//        escape stub-mem | escape scratch-race | escape pipes | escape tmpfs | escape inotify | escape files |
//        escape own-filters | escape filter-gadget
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <setjmp.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <ucontext.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <unistd.h>

static int broken;
#define HELD(c, ...) do { printf("held %s: ", c); printf(__VA_ARGS__); printf("\n"); } while (0)
#define BROKE(c, ...) do { broken++; printf("BROKEN %s: ", c); printf(__VA_ARGS__); printf("\n"); } while (0)

static void write_host(const char *marker) {
    // The default root: writes land in the sandbox's overlay (or fail), never on the host.
    char path[256];
    snprintf(path, sizeof path, "/etc/%s-root", marker);
    int fd = open(path, O_CREAT | O_WRONLY, 0644);
    if (fd >= 0) { (void)!write(fd, "x", 1); close(fd); }
    HELD("write-root", "open(%s, O_CREAT) = %s (the test checks the host has no such file)", path, fd >= 0 ? "ok" : strerror(errno));
    // Through .. and a symlink.
    snprintf(path, sizeof path, "/tmp/../../../../etc/%s-dotdot", marker);
    fd = open(path, O_CREAT | O_WRONLY, 0644);
    if (fd >= 0) close(fd);
    symlink("/etc", "/tmp/escape-link");
    snprintf(path, sizeof path, "/tmp/escape-link/%s-symlink", marker);
    int fd2 = open(path, O_CREAT | O_WRONLY, 0644);
    if (fd2 >= 0) close(fd2);
    HELD("write-dotdot-symlink", "via .. %s, via symlink %s (the test checks the host)", fd >= 0 ? "ok" : strerror(errno), fd2 >= 0 ? "ok" : strerror(errno));
}

static void secrets(const char *marker) {
    const char *paths[] = { "/etc/shadow", "/etc/gshadow", "/root/.ssh", "/root", "/home", "/var/lib", "/sys/firmware", "/boot", NULL };
    int seen = 0;
    for (int i = 0; paths[i]; i++) {
        int fd = open(paths[i], O_RDONLY);
        if (fd >= 0) {
            struct stat st;
            fstat(fd, &st);
            // /root and /home may exist as the sandbox's own empty tmpfs; only a non-empty one is the host's.
            int host = 1;
            if (S_ISDIR(st.st_mode)) {
                DIR *d = fdopendir(fd);
                host = 0;
                struct dirent *e;
                while (d && (e = readdir(d))) if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) host = 1;
                if (d) closedir(d); else close(fd);
            } else close(fd);
            if (host) { BROKE("secrets", "%s readable", paths[i]); seen++; }
        }
    }
    char path[256];
    snprintf(path, sizeof path, "/%s-hostfile", marker);
    if (access(path, F_OK) == 0) { BROKE("secrets", "host file %s visible", path); seen++; }
    if (!seen) HELD("secrets", "shadow, /root, /home, /var/lib, /boot and the host's %s are absent or empty", path);
}

/* A procfs at `dir` (the sandbox's /proc, or one the program mounted) must list only the
   sandbox's processes and lead to no host root. */
static void proc_views_at(const char *label, const char *dir, const char *marker, pid_t hostpid) {
    // The host's sleeper runs as "<marker>-sleeper"; built here so that our own argv lacks it.
    char wanted[200];
    snprintf(wanted, sizeof wanted, "%s-%s", marker, "sleeper");
    DIR *d = opendir(dir);
    int found = 0, n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        n++;
        char p[300], buf[512];
        snprintf(p, sizeof p, "%s/%s/cmdline", dir, e->d_name);
        int fd = open(p, O_RDONLY);
        if (fd < 0) continue;
        ssize_t k = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (k > 0) { buf[k] = 0; for (ssize_t i = 0; i < k; i++) if (!buf[i]) buf[i] = ' '; if (strstr(buf, wanted)) found++; }
    }
    if (d) closedir(d);
    char p[300];
    snprintf(p, sizeof p, "%s/%d/root/etc", dir, (int)hostpid);
    if (found) BROKE(label, "a host process is listed in %s", dir);
    else HELD(label, "%d pids listed, none is a host process; %s/%d/root: %s", n, dir, (int)hostpid, access(p, F_OK) == 0 ? "exists (a sandbox pid)" : strerror(errno));
}

static void proc_views(const char *marker, pid_t hostpid) { proc_views_at("proc", "/proc", marker, hostpid); }

/* mount(2) of proc is served by the Sentry's VFS: what it mounts must be the sandbox's procfs. */
static void mount_proc(const char *marker, pid_t hostpid) {
    mkdir("/tmp/escape-proc", 0755);
    if (syscall(SYS_mount, "proc", "/tmp/escape-proc", "proc", 0, 0) != 0) {
        HELD("mount-proc", "mount: %s", strerror(errno));
        return;
    }
    proc_views_at("mount-proc", "/tmp/escape-proc", marker, hostpid);
    syscall(SYS_umount2, "/tmp/escape-proc", 0);
}

static void signals(pid_t hostpid) {
    int r1 = kill(hostpid, SIGKILL);
    int e1 = errno;
    pid_t c = fork();
    if (c == 0) { kill(-1, SIGKILL); _exit(0); }
    int st;
    waitpid(c, &st, 0);
    HELD("signals", "kill(host pid %d) = %s; kill(-1, SIGKILL) ran in a child (the test checks the host process lives)", (int)hostpid, r1 == 0 ? "0" : strerror(e1));
}

static void ptraces(pid_t hostpid) {
    long a = ptrace(PTRACE_TRACEME, 0, 0, 0);
    int ea = errno;
    long b = ptrace(PTRACE_ATTACH, hostpid, 0, 0);
    int eb = errno;
    pid_t c = fork();
    if (c == 0) { pause(); _exit(0); }
    long d = ptrace(PTRACE_ATTACH, c, 0, 0);
    int ed = errno;
    kill(c, SIGKILL);
    waitpid(c, NULL, 0);
    // Tracing a task of the sandbox is ptrace inside the sandbox, served by the Sentry (which
    // stays the host's tracer); the host pid and the Sentry stay out of reach.
    if (a == 0 || b == 0) BROKE("ptrace", "TRACEME %ld, ATTACH host %ld", a, b);
    else HELD("ptrace", "TRACEME: %s, ATTACH host pid: %s, ATTACH own child: %s (emulated by the Sentry)", strerror(ea), strerror(eb), d == 0 ? "ok" : strerror(ed));
}

static void network(int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) { HELD("network", "socket(AF_INET): %s", strerror(errno)); return; }
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int r = connect(s, (struct sockaddr *)&a, sizeof a);
    int e = errno;
    close(s);
    if (r == 0) BROKE("network", "connected to the host's 127.0.0.1:%d", port);
    else HELD("network", "connect 127.0.0.1:%d: %s", port, strerror(e));
}

static void forbidden(void) {
    struct { const char *name; long nr; long a0, a1, a2; } calls[] = {
        { "init_module", SYS_init_module, 0, 0, 0 },
        { "finit_module", SYS_finit_module, 0, 0, 0 },
        { "kexec_load", SYS_kexec_load, 0, 0, 0 },
        { "reboot", SYS_reboot, 0xfee1dead, 672274793, 0x4321fedc /* POWER_OFF */ },
        { "mount", SYS_mount, (long)"/dev/sda", (long)"/mnt", (long)"ext4" },
        { "bpf", SYS_bpf, 0, 0, 0 },
        { "perf_event_open", SYS_perf_event_open, 0, 0, -1 },
        { "io_uring_setup", SYS_io_uring_setup, 8, 0, 0 },
        { "userfaultfd", SYS_userfaultfd, 0, 0, 0 },
        { "keyctl", SYS_keyctl, 0 /* GET_KEYRING_ID */, -3, 0 },
        { "add_key", SYS_add_key, (long)"user", (long)"k", (long)"v" },
        { "open_by_handle_at", SYS_open_by_handle_at, AT_FDCWD, 0, 0 },
        { "unshare-user", SYS_unshare, CLONE_NEWUSER, 0, 0 },
        { "unshare-ns", SYS_unshare, CLONE_NEWNS | CLONE_NEWNET, 0, 0 },
        { "setns", SYS_setns, 0, 0, 0 },
        { "pivot_root", SYS_pivot_root, (long)"/tmp", (long)"/tmp", 0 },
        { "swapon", SYS_swapon, (long)"/tmp/x", 0, 0 },
        { "iopl", SYS_iopl, 3, 0, 0 },
        { "ioperm", SYS_ioperm, 0, 1024, 1 },
        { "settimeofday", SYS_settimeofday, 0, 0, 0 },
        { "syslog", SYS_syslog, 3, 0, 0 },
        { "acct", SYS_acct, (long)"/tmp/acct", 0, 0 },
        { "quotactl", SYS_quotactl, 0, 0, 0 },
        { "lookup_dcookie", SYS_lookup_dcookie, 0, 0, 0 },
        { "fanotify_init", SYS_fanotify_init, 0, 0, 0 },
        { "name_to_handle_at", SYS_name_to_handle_at, AT_FDCWD, (long)"/", 0 },
    };
    char ok[4096] = "";
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        errno = 0;
        long r = syscall(calls[i].nr, calls[i].a0, calls[i].a1, calls[i].a2, 0, 0, 0);
        if (r >= 0 && !(calls[i].nr == SYS_syslog)) {
            BROKE("forbidden", "%s returned %ld", calls[i].name, r);
        } else if (r >= 0) {
            BROKE("forbidden", "%s (read the host's kernel log) returned %ld", calls[i].name, r);
        } else {
            char one[96];
            snprintf(one, sizeof one, "%s%s=%s", ok[0] ? ", " : "", calls[i].name, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
            strncat(ok, one, sizeof ok - strlen(ok) - 1);
        }
    }
    HELD("forbidden", "%s", ok);
}

static void fds(void) {
    int open_fds = 0, first = -1;
    for (int fd = 3; fd < 1024; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF) { open_fds++; if (first < 0) first = fd; }
    }
    if (open_fds) BROKE("fds", "%d of the fds 3..1023 are open (first %d)", open_fds, first);
    else HELD("fds", "fcntl(F_GETFD) is EBADF for every fd 3..1023 (the task's host 1000/1001 are not reachable)");
}

static char racy[64];
static volatile int racing = 1;
static void *flipper(void *arg) {
    (void)arg;
    // Byte by byte, with pauses: opens see either name or a torn mix of both.
    const char *names[2] = { "/tmp/race-a", "/etc/shadow" };
    for (unsigned k = 0; racing; k++) {
        const char *n = names[k & 1];
        for (int i = 0; i < 12; i++) ((volatile char *)racy)[i] = n[i];
        for (volatile int spin = 0; spin < 2000; spin++) {}
    }
    return NULL;
}
static void race(void) {
    int fd = open("/tmp/race-a", O_CREAT | O_WRONLY, 0644);
    (void)!write(fd, "A", 1);
    close(fd);
    memcpy(racy, "/tmp/race-a", 12);
    pthread_t t;
    pthread_create(&t, NULL, flipper, NULL);
    int a = 0, other = 0, failed = 0;
    for (int i = 0; i < 2000; i++) {
        fd = open(racy, O_RDONLY);
        if (fd < 0) { failed++; continue; }
        char c = 0;
        (void)!read(fd, &c, 1);
        close(fd);
        if (c == 'A') a++; else other++;
    }
    racing = 0;
    pthread_join(t, NULL);
    if (other) BROKE("race", "%d opens read something other than /tmp/race-a", other);
    else HELD("race", "2000 opens while a thread rewrote the path: %d got /tmp/race-a, %d failed (ENOENT for the other name), none reached anything else", a, failed);
}

static void chroot_escape(const char *marker) {
    mkdir("/tmp/jail", 0755);
    int r = chroot("/tmp/jail");
    int e = errno;
    for (int i = 0; i < 16; i++) (void)!chdir("..");
    int r2 = chroot(".");
    char path[256];
    snprintf(path, sizeof path, "/%s-hostfile", marker);
    int visible = access(path, F_OK) == 0;
    int shadow = access("/etc/shadow", F_OK) == 0;
    if (visible || shadow) BROKE("chroot", "after chroot + chdir(..) x16 + chroot(.): host file %s, shadow %s", visible ? "visible" : "absent", shadow ? "visible" : "absent");
    else HELD("chroot", "chroot(/tmp/jail) %s, then chdir(..) x16 and chroot(.) %s: still the sandbox's root (host files absent)", r == 0 ? "ok" : strerror(e), r2 == 0 ? "ok" : strerror(errno));
}

static void devices(void) {
    const char *paths[] = { "/dev/mem", "/dev/kmem", "/dev/port", "/dev/sda", "/dev/vda", "/dev/nvme0n1", "/dev/xvda", "/dev/kmsg", NULL };
    int bad = 0;
    char list[512] = "";
    for (int i = 0; paths[i]; i++) {
        int fd = open(paths[i], O_RDONLY);
        if (fd >= 0) { BROKE("devices", "%s opened", paths[i]); bad++; close(fd); }
        else { strncat(list, paths[i], sizeof list - strlen(list) - 1); strncat(list, " ", sizeof list - strlen(list) - 1); }
    }
    // A block device made by hand must not reach the host's disk.
    int m = mknod("/tmp/disk", S_IFBLK | 0600, makedev(8, 0));
    int me = errno;
    int fd = open("/tmp/disk", O_RDONLY);
    if (fd >= 0) {
        char b[512];
        ssize_t n = read(fd, b, sizeof b);
        if (n > 0) { BROKE("devices", "mknod b 8 0 read %zd bytes of a host disk", n); bad++; }
        close(fd);
    }
    if (!bad) HELD("devices", "absent: %s; mknod(b 8:0): %s, open: %s", list, m == 0 ? "ok" : strerror(me), fd >= 0 ? "no data" : strerror(errno));
}

// The stub Husk maps in every task (its `syscall` gadget and scratch page), at a fixed address.
#define STUB ((char *)0x10000000)
#define STUB_LEN 0x11000

static int mapping_refused(const char *what, long r, int *bad, char *list, size_t cap) {
    int refused = r == -1;
    if (!refused) { BROKE("stub", "%s succeeded", what); (*bad)++; }
    else { strncat(list, what, cap - strlen(list) - 1); strncat(list, " ", cap - strlen(list) - 1); }
    return refused;
}

static int file_mmap_works(void) {
    int fd = open("/etc/hostname", O_RDONLY);
    if (fd < 0) return 0;
    char *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) return 0;
    int ok = p[0] != 0;
    munmap(p, 4096);
    return ok;
}

static int stub(void) {
    // Every call that changes mappings, aimed at the stub's pages, must fail; a file mmap (which
    // injects through the stub) and a fork child's file mmap and exec must work afterwards.
    int bad = 0;
    char list[1024] = "";
    size_t cap = sizeof list;
    mapping_refused("mprotect(rwx)", mprotect(STUB, 4096, PROT_READ | PROT_WRITE | PROT_EXEC), &bad, list, cap);
    mapping_refused("mprotect(none)", mprotect(STUB + 0x1000, 4096, PROT_NONE), &bad, list, cap);
    mapping_refused("munmap(code)", munmap(STUB, 4096), &bad, list, cap);
    mapping_refused("munmap(scratch)", munmap(STUB + 0x1000, 0x10000), &bad, list, cap);
    mapping_refused("munmap(0..512M)", munmap(NULL, 0x20000000), &bad, list, cap);
    mapping_refused("mprotect(below..over)", mprotect(STUB - 0x100000, 0x200000, PROT_READ), &bad, list, cap);
    mapping_refused("mremap(move)", (long)mremap(STUB, 4096, 8192, MREMAP_MAYMOVE), &bad, list, cap);
    char *own = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mapping_refused("mremap(onto)", (long)mremap(own, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, STUB), &bad, list, cap);
    mapping_refused("madvise(DONTFORK)", madvise(STUB, 4096, MADV_DONTFORK), &bad, list, cap);
    mapping_refused("madvise(DONTNEED)", madvise(STUB + 0x1000, 4096, MADV_DONTNEED), &bad, list, cap);
    mapping_refused("madvise(WIPEONFORK)", madvise(STUB + 0x1000, 4096, 18 /* MADV_WIPEONFORK */), &bad, list, cap);
    mapping_refused("mmap(anon FIXED)", (long)mmap(STUB, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), &bad, list, cap);
    int fd = open("/etc/hostname", O_RDONLY);
    mapping_refused("mmap(file FIXED)", (long)mmap(STUB, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, fd, 0), &bad, list, cap);
    close(fd);
    mapping_refused("pkey_mprotect", syscall(SYS_pkey_mprotect, STUB, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, 0), &bad, list, cap);
    int shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    mapping_refused("shmat(REMAP)", shm >= 0 ? (long)shmat(shm, STUB, SHM_REMAP) : -1, &bad, list, cap);
    mapping_refused("brk(stub)", syscall(SYS_brk, STUB) == (long)STUB ? 0 : -1, &bad, list, cap);
    // Writing the gadget directly faults: the code page stays read-only.
    pid_t w = fork();
    if (w == 0) { *(volatile char *)(STUB + 0xe8) = (char)0xcc; _exit(0); }
    int st = 0;
    waitpid(w, &st, 0);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV) { BROKE("stub", "a write to the gadget did not fault (status %#x)", st); bad++; }
    // The gadget is intact; ranges away from the stub still work, low and high.
    const unsigned char *g = (const unsigned char *)STUB + 0xe8;
    if (g[0] != 0x0f || g[1] != 0x05) { BROKE("stub", "gadget changed: %02x %02x", g[0], g[1]); bad++; }
    char *low = mmap((char *)0x200000, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (low != (char *)0x200000 || mprotect(low, 4096, PROT_READ) || madvise(low, 8192, MADV_DONTNEED) || munmap(low, 8192)) {
        BROKE("stub", "a low MAP_FIXED range away from the stub failed: %s", strerror(errno)); bad++;
    }
    char *high = mmap(STUB + STUB_LEN, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (high == MAP_FAILED || munmap(high, 4096)) { BROKE("stub", "the page right above the stub failed: %s", strerror(errno)); bad++; }
    if (!file_mmap_works()) { BROKE("stub", "a file mmap failed afterwards"); bad++; }
    pid_t c = fork();
    if (c == 0) {
        if (!file_mmap_works()) _exit(3);
        execl("/bin/true", "true", (char *)NULL);
        _exit(4);
    }
    waitpid(c, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { BROKE("stub", "a fork child's file mmap and exec failed (status %#x)", st); bad++; }
    if (!bad) HELD("stub", "refused: %sa gadget write faults; low/high ranges, file mmap, fork + exec work", list);
    return bad;
}

// The stub through /proc/PID/mem and PTRACE_POKETEXT, which write with FOLL_FORCE (past the
// code page's read-only protection on the host): the gadget and scratch stay out of reach,
// for the program itself and for a tracer of a stopped child; injections go on working.
static int stub_mem_refused(const char *what, int fd, off_t at, size_t len, int *bad, char *list, size_t cap) {
    char junk[64];
    memset(junk, 0xcc, sizeof junk);
    errno = 0;
    ssize_t r = pwrite(fd, junk, len, at);
    if (r >= 0) { BROKE("stub-mem", "%s wrote %zd bytes", what, r); (*bad)++; return 0; }
    char item[96];
    snprintf(item, sizeof item, "%s(%s) ", what, strerrorname_np(errno));
    strncat(list, item, cap - strlen(list) - 1);
    return 1;
}

static int stub_mem(void) {
    int bad = 0;
    char list[1024] = "";
    size_t cap = sizeof list;
    int fd = open("/proc/self/mem", O_RDWR);
    if (fd < 0) { BROKE("stub-mem", "open /proc/self/mem: %s", strerror(errno)); return 1; }
    stub_mem_refused("gadget", fd, (off_t)(STUB + 0xe8), 3, &bad, list, cap);
    stub_mem_refused("code page", fd, (off_t)STUB, 64, &bad, list, cap);
    stub_mem_refused("scratch", fd, (off_t)(STUB + 0x1000), 64, &bad, list, cap);
    stub_mem_refused("last scratch byte", fd, (off_t)(STUB + STUB_LEN - 1), 1, &bad, list, cap);
    // A write that starts below the stub stops where it begins.
    char *below = mmap(STUB - 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (below == STUB - 4096) {
        char junk[64];
        memset(junk, 0xcc, sizeof junk);
        ssize_t r = pwrite(fd, junk, sizeof junk, (off_t)(STUB - 16));
        if (r != 16) { BROKE("stub-mem", "a write across the stub's start wrote %zd bytes, not 16", r); bad++; }
        else strncat(list, "across-the-start(16 of 64) ", cap - strlen(list) - 1);
        munmap(below, 4096);
    }
    unsigned char g[3] = {0};
    if (pread(fd, g, 3, (off_t)(STUB + 0xe8)) != 3 || g[0] != 0x0f || g[1] != 0x05 || g[2] != 0xcc) {
        BROKE("stub-mem", "gadget reads %02x %02x %02x", g[0], g[1], g[2]); bad++;
    }
    close(fd);
    // A tracer and its stopped child.
    pid_t c = fork();
    if (c == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        _exit(file_mmap_works() ? 0 : 3);
    }
    int st = 0;
    waitpid(c, &st, 0);
    errno = 0;
    long r = ptrace(PTRACE_POKETEXT, c, STUB + 0xe8, 0xccccccccccccccccL);
    if (r == 0) { BROKE("stub-mem", "PTRACE_POKETEXT into the child's gadget succeeded"); bad++; }
    else { strncat(list, "POKETEXT(", cap - strlen(list) - 1); strncat(list, strerrorname_np(errno), cap - strlen(list) - 1); strncat(list, ") ", cap - strlen(list) - 1); }
    r = ptrace(PTRACE_POKEDATA, c, STUB + 0x1000, 0L);
    if (r == 0) { BROKE("stub-mem", "PTRACE_POKEDATA into the child's scratch succeeded"); bad++; }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", c);
    int cfd = open(path, O_RDWR);
    if (cfd < 0) { BROKE("stub-mem", "open %s: %s", path, strerror(errno)); bad++; }
    else { stub_mem_refused("child's gadget", cfd, (off_t)(STUB + 0xe8), 3, &bad, list, cap); close(cfd); }
    ptrace(PTRACE_CONT, c, 0, 0);
    waitpid(c, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) { BROKE("stub-mem", "the child's file mmap after the attempts failed (status %#x)", st); bad++; }
    if (!file_mmap_works()) { BROKE("stub-mem", "a file mmap failed afterwards"); bad++; }
    if (!bad) HELD("stub-mem", "refused: %s; the gadget reads intact, file mmap works in both", list);
    return bad;
}

static volatile int hammering = 1;
static void *hammer_scratch(void *arg) {
    // Rewrite the scratch page where the Sentry's fd installation reads the received fd number
    // (and its msghdr), so that it would act on a forged number.
    volatile int *scratch = (volatile int *)(STUB + 0x1000);
    int forged = *(int *)arg;
    while (hammering) {
        scratch[112 / 4] = forged;      // cmsg data: the fd number
        scratch[32 / 4] = 0x1000;       // msg_control's low half
    }
    return NULL;
}

static int scratch_race(void) {
    // A child races file mmaps against a thread forging the scratch page; whatever happens to
    // the child (it may be killed), the Sentry must carry on: execs and file mmaps still work.
    int outcome[3] = {0, 0, 0};
    for (int forged = 1000; forged <= 1002; forged++) {
        pid_t c = fork();
        if (c == 0) {
            int arg = forged == 1002 ? 0 : forged;
            pthread_t t;
            pthread_create(&t, NULL, hammer_scratch, &arg);
            for (int i = 0; i < 3000; i++) file_mmap_works();
            hammering = 0;
            pthread_join(t, NULL);
            _exit(0);
        }
        int st = 0;
        waitpid(c, &st, 0);
        outcome[forged - 1000] = WIFSIGNALED(st) ? WTERMSIG(st) : 1000 + WEXITSTATUS(st);
    }
    int bad = 0;
    for (int i = 0; i < 3; i++) {
        pid_t c = fork();
        if (c == 0) { execl("/bin/true", "true", (char *)NULL); _exit(4); }
        int st = 0;
        waitpid(c, &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) bad++;
    }
    if (!file_mmap_works()) bad++;
    if (bad) BROKE("scratch-race", "after the race %d execs or file mmaps failed", bad);
    else HELD("scratch-race", "children ended with %d %d %d (9 = killed by the Sentry, 1000 = finished); execs and file mmaps work after", outcome[0], outcome[1], outcome[2]);
    return bad;
}

static void count_sigsys(int sig) { (void)sig; }

/* A filter giving `action` to the calls the Sentry injects (recvmsg, mmap, close, execveat,
 * seccomp, waitid, rt_sigtimedwait): from anywhere (`at_gadget` 0), or only from the stub's
 * gadget (1), whatever the number. */
static long hostile_filter(unsigned action, int at_gadget) {
    unsigned long gadget = (unsigned long)STUB + 0xe8 + 2;   /* after the gadget's syscall instruction (StubELF.gadgetOffset) */
    struct sock_filter by_nr[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_recvmsg, 6, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 5, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_execveat, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_waitid, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, action),
    };
    struct sock_filter by_ip[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)gadget, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)(gadget >> 32), 0, 1),
        BPF_STMT(BPF_RET | BPF_K, action),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = at_gadget ? (struct sock_fprog){ sizeof by_ip / sizeof by_ip[0], by_ip }
                                       : (struct sock_fprog){ sizeof by_nr / sizeof by_nr[0], by_nr };
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static sigjmp_buf gadget_return;
static long gadget_rax;
static void gadget_trapped(int sig, siginfo_t *si, void *ctx) {
    (void)sig; (void)si;
    gadget_rax = ((ucontext_t *)ctx)->uc_mcontext.gregs[REG_RAX];
    siglongjmp(gadget_return, 1);
}

/* Runs syscall `nr` (one argument) from the stub's gadget, the way the Sentry's injections do:
 * the gadget is `syscall; int3`, so its int3 comes back here with the result in rax. */
static long via_gadget(long nr, long a0) {
    struct sigaction sa = {0}, old;
    sa.sa_sigaction = gadget_trapped;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGTRAP, &sa, &old);
    if (!sigsetjmp(gadget_return, 1)) {
        register long rax asm("rax") = nr;
        register long rdi asm("rdi") = a0;
        asm volatile("jmp *%2" : : "r"(rax), "r"(rdi), "r"((long)STUB + 0xe8) : "memory");
        __builtin_unreachable();
    }
    sigaction(SIGTRAP, &old, NULL);
    return gadget_rax;
}

static int own_filters(void) {
    // The program's own seccomp filters meet the Sentry's injected calls: each filter refuses
    // (ERRNO, ERRNO 0), traps, kills or traces them while the child mmaps files, execs,
    // installs another filter and waits. The child may fail or die; the Sentry must carry on
    // (execs and file mmaps of the unfiltered parent work after every child).
    const unsigned actions[] = { SECCOMP_RET_ERRNO | EPERM, SECCOMP_RET_ERRNO | 0, SECCOMP_RET_TRAP | 1,
                                 SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRACE | 9, SECCOMP_RET_USER_NOTIF };
    const int nactions = sizeof actions / sizeof actions[0];
    char report[1024] = "";
    int bad = 0;
    for (int at_gadget = 0; at_gadget < 2; at_gadget++) {
        for (int i = 0; i < nactions; i++) {
            pid_t c = fork();
            if (c == 0) {
                signal(SIGSYS, count_sigsys);
                alarm(20);
                if (hostile_filter(actions[i], at_gadget) != 0) _exit(40);
                int mapped = file_mmap_works();
                pid_t e = fork();
                if (e == 0) { execl("/bin/true", "true", (char *)NULL); _exit(41); }
                int st = 0;
                if (e > 0) waitpid(e, &st, 0);
                siginfo_t si;
                syscall(SYS_waitid, P_ALL, 0, &si, WEXITED | WNOHANG, NULL);
                sigset_t set;
                sigemptyset(&set);
                sigaddset(&set, SIGUSR1);
                struct timespec zero = {0, 0};
                sigtimedwait(&set, NULL, &zero);
                hostile_filter(SECCOMP_RET_ALLOW, 0);
                _exit(mapped ? 10 : 11);
            }
            int st = 0;
            if (waitpid(c, &st, 0) != c) { bad++; continue; }
            if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM) { bad++; BROKE("own-filters", "a child hung (action %#x)", actions[i]); }
            snprintf(report + strlen(report), sizeof report - strlen(report), "%s%s", i || at_gadget ? " " : "",
                     WIFSIGNALED(st) ? (WTERMSIG(st) == SIGKILL ? "k" : "s") : WEXITSTATUS(st) == 10 ? "m" : "e");
            for (int j = 0; j < 2; j++) {
                pid_t t = fork();
                if (t == 0) { execl("/bin/true", "true", (char *)NULL); _exit(4); }
                int ts = 0;
                waitpid(t, &ts, 0);
                if (!WIFEXITED(ts) || WEXITSTATUS(ts) != 0) bad++;
            }
            if (!file_mmap_works()) bad++;
        }
    }
    if (bad) BROKE("own-filters", "after hostile filters %d execs, file mmaps or waits failed (%s)", bad, report);
    else HELD("own-filters", "children ended: %s (m mapped, e failed, k SIGKILL, s other signal); execs and file mmaps work after", report);
    return bad;
}

static int filter_gadget(void) {
    // The gadget does not get a program past its own filter: a call from there stops at the
    // Sentry, which runs the filter itself (a native call and a served one).
    int bad = 0;
    pid_t c = fork();
    if (c == 0) {
        struct sock_filter f[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sched_yield, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_uname, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = { sizeof f / sizeof f[0], f };
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) _exit(50);
        static struct utsname u;
        long y = via_gadget(SYS_sched_yield, 0), n = via_gadget(SYS_uname, (long)&u);
        _exit(y == -EPERM && n == -EACCES ? 0 : y == -EPERM ? 51 : 52);
    }
    int cs = 0;
    waitpid(c, &cs, 0);
    if (!WIFEXITED(cs) || WEXITSTATUS(cs) != 0) { bad++; BROKE("filter-gadget", "a call from the gadget passed the program's own filter (status %#x)", cs); }
    else HELD("filter-gadget", "sched_yield (native) and uname (served) from the gadget got the filter's errnos");
    return bad;
}

static int forkbomb(void) {
    // Fork until the pids limit says no; every child waits to be killed with the sandbox.
    int n = 0, err = 0;
    for (int i = 0; i < 100000; i++) {
        pid_t p = fork();
        if (p == 0) { pause(); _exit(0); }
        if (p < 0) { err = errno; break; }
        n++;
    }
    printf("held forkbomb: fork failed after %d children: %s\n", n, err ? strerror(err) : "never");
    fflush(stdout);
    return err ? 0 : 1;
}

static int memory(long mib) {
    // Touch mib MiB, one page at a time; the memory limit ends it with SIGKILL (OOM).
    long touched = 0;
    for (long i = 0; i < mib; i++) {
        char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) { printf("held memory: mmap failed after %ld MiB: %s\n", touched, strerror(errno)); return 0; }
        for (long o = 0; o < (1 << 20); o += 4096) p[o] = 1;
        touched++;
    }
    printf("BROKEN memory: touched %ld MiB\n", touched);
    return 1;
}

static int pipes(void) {
    // Pipes grown to 1 MiB and filled, never read: the Sentry holds their pages. Its memory
    // account must refuse a write or a resize before the memory limit kills the Sentry.
    static char chunk[65536];
    memset(chunk, 'p', sizeof chunk);
    int n = 0, grown = 0, err = 0;
    long bytes = 0;
    const char *what = "";
    while (n < 500 && !err) {
        int p[2];
        if (pipe2(p, O_NONBLOCK) != 0) { err = errno; what = "pipe"; break; }
        n++;
        if (fcntl(p[1], F_SETPIPE_SZ, 1 << 20) >= 0) grown++;
        else if (errno != EPERM) { err = errno; what = "F_SETPIPE_SZ"; break; }
        for (;;) {
            ssize_t w = write(p[1], chunk, sizeof chunk);
            if (w > 0) { bytes += w; continue; }
            if (errno != EAGAIN) { err = errno; what = "write"; }
            break;
        }
    }
    if (!err) { printf("BROKEN pipes: %d pipes (%d grown to 1 MiB) hold %ld MiB without an error\n", n, grown, bytes >> 20); return 1; }
    printf("held pipes: %d pipes (%d grown to 1 MiB) hold %ld MiB, then %s failed: %s\n", n, grown, bytes >> 20, what, strerrorname_np(err));
    return 0;
}

static int tmpfs(void) {
    // Up to 64 MiB into a file on each of the sandbox's tmpfs mounts: together they are one
    // account, so the writes end in ENOSPC, and unlinking gives the space back.
    static char chunk[1 << 20];
    memset(chunk, 't', sizeof chunk);
    const char *dirs[] = { "/tmp", "/var/tmp", "/dev/shm", "/root", "/run", "/home", NULL };
    char report[512] = "", path[64];
    long total = 0;
    int nospace = 0, other = 0;
    for (int i = 0; dirs[i]; i++) {
        snprintf(path, sizeof path, "%s/escape-fill", dirs[i]);
        int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
        int err = fd < 0 ? errno : 0;
        long mib = 0;
        while (fd >= 0 && mib < 64) {
            ssize_t w = write(fd, chunk, sizeof chunk);
            if (w < 0) { err = errno; break; }
            if (w < (ssize_t)sizeof chunk) { total += w; err = ENOSPC; break; }  // a short write: full
            mib++;
            total += w;
        }
        if (fd >= 0) close(fd);
        if (err == ENOSPC) nospace++; else if (err) other++;
        snprintf(report + strlen(report), sizeof report - strlen(report), "%s%s %ld MiB%s%s", i ? ", " : "", dirs[i], mib,
                 err ? " then " : "", err ? strerrorname_np(err) : "");
    }
    for (int i = 0; dirs[i]; i++) { snprintf(path, sizeof path, "%s/escape-fill", dirs[i]); unlink(path); }
    int fd = open("/tmp/escape-fill", O_CREAT | O_WRONLY, 0600);
    ssize_t again = fd >= 0 ? write(fd, chunk, sizeof chunk) : -1;
    if (fd >= 0) close(fd);
    unlink("/tmp/escape-fill");
    if (!nospace || other || again != (ssize_t)sizeof chunk) {
        printf("BROKEN tmpfs: %s; %ld MiB in all; 1 MiB after unlinking: %s\n", report, total >> 20, again < 0 ? strerror(errno) : "written");
        return 1;
    }
    printf("held tmpfs: %s; %ld MiB in all; 1 MiB after unlinking: written\n", report, total >> 20);
    return 0;
}

static int inotify(void) {
    // As many inotify instances as allowed, all watching /tmp, and files made and removed there
    // with long names while nobody reads: the queues must overflow (IN_Q_OVERFLOW), not grow the
    // Sentry until the memory limit kills it.
    static int fds[1024];
    int n = 0, ierr = 0;
    while (n < 1000) {
        int fd = inotify_init1(IN_NONBLOCK);
        if (fd < 0) { ierr = errno; break; }
        fds[n++] = fd;
        if (inotify_add_watch(fd, "/tmp", IN_CREATE | IN_DELETE) < 0) { ierr = errno; break; }
    }
    char path[300], name[220];
    memset(name, 'n', 200);
    int made = 0, ferr = 0;
    for (int i = 0; i < 10000; i++) {
        snprintf(path, sizeof path, "/tmp/%.200s%d", name, i);
        int fd = open(path, O_CREAT | O_WRONLY, 0600);
        if (fd < 0) { ferr = errno; break; }
        close(fd);
        unlink(path);
        made++;
    }
    // The first instance's queue: its events, ending in one IN_Q_OVERFLOW.
    static char buf[65536];
    long events = 0;
    int overflow = 0;
    ssize_t r;
    while ((r = read(fds[0], buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + r; ) {
            struct inotify_event *e = (struct inotify_event *)p;
            if (e->mask & IN_Q_OVERFLOW) overflow = 1; else events++;
            p += sizeof *e + e->len;
        }
    }
    printf("%s inotify: %d instances (then %s), %d files made and removed (then %s); the first queue held %ld events%s\n",
           overflow ? "held" : "BROKEN", n, ierr ? strerrorname_np(ierr) : "no error", made, ferr ? strerrorname_np(ferr) : "no error",
           events, overflow ? " and IN_Q_OVERFLOW" : ", no overflow");
    return overflow ? 0 : 1;
}

static int files(void) {
    // RLIMIT_NOFILE raised to 2^20 and /dev/null opened until the Sentry says no: its fd tables
    // are charged to the memory account, so that ends in ENOMEM, not at the memory limit.
    struct rlimit r = { 1 << 20, 1 << 20 };
    int raised = setrlimit(RLIMIT_NOFILE, &r) == 0;
    int n = 0, err = 0;
    while (n < (1 << 20)) {
        if (open("/dev/null", O_RDONLY) < 0) { err = errno; break; }
        n++;
    }
    if (!err) { printf("BROKEN files: %d files open without an error\n", n); return 1; }
    printf("held files: RLIMIT_NOFILE %s, %d files open, then open failed: %s\n", raised ? "raised to 2^20" : "not raised", n, strerrorname_np(err));
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc >= 2 && !strcmp(argv[1], "forkbomb")) return forkbomb();
    if (argc >= 3 && !strcmp(argv[1], "memory")) return memory(atol(argv[2]));
    if (argc >= 2 && !strcmp(argv[1], "stub")) return stub() ? 1 : 0;
    if (argc >= 2 && !strcmp(argv[1], "stub-mem")) return stub_mem() ? 1 : 0;
    if (argc >= 2 && !strcmp(argv[1], "scratch-race")) return scratch_race() ? 1 : 0;
    if (argc >= 2 && !strcmp(argv[1], "pipes")) return pipes();
    if (argc >= 2 && !strcmp(argv[1], "tmpfs")) return tmpfs();
    if (argc >= 2 && !strcmp(argv[1], "inotify")) return inotify();
    if (argc >= 2 && !strcmp(argv[1], "files")) return files();
    if (argc >= 2 && !strcmp(argv[1], "own-filters")) return own_filters() ? 1 : 0;
    if (argc >= 2 && !strcmp(argv[1], "filter-gadget")) return filter_gadget() ? 1 : 0;
    if (argc < 5 || strcmp(argv[1], "all")) { fprintf(stderr, "usage: escape all HOSTPID PORT MARKER | forkbomb | memory MIB | stub | stub-mem | scratch-race | pipes | tmpfs | inotify | files\n"); return 2; }
    pid_t hostpid = (pid_t)atoi(argv[2]);
    int port = atoi(argv[3]);
    const char *marker = argv[4];
    write_host(marker);
    secrets(marker);
    proc_views(marker, hostpid);
    mount_proc(marker, hostpid);
    ptraces(hostpid);
    network(port);
    forbidden();
    fds();
    race();
    devices();
    signals(hostpid);
    chroot_escape(marker);   // last: it changes the root
    printf("%d broken\n", broken);
    return broken ? 1 : 0;
}
