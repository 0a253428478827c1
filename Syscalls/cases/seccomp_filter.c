// syscalls: seccomp, prctl
// A program's own seccomp filters: the ERRNO, TRAP (SIGSYS siginfo), KILL_PROCESS/KILL_THREAD,
// TRACE without a tracer, LOG and ALLOW actions, argument filtering, stacking precedence,
// inheritance over fork and execve, TSYNC, and the errors of seccomp(2) and PR_SET_SECCOMP.
#include "check.h"
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <ucontext.h>

struct rule { int nr; unsigned ret; };
#define RULES(...) (const struct rule[]){__VA_ARGS__}, sizeof((const struct rule[]){__VA_ARGS__}) / sizeof(struct rule)
#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, off)
#define RET(v) BPF_STMT(BPF_RET | BPF_K, v)

static long do_seccomp(unsigned op, unsigned flags, const void *arg) { return syscall(SYS_seccomp, op, flags, arg); }
static long install_prog(struct sock_filter *f, int n, unsigned flags) {
    struct sock_fprog p = { (unsigned short)n, f };
    return do_seccomp(SECCOMP_SET_MODE_FILTER, flags, &p);
}
/* "x86_64 only; for each rule: nr == rule.nr -> rule.ret; otherwise ALLOW". */
static long install(unsigned flags, const struct rule *r, int n) {
    struct sock_filter f[64];
    int i = 0;
    f[i++] = (struct sock_filter)LD(offsetof(struct seccomp_data, arch));
    f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
    f[i++] = (struct sock_filter)RET(SECCOMP_RET_KILL_PROCESS);
    f[i++] = (struct sock_filter)LD(offsetof(struct seccomp_data, nr));
    for (int k = 0; k < n; k++) {
        f[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, r[k].nr, 0, 1);
        f[i++] = (struct sock_filter)RET(r[k].ret);
    }
    f[i++] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
    return install_prog(f, i, flags);
}
#define INSTALL(flags, ...) CHECKVN("install", install(flags, RULES(__VA_ARGS__)))

/* Each part runs in a child so that its filters die with it; the parent says how it ended. */
static void part(const char *name, void (*fn)(void)) {
    printf("== %s\n", name);
    pid_t p = fork();
    if (p == 0) { fn(); exit(0); }
    int st;
    waitpid(p, &st, 0);
    if (WIFEXITED(st)) printf("%s: exited %d\n", name, WEXITSTATUS(st));
    else printf("%s: killed sig=%d core=%d\n", name, WTERMSIG(st), WCOREDUMP(st) ? 1 : 0);
}

static void errno_action(void) {
    struct utsname u;
    INSTALL(0, {SYS_uname, SECCOMP_RET_ERRNO | EPERM}, {SYS_getppid, SECCOMP_RET_ERRNO | ENOTTY},
            {SYS_getcwd, SECCOMP_RET_ERRNO | 5000}, {SYS_getpid, SECCOMP_RET_ERRNO | 0});
    CHECK(uname(&u));
    CHECK(syscall(SYS_getppid));
    char buf[64];
    CHECKN("getcwd with data 5000 (clamped to MAX_ERRNO)", syscall(SYS_getcwd, buf, sizeof buf));
    CHECKVN("getpid with data 0 (skipped, returns 0)", syscall(SYS_getpid));
    CHECKVN("getuid not filtered", syscall(SYS_getuid));
    CHECK(close(-1));
}

static void argument_filter(void) {
    struct sock_filter f[] = {
        LD(offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_dup, 0, 1),
        RET(SECCOMP_RET_ERRNO | EMFILE),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 0, 3),
        LD(offsetof(struct seccomp_data, args[2])),             /* low half of the flags */
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, O_CREAT, 0, 4),
        RET(SECCOMP_RET_ERRNO | EACCES),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close, 0, 2),
        LD(offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 100, 1, 0),
        RET(SECCOMP_RET_ALLOW),
        RET(SECCOMP_RET_ERRNO | EPERM),
    };
    CHECKVN("install", install_prog(f, sizeof f / sizeof f[0], 0));
    int a = open("/dev/null", O_RDONLY);   /* the lowest free descriptor */
    close(a);
    CHECK(dup(1));
    int b = open("/dev/null", O_RDONLY);
    FACT("dup allocated no descriptor", a == b);
    CHECKN("open O_RDONLY", b);
    CHECKN("open O_WRONLY|O_CREAT", open("/dev/null", O_WRONLY | O_CREAT, 0666));
    CHECKN("openat O_RDONLY|O_CREAT", syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY | O_CREAT, 0666));
    CHECKN("open missing", open("/nonexistent", O_RDONLY));
    CHECKN("close(100)", close(100));
    CHECKN("close(101)", close(101));
}

