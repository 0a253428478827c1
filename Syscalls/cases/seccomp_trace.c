// syscalls: seccomp, ptrace (PTRACE_O_TRACESECCOMP, GETEVENTMSG, GET_SYSCALL_INFO, GETREGS, SETREGS), wait4
// SECCOMP_RET_TRACE with a tracer: PTRACE_EVENT_SECCOMP stops carrying the filter's data, and a
// tracer that lets the call run, skips it with its own return value, or rewrites it (the
// filters are then run again on the new number); without PTRACE_O_TRACESECCOMP: ENOSYS.
#include "check.h"
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

struct rule { int nr; unsigned ret; };

static long install(const struct rule *r, int n) {
    struct sock_filter f[32];
    int i = 0;
    f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
    f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    f[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    for (int k = 0; k < n; k++) {
        f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, r[k].nr, 0, 1);
        f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, r[k].ret);
    }
    f[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog p = { (unsigned short)i, f };
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p);
}

static const struct rule rules[] = {
    {SYS_getppid, SECCOMP_RET_TRACE | 0x123},   /* the tracer lets it run */
    {SYS_getuid, SECCOMP_RET_TRACE | 0x456},    /* skipped: orig_rax = -1, rax = 77 */
    {SYS_getgid, SECCOMP_RET_TRACE | 0x789},    /* rewritten to getpid */
    {SYS_geteuid, SECCOMP_RET_TRACE | 0xabc},   /* rewritten to getppid: traced too, no 2nd stop */
    {SYS_getegid, SECCOMP_RET_TRACE | 0xdef},   /* rewritten to getpgrp: the ERRNO rule applies */
    {SYS_getpgrp, SECCOMP_RET_ERRNO | EXDEV},
};

/* The tracee: its lines are all printed before it exits, the tracer's after that. */
static void tracee(int full) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    pid_t ppid = getppid();                      /* before the filter */
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    CHECKVN("install", install(rules, sizeof rules / sizeof rules[0]));
    if (!full) {
        CHECKN("traced getppid without TRACESECCOMP", syscall(SYS_getppid));
        exit(0);
    }
    FACT("getppid ran: == tracer", syscall(SYS_getppid) == ppid);
    CHECKVN("getuid skipped by the tracer", syscall(SYS_getuid, 11, 22, 33, 44, 55, 66));
    FACT("getgid rewritten to getpid: == getpid()", syscall(SYS_getgid) == getpid());
    FACT("geteuid rewritten to getppid: == tracer", syscall(SYS_geteuid) == ppid);
    CHECKN("getegid rewritten to getpgrp", syscall(SYS_getegid));
    CHECKN("getpgrp", syscall(SYS_getpgrp));
    exit(0);
}

struct stop {
    int status;
    unsigned long msg;
    long info_size;
    struct __ptrace_syscall_info info;
    int regs_match, args_ok;
};

static void trace(int full) {
    printf("== %s\n", full ? "PTRACE_O_TRACESECCOMP" : "no PTRACE_O_TRACESECCOMP");
    pid_t child = fork();
    if (child == 0) tracee(full);
    int st;
    waitpid(child, &st, 0);
    int first_stop = WIFSTOPPED(st) ? WSTOPSIG(st) : -1;
    long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL | (full ? PTRACE_O_TRACESECCOMP : 0);
    long setopts = ptrace(PTRACE_SETOPTIONS, child, 0, (void *)opts);
    ptrace(PTRACE_CONT, child, 0, 0);
    struct stop stops[8];
    int n = 0, others = 0;
    for (int i = 0; i < 100; i++) {
        if (waitpid(child, &st, 0) != child || !WIFSTOPPED(st)) break;
        if (st >> 8 != (SIGTRAP | (PTRACE_EVENT_SECCOMP << 8)) || n == 8) {
            others++;
            ptrace(PTRACE_CONT, child, 0, (void *)(long)WSTOPSIG(st));
            continue;
        }
        struct stop *s = &stops[n++];
        struct user_regs_struct r;
        s->status = st;
        ptrace(PTRACE_GETEVENTMSG, child, 0, &s->msg);
        memset(&s->info, 0, sizeof s->info);
        s->info_size = ptrace(PTRACE_GET_SYSCALL_INFO, child, (void *)sizeof s->info, &s->info);
        ptrace(PTRACE_GETREGS, child, 0, &r);
        s->regs_match = s->info.instruction_pointer == r.rip && s->info.stack_pointer == r.rsp &&
                        s->info.seccomp.nr == r.orig_rax && r.rax == (unsigned long long)-ENOSYS;
        s->args_ok = s->info.seccomp.args[0] == 11 && s->info.seccomp.args[5] == 66;
        switch (s->msg) {
        case 0x456: r.orig_rax = -1; r.rax = 77; break;
        case 0x789: r.orig_rax = SYS_getpid; break;
        case 0xabc: r.orig_rax = SYS_getppid; break;
        case 0xdef: r.orig_rax = SYS_getpgrp; break;
        }
        ptrace(PTRACE_SETREGS, child, 0, &r);
        ptrace(PTRACE_CONT, child, 0, 0);
    }
    if (WIFEXITED(st)) printf("tracee: exited %d\n", WEXITSTATUS(st));
    else if (WIFSIGNALED(st)) printf("tracee: killed sig=%d\n", WTERMSIG(st));
    else printf("tracee: status %#x\n", st);
    SHOW("first stop", "%d", first_stop);
    CHECKVN("PTRACE_SETOPTIONS", setopts);
    SHOW("seccomp stops", "%d", n);
    SHOW("other stops", "%d", others);
    for (int i = 0; i < n; i++) {
        struct stop *s = &stops[i];
        printf("stop %d: sig=%d event=%d msg=%#lx info_size>0=%d op=%d arch_ok=%d nr=%llu ret_data=%#x regs_match=%d",
               i, WSTOPSIG(s->status), s->status >> 16, s->msg, s->info_size > 0, s->info.op,
               s->info.arch == AUDIT_ARCH_X86_64, (unsigned long long)s->info.seccomp.nr,
               s->info.seccomp.ret_data, s->regs_match);
        if (s->msg == 0x456) printf(" args_ok=%d", s->args_ok);
        printf("\n");
    }
}

int main(void) {
    trace(1);
    trace(0);
    return 0;
}
