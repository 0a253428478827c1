#define _GNU_SOURCE
#include "chusk_sandbox.h"
#include "chusk_base.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <stdio.h>
#include <grp.h>
#include <malloc.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <poll.h>
#include <sys/prctl.h>
#include <asm/termbits.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static void child_fail(int err_fd, int err) {
    ssize_t r = write(err_fd, &err, sizeof err);
    (void)r;
    _exit(125);
}

void chusk_reset_signals(void) {
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int s = 1; s < NSIG; s++) {
        if (s == SIGKILL || s == SIGSTOP) continue;
        signal(s, SIG_DFL);
    }
}

// Runs in the child only, no allocation: everything up to the exec (or, in the parts'
// zygote, up to the part's entry). Returns the error pipe's fd (moved clear of the targets)
// and puts the binary's fd, moved too, in *exe_out. A source whose target is
// CHUSK_JOIN_CGROUP is a cgroup v1 `tasks` file: once released, the child moves itself there
// by writing "0" (docs/startup.md "cgroup join") and closes it.
static int spawn_setup(int exe_fd, const int32_t *fd_src, const int32_t *fd_dst, int nfds,
                       unsigned long unshare_flags, int netns_fd, int want_setsid, int sync_read, int err_write,
                       int *exe_out) {
    // Close every fd this child does not need right away, not just at exec: while it waits
    // it must not keep a sibling's pipe ends open (the parent would never see their EOF).
    {
        int keep[70], nk = 0;
        if (nfds > 64) child_fail(err_write, EINVAL);
        for (int i = 0; i < nfds; i++) keep[nk++] = fd_src[i];
        if (exe_fd >= 0) keep[nk++] = exe_fd;
        keep[nk++] = sync_read;
        keep[nk++] = err_write;
        if (netns_fd >= 0) keep[nk++] = netns_fd;
        for (int i = 1; i < nk; i++) {          // insertion sort, nk is tiny
            int v = keep[i], j = i - 1;
            while (j >= 0 && keep[j] > v) { keep[j + 1] = keep[j]; j--; }
            keep[j + 1] = v;
        }
        unsigned int from = 0;
        for (int i = 0; i < nk; i++) {
            if (keep[i] < 0) continue;
            if ((unsigned int)keep[i] > from) syscall(SYS_close_range, from, (unsigned int)keep[i] - 1, 0U);
            from = (unsigned int)keep[i] + 1;
        }
        syscall(SYS_close_range, from, ~0U, 0U);
    }
    char byte;
    ssize_t n;
    do { n = read(sync_read, &byte, 1); } while (n < 0 && errno == EINTR);
    if (n != 1) _exit(125);  // parent gave up (or died): never exec
    // Into the sandbox's cgroup before anything else. The child is single-threaded and names
    // itself ("0"), so the kernel skips the global cgroup_threadgroup_rwsem and its RCU grace
    // period, which a write of a pid to cgroup.procs pays.
    for (int i = 0; i < nfds; i++) {
        if (fd_dst[i] != CHUSK_JOIN_CGROUP) continue;
        ssize_t w;
        do { w = write(fd_src[i], "0", 1); } while (w < 0 && errno == EINTR);
        if (w != 1) child_fail(err_write, CHUSK_JOIN_CGROUP_FAILED | (w < 0 ? errno : EIO));
        close(fd_src[i]);
    }
    if (netns_fd >= 0) {
        if (setns(netns_fd, CLONE_NEWNET) != 0) child_fail(err_write, errno);
        close(netns_fd);
    }
    if (unshare_flags && unshare((int)unshare_flags) != 0) child_fail(err_write, errno);
    if (want_setsid && setsid() < 0) child_fail(err_write, errno);
    // Copy every source above all sources and targets first, so installing one target can
    // never clobber a source still to be installed.
    int base = 3;
    for (int i = 0; i < nfds; i++) {
        if (fd_dst[i] < 0) continue;
        if (fd_src[i] >= base) base = fd_src[i] + 1;
        if (fd_dst[i] >= base) base = fd_dst[i] + 1;
    }
    if (exe_fd >= base) base = exe_fd + 1;
    if (sync_read >= base) base = sync_read + 1;
    if (err_write >= base) base = err_write + 1;
    // The binary's fd may be one of the targets: move it out of the way first.
    if (exe_fd >= 0) {
        exe_fd = fcntl(exe_fd, F_DUPFD_CLOEXEC, base);
        if (exe_fd < 0) child_fail(err_write, errno);
        base = exe_fd + 1;
    }
    if (err_write < 64 + base) {
        // Keep the error pipe clear of the targets too.
        int e = fcntl(err_write, F_DUPFD_CLOEXEC, base);
        if (e < 0) child_fail(err_write, errno);
        err_write = e;
        base = e + 1;
    }
    int tmp[64];
    if (nfds > 64) child_fail(err_write, EINVAL);
    for (int i = 0; i < nfds; i++) {
        if (fd_dst[i] < 0) continue;
        tmp[i] = fcntl(fd_src[i], F_DUPFD_CLOEXEC, base);
        if (tmp[i] < 0) child_fail(err_write, errno);
    }
    for (int i = 0; i < nfds; i++) {
        if (fd_dst[i] < 0) continue;
        if (dup2(tmp[i], fd_dst[i]) < 0) child_fail(err_write, errno);
    }
    // Everything not in the map closes at exec (err_write too: EOF tells the parent exec worked).
    if (syscall(SYS_close_range, 0U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
        for (int fd = 0; fd < 4096; fd++) fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    for (int i = 0; i < nfds; i++) if (fd_dst[i] >= 0) fcntl(fd_dst[i], F_SETFD, 0);
    chusk_reset_signals();
    *exe_out = exe_fd;
    return err_write;
}

// Runs in the child only: no allocation, no return.
static void spawn_child(int exe_fd, const char *path, char *const argv[], char *const envp[],
                        const int32_t *fd_src, const int32_t *fd_dst, int nfds,
                        unsigned long unshare_flags, int netns_fd, int want_setsid, int sync_read, int err_write) {
    err_write = spawn_setup(exe_fd, fd_src, fd_dst, nfds, unshare_flags, netns_fd, want_setsid, sync_read, err_write, &exe_fd);
    if (exe_fd >= 0) {
        syscall(SYS_execveat, exe_fd, "", argv, envp, AT_EMPTY_PATH);
    } else {
        execve(path, argv, envp);
    }
    child_fail(err_write, errno);
}

pid_t chusk_zygote_clone(const int32_t *fd_src, const int32_t *fd_dst, int nfds,
                         unsigned long clone_flags, unsigned long unshare_flags, int netns_fd, int want_setsid,
                         int sync_read, int err_write) {
    if (nfds < 0 || nfds > 64) return -EINVAL;
    // CLONE_PARENT: the part is husk run's child, as if husk run had spawned it.
    long pid = syscall(SYS_clone, clone_flags | CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
    if (pid != 0) return pid < 0 ? -errno : (pid_t)pid;
    int unused = -1;
    spawn_setup(-1, fd_src, fd_dst, nfds, unshare_flags, netns_fd, want_setsid, sync_read, err_write, &unused);
    // No exec closes the rest: close every fd but the targets now. The error pipe goes with
    // them, and its EOF tells husk run the part started.
    int sorted[64], ns = 0;
    for (int i = 0; i < nfds; i++) {
        if (fd_dst[i] < 0) continue;
        int v = fd_dst[i], j = ns - 1;
        while (j >= 0 && sorted[j] > v) { sorted[j + 1] = sorted[j]; j--; }
        sorted[j + 1] = v;
        ns++;
    }
    unsigned int from = 0;
    for (int i = 0; i < ns; i++) {
        if ((unsigned int)sorted[i] > from) syscall(SYS_close_range, from, (unsigned int)sorted[i] - 1, 0U);
        from = (unsigned int)sorted[i] + 1;
    }
    syscall(SYS_close_range, from, ~0U, 0U);
    return 0;
}

void chusk_set_cmdline(char *area, size_t area_len, const char *text, size_t text_len) {
    if (area_len == 0) return;
    size_t n = text_len < area_len - 1 ? text_len : area_len - 1;
    memcpy(area, text, n);
    memset(area + n, 0, area_len - n);
}

pid_t chusk_spawn(int exe_fd, const char *path, char *const argv[], char *const envp[],
                  const int32_t *fd_src, const int32_t *fd_dst, int nfds,
                  unsigned long clone_flags, unsigned long unshare_flags, int netns_fd, int want_setsid,
                  int *sync_write_fd, int *err_read_fd) {
    int sync[2], err[2];
    if (pipe2(sync, O_CLOEXEC) != 0) return -errno;
    if (pipe2(err, O_CLOEXEC) != 0) { int e = errno; close(sync[0]); close(sync[1]); return -e; }
    long pid = syscall(SYS_clone, clone_flags | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) {
        int e = errno;
        close(sync[0]); close(sync[1]); close(err[0]); close(err[1]);
        return -e;
    }
    if (pid == 0) {
        close(sync[1]);
        close(err[0]);
        spawn_child(exe_fd, path, argv, envp, fd_src, fd_dst, nfds, unshare_flags, netns_fd, want_setsid,
                    sync[0], err[1]);
        _exit(125);
    }
    close(sync[0]);
    close(err[1]);
    *sync_write_fd = sync[1];
    *err_read_fd = err[0];
    return (pid_t)pid;
}

_Static_assert(CHUSK_SB_O_PATH == O_PATH, "O_PATH");

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    ssize_t len = (ssize_t)strlen(text);
    ssize_t n = write(fd, text, (size_t)len);
    int e = errno;
    close(fd);
    return n == len ? 0 : (n < 0 ? -e : -EIO);
}

int chusk_userns_netns(unsigned int uid, unsigned int gid, int *user_fd, int *net_fd) {
    int ready[2], go[2];
    if (pipe2(ready, O_CLOEXEC) != 0) return -errno;
    if (pipe2(go, O_CLOEXEC) != 0) { int e = errno; close(ready[0]); close(ready[1]); return -e; }
    pid_t pid = fork();
    if (pid < 0) { int e = errno; close(ready[0]); close(ready[1]); close(go[0]); close(go[1]); return -e; }
    if (pid == 0) {
        close(ready[0]); close(go[1]);
        char byte = 0;
        if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) _exit(1);
        if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) _exit(2);
        if (write(ready[1], &byte, 1) != 1) _exit(3);
        (void)read(go[0], &byte, 1);
        _exit(0);
    }
    close(ready[1]); close(go[0]);
    char byte;
    ssize_t n;
    do { n = read(ready[0], &byte, 1); } while (n < 0 && errno == EINTR);
    close(ready[0]);
    int rc = n == 1 ? 0 : -ECHILD;
    char path[64], map[64];
    if (rc == 0) {
        snprintf(map, sizeof map, "0 %u 1\n", uid);
        snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
        rc = write_file(path, map);
    }
    if (rc == 0) { snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid); rc = write_file(path, "deny"); }
    if (rc == 0) {
        snprintf(map, sizeof map, "0 %u 1\n", gid);
        snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
        rc = write_file(path, map);
    }
    int u = -1, nfd = -1;
    if (rc == 0) {
        snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
        u = open(path, O_RDONLY | O_CLOEXEC);
        snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
        nfd = open(path, O_RDONLY | O_CLOEXEC);
        if (u < 0 || nfd < 0) rc = -errno;
    }
    close(go[1]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (rc != 0) { if (u >= 0) close(u); if (nfd >= 0) close(nfd); return rc; }
    *user_fd = u;
    *net_fd = nfd;
    return 0;
}

