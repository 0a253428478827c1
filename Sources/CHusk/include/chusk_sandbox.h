// CHusk sandbox helpers: spawning the Gofer/Sentry/monitor with namespaces and an explicit fd
// map, and the mount/pivot/pidfd/signalfd calls the Glibc module does not import.
#ifndef CHUSK_SANDBOX_H
#define CHUSK_SANDBOX_H
#include <stdint.h>
#include <sys/types.h>

enum {
    CHUSK_SB_CLONE_NEWNS = 0x00020000,
    CHUSK_SB_CLONE_NEWCGROUP = 0x02000000,
    CHUSK_SB_CLONE_NEWUTS = 0x04000000,
    CHUSK_SB_CLONE_NEWIPC = 0x08000000,
    CHUSK_SB_CLONE_NEWUSER = 0x10000000,
    CHUSK_SB_CLONE_NEWPID = 0x20000000,
    CHUSK_SB_CLONE_NEWNET = 0x40000000,
};

enum {
    CHUSK_SB_MS_RDONLY = 1, CHUSK_SB_MS_NOSUID = 2, CHUSK_SB_MS_NODEV = 4, CHUSK_SB_MS_NOEXEC = 8,
    CHUSK_SB_MS_REMOUNT = 32, CHUSK_SB_MS_BIND = 4096, CHUSK_SB_MS_REC = 16384,
    CHUSK_SB_MS_PRIVATE = 1 << 18, CHUSK_SB_MNT_DETACH = 2,
};

/// Starts a child with clone(clone_flags | SIGCHLD). The child blocks until the parent writes
/// one byte to *sync_write_fd (EOF instead: the child exits with 125 without exec'ing), then
/// setns(netns_fd, CLONE_NEWNET) if netns_fd >= 0 (--network pasta), unshare(unshare_flags) if nonzero (CLONE_NEWCGROUP belongs here, after the parent moved the
/// child into its cgroup), setsid() if want_setsid, installs fd_src[i] as fd_dst[i] and lets
/// every other fd close on exec, resets the signal mask and dispositions, and execs exe_fd
/// (execveat AT_EMPTY_PATH; exe_fd < 0: execve(path)). A failure of any child step is written
/// as a 4-byte errno to the close-on-exec pipe whose read end is *err_read_fd (0 bytes: exec ok).
/// Returns the pid, or -errno (nothing left open).
pid_t chusk_spawn(int exe_fd, const char *path, char *const argv[], char *const envp[],
                  const int32_t *fd_src, const int32_t *fd_dst, int nfds,
                  unsigned long clone_flags, unsigned long unshare_flags, int netns_fd, int want_setsid,
                  int *sync_write_fd, int *err_read_fd);

/// `--network pasta`: a user namespace owned by uid/gid (its root mapped to them) and a network
/// namespace owned by it, made by a short-lived child that takes those ids first; their fds
/// (close-on-exec) in *user_fd and *net_fd. 0 or -errno.
int chusk_userns_netns(unsigned int uid, unsigned int gid, int *user_fd, int *net_fd);

enum { CHUSK_SB_O_PATH = 010000000 };
/// pipe2(fds, O_CLOEXEC): 0 or -errno.
int chusk_pipe_cloexec(int fds[2]);
/// The CLONE_NEW* type of the namespace an nsfs fd refers to (NS_GET_NSTYPE), or -errno.
int chusk_namespace_type(int fd);
/// setsid() if possible, then TIOCSCTTY on fd: 0 or -errno.
int chusk_claim_controlling_tty(int fd);

int chusk_mount(const char *source, const char *target, const char *fstype,
                unsigned long flags, const char *data);   // 0 or -errno
int chusk_umount2(const char *target, int flags);          // 0 or -errno
int chusk_pivot_root(const char *new_root, const char *put_old); // 0 or -errno
int chusk_pidfd_open(pid_t pid);                           // fd or -errno
int chusk_pidfd_send_signal(int pidfd, int sig);           // 0 or -errno
/// Blocks the signals (in the calling thread) and returns a CLOEXEC|NONBLOCK signalfd, or -errno.
int chusk_signalfd_block(const int *signals, int n);
/// Reads one pending signal number from a signalfd: > 0, 0 if none, -errno on error.
int chusk_signalfd_read(int sfd);
/// Unblocks every signal and resets all dispositions (for a child before exec).
void chusk_reset_signals(void);
int chusk_ignore_signal(int sig);                          // SIG_IGN; 0 or -errno
/// TCGETS into buf (the kernel struct termios, 36 bytes): bytes copied or -errno.
int chusk_tcgets(int fd, uint8_t *buf, int len);
/// husk run -t: raw mode on fd, restored by chusk_tty_restore, at exit and on a fatal signal.
int chusk_tty_raw(int fd);
void chusk_tty_restore(void);
/// The OCI shim's terminal: a pty pair, the slave its controlling terminal; 0 or -errno.
int chusk_pty_pair(int *master, int *slave, unsigned short rows, unsigned short cols);
int chusk_tiocgwinsz(int fd, uint16_t *rows, uint16_t *cols); // 0 or -errno
int chusk_getrandom(void *buf, size_t len);                // bytes or -errno
/// W* macros on a wait status.
int chusk_wifexited(int status);
int chusk_wexitstatus(int status);
int chusk_wifsignaled(int status);
int chusk_wtermsig(int status);

