// syscalls: msgget, msgsnd, msgrcv, msgctl
#include "check.h"
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif
#define KEY 0x48534b32

struct m { long type; char text[64]; };

static int snd(int id, long type, const char *s, int flags) {
    struct m b = {type, {0}};
    strcpy(b.text, s);
    return msgsnd(id, &b, strlen(s), flags);
}

static void rcv(const char *label, int id, size_t size, long type, int flags) {
    struct m b;
    memset(&b, 0, sizeof b);
    long n = msgrcv(id, &b, size, type, flags);
    if (n < 0) printf("%s: errno=%s\n", label, errname(errno));
    else printf("%s: =%ld type=%ld text=%.*s\n", label, n, b.type, (int)n, b.text);
}

static void on_usr1(int s) { (void)s; }

int main(void) {
    int stale = msgget(KEY, 0);
    if (stale >= 0) msgctl(stale, IPC_RMID, NULL);

    CHECK(msgget(KEY, 0600));                          /* ENOENT */
    int id = msgget(KEY, IPC_CREAT | 0620);
    FACT("created", id >= 0);
    FACT("same key", msgget(KEY, 0) == id);
    CHECK(msgget(KEY, IPC_CREAT | IPC_EXCL));
    struct msqid_ds ds;
    CHECK(msgctl(id, IPC_STAT, &ds));
    SHOW("mode", "%o", ds.msg_perm.mode & 0777);
    SHOW("qbytes", "%lu", (unsigned long)ds.msg_qbytes);
    SHOW("qnum", "%lu", (unsigned long)ds.msg_qnum);
    FACT("stime 0", ds.msg_stime == 0 && ds.msg_lspid == 0);

    CHECK(snd(id, 1, "one", 0));
    CHECK(snd(id, 3, "three", 0));
    CHECK(snd(id, 2, "two", 0));
    CHECK(snd(id, 1, "uno", 0));
    CHECK(snd(id, 0, "zero", 0));                     /* EINVAL */
    CHECK(snd(id, -1, "neg", 0));
    CHECK(msgsnd(id, (void *)8, 4, 0));               /* EFAULT */
    CHECK(msgsnd(id, &(struct m){1, {0}}, 8193, 0));  /* EINVAL: above msgmax */
    CHECK(msgsnd(-1, &(struct m){1, {0}}, 1, 0));
    CHECK(msgsnd(id + 1000000, &(struct m){1, {0}}, 1, 0));
    CHECK(msgctl(id, IPC_STAT, &ds));
    SHOW("qnum", "%lu", (unsigned long)ds.msg_qnum);
    SHOW("cbytes", "%lu", (unsigned long)ds.msg_cbytes);
    FACT("lspid", ds.msg_lspid == getpid());

    rcv("copy 0", id, 64, 0, MSG_COPY | IPC_NOWAIT);
    rcv("copy 2", id, 64, 2, MSG_COPY | IPC_NOWAIT);
    rcv("copy 9", id, 64, 9, MSG_COPY | IPC_NOWAIT);
    rcv("copy blocking", id, 64, 0, MSG_COPY);
    rcv("copy except", id, 64, 0, MSG_COPY | MSG_EXCEPT | IPC_NOWAIT);
    rcv("type 2", id, 64, 2, 0);
    rcv("except 1", id, 64, 1, MSG_EXCEPT);
    rcv("type 5 nowait", id, 64, 5, IPC_NOWAIT);
    rcv("too small", id, 2, 0, 0);
    rcv("noerror", id, 2, 0, MSG_NOERROR);
    CHECK(snd(id, 4, "four", 0));
    CHECK(snd(id, 2, "deux", 0));
    rcv("le 3", id, 64, -3, 0);
    rcv("le 3 again", id, 64, -3, IPC_NOWAIT);
    rcv("le 10", id, 64, -10, 0);
    rcv("any", id, 64, 0, IPC_NOWAIT);
    rcv("empty", id, 64, 0, IPC_NOWAIT);
    rcv("bad size", id, -1, 0, IPC_NOWAIT);
    rcv("bad id", -1, 64, 0, IPC_NOWAIT);
    CHECK(msgctl(id, IPC_STAT, &ds));
    SHOW("qnum", "%lu", (unsigned long)ds.msg_qnum);
    FACT("lrpid", ds.msg_lrpid == getpid());

    /* a small queue: full, EAGAIN, then a blocked sender */
    ds.msg_qbytes = 10;
    CHECK(msgctl(id, IPC_SET, &ds));
    CHECK(snd(id, 1, "12345678", 0));
    CHECK(snd(id, 1, "abc", IPC_NOWAIT));             /* EAGAIN */
    pid_t c = fork();
    if (c == 0) { _exit(snd(id, 7, "abc", 0) == 0 ? 0 : 1); }
    usleep(50000);
    rcv("make room", id, 64, 1, 0);
    int st;
    waitpid(c, &st, 0);
    FACT("sender went on", WIFEXITED(st) && WEXITSTATUS(st) == 0);
    rcv("its message", id, 64, 0, IPC_NOWAIT);

    /* a blocked receiver */
    c = fork();
    if (c == 0) {
        struct m b;
        long n = msgrcv(id, &b, 64, 9, 0);
        _exit(n == 3 && b.type == 9 ? 0 : 1);
    }
    usleep(50000);
    CHECK(snd(id, 8, "not", 0));
    CHECK(snd(id, 9, "yes", 0));
    waitpid(c, &st, 0);
    FACT("receiver got type 9", WIFEXITED(st) && WEXITSTATUS(st) == 0);
    rcv("left", id, 64, 0, IPC_NOWAIT);

    /* EINTR under SA_RESTART (msgrcv is never restarted after a handler) */
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    c = fork();
    if (c == 0) { rcv("child", id, 64, 0, 0); _exit(0); }
    usleep(50000);
    kill(c, SIGUSR1);
    waitpid(c, &st, 0);

    /* permissions */
    c = fork();
    if (c == 0) {
        if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) _exit(9);
        CHECKN("other: msgsnd", snd(id, 1, "x", IPC_NOWAIT));
        rcv("other: msgrcv", id, 64, 0, IPC_NOWAIT);
        CHECKN("other: IPC_STAT", msgctl(id, IPC_STAT, &ds));
        CHECKN("other: IPC_RMID", msgctl(id, IPC_RMID, NULL));
        _exit(0);
    }
    waitpid(c, &st, 0);
    c = fork();
    if (c == 0) {
        if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000)) _exit(9);
        ds.msg_qbytes = 100000;
        CHECKN("raise qbytes without CAP_SYS_RESOURCE", msgctl(id, IPC_SET, &ds));
        _exit(0);
    }
    waitpid(c, &st, 0);

    /* removal wakes a receiver with EIDRM */
    c = fork();
    if (c == 0) { struct m b; _exit(msgrcv(id, &b, 64, 0, 0) < 0 ? errno : 0); }
    usleep(50000);
    CHECK(msgctl(id, IPC_RMID, NULL));
    waitpid(c, &st, 0);
    printf("child after RMID: %s\n", WIFEXITED(st) ? errname(WEXITSTATUS(st)) : "killed");
    CHECK(msgctl(id, IPC_STAT, &ds));
    CHECK(msgctl(id, IPC_RMID, NULL));
    CHECK(msgctl(-1, IPC_STAT, &ds));
    CHECK(msgctl(0, 99, &ds));

    struct msginfo mi;
    CHECK(msgctl(0, IPC_INFO, (struct msqid_ds *)&mi) >= 0);
    printf("msginfo: max=%d mnb=%d mni=%d ssz=%d seg=%d pool=%d map=%d tql=%d\n", mi.msgmax, mi.msgmnb, mi.msgmni, mi.msgssz, mi.msgseg, mi.msgpool, mi.msgmap, mi.msgtql);
    CHECK(msgctl(0, IPC_INFO, (void *)8));
    return 0;
}
