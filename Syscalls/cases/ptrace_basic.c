// syscalls: ptrace, wait4, waitid
// ptrace between processes: TRACEME and a stop, PEEK/POKE of data and user, GET/SETREGS,
// GETFPREGS, GETREGSET, GETSIGINFO, SETOPTIONS, an exec event, SINGLESTEP, ATTACH and DETACH
// (TracerPid), SEIZE with a signal-delivery stop suppressed, KILL, and the errors.
#include "check.h"
#include <elf.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

static volatile long secret = 0x1122334455667788L;

static void show_status(const char *what, int st) {
    if (WIFSTOPPED(st)) printf("%s: stopped sig=%d event=%d\n", what, WSTOPSIG(st), st >> 16);
    else if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st)) printf("%s: killed sig=%d\n", what, WTERMSIG(st));
    else printf("%s: other\n", what);
}

static int tracer_pid_of(pid_t pid) {
    char path[64], *text = NULL;
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    if (slurp(path, &text) < 0) return -1;
    char *p = strstr(text, "TracerPid:");
    int v = p ? atoi(p + 10) : -1;
    free(text);
    return v;
}

static void traceme(void) {
    pid_t child = fork();
    if (child == 0) {
        CHECKN("child: traceme", ptrace(PTRACE_TRACEME, 0, 0, 0));
        CHECKN("child: traceme again", ptrace(PTRACE_TRACEME, 0, 0, 0));
        raise(SIGSTOP);
        /* The poked word decides the program: exit 0 shows the child saw it. */
        if (secret == 0x55L) execl("/bin/true", "true", (char *)NULL);
        else execl("/bin/false", "false", (char *)NULL);
        _exit(99);
    }
    int st = 0;
    CHECKN("waitpid stop", waitpid(child, &st, 0) == child ? 0 : -1);
    show_status("after raise", st);
    errno = 0;
    long word = 0;
    CHECKN("raw peekdata", syscall(SYS_ptrace, PTRACE_PEEKDATA, child, &secret, &word));
    FACT("peeked word is the child's", word == 0x1122334455667788L);
    CHECKN("peekdata bad address", syscall(SYS_ptrace, PTRACE_PEEKDATA, child, BADPTR, &word));
    CHECKN("pokedata", ptrace(PTRACE_POKEDATA, child, &secret, (void *)0x55L));
    CHECKN("pokedata bad address", ptrace(PTRACE_POKEDATA, child, BADPTR, (void *)1));
    struct user_regs_struct regs, again;
    CHECKN("getregs", ptrace(PTRACE_GETREGS, child, 0, &regs));
    FACT("rsp and rip are set", regs.rsp != 0 && regs.rip != 0);
    CHECKN("getregs to a bad pointer", ptrace(PTRACE_GETREGS, child, 0, BADPTR));
    errno = 0;
    long rsp = ptrace(PTRACE_PEEKUSER, child, offsetof(struct user, regs.rsp), 0);
    FACT("peekuser rsp == regs.rsp", errno == 0 && (unsigned long)rsp == regs.rsp);
    CHECKN("peekuser misaligned", ptrace(PTRACE_PEEKUSER, child, 3, 0));
    CHECKN("setregs unchanged", ptrace(PTRACE_SETREGS, child, 0, &regs));
    CHECKN("getregs again", ptrace(PTRACE_GETREGS, child, 0, &again));
    FACT("registers kept", again.rip == regs.rip && again.rsp == regs.rsp);
    struct user_fpregs_struct fp;
    CHECKN("getfpregs", ptrace(PTRACE_GETFPREGS, child, 0, &fp));
    FACT("mxcsr is the default", (fp.mxcsr & 0xffc0) == 0x1f80);
    struct iovec iov = { &again, sizeof again };
    CHECKN("getregset prstatus", ptrace(PTRACE_GETREGSET, child, (void *)NT_PRSTATUS, &iov));
    FACT("regset length", iov.iov_len == sizeof again);
    CHECKN("getregset unknown", ptrace(PTRACE_GETREGSET, child, (void *)0x999, &iov));
    siginfo_t si;
    CHECKN("getsiginfo", ptrace(PTRACE_GETSIGINFO, child, 0, &si));
    FACT("siginfo is the raise", si.si_signo == SIGSTOP && si.si_code == SI_TKILL && si.si_pid == child);
    unsigned long msg = 1;
    CHECKN("geteventmsg", ptrace(PTRACE_GETEVENTMSG, child, 0, &msg));
    CHECKN("setoptions unknown bit", ptrace(PTRACE_SETOPTIONS, child, 0, (void *)0x40000000L));
    CHECKN("setoptions traceexec", ptrace(PTRACE_SETOPTIONS, child, 0, (void *)PTRACE_O_TRACEEXEC));
    CHECKN("cont bad signal", ptrace(PTRACE_CONT, child, 0, (void *)100L));
    CHECKN("cont suppressing SIGSTOP", ptrace(PTRACE_CONT, child, 0, 0));
    CHECKN("waitpid exec event", waitpid(child, &st, 0) == child ? 0 : -1);
    show_status("after exec", st);
    CHECKN("geteventmsg at exec", ptrace(PTRACE_GETEVENTMSG, child, 0, &msg));
    FACT("eventmsg is the former tid", msg == (unsigned long)child);
    CHECKN("singlestep", ptrace(PTRACE_SINGLESTEP, child, 0, 0));
    CHECKN("waitpid step", waitpid(child, &st, 0) == child ? 0 : -1);
    show_status("after singlestep", st);
    CHECKN("cont to exit", ptrace(PTRACE_CONT, child, 0, 0));
    CHECKN("waitpid exit", waitpid(child, &st, 0) == child ? 0 : -1);
    show_status("at the end", st);
}