int chusk_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC) == 0 ? 0 : -errno;
}

int chusk_mount(const char *source, const char *target, const char *fstype,
                unsigned long flags, const char *data) {
    return mount(source, target, fstype, flags, data) == 0 ? 0 : -errno;
}

int chusk_umount2(const char *target, int flags) {
    return umount2(target, flags) == 0 ? 0 : -errno;
}

int chusk_pivot_root(const char *new_root, const char *put_old) {
    return syscall(SYS_pivot_root, new_root, put_old) == 0 ? 0 : -errno;
}

int chusk_pidfd_open(pid_t pid) {
    long r = syscall(SYS_pidfd_open, pid, 0);
    return r < 0 ? -errno : (int)r;
}

int chusk_pidfd_send_signal(int pidfd, int sig) {
    return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0 ? 0 : -errno;
}

int chusk_signalfd_block(const int *signals, int n) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < n; i++) sigaddset(&set, signals[i]);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) return -errno;
    int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    return fd < 0 ? -errno : fd;
}

int chusk_signalfd_read(int sfd) {
    struct signalfd_siginfo info;
    ssize_t n = read(sfd, &info, sizeof info);
    if (n < 0) return errno == EAGAIN ? 0 : -errno;
    if (n != (ssize_t)sizeof info) return 0;
    return (int)info.ssi_signo;
}