static volatile int traps, rip_ok, insn_ok;
static volatile long handler_rax, set_rax;
static siginfo_t last;
static void on_sigsys(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    last = *si;
    traps++;
    handler_rax = uc->uc_mcontext.gregs[REG_RAX];
    rip_ok = (greg_t)si->si_call_addr == uc->uc_mcontext.gregs[REG_RIP];
    insn_ok = si->si_call_addr && memcmp((char *)si->si_call_addr - 2, "\x0f\x05", 2) == 0;
    if (set_rax) uc->uc_mcontext.gregs[REG_RAX] = set_rax;   /* emulate the call */
}
static void catch_sigsys(void) { sigaction(SIGSYS, &(struct sigaction){ .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO }, NULL); }

static void trap_action(void) {
    catch_sigsys();
    INSTALL(0, {SYS_getppid, SECCOMP_RET_TRAP | 42});
    CHECKVN("trapped getppid (rax rolled back to the number)", syscall(SYS_getppid));
    printf("traps=%d si_signo=%d si_code=%d si_errno=%d\n", traps, last.si_signo, last.si_code, last.si_errno);
    FACT("si_syscall == SYS_getppid", last.si_syscall == SYS_getppid);
    FACT("si_arch == AUDIT_ARCH_X86_64", last.si_arch == AUDIT_ARCH_X86_64);
    FACT("si_call_addr != NULL", last.si_call_addr != NULL);
    FACT("si_call_addr == rip, after a syscall insn", rip_ok && insn_ok);
    FACT("handler sees rax == orig nr", handler_rax == SYS_getppid);
    set_rax = 1234;
    CHECKVN("trapped getppid, handler sets rax", syscall(SYS_getppid));
    SHOW("traps", "%d", traps);
}

static void kill_with(unsigned action) {
    INSTALL(0, {SYS_getppid, action});
    printf("calling\n");
    syscall(SYS_getppid);
    printf("survived\n");
}
static void kill_process(void) { kill_with(SECCOMP_RET_KILL_PROCESS); }
static void kill_thread(void) { kill_with(SECCOMP_RET_KILL_THREAD); }
static void unknown_action(void) { kill_with(0x00010000); }
/* A forced SIGSYS that is blocked (or ignored) is reset to its default action: death. */
static void trap_blocked(void) {
    sigset_t s;
    catch_sigsys();
    sigemptyset(&s), sigaddset(&s, SIGSYS), sigprocmask(SIG_BLOCK, &s, NULL);
    kill_with(SECCOMP_RET_TRAP | 1);
}

static void *call_getppid(void *arg) { syscall(SYS_getppid); return (void *)1; }
static void kill_thread_of_two(void) {
    INSTALL(0, {SYS_getppid, SECCOMP_RET_KILL_THREAD});
    pthread_t t;
    void *res = NULL;
    pthread_create(&t, NULL, call_getppid, NULL);
    CHECK(pthread_join(t, &res));
    FACT("thread did not return", res == NULL);
    printf("main survives\n");
}

static void other_actions(void) {
    gid_t gid = getgid();
    pid_t pgrp = getpgrp();
    INSTALL(0, {SYS_getppid, SECCOMP_RET_TRACE | 5}, {SYS_getuid, SECCOMP_RET_USER_NOTIF},
            {SYS_getgid, SECCOMP_RET_LOG}, {SYS_getpgrp, SECCOMP_RET_ALLOW});
    CHECKN("TRACE without a tracer", syscall(SYS_getppid));
    CHECKN("USER_NOTIF without a listener", syscall(SYS_getuid));
    FACT("LOG: getgid runs", syscall(SYS_getgid) == gid);
    FACT("ALLOW: getpgrp runs", syscall(SYS_getpgrp) == pgrp);
}

/* Stacked filters: the most restrictive action wins; on a tie, the newest filter's. */
static void stack(unsigned older, unsigned newer) {
    catch_sigsys();
    INSTALL(0, {SYS_getppid, older}, {SYS_getuid, SECCOMP_RET_ERRNO | EPERM});
    INSTALL(0, {SYS_getppid, newer}, {SYS_getuid, SECCOMP_RET_ALLOW});
    CHECKVN("getppid", syscall(SYS_getppid));
    printf("traps=%d si_errno=%d\n", traps, last.si_errno);
    CHECKN("getuid, EPERM then ALLOW", syscall(SYS_getuid));
}
static void stack_errno_trap(void) { stack(SECCOMP_RET_ERRNO | EPERM, SECCOMP_RET_TRAP | 7); }
static void stack_trap_errno(void) { stack(SECCOMP_RET_TRAP | 7, SECCOMP_RET_ERRNO | EPERM); }
static void stack_two_errnos(void) { stack(SECCOMP_RET_ERRNO | EPERM, SECCOMP_RET_ERRNO | EACCES); }
static void stack_kill_trap(void) { stack(SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_TRAP | 7); }
static void stack_errno_log(void) { stack(SECCOMP_RET_ERRNO | EACCES, SECCOMP_RET_LOG); }