/// Starts a thread that writes this process's pid into `procs_path` (its own cgroup's
/// cgroup.procs): the kernel's one slow step of a cgroup move (an RCU grace period) then
/// overlaps with husk run's set-up. 0 or -errno.
int chusk_cgroup_warm_start(const char *procs_path);
/// Waits for that thread (no-op when none was started).
void chusk_cgroup_warm_wait(void);

/// A target fd number in chusk_spawn's and chusk_zygote_clone's fd maps: the source is a
/// cgroup v1 `tasks` file the child moves itself into, by writing "0", as soon as it is
/// released (then closes it; it is not installed).
#define CHUSK_JOIN_CGROUP (-1)
/// Or'ed into the errno a child reports when that move failed (PendingChild.confirm says so).
#define CHUSK_JOIN_CGROUP_FAILED 0x10000

/// The parts' zygote (Sources/Sandbox/Parts/Zygote.swift): a husk-parts process that clones
/// the Gofer and the Sentry, so that they share its relocated pages. Like chusk_spawn's child,
/// held on `sync_read` and with the fd map, namespaces and session applied, but cloned with
/// CLONE_PARENT (husk run's child) and, instead of an exec, returning 0 in the child with every
/// fd but the targets closed (the error pipe's EOF: started). The pid in the zygote, or -errno.
pid_t chusk_zygote_clone(const int32_t *fd_src, const int32_t *fd_dst, int nfds,
                         unsigned long clone_flags, unsigned long unshare_flags, int netns_fd, int want_setsid,
                         int sync_read, int err_write);
/// Writes `text` (NUL-separated arguments) over this process's argument area, NUL-padded and
/// cut to fit: what /proc/PID/cmdline and ps show for a cloned part.
void chusk_set_cmdline(char *area, size_t area_len, const char *text, size_t text_len);
/// PR_SET_PDEATHSIG(SIGKILL). 0 or -errno.
/// The pool's socket (docs/pool.md): the uid at the other end of a connected unix socket
/// (SO_PEERCRED; -errno), and accept4 with SOCK_CLOEXEC | SOCK_NONBLOCK (the fd or -errno).
long chusk_peer_uid(int fd);
int chusk_accept_nonblock(int fd);
/// dup3(2) (glibc has no wrapper in Swift's view): the Sentry's filter allows dup3, not dup2. 0 or -errno.
int chusk_dup3(int oldfd, int newfd, int flags);
int chusk_die_with_parent(void);

/// Drops the resident clean pages of this process's own binary (read-only mappings without
/// copied pages): they stay in the page cache and fault back in on use. Bytes of mappings
/// dropped, or -errno.
long chusk_drop_clean_exe_pages(void);

/// The same without /proc (for the Gofer and the Sentry in their jails): malloc_trim(0) (the
/// heap's free pages), then the read-only PT_LOAD segments of every loaded object but the vDSO
/// and objects with text relocations (dl_iterate_phdr; never a writable segment, so never
/// RELRO's relocated pages), shrunk to whole pages, madvise(MADV_DONTNEED). Bytes dropped.
long chusk_drop_clean_text_pages(void);

struct pollfd;
/// chusk_drop_clean_text_pages, then poll(2) / chusk_epoll_wait without returning to the caller
/// in between (the text touched after a drop faults back in 64 KiB at a time): what an idle
/// spell's wait calls. The wait's result.
int chusk_idle_trim_poll(struct pollfd *fds, unsigned long nfds, int timeout);
int chusk_idle_trim_epoll_wait(int epfd, int *fds, uint32_t *events, int max, int timeout);

/// The monitor's waiting half (docs/startup.md "Memory"): a fork of husk run that runs only
/// this C (no Swift, no allocation: safe in a child of a threaded process) and so shares husk
/// run's pages instead of carrying a binary of its own. In its own session, with 0 and 1 on
/// `devnull`, 2 kept, and no other fd of husk run's: it opens pidfds of `pids` (watch, sentry,
/// gofer, pasta; 0 for none) at once, writes one byte on `ready_w`, waits for husk run's done
/// byte on `done_r` or its death, then executes `parts_fd` (husk-parts, O_PATH) as
/// `husk monitor --end reported|died --pidfds W,S,G,P ARGS...` for the clean-up. `args` is
/// NULL-terminated (at most 200). Returns the child's pid or -errno.
int chusk_monitor_fork(int ready_w, int done_r, int parts_fd, int devnull, const int pids[4],
                       char *const args[], char *const envp[]);

#endif