int chusk_ignore_signal(int sig) {
    return signal(sig, SIG_IGN) == SIG_ERR ? -errno : 0;
}

int chusk_tcgets(int fd, uint8_t *buf, int len) {
    struct termios t;   // the kernel's layout (asm/termbits.h), 36 bytes
    if (ioctl(fd, TCGETS, &t) != 0) return -errno;
    int n = len < (int)sizeof t ? len : (int)sizeof t;
    memcpy(buf, &t, (size_t)n);
    return n;
}

int chusk_tiocgwinsz(int fd, uint16_t *rows, uint16_t *cols) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return -errno;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    return 0;
}

int chusk_getrandom(void *buf, size_t len) {
    ssize_t r = getrandom(buf, len, 0);
    return r < 0 ? -errno : (int)r;
}

int chusk_wifexited(int status) { return WIFEXITED(status); }
int chusk_wexitstatus(int status) { return WEXITSTATUS(status); }
int chusk_wifsignaled(int status) { return WIFSIGNALED(status); }
int chusk_wtermsig(int status) { return WTERMSIG(status); }

// --- cgroup migration warm-up (docs/startup.md "cgroup join") ---------------------------------
// The first write to any cgroup.procs after a quiet spell pays one RCU grace period (~10-14 ms
// here): the kernel switches cgroup_threadgroup_rwsem to writer mode (percpu_down_write ->
// rcu_sync_enter -> synchronize_rcu); writes that follow within a grace period are cheap. A
// thread that writes husk run's own pid into its own cgroup (a no-op move, refused or not: the
// lock is taken first) pays that wait while husk run creates the cgroup and spawns the parts.
#include <pthread.h>
#include <stdio.h>

