// syscalls: flock, fcntl
// flock(2) and fcntl record/OFD locks: conflicts between processes and descriptions, F_GETLK
// reports, range split and merge, release on close, blocking waits woken by unlock, EDEADLK.
#include "check.h"
#include <sys/file.h>
#include <sys/wait.h>

static const char *path = "/tmp/husk-case-flock";

static int setlk(int fd, int cmd, short type, off_t start, off_t len) {
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
    return fcntl(fd, cmd, &fl);
}

static void getlk(const char *label, int fd, int cmd, short type, off_t start, off_t len, pid_t expect) {
    struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
    if (fcntl(fd, cmd, &fl) < 0) { printf("%s: errno=%s\n", label, errname(errno)); return; }
    const char *t = fl.l_type == F_UNLCK ? "UNLCK" : fl.l_type == F_RDLCK ? "RDLCK" : "WRLCK";
    if (fl.l_type == F_UNLCK) printf("%s: %s\n", label, t);
    else printf("%s: %s start=%ld len=%ld pid_ok=%d\n", label, t, (long)fl.l_start, (long)fl.l_len, fl.l_pid == expect);
}

/* Runs `fn` in a child and prints its lines; waits for it. */
static void in_child(void (*fn)(void)) {
    pid_t p = fork();
    if (p == 0) { fn(); _exit(0); }
    int st;
    waitpid(p, &st, 0);
}

static void child_flock(void) {
    int fd = open(path, O_RDWR);
    CHECKN("child flock EX|NB (parent holds SH)", flock(fd, LOCK_EX | LOCK_NB));
    CHECKN("child flock SH|NB", flock(fd, LOCK_SH | LOCK_NB));
    CHECKN("child unlock", flock(fd, LOCK_UN));
}

static void child_records(void) {
    int fd = open(path, O_RDWR);
    pid_t parent = getppid();
    getlk("child F_GETLK wr 0-9", fd, F_GETLK, F_WRLCK, 0, 10, parent);
    getlk("child F_GETLK wr 100-", fd, F_GETLK, F_WRLCK, 100, 0, parent);
    getlk("child F_GETLK rd 20-29", fd, F_GETLK, F_RDLCK, 20, 10, parent);
    getlk("child F_GETLK rd 5", fd, F_GETLK, F_RDLCK, 5, 1, parent);
    CHECKN("child F_SETLK wr 5 (conflict)", setlk(fd, F_SETLK, F_WRLCK, 5, 1));
    CHECKN("child F_SETLK rd 20 (shared)", setlk(fd, F_SETLK, F_RDLCK, 20, 1));
    CHECKN("child F_SETLK wr 50 (free)", setlk(fd, F_SETLK, F_WRLCK, 50, 1));
}