static void fork_exec(void) {
    struct utsname u;
    INSTALL(0, {SYS_uname, SECCOMP_RET_ERRNO | EPERM});
    pid_t p = fork();
    if (p == 0) {
        CHECKN("uname in a forked child", uname(&u));
        CHECKVN("PR_GET_SECCOMP in a forked child", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
        char *s;
        long n = slurp("/proc/self/status", &s);
        char *l = memmem(s, n, "\nSeccomp:", 9);
        if (l) printf("%.*s\n", (int)strcspn(l + 1, "\n"), l + 1);
        exit(3);
    }
    int st;
    waitpid(p, &st, 0);
    printf("forked child: exited %d\n", WEXITSTATUS(st));
    if ((p = fork()) == 0) {
        dup2(1, 2);                 /* its complaint is part of the output */
        execl("/usr/bin/uname", "uname", (char *)NULL);
        _exit(127);
    }
    waitpid(p, &st, 0);
    printf("/usr/bin/uname: exited %d\n", WEXITSTATUS(st));
}

static void errors(void) {
    struct sock_filter allow[] = { RET(SECCOMP_RET_ALLOW) };
    struct sock_fprog prog = { 1, allow };
    CHECKVN("PR_GET_SECCOMP before", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    CHECKN("NULL prog", do_seccomp(SECCOMP_SET_MODE_FILTER, 0, NULL));
    CHECKN("bad filter pointer", do_seccomp(SECCOMP_SET_MODE_FILTER, 0, &(struct sock_fprog){ 1, BADPTR }));
    CHECKN("len 0", install_prog(allow, 0, 0));
    CHECKN("len 4097", install_prog(allow, 4097, 0));
#define BAD(label, ...) do { struct sock_filter f_[] = { __VA_ARGS__ }; \
        CHECKN(label, install_prog(f_, sizeof f_ / sizeof f_[0], 0)); } while (0)
    BAD("jump out of range", BPF_JUMP(BPF_JMP | BPF_JA, 5, 0, 0), RET(SECCOMP_RET_ALLOW));
    BAD("jt out of range", LD(0), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 3, 0), RET(SECCOMP_RET_ALLOW));
    BAD("no final RET", RET(SECCOMP_RET_ALLOW), LD(0));
    BAD("load at 64", LD(64), RET(SECCOMP_RET_ALLOW));
    BAD("load at 2", LD(2), RET(SECCOMP_RET_ALLOW));
    BAD("LD|B|ABS", BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0), RET(SECCOMP_RET_ALLOW));
    BAD("LD|H|ABS", BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0), RET(SECCOMP_RET_ALLOW));
    BAD("LD|W|IND", BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0), RET(SECCOMP_RET_ALLOW));
    BAD("LDX|B|MSH", BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), RET(SECCOMP_RET_ALLOW));
    BAD("opcode 0xffff", BPF_STMT(0xffff, 0), RET(SECCOMP_RET_ALLOW));
    BAD("DIV by constant 0", BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET(SECCOMP_RET_ALLOW));
    BAD("ST M[16]", BPF_STMT(BPF_ST, 16), RET(SECCOMP_RET_ALLOW));
    BAD("LD M[0] never stored", BPF_STMT(BPF_LD | BPF_MEM, 0), RET(SECCOMP_RET_ALLOW));
    CHECKN("flags 1<<10", do_seccomp(SECCOMP_SET_MODE_FILTER, 1 << 10, &prog));
    CHECKN("WAIT_KILLABLE_RECV without NEW_LISTENER", do_seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog));
    CHECKN("operation 99", do_seccomp(99, 0, NULL));
    CHECKN("STRICT with flags 1", do_seccomp(SECCOMP_SET_MODE_STRICT, 1, NULL));
    CHECKN("STRICT with an argument", do_seccomp(SECCOMP_SET_MODE_STRICT, 0, &prog));
    CHECKN("prctl(PR_SET_SECCOMP, 99)", prctl(PR_SET_SECCOMP, 99, 0, 0, 0));
    CHECKN("prctl(PR_SET_SECCOMP, FILTER, NULL)", prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, 0, 0, 0));
    static const struct { const char *name; unsigned a; } acts[] = {
        {"KILL_PROCESS", SECCOMP_RET_KILL_PROCESS}, {"KILL_THREAD", SECCOMP_RET_KILL_THREAD},
        {"TRAP", SECCOMP_RET_TRAP}, {"ERRNO", SECCOMP_RET_ERRNO}, {"USER_NOTIF", SECCOMP_RET_USER_NOTIF},
        {"TRACE", SECCOMP_RET_TRACE}, {"LOG", SECCOMP_RET_LOG}, {"ALLOW", SECCOMP_RET_ALLOW},
        {"0x12340000", 0x12340000}, {"ERRNO|5", SECCOMP_RET_ERRNO | 5},
    };
    for (unsigned i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        char label[64];
        snprintf(label, sizeof label, "GET_ACTION_AVAIL %s", acts[i].name);
        CHECKVN(label, do_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &acts[i].a));
    }
    CHECKN("GET_ACTION_AVAIL flags 1", do_seccomp(SECCOMP_GET_ACTION_AVAIL, 1, &acts[0].a));
    CHECKN("GET_ACTION_AVAIL bad pointer", do_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, BADPTR));
    CHECKVN("PR_GET_SECCOMP after errors", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    /* Valid programs: BPF_LEN loads sizeof(struct seccomp_data) == 64; RET A; 4096 insns. */
    struct sock_filter len[] = {
        LD(offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
        BPF_STMT(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO),
        BPF_STMT(BPF_RET | BPF_A, 0),
        RET(SECCOMP_RET_ALLOW),
    };
    CHECKVN("prctl(PR_SET_SECCOMP, FILTER, len)", prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &(struct sock_fprog){ 6, len }, 0, 0));
    CHECKN("getppid gets errno 64", syscall(SYS_getppid));
    CHECKVN("PR_GET_SECCOMP after", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    static struct sock_filter big[4096];
    for (int i = 0; i < 4095; i++) big[i] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0);
    big[4095] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
    CHECKVN("len 4096", install_prog(big, 4096, 0));
    CHECKVN("flags LOG", do_seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, &prog));
    CHECKVN("flags SPEC_ALLOW", do_seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW, &prog));
    CHECKVN("TSYNC, single thread", do_seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog));
}

