// syscalls: inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch, read, poll, ioctl
#include "check.h"
#include <poll.h>
#include <stdint.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#define DIR_ "/tmp/husk-inotify-case"

static const char *names[] = {"ACCESS", "MODIFY", "ATTRIB", "CLOSE_WRITE", "CLOSE_NOWRITE", "OPEN",
    "MOVED_FROM", "MOVED_TO", "CREATE", "DELETE", "DELETE_SELF", "MOVE_SELF", "?", "UNMOUNT",
    "Q_OVERFLOW", "IGNORED"};

/* wd numbers relative to the first watch of the case, cookies as "same as the previous one". */
static int wdbase;
static uint32_t lastcookie;

static void show(const struct inotify_event *e) {
    char m[256] = "";
    for (int i = 0; i < 16; i++)
        if (e->mask & (1u << i)) { if (*m) strcat(m, "|"); strcat(m, names[i]); }
    if (e->mask & IN_ISDIR) strcat(m, "|ISDIR");
    const char *c = "";
    if (e->cookie) { c = e->cookie == lastcookie ? " cookie=same" : " cookie=new"; lastcookie = e->cookie; }
    printf("  wd=%d %s%s%s%s len=%u\n", e->wd < 0 ? e->wd : e->wd - wdbase, m, c,
           e->len ? " name=" : "", e->len ? e->name : "", e->len);
}

/* Reads and prints every queued event; "(none)" when the queue is empty. */
static void drain(int fd, const char *label) {
    char buf[4096] __attribute__((aligned(8)));
    printf("%s:\n", label);
    int any = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno != EAGAIN) printf("  read: errno=%s\n", errname(errno));
            break;
        }
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            show(e);
            any = 1;
            p += sizeof *e + e->len;
        }
    }
    if (!any) printf("  (none)\n");
}

