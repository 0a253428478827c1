// syscalls: setuid, setgid, setreuid, setregid, setresuid, setresgid, setfsuid, setfsgid, setgroups, getgroups, getresuid, getresgid, capget, capset, prctl (KEEPCAPS, CAPBSET_READ), kill (permission)
#include "check.h"
#include <grp.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/capability.h>

static int has_cap(int cap) {
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2] = {0};
    if (syscall(SYS_capget, &h, d) != 0) return -1;
    return (d[cap / 32].effective >> (cap % 32)) & 1;
}

static void ids(const char *who) {
    uid_t r, e, s; gid_t gr, ge, gs;
    getresuid(&r, &e, &s); getresgid(&gr, &ge, &gs);
    printf("%s: uid %u/%u/%u gid %u/%u/%u setuid-cap %d kill-cap %d\n", who, r, e, s, gr, ge, gs, has_cap(CAP_SETUID), has_cap(CAP_KILL));
}

static int child(void (*body)(void)) {
    pid_t c = fork();
    if (c == 0) { body(); fflush(stdout); _exit(0); }
    int st; waitpid(c, &st, 0);
    return st;
}

static void drop_all(void) {
    CHECKN("setresgid(100,100,100)", setresgid(100, 100, 100));
    CHECKN("setresuid(1000,1000,1000)", setresuid(1000, 1000, 1000));
    ids("after drop");
    CHECKN("setuid(0) unprivileged", setuid(0));
    CHECKN("setgid(0) unprivileged", setgid(0));
    CHECKN("setresuid to another id", setresuid(-1, 2000, -1));
    CHECKN("setgroups unprivileged", setgroups(0, NULL));
    CHECKN("kill root parent", kill(getppid(), 0));
    SHOW("setfsuid(0) returns old", "%d", setfsuid(0));
    SHOW("fsuid still", "%d", setfsuid(-1));
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2] = {{ .effective = 1u << CAP_KILL, .permitted = 1u << CAP_KILL }};
    CHECKN("capset gaining a capability", syscall(SYS_capset, &h, d));
}

static void saved_root(void) {
    CHECKN("setresuid(1000,1000,0)", setresuid(1000, 1000, 0));
    ids("saved root");
    CHECKN("seteuid(0) from saved", setreuid(-1, 0));
    ids("euid back to 0");
    CHECKN("setuid(0)", setuid(0));
    ids("all root");
}

static void keepcaps(void) {
    CHECKN("PR_SET_KEEPCAPS 1", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
    SHOW("PR_GET_KEEPCAPS", "%d", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    CHECKN("setresuid(1000,1000,1000)", setresuid(1000, 1000, 1000));
    ids("keepcaps dropped uid");
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2] = {0};
    syscall(SYS_capget, &h, d);
    SHOW("permitted kept setuid", "%u", (d[0].permitted >> CAP_SETUID) & 1);
    d[0].effective = 1u << CAP_SETUID;
    CHECKN("capset raise effective from permitted", syscall(SYS_capset, &h, d));
    SHOW("setuid cap now", "%d", has_cap(CAP_SETUID));
}

int main(void) {
    ids("start");
    gid_t list[] = { 7, 3 };
    CHECKN("setgroups", setgroups(2, list));
    gid_t got[8];
    int n = getgroups(8, got);
    SHOW("getgroups count", "%d", n);
    CHECKN("getgroups too small", getgroups(1, got));
    CHECKN("setgroups too many", setgroups(70000, list));
    SHOW("PR_CAPBSET_READ CAP_KILL", "%d", prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0));
    CHECKN("PR_CAPBSET_READ bad cap", prctl(PR_CAPBSET_READ, 99, 0, 0, 0));
    struct __user_cap_header_struct h = { 0x12345678, 0 };
    CHECKN("capget bad version", syscall(SYS_capget, &h, NULL));
    SHOW("capget wrote version", "%#x", h.version);
    child(drop_all);
    child(saved_root);
    child(keepcaps);
    return 0;
}