int main(void) {
    unlink(path);
    int fd = CHECK(open(path, O_RDWR | O_CREAT, 0600));
    CHECKV(write(fd, "0123456789", 10));

    // flock
    CHECKN("flock bad op", flock(fd, 0));
    CHECKN("flock bad fd", flock(-1, LOCK_SH));
    CHECKN("flock SH", flock(fd, LOCK_SH));
    in_child(child_flock);
    int fd2 = open(path, O_RDWR);
    CHECKN("second description EX|NB", flock(fd2, LOCK_EX | LOCK_NB));
    int dupfd = dup(fd);
    CHECKN("dup'd fd converts to EX", flock(dupfd, LOCK_EX | LOCK_NB));
    CHECKN("second description SH|NB after EX", flock(fd2, LOCK_SH | LOCK_NB));
    close(dupfd);
    CHECKN("still held after closing the dup", flock(fd2, LOCK_SH | LOCK_NB));
    close(fd);
    CHECKN("released on last close", flock(fd2, LOCK_EX | LOCK_NB));
    fd = open(path, O_RDWR);
    // A blocked flock is woken by the holder's unlock.
    int pfd[2];
    pipe(pfd);
    pid_t p = fork();
    if (p == 0) {
        int c = open(path, O_RDWR);
        write(pfd[1], "x", 1);
        _exit(flock(c, LOCK_EX) == 0 ? 0 : 1);
    }
    char ch;
    read(pfd[0], &ch, 1);
    usleep(100000);
    CHECKN("unlock wakes the waiter", flock(fd2, LOCK_UN));
    int st;
    waitpid(p, &st, 0);
    SHOW("child's blocking flock succeeded", "%d", WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(fd2);

    // fcntl record locks
    CHECKN("F_SETLK bad type", setlk(fd, F_SETLK, 7, 0, 1));
    CHECKN("F_SETLK negative start", setlk(fd, F_SETLK, F_RDLCK, -1, 1));
    struct flock bad = { .l_type = F_RDLCK, .l_whence = 9 };
    CHECKN("F_SETLK bad whence", fcntl(fd, F_SETLK, &bad));
    CHECKN("F_SETLK bad address", fcntl(fd, F_SETLK, BADPTR));
    int ro = open(path, O_RDONLY);
    CHECKN("F_WRLCK on O_RDONLY", setlk(ro, F_SETLK, F_WRLCK, 0, 1));
    close(ro);
    CHECKN("F_SETLK wr 0-9", setlk(fd, F_SETLK, F_WRLCK, 0, 10));
    CHECKN("F_SETLK rd 20-29", setlk(fd, F_SETLK, F_RDLCK, 20, 10));
    CHECKN("F_SETLK wr 100-EOF", setlk(fd, F_SETLK, F_WRLCK, 100, 0));
    CHECKN("unlock 3-6 (split)", setlk(fd, F_SETLK, F_UNLCK, 3, 4));
    getlk("own locks never conflict", fd, F_GETLK, F_WRLCK, 0, 0, 0);
    in_child(child_records);
    // Merge: relock 3-6 as write joins 0-9 again.
    CHECKN("relock 3-6", setlk(fd, F_SETLK, F_WRLCK, 3, 4));
    in_child(child_records);

    // Closing any fd of the file drops the process's record locks.
    int other = open(path, O_RDONLY);
    close(other);
    in_child(child_records);

    // OFD locks belong to the description and conflict with record locks.
    fd2 = open(path, O_RDWR);
    CHECKN("OFD wr 0-9 against none", setlk(fd2, F_OFD_SETLK, F_WRLCK, 0, 10));
    CHECKN("record wr 5 against OFD (same process)", setlk(fd, F_SETLK, F_WRLCK, 5, 1));
    getlk("F_OFD_GETLK from fd", fd, F_OFD_GETLK, F_RDLCK, 0, 1, -1);
    struct flock withpid = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_pid = 1 };
    CHECKN("OFD with l_pid", fcntl(fd, F_OFD_SETLK, &withpid));
    close(fd2);
    CHECKN("OFD released by close", setlk(fd, F_SETLK, F_WRLCK, 5, 1));
    CHECKN("unlock all", setlk(fd, F_SETLK, F_UNLCK, 0, 0));

    // F_SETLKW: a waiter woken by unlock; EDEADLK for a two-process cycle.
    CHECKN("parent wr 0", setlk(fd, F_SETLK, F_WRLCK, 0, 1));
    int go[2], ready[2];
    pipe(go); pipe(ready);
    p = fork();
    if (p == 0) {
        int c = open(path, O_RDWR);
        setlk(c, F_SETLK, F_WRLCK, 1, 1);
        write(ready[1], "r", 1);
        _exit(setlk(c, F_SETLKW, F_WRLCK, 0, 1) == 0 ? 0 : 1);  // waits for the parent
    }
    read(ready[0], &ch, 1);
    usleep(200000);
    CHECKN("parent F_SETLKW on the child's byte (cycle)", setlk(fd, F_SETLKW, F_WRLCK, 1, 1));
    CHECKN("parent unlocks byte 0", setlk(fd, F_SETLK, F_UNLCK, 0, 1));
    waitpid(p, &st, 0);
    SHOW("child's F_SETLKW succeeded", "%d", WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECKN("locks of an exited process are gone", setlk(fd, F_SETLK, F_WRLCK, 0, 2));
    unlink(path);
    return 0;
}