static pthread_barrier_t bar;
static volatile long thread_tid;
static void *peer(void *arg) {
    struct utsname u;
    thread_tid = syscall(SYS_gettid);
    if (arg) INSTALL(0, {SYS_getppid, SECCOMP_RET_ERRNO | ENOTTY});  /* diverges from main */
    pthread_barrier_wait(&bar);       /* main installs */
    pthread_barrier_wait(&bar);
    CHECKN("uname in the other thread", uname(&u));
    pthread_barrier_wait(&bar);
    return NULL;
}
static void with_peer(int diverge, unsigned flags) {
    struct utsname u;
    pthread_t t;
    pthread_barrier_init(&bar, NULL, 2);
    pthread_create(&t, NULL, peer, diverge ? "" : NULL);
    pthread_barrier_wait(&bar);
    long r = install(flags, RULES({SYS_uname, SECCOMP_RET_ERRNO | EPERM}));
    int e = errno;
    if (r > 0) FACT("install returns the other thread's tid", r == thread_tid);
    else check_value("install", r, e);
    pthread_barrier_wait(&bar);
    pthread_barrier_wait(&bar);
    CHECKN("uname in main", uname(&u));
    pthread_join(t, NULL);
}
static void no_tsync(void) { with_peer(0, 0); }
static void *uname_thread(void *arg) {
    struct utsname u;
    CHECKN("uname in a thread created later", uname(&u));
    return NULL;
}
static void tsync(void) {
    pthread_t t;
    with_peer(0, SECCOMP_FILTER_FLAG_TSYNC);
    pthread_create(&t, NULL, uname_thread, NULL);
    pthread_join(t, NULL);
}
static void tsync_diverged(void) { with_peer(1, SECCOMP_FILTER_FLAG_TSYNC); }
static void tsync_esrch(void) { with_peer(1, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH); }

int main(void) {
    struct rlimit no_core = { 0, 0 };
    setrlimit(RLIMIT_CORE, &no_core);   /* WCOREDUMP is then 0 everywhere */
    CHECKVN("PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    CHECKN("PR_SET_NO_NEW_PRIVS 2", prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0));
    CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
    CHECKVN("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    part("errno", errno_action);
    part("arguments", argument_filter);
    part("trap", trap_action);
    part("trap, SIGSYS blocked", trap_blocked);
    part("kill process", kill_process);
    part("kill thread", kill_thread);
    part("unknown action", unknown_action);
    part("kill thread of two", kill_thread_of_two);
    part("trace, user_notif, log, allow", other_actions);
    part("stack errno+trap", stack_errno_trap);
    part("stack trap+errno", stack_trap_errno);
    part("stack two errnos", stack_two_errnos);
    part("stack kill+trap", stack_kill_trap);
    part("stack errno+log", stack_errno_log);
    part("fork and exec", fork_exec);
    part("errors", errors);
    part("no tsync", no_tsync);
    part("tsync", tsync);
    part("tsync diverged", tsync_diverged);
    part("tsync esrch", tsync_esrch);
    CHECKVN("PR_GET_SECCOMP at the end", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    return 0;
}
