// syscalls: ptrace (PTRACE_GET_SYSCALL_INFO, PTRACE_PEEKSIGINFO, PTRACE_GETSIGMASK, PTRACE_SETSIGMASK, PTRACE_O_TRACEVFORKDONE, PTRACE_O_EXITKILL, PTRACE_LISTEN, GETEVENTMSG at syscall stops), wait4
#include "check.h"
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#ifndef PTRACE_GET_SYSCALL_INFO
#define PTRACE_GET_SYSCALL_INFO 0x420e
#endif

static long trace(int req, pid_t pid, unsigned long addr, unsigned long data) {
    return syscall(SYS_ptrace, req, pid, addr, data);
}

static void stop_self(void) { syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGSTOP); }

static void show_status(const char *what, int st) {
    if (WIFSTOPPED(st)) printf("%s: stopped sig %d event %d\n", what, WSTOPSIG(st) & 0x7f, st >> 16);
    else if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st)) printf("%s: killed by %d\n", what, WTERMSIG(st));
}

static void show_info(const char *what, pid_t c, pid_t parent) {
    struct __ptrace_syscall_info info;
    memset(&info, 0xff, sizeof info);
    long n = trace(PTRACE_GET_SYSCALL_INFO, c, sizeof info, (unsigned long)&info);
    printf("%s: size %ld op %d arch %#x ip %d sp %d", what, n, info.op, info.arch, info.instruction_pointer != 0, info.stack_pointer != 0);
    if (info.op == PTRACE_SYSCALL_INFO_ENTRY)
        printf(" nr %llu arg0 %s", (unsigned long long)info.entry.nr,
               info.entry.args[0] == (unsigned long)BADPTR ? "BADPTR" : info.entry.args[0] == 0 ? "0" : "?");
    if (info.op == PTRACE_SYSCALL_INFO_EXIT)
        printf(" rval %s is_error %d", info.exit.rval == parent ? "parent" : info.exit.rval == -EFAULT ? "-EFAULT" : "?", info.exit.is_error);
    unsigned long msg = 99;
    trace(PTRACE_GETEVENTMSG, c, 0, (unsigned long)&msg);
    printf(" eventmsg %lu\n", msg);
}

static void syscall_info_and_signals(void) {
    pid_t c = fork();
    if (c == 0) {
        trace(PTRACE_TRACEME, 0, 0, 0);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigaddset(&set, SIGRTMIN);
        sigprocmask(SIG_BLOCK, &set, NULL);
        for (int v = 11; v <= 22; v += 11) {
            siginfo_t si;
            memset(&si, 0, sizeof si);
            si.si_signo = SIGRTMIN;
            si.si_code = SI_QUEUE;
            si.si_pid = getpid();
            si.si_uid = getuid();
            si.si_value.sival_int = v;
            syscall(SYS_rt_tgsigqueueinfo, getpid(), syscall(SYS_gettid), SIGRTMIN, &si);
        }
        syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
        stop_self();
        syscall(SYS_getppid);
        syscall(SYS_uname, BADPTR);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    show_status("first stop", st);
    show_info("info at a signal stop", c, getpid());
    CHECKN("GET_SYSCALL_INFO into a bad pointer", trace(PTRACE_GET_SYSCALL_INFO, c, 24, (unsigned long)BADPTR));
    unsigned char small[8];
    CHECKVN("GET_SYSCALL_INFO, 8 bytes", trace(PTRACE_GET_SYSCALL_INFO, c, sizeof small, (unsigned long)small));
    CHECKVN("GET_SYSCALL_INFO, 0 bytes", trace(PTRACE_GET_SYSCALL_INFO, c, 0, 0));

    /* The signal mask. */
    unsigned long mask = 0;
    CHECK(trace(PTRACE_GETSIGMASK, c, 8, (unsigned long)&mask));
    printf("mask: SIGUSR1 %d SIGRTMIN %d SIGUSR2 %d\n", !!(mask & (1UL << (SIGUSR1 - 1))), !!(mask & (1UL << (SIGRTMIN - 1))), !!(mask & (1UL << (SIGUSR2 - 1))));
    CHECKN("GETSIGMASK size 4", trace(PTRACE_GETSIGMASK, c, 4, (unsigned long)&mask));
    CHECKN("GETSIGMASK bad pointer", trace(PTRACE_GETSIGMASK, c, 8, (unsigned long)BADPTR));
    unsigned long set = mask | (1UL << (SIGUSR2 - 1)) | (1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1));
    CHECK(trace(PTRACE_SETSIGMASK, c, 8, (unsigned long)&set));
    CHECK(trace(PTRACE_GETSIGMASK, c, 8, (unsigned long)&mask));
    printf("mask: SIGUSR2 %d SIGKILL %d SIGSTOP %d\n", !!(mask & (1UL << (SIGUSR2 - 1))), !!(mask & (1UL << (SIGKILL - 1))), !!(mask & (1UL << (SIGSTOP - 1))));

    /* Pending signals of its own queue. */
    siginfo_t infos[8];
    struct __ptrace_peeksiginfo_args args = {0, 0, 8};
    long n = CHECKVN("PEEKSIGINFO", trace(PTRACE_PEEKSIGINFO, c, (unsigned long)&args, (unsigned long)infos));
    for (long i = 0; i < n; i++)
        printf("  pending %ld: signo %s code %d pid-is-child %d value %d\n", i, infos[i].si_signo == SIGRTMIN ? "SIGRTMIN" : infos[i].si_signo == SIGUSR1 ? "SIGUSR1" : "?",
               infos[i].si_code, infos[i].si_pid == c, infos[i].si_signo == SIGRTMIN ? infos[i].si_value.sival_int : 0);
    args.off = 1;
    args.nr = 1;
    n = CHECKVN("PEEKSIGINFO off 1 nr 1", trace(PTRACE_PEEKSIGINFO, c, (unsigned long)&args, (unsigned long)infos));
    if (n == 1) printf("  value %d\n", infos[0].si_value.sival_int);
    args.off = 5;
    args.nr = 8;
    CHECKVN("PEEKSIGINFO past the end", trace(PTRACE_PEEKSIGINFO, c, (unsigned long)&args, (unsigned long)infos));
    args.off = 0;
    args.nr = 0;
    CHECKVN("PEEKSIGINFO nr 0", trace(PTRACE_PEEKSIGINFO, c, (unsigned long)&args, (unsigned long)infos));
    args.nr = -1;
    CHECKN("PEEKSIGINFO nr -1", trace(PTRACE_PEEKSIGINFO, c, (unsigned long)&args, (unsigned long)infos));
    args.nr = 8;
    args.flags = 2;
    CHECKN("PEEKSIGINFO bad flags", trace(PTRACE_PEEKSIGINFO, c, (unsigned long)&args, (unsigned long)infos));
    args.flags = PTRACE_PEEKSIGINFO_SHARED;
    CHECKVN("PEEKSIGINFO shared (empty)", trace(PTRACE_PEEKSIGINFO, c, (unsigned long)&args, (unsigned long)infos));
    args.flags = 0;
    CHECKN("PEEKSIGINFO bad args", trace(PTRACE_PEEKSIGINFO, c, (unsigned long)BADPTR, (unsigned long)infos));
    CHECKN("PEEKSIGINFO bad buffer", trace(PTRACE_PEEKSIGINFO, c, (unsigned long)&args, (unsigned long)BADPTR));
    CHECKN("LISTEN, not seized", trace(PTRACE_LISTEN, c, 0, 0));

    /* Syscall stops: without TRACESYSGOOD GET_SYSCALL_INFO says none; with it, entry and exit. */
    trace(PTRACE_SYSCALL, c, 0, 0);
    waitpid(c, &st, 0);
    show_status("syscall stop", st);
    show_info("entry without TRACESYSGOOD", c, getpid());
    CHECK(trace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESYSGOOD));
    trace(PTRACE_SYSCALL, c, 0, 0);
    waitpid(c, &st, 0);
    show_info("getppid exit", c, getpid());
    trace(PTRACE_SYSCALL, c, 0, 0);
    waitpid(c, &st, 0);
    show_info("uname entry", c, getpid());
    trace(PTRACE_SYSCALL, c, 0, 0);
    waitpid(c, &st, 0);
    show_info("uname exit", c, getpid());
    /* The pending signals are blocked: CONT runs it to its exit. */
    trace(PTRACE_CONT, c, 0, 0);
    waitpid(c, &st, 0);
    show_status("end", st);
}