static pthread_t warm_thread;
static int warm_started;
static char warm_path[4096];
static char warm_pid[24];

static void *warm_run(void *arg) {
    (void)arg;
    int fd = open(warm_path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t w = write(fd, warm_pid, strlen(warm_pid));
        (void)w;
        close(fd);
    }
    return NULL;
}

int chusk_cgroup_warm_start(const char *procs_path) {
    if (warm_started || strlen(procs_path) >= sizeof warm_path) return -EINVAL;
    snprintf(warm_path, sizeof warm_path, "%s", procs_path);
    snprintf(warm_pid, sizeof warm_pid, "%d", (int)getpid());
    int e = pthread_create(&warm_thread, NULL, warm_run, NULL);
    if (e != 0) return -e;
    warm_started = 1;
    return 0;
}

void chusk_cgroup_warm_wait(void) {
    if (!warm_started) return;
    pthread_join(warm_thread, NULL);
    warm_started = 0;
}

// --- idle memory (docs/startup.md "Memory") --------------------------------------------------
// Drops this process's page-table references to the clean, read-only pages of its own binary
// (code and constants it touched while starting: argument parsing, set-up). The pages stay in
// the page cache, shared; an access faults them back in. Only mappings of the executable that
// are not writable and hold no anonymous (copied) page are touched: a RELRO segment, whose
// relocated pages are anonymous, must keep them.
#include <stdlib.h>
#include <sys/mman.h>

