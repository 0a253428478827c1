// ptrace, wait, tracee memory and the first-task spawn of the ptrace Platform.
// Non-variadic wrappers: every function returns a raw result or a negative errno.
#ifndef CHUSK_PTRACE_H
#define CHUSK_PTRACE_H
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/user.h>

enum {
    CHUSK_PTRACE_CONT = 7,
    CHUSK_PTRACE_KILL = 8,
    CHUSK_PTRACE_GETREGS = 12,
    CHUSK_PTRACE_SETREGS = 13,
    CHUSK_PTRACE_SYSCALL = 24,
    CHUSK_PTRACE_SETOPTIONS = 0x4200,
    CHUSK_PTRACE_GETEVENTMSG = 0x4201,
    CHUSK_PTRACE_SEIZE = 0x4206,
    CHUSK_PTRACE_INTERRUPT = 0x4207,
    CHUSK_PTRACE_LISTEN = 0x4208,
    CHUSK_PTRACE_GET_SYSCALL_INFO = 0x420e,

    CHUSK_PTRACE_O_TRACESYSGOOD = 0x01,
    CHUSK_PTRACE_O_TRACEFORK = 0x02,
    CHUSK_PTRACE_O_TRACEVFORK = 0x04,
    CHUSK_PTRACE_O_TRACECLONE = 0x08,
    CHUSK_PTRACE_O_TRACEEXEC = 0x10,
    CHUSK_PTRACE_O_TRACEVFORKDONE = 0x20,
    CHUSK_PTRACE_O_TRACEEXIT = 0x40,
    CHUSK_PTRACE_O_TRACESECCOMP = 0x80,
    CHUSK_PTRACE_O_EXITKILL = 0x100000,

    CHUSK_PTRACE_EVENT_FORK = 1,
    CHUSK_PTRACE_EVENT_VFORK = 2,
    CHUSK_PTRACE_EVENT_CLONE = 3,
    CHUSK_PTRACE_EVENT_EXEC = 4,
    CHUSK_PTRACE_EVENT_VFORK_DONE = 5,
    CHUSK_PTRACE_EVENT_EXIT = 6,
    CHUSK_PTRACE_EVENT_SECCOMP = 7,
    CHUSK_PTRACE_EVENT_STOP = 128,

    CHUSK_SYSCALL_INFO_NONE = 0,
    CHUSK_SYSCALL_INFO_ENTRY = 1,
    CHUSK_SYSCALL_INFO_EXIT = 2,
    CHUSK_SYSCALL_INFO_SECCOMP = 3,

    CHUSK_WALL = 0x40000000,
    CHUSK_WNOHANG = 1,
};

/// ptrace(request, pid, addr, data) for requests that do not return data in the result.
long chusk_ptrace(long request, pid_t pid, unsigned long addr, unsigned long data);
/// The raw ptrace syscall: PEEKTEXT/PEEKDATA/PEEKUSER store the word at `data` (0 or a
/// negative errno is returned), as the program's own raw call does.
long chusk_ptrace_data(long request, pid_t pid, unsigned long addr, void *data);
long chusk_ptrace_getregs(pid_t pid, struct user_regs_struct *regs);
long chusk_ptrace_setregs(pid_t pid, const struct user_regs_struct *regs);
/// PTRACE_GETEVENTMSG into *msg.
long chusk_ptrace_geteventmsg(pid_t pid, unsigned long *msg);
/// The `op` of PTRACE_GET_SYSCALL_INFO (entry, exit, seccomp) or a negative errno.
long chusk_ptrace_syscall_op(pid_t pid);
/// waitpid with __WALL and friends; returns the pid, 0 (WNOHANG), or a negative errno.
long chusk_waitpid(pid_t pid, int *status, int options);
/// One-iovec process_vm_readv/writev: bytes transferred or a negative errno.
long chusk_vm_read(pid_t pid, void *local, size_t len, uint64_t remote);
long chusk_vm_write(pid_t pid, const void *local, size_t len, uint64_t remote);
/// tgkill(2).
long chusk_tgkill(pid_t tgid, pid_t tid, int sig);
/// memfd_create(2) (raw flags).
long chusk_memfd_create(const char *name, unsigned int flags);
/// signalfd for SIGCHLD after blocking it in the calling thread (non-blocking, close-on-exec).
long chusk_sigchld_signalfd(void);
/// Reads and discards everything pending on a non-blocking signalfd.
void chusk_drain_signalfd(int fd);

/// What the first task's child does before execveat(exec_fd, "", argv, envp, AT_EMPTY_PATH).
struct chusk_first_task {
    const int *src_fds;      // host fds in the parent ...
    const int *dst_fds;      // ... and their numbers in the child
    int nfds;                // at most 16
    int exec_fd;             // a dst fd: the executable
    char *const *argv;
    char *const *envp;
    const void *filter;      // struct sock_filter[filter_len], the application filter
    unsigned short filter_len;
    int hide_mounts;         // own mount namespace: /proc detached, / read-only
    long task_uid, task_gid; // host ids to run under (-1: keep the parent's)
    int user_notify;         // load the filter with a listener (SECCOMP_FILTER_FLAG_NEW_LISTENER |
                             // WAIT_KILLABLE_RECV) and pass its fd number to execveat in r9
};

/// Clones the first task into a new PID namespace (its PID 1). The child confines itself,
/// then blocks reading *sync_fd: the parent must PTRACE_SEIZE it and then write one byte
/// (or close the fd to abort). Only then does it load the filter and exec. An exec failure is
/// reported as a 4-byte errno on *err_fd (close-on-exec, so EOF means the exec happened);
/// with `user_notify`, as the child's exit status instead (a write would wait for a listener
/// that nobody reads yet).
/// Returns the child's pid or a negative errno.
long chusk_spawn_first_task(const struct chusk_first_task *spec, int *sync_fd, int *err_fd);

#endif