static void vfork_done(void) {
    int p[2];
    if (pipe(p)) return;
    pid_t c = fork();
    if (c == 0) {
        trace(PTRACE_TRACEME, 0, 0, 0);
        stop_self();
        pid_t v = vfork();
        if (v == 0) _exit(0);
        unsigned long msg = 0;
        if (read(p[0], &msg, sizeof msg) != sizeof msg) _exit(3);
        printf("event message is the vfork child: %d\n", msg == (unsigned long)v);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    CHECK(trace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACEVFORKDONE));
    trace(PTRACE_CONT, c, 0, 0);
    waitpid(c, &st, 0);
    show_status("vfork done", st);
    unsigned long msg = 0;
    trace(PTRACE_GETEVENTMSG, c, 0, (unsigned long)&msg);
    if (write(p[1], &msg, sizeof msg) != sizeof msg) return;
    /* Then the vfork child's SIGCHLD (a signal-delivery stop), then the end. */
    for (;;) {
        trace(PTRACE_CONT, c, 0, 0);
        waitpid(c, &st, 0);
        if (!WIFSTOPPED(st)) break;
        show_status("vfork tracee", st);
    }
    show_status("vfork tracee end", st);
}

static void exit_kill(int with) {
    /* The tracer dies; its tracee is killed under EXITKILL and goes on otherwise. The tracee is
       reparented to us (a subreaper), so we reap it. */
    int p[2];
    if (pipe(p)) return;
    pid_t tracer = fork();
    if (tracer == 0) {
        pid_t c = fork();
        if (c == 0) {
            close(p[1]);
            trace(PTRACE_TRACEME, 0, 0, 0);
            stop_self();
            char x;
            /* EOF when the test ends it: exit 7; SIGKILL under EXITKILL. */
            if (read(p[0], &x, 1) == 0) _exit(7);
            _exit(8);
        }
        close(p[0]);
        close(p[1]);
        int st;
        waitpid(c, &st, 0);
        trace(PTRACE_SETOPTIONS, c, 0, with ? PTRACE_O_EXITKILL : 0);
        trace(PTRACE_CONT, c, 0, 0);
        _exit(0);
    }
    close(p[0]);
    int st;
    waitpid(tracer, &st, 0);
    /* Without EXITKILL the tracee waits on the pipe; closing it lets it exit. */
    if (!with) { usleep(100000); close(p[1]); }
    pid_t r = wait(&st);
    printf("%s: reaped %d, ", with ? "EXITKILL" : "no EXITKILL", r > 0);
    show_status("tracee", st);
    if (with) close(p[1]);
}

int main(void) {
    syscall_info_and_signals();
    vfork_done();
    CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    exit_kill(1);
    exit_kill(0);
    return 0;
}