long chusk_drop_clean_exe_pages(void) {
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return -errno;
    exe[n] = 0;
    FILE *f = fopen("/proc/self/smaps", "re");
    if (!f) return -errno;
    char *line = NULL;
    size_t cap = 0;
    unsigned long start = 0, end = 0;
    int candidate = 0;
    long dropped = 0;
    while (getline(&line, &cap, f) > 0) {
        unsigned long s, e;
        char perms[8], path[4096];
        path[0] = 0;
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %4095[^\n]", &s, &e, perms, path) >= 3 && strchr(line, '-') < strchr(line, ' ')) {
            char *p = path;
            while (*p == ' ') p++;
            start = s; end = e;
            candidate = strcmp(p, exe) == 0 && strchr(perms, 'w') == NULL;
            continue;
        }
        unsigned long kb;
        if (candidate && sscanf(line, "Anonymous: %lu kB", &kb) == 1) {
            if (kb == 0 && madvise((void *)start, end - start, MADV_DONTNEED) == 0) dropped += (long)(end - start);
            candidate = 0;
        }
    }
    free(line);
    fclose(f);
    return dropped;
}

#include <link.h>
#include <sys/auxv.h>
#include "chusk_kernel.h"

/* An object whose text the loader relocated in place (DT_TEXTREL, DF_TEXTREL) has written,
 * private copies behind its read-only segments: dropping them would bring back the file's
 * unrelocated bytes. x86_64 objects built as PIC have none; such an object is left alone. */
static int chusk_has_text_relocations(const struct dl_phdr_info *info) {
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_DYNAMIC) continue;
        for (const ElfW(Dyn) *d = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr); d->d_tag != DT_NULL; d++) {
            if (d->d_tag == DT_TEXTREL) return 1;
            if (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL)) return 1;
        }
    }
    return 0;
}

static int chusk_drop_segments(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    long *dropped = data;
    long page = sysconf(_SC_PAGESIZE);
    /* The vDSO is the kernel's special mapping, not a file's pages. */
    if (info->dlpi_addr == getauxval(AT_SYSINFO_EHDR) || (info->dlpi_name && strstr(info->dlpi_name, "linux-vdso"))) return 0;
    if (chusk_has_text_relocations(info)) return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W)) continue;
        unsigned long start = info->dlpi_addr + ph->p_vaddr, end = start + ph->p_memsz;
        start = (start + (unsigned long)page - 1) & ~((unsigned long)page - 1);
        end &= ~((unsigned long)page - 1);
        if (end > start && madvise((void *)start, end - start, MADV_DONTNEED) == 0) *dropped += (long)(end - start);
    }
    return 0;
}

/* The main thread's stack below the caller: what start-up's deepest calls touched stays
 * resident, though below the stack pointer nothing is live (the ABI's red zone is 128 bytes;
 * a signal frame faults fresh zero pages in). 16 KiB are kept for the calls that follow, and
 * only 256 KiB below are given back: the kernel keeps its stack guard gap (1 MiB) free of other
 * mappings below the stack, so the range holds nothing but stack (or unmapped gap: ENOMEM for
 * that part, the rest is dropped). Another thread's stack is an ordinary mapping: left alone. */