int main(void) {
    system("rm -rf " DIR_);
    if (mkdir(DIR_, 0755) != 0) { printf("setup: mkdir errno=%s\n", errname(errno)); return 99; }

    CHECKN("inotify_init1(bad flag)", inotify_init1(1));
    int legacy = inotify_init();
    CHECKN("inotify_init", legacy);
    SHOW("legacy F_GETFL", "%#o", fcntl(legacy, F_GETFL) & ~0100000);
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    CHECKN("inotify_init1(IN_NONBLOCK|IN_CLOEXEC)", fd);
    SHOW("F_GETFL", "%#o", fcntl(fd, F_GETFL) & ~0100000);
    SHOW("F_GETFD", "%d", fcntl(fd, F_GETFD));
    struct stat st;
    CHECK(fstat(fd, &st));
    SHOW("S_ISREG", "%d", S_ISREG(st.st_mode));
    char lnk[64] = {0}, path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    CHECK(readlink(path, lnk, sizeof lnk - 1));
    SHOW("link", "%s", lnk);

    /* add_watch errors */
    CHECKN("add_watch(mask 0)", inotify_add_watch(fd, DIR_, 0));
    CHECKN("add_watch(bad fd)", inotify_add_watch(99, DIR_, IN_CREATE));
    int plain = open("/dev/null", O_RDONLY);
    CHECKN("add_watch(not inotify)", inotify_add_watch(plain, DIR_, IN_CREATE));
    CHECKN("add_watch(MASK_ADD|MASK_CREATE)", inotify_add_watch(fd, DIR_, IN_CREATE | IN_MASK_ADD | IN_MASK_CREATE));
    CHECKN("add_watch(missing)", inotify_add_watch(fd, DIR_ "/nope", IN_CREATE));
    CHECKN("add_watch(ONLYDIR on file)", inotify_add_watch(fd, "/etc/passwd", IN_ONLYDIR | IN_OPEN));
    CHECKN("add_watch(bad path)", inotify_add_watch(fd, (char *)1, IN_CREATE));
    CHECKN("rm_watch(bad wd)", inotify_rm_watch(fd, 12345));
    CHECKN("rm_watch(not inotify)", inotify_rm_watch(plain, 1));
    char small[8];
    CHECKN("read empty nonblocking", read(fd, small, sizeof small));

    int wd = inotify_add_watch(fd, DIR_, IN_ALL_EVENTS | IN_ONLYDIR);
    CHECKN("add_watch(dir)", wd);
    wdbase = wd - 1;
    SHOW("same inode same wd", "%d", inotify_add_watch(fd, DIR_ "/.", IN_CREATE | IN_DELETE) == wd);
    CHECKN("add_watch(MASK_CREATE existing)", inotify_add_watch(fd, DIR_, IN_CREATE | IN_MASK_CREATE));
    drain(fd, "replaced mask: nothing yet");
    /* The mask is now CREATE|DELETE: an open makes nothing, a create does. */
    int f = open(DIR_ "/a", O_CREAT | O_WRONLY, 0644);
    close(f);
    drain(fd, "create with CREATE|DELETE");
    CHECKV(inotify_add_watch(fd, DIR_, IN_ALL_EVENTS | IN_MASK_ADD) - wdbase);

    /* The file operations, each drained. */
    f = open(DIR_ "/a", O_WRONLY | O_TRUNC);
    write(f, "hello", 5);
    write(f, "world", 5);
    drain(fd, "open O_TRUNC, two writes");
    int avail = -1;
    CHECK(ioctl(fd, FIONREAD, &avail));
    SHOW("FIONREAD empty", "%d", avail);
    struct pollfd p = {fd, POLLIN, 0};
    CHECKV(poll(&p, 1, 0));
    close(f);
    CHECK(ioctl(fd, FIONREAD, &avail));
    SHOW("FIONREAD after close", "%d", avail);
    CHECKV(poll(&p, 1, 0));
    SHOW("revents", "%#x", p.revents);
    CHECKN("read with 8 bytes", read(fd, small, sizeof small));
    drain(fd, "close after write");

    f = open(DIR_ "/a", O_RDONLY);
    char b[16];
    read(f, b, sizeof b);
    read(f, b, sizeof b);  /* EOF: no event */
    close(f);
    drain(fd, "open, read, read at EOF, close");

    CHECK(chmod(DIR_ "/a", 0600));
    CHECK(chown(DIR_ "/a", 0, 0));
    CHECK(utimes(DIR_ "/a", NULL));
    struct timespec ts[2] = {{0, UTIME_OMIT}, {5, 0}};
    CHECK(utimensat(AT_FDCWD, DIR_ "/a", ts, 0));
    ts[0].tv_nsec = 0; ts[1].tv_nsec = UTIME_OMIT;
    CHECK(utimensat(AT_FDCWD, DIR_ "/a", ts, 0));
    CHECK(truncate(DIR_ "/a", 2));
    drain(fd, "chmod, chown, utimes, mtime only, atime only, truncate");

    CHECK(link(DIR_ "/a", DIR_ "/b"));
    CHECK(rename(DIR_ "/a", DIR_ "/c"));
    drain(fd, "link, rename");
    CHECK(mkdir(DIR_ "/sub", 0755));
    CHECK(rename(DIR_ "/sub", DIR_ "/sub2"));
    CHECK(rmdir(DIR_ "/sub2"));
    CHECK(symlink("c", DIR_ "/s"));
    CHECK(mknod(DIR_ "/fifo", S_IFIFO | 0600, 0));
    CHECK(unlink(DIR_ "/s"));
    CHECK(unlink(DIR_ "/fifo"));
    drain(fd, "mkdir, rename dir, rmdir, symlink, mknod, unlinks");

    /* A watch on the file itself: link counts, self events, and the end of the watch. */
    int wf = inotify_add_watch(fd, DIR_ "/c", IN_ALL_EVENTS);
    CHECKV(wf - wdbase);
    CHECK(unlink(DIR_ "/b"));
    drain(fd, "unlink one of two names (file watched)");
    f = open(DIR_ "/c", O_RDONLY);
    CHECK(unlink(DIR_ "/c"));
    drain(fd, "unlink the last name while open");
    close(f);
    drain(fd, "close of the unlinked file");

    /* Rename over a watched target, and RENAME_EXCHANGE. */
    close(open(DIR_ "/x", O_CREAT | O_WRONLY, 0644));
    close(open(DIR_ "/y", O_CREAT | O_WRONLY, 0644));
    drain(fd, "setup x y");
    int wy = inotify_add_watch(fd, DIR_ "/y", IN_ALL_EVENTS);
    CHECKV(wy - wdbase);
    CHECK(rename(DIR_ "/x", DIR_ "/y"));
    drain(fd, "rename x over watched y");
    close(open(DIR_ "/z", O_CREAT | O_WRONLY, 0644));
    CHECK(renameat2(AT_FDCWD, DIR_ "/y", AT_FDCWD, DIR_ "/z", RENAME_EXCHANGE));
    drain(fd, "exchange y z");

    /* rm_watch, IN_ONESHOT, listing a watched directory. */
    int wz = inotify_add_watch(fd, DIR_ "/z", IN_ATTRIB | IN_ONESHOT);
    CHECK(chmod(DIR_ "/z", 0600));
    CHECK(chmod(DIR_ "/z", 0644));
    drain(fd, "oneshot watch, two chmods");
    CHECKN("rm_watch(after oneshot)", inotify_rm_watch(fd, wz));
    system("ls " DIR_ " > /dev/null");
    drain(fd, "ls of the directory");
    CHECK(inotify_rm_watch(fd, wd));
    drain(fd, "rm_watch");
    CHECKN("rm_watch again", inotify_rm_watch(fd, wd));

    /* A blocking read wakes when a child creates a file. */
    int bfd = inotify_init();
    wdbase = inotify_add_watch(bfd, DIR_, IN_CREATE) - 1;
    pid_t c = fork();
    if (c == 0) {
        usleep(100000);
        close(open(DIR_ "/late", O_CREAT | O_WRONLY, 0644));
        _exit(0);
    }
    char buf[256] __attribute__((aligned(8)));
    ssize_t n = read(bfd, buf, sizeof buf);
    SHOW("blocking read", "%zd", n);
    if (n > 0) show((struct inotify_event *)buf);
    waitpid(c, NULL, 0);
    close(bfd);

    char *mq;
    slurp("/proc/sys/fs/inotify/max_queued_events", &mq);
    printf("max_queued_events: %s", mq);
    /* Overflow: alternating events do not merge; the 16385th is IN_Q_OVERFLOW. */
    int ofd = inotify_init1(IN_NONBLOCK);
    wdbase = inotify_add_watch(ofd, DIR_, IN_OPEN | IN_CLOSE_NOWRITE) - 1;
    for (int i = 0; i < 8300; i++) close(open(DIR_ "/late", O_RDONLY));
    long count = 0, overflow = 0, last_overflow = 0;
    char big[65536] __attribute__((aligned(8)));
    for (;;) {
        ssize_t m = read(ofd, big, sizeof big);
        if (m <= 0) break;
        for (char *q = big; q < big + m;) {
            struct inotify_event *e = (struct inotify_event *)q;
            count++;
            last_overflow = e->mask == IN_Q_OVERFLOW && e->wd == -1;
            overflow += last_overflow;
            q += sizeof *e + e->len;
        }
    }
    SHOW("events before overflow", "%ld", count - overflow);
    SHOW("overflow events", "%ld", overflow);
    SHOW("overflow last", "%ld", last_overflow);
    close(ofd);
    close(fd);
    close(legacy);
    system("rm -rf " DIR_);
    return 0;
}