/* A child that waits in pause() until it is killed. */
static pid_t pauser(void) {
    pid_t child = fork();
    if (child == 0) { for (;;) pause(); }
    return child;
}

static void attach_detach(void) {
    pid_t child = pauser();
    int st = 0;
    CHECKN("attach", ptrace(PTRACE_ATTACH, child, 0, 0));
    CHECKN("attach again", ptrace(PTRACE_ATTACH, child, 0, 0));
    CHECKN("waitpid attach stop", waitpid(child, &st, 0) == child ? 0 : -1);
    show_status("attached", st);
    FACT("TracerPid is the tracer", tracer_pid_of(child) == getpid());
    CHECKN("detach", ptrace(PTRACE_DETACH, child, 0, 0));
    FACT("TracerPid is 0 after detach", tracer_pid_of(child) == 0);
    CHECKN("peek after detach", ptrace(PTRACE_PEEKDATA, child, &secret, 0));
    kill(child, SIGKILL);
    CHECKN("waitpid killed", waitpid(child, &st, 0) == child ? 0 : -1);
    show_status("detached child", st);
}

static void seize_kill(void) {
    pid_t child = pauser();
    int st = 0;
    CHECKN("seize with addr", ptrace(PTRACE_SEIZE, child, (void *)1, 0));
    CHECKN("seize bad option", ptrace(PTRACE_SEIZE, child, 0, (void *)0x40000000L));
    CHECKN("seize", ptrace(PTRACE_SEIZE, child, 0, (void *)PTRACE_O_EXITKILL));
    CHECKV(waitpid(child, &st, WNOHANG));
    CHECKN("cont while running", ptrace(PTRACE_CONT, child, 0, 0));
    kill(child, SIGUSR1);
    CHECKN("waitpid usr1", waitpid(child, &st, 0) == child ? 0 : -1);
    show_status("signal-delivery stop", st);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    CHECKN("waitid sees nothing new", waitid(P_PID, child, &info, WEXITED | WSTOPPED | WNOHANG));
    FACT("waitid found none", info.si_pid == 0);
    CHECKN("cont suppressing SIGUSR1", ptrace(PTRACE_CONT, child, 0, 0));
    FACT("child still alive", kill(child, 0) == 0);
    CHECKN("kill", ptrace(PTRACE_KILL, child, 0, 0));
    CHECKN("waitpid kill", waitpid(child, &st, 0) == child ? 0 : -1);
    show_status("after PTRACE_KILL", st);
}

int main(void) {
    traceme();
    attach_detach();
    seize_kill();
    CHECKN("attach self", ptrace(PTRACE_ATTACH, getpid(), 0, 0));
    CHECKN("peek a process not traced", ptrace(PTRACE_PEEKDATA, getppid(), 0, 0));
    CHECKN("attach no such pid", ptrace(PTRACE_ATTACH, 99999, 0, 0));
    CHECKN("kill not traced", ptrace(PTRACE_KILL, getppid(), 0, 0));
    return 0;
}