static long chusk_drop_dead_stack(void) {
    if (syscall(SYS_gettid) != getpid()) return 0;
    unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE);
    unsigned long keep = ((unsigned long)__builtin_frame_address(0) & ~(page - 1)) - 16 * 1024;
    unsigned long low = keep - 256 * 1024;
    (void)madvise((void *)low, keep - low, MADV_DONTNEED);
    return (long)(keep - low);
}

long chusk_drop_clean_text_pages(void) {
    long dropped = chusk_drop_dead_stack();
    /* The heap's free pages first: what start-up allocated and freed (argument parsing, the
     * filter's compilation, the root view's walk) otherwise stays resident for the whole run. */
    malloc_trim(0);
    dl_iterate_phdr(chusk_drop_segments, &dropped);
    return dropped;
}

/* The drop, then the wait that follows it, without going back to the caller in between: each
 * page of text touched after the drop faults back in with its neighbours (the kernel maps up to
 * 64 KiB around a fault from the page cache), so an idle process keeps only the pages of this
 * function and of libc's wait. */
int chusk_idle_trim_poll(struct pollfd *fds, unsigned long nfds, int timeout) {
    chusk_drop_clean_text_pages();
    return poll(fds, nfds, timeout);
}

int chusk_idle_trim_epoll_wait(int epfd, int *fds, uint32_t *events, int max, int timeout) {
    chusk_drop_clean_text_pages();
    return chusk_epoll_wait(epfd, fds, events, max, timeout);
}

/* ---- The monitor's waiting half ------------------------------------------------------------ */

static int monitor_pidfd(int pid) {
    if (pid <= 0) return -1;
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    // pidfd_open sets close-on-exec: these must reach the clean-up's exec.
    if (fd >= 0) fcntl(fd, F_SETFD, 0);
    return fd;
}

/* The decimal of n (n >= -1) at p; returns the end. */
static char *monitor_decimal(char *p, int n) {
    if (n < 0) { *p++ = '-'; *p++ = '1'; return p; }
    char digits[12];
    int k = 0;
    do { digits[k++] = (char)('0' + n % 10); n /= 10; } while (n > 0);
    while (k > 0) *p++ = digits[--k];
    return p;
}

static void monitor_child(int ready_w, int done_r, int parts_fd, int devnull, const int pids[4],
                          char *const args[], char *const envp[], const sigset_t *mask) {
    // Its fds at fixed numbers (3 ready, 4 done, 5 husk-parts), none of husk run's others: a
    // held pipe end would keep a reader of husk run's from its EOF.
    int fds[3] = { ready_w, done_r, parts_fd };
    for (int i = 0; i < 3; i++) fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
    if (fds[0] < 0 || fds[1] < 0 || fds[2] < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0) _exit(120);
    for (int i = 0; i < 3; i++) if (dup2(fds[i], 3 + i) < 0) _exit(120);
    syscall(SYS_close_range, 6, ~0U, 0);
    fcntl(3, F_SETFD, FD_CLOEXEC);
    int watch = monitor_pidfd(pids[0]), sentry = monitor_pidfd(pids[1]);
    int gofer = monitor_pidfd(pids[2]), pasta = monitor_pidfd(pids[3]);
    // husk run gone already (or not our parent any more): end the sandbox at once. A pooled
    // sandbox's monitor (pids[0] == 0) watches its done pipe alone, which the pool hands to the
    // husk run that takes the sandbox (docs/pool.md).
    int parent_alive = pids[0] == 0 || (watch >= 0 && getppid() == pids[0]);
    char one = 1;
    (void)!write(3, &one, 1);
    close(3);
    int reported = 0;
    if (parent_alive) {
        // The done pipe: a byte once husk run read the counters and returns; EOF without one
        // when it died. Its pidfd too, for a husk run that died holding a copy of the pipe.
        struct pollfd w[2] = { { 4, POLLIN, 0 }, { watch, POLLIN, 0 } };
        for (;;) {
            int n = poll(w, 2, -1);
            if (n > 0) {
                if (w[0].revents) {
                    char b;
                    ssize_t r;
                    do r = read(4, &b, 1); while (r < 0 && errno == EINTR);
                    reported = r == 1;
                }
                break;
            }
            if (n < 0 && errno != EINTR) break;
        }
    }
    close(4);
    // husk run returned: its stderr is no longer ours to hold (a caller reading it to EOF
    // would wait for the clean-up).
    if (reported) dup2(0, 2);
    char list[64], *p = list;
    int opened[4] = { watch, sentry, gofer, pasta };
    for (int i = 0; i < 4; i++) { if (i) *p++ = ','; p = monitor_decimal(p, opened[i]); }
    *p = 0;
    char *argv[208];
    int n = 0;
    argv[n++] = "husk"; argv[n++] = "monitor"; argv[n++] = "--end"; argv[n++] = reported ? "reported" : "died";
    argv[n++] = "--pidfds"; argv[n++] = list;
    for (int i = 0; args[i] && n < 207; i++) argv[n++] = args[i];
    argv[n] = NULL;
    sigprocmask(SIG_SETMASK, mask, NULL);
    syscall(SYS_execveat, 5, "", argv, envp, AT_EMPTY_PATH);
    // No clean-up binary: end what can be ended; the cgroup directories stay.
    static const char line[] = "husk: monitor: cannot start husk-parts for the clean-up; the sandbox's cgroups are left behind\n";
    (void)!write(2, line, sizeof line - 1);
    for (int i = 1; i < 4; i++) if (opened[i] >= 0) syscall(SYS_pidfd_send_signal, opened[i], SIGKILL, NULL, 0);
    _exit(1);
}

int chusk_monitor_fork(int ready_w, int done_r, int parts_fd, int devnull, const int pids[4],
                       char *const args[], char *const envp[]) {
    // Every signal blocked across the fork: no handler of husk run's may run in the child
    // (Swift code after fork). The child resets the dispositions, then takes the old mask back
    // just before its exec.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0) {
        for (int s = 1; s < 65; s++) if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
        setsid();
        // Its argv is husk run's (a fork): its name says what it is in ps and /proc.
        prctl(PR_SET_NAME, "husk monitor", 0, 0, 0);
        if (chusk_timing_origin()) { chusk_timing_start(chusk_timing_origin(), "monitor"); chusk_timing_mark("forked"); }
        monitor_child(ready_w, done_r, parts_fd, devnull, pids, args, envp, &old);
    }
    int e = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return pid < 0 ? -e : pid;
}

int chusk_namespace_type(int fd) {
    /* NS_GET_NSTYPE (linux/nsfs.h): the CLONE_NEW* flag of an nsfs file's namespace. */
    int r = ioctl(fd, (unsigned long)((0xb7 << 8) | 0x3));
    return r < 0 ? -errno : r;
}

int chusk_claim_controlling_tty(int fd) {
    /* A new session when we can start one (not a group leader); then the terminal, which a
     * session leader without one takes: its window changes now send us SIGWINCH. */
    (void)setsid();
    return ioctl(fd, TIOCSCTTY, 0) < 0 ? -errno : 0;
}

int chusk_die_with_parent(void) {
    return prctl(PR_SET_PDEATHSIG, SIGKILL) == 0 ? 0 : -errno;
}

int chusk_dup3(int oldfd, int newfd, int flags) {
    return dup3(oldfd, newfd, flags) < 0 ? -errno : 0;
}

long chusk_peer_uid(int fd) {
    struct ucred cred;
    socklen_t len = sizeof cred;
    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ? -errno : (long)cred.uid;
}

int chusk_accept_nonblock(int fd) {
    int r = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    return r < 0 ? -errno : r;
}
