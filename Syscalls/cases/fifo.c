// syscalls: mknod, mknodat, openat, read, write, fstat, lseek, ioctl, fcntl, unlink, close
#include "check.h"
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

static void on_alarm(int sig) { (void)sig; }

int main(void) {
    char dir[] = "/tmp/husk-fifo-XXXXXX";
    if (!mkdtemp(dir)) { printf("setup: mkdtemp: errno=%s\n", errname(errno)); return 99; }
    char f[64], g[64], h[64];
    snprintf(f, sizeof f, "%s/f", dir);
    snprintf(g, sizeof g, "%s/g", dir);
    snprintf(h, sizeof h, "%s/h", dir);
    char buf[64];
    struct stat st, fst;

    /* Creation. */
    CHECK(mkfifo(f, 0644));
    CHECKN("mkfifo again", mkfifo(f, 0644));
    CHECKN("mknodat S_IFIFO", mknodat(AT_FDCWD, g, S_IFIFO | 0600, 0));
    CHECK(stat(f, &st));
    FACT("S_ISFIFO", S_ISFIFO(st.st_mode));
    SHOW("mode", "%o", st.st_mode & 07777);

    /* Non-blocking opens: a reader without a writer succeeds, a writer without a reader is ENXIO. */
    CHECKN("O_WRONLY|O_NONBLOCK no reader", open(f, O_WRONLY | O_NONBLOCK));
    int r = CHECKN("O_RDONLY|O_NONBLOCK", open(f, O_RDONLY | O_NONBLOCK));
    CHECKVN("read without writer (EOF)", read(r, buf, sizeof buf));
    int w = CHECKN("O_WRONLY|O_NONBLOCK with a reader", open(f, O_WRONLY | O_NONBLOCK));
    CHECKVN("write", write(w, "hello", 5));
    int avail = -1;
    CHECK(ioctl(r, FIONREAD, &avail));
    SHOW("FIONREAD", "%d", avail);
    CHECK(fstat(r, &fst));
    FACT("fstat is the fifo node", S_ISFIFO(fst.st_mode) && fst.st_ino == st.st_ino && fst.st_dev == st.st_dev);
    SHOW("reader F_GETFL", "%#o", fcntl(r, F_GETFL));
    SHOW("writer F_GETFL", "%#o", fcntl(w, F_GETFL));
    CHECKN("lseek", lseek(r, 0, SEEK_SET));
    memset(buf, 0, sizeof buf);
    CHECKVN("read", read(r, buf, sizeof buf));
    SHOW("data", "%s", buf);
    CHECKVN("read empty, writer open", read(r, buf, sizeof buf));
    close(w);
    CHECKVN("read after last writer", read(r, buf, sizeof buf));
    close(r);

    /* O_RDWR never blocks; two opens share one pipe. */
    int a = CHECKN("O_RDWR", open(f, O_RDWR));
    int b = CHECKN("O_RDWR again", open(f, O_RDWR | O_NONBLOCK));
    CHECKVN("write via first", write(a, "shared", 6));
    memset(buf, 0, sizeof buf);
    CHECKVN("read via second", read(b, buf, sizeof buf));
    SHOW("shared data", "%s", buf);
    CHECKVN("write left in pipe", write(a, "lost", 4));
    close(a); close(b);
    /* The last close dropped the buffered bytes. */
    a = CHECKN("reopen O_RDWR|O_NONBLOCK", open(f, O_RDWR | O_NONBLOCK));
    CHECKVN("read after every close", read(a, buf, sizeof buf));
    close(a);

    /* Blocking open for reading waits for a writer. */
    pid_t pid = fork();
    if (pid == 0) {
        usleep(100000);
        int cw = open(f, O_WRONLY);
        if (cw < 0) _exit(1);
        if (write(cw, "from child", 10) != 10) _exit(2);
        close(cw);
        _exit(0);
    }
    r = CHECKN("blocking O_RDONLY", open(f, O_RDONLY));
    memset(buf, 0, sizeof buf);
    long got = 0, n;
    while ((n = read(r, buf + got, sizeof buf - 1 - got)) > 0) got += n;
    SHOW("read from writer", "%s", buf);
    close(r);
    int status;
    waitpid(pid, &status, 0);
    SHOW("writer child status", "%d", WEXITSTATUS(status));

    /* Blocking open for writing waits for a reader. */
    pid = fork();
    if (pid == 0) {
        usleep(100000);
        int cr = open(f, O_RDONLY);
        if (cr < 0) _exit(1);
        char cb[16] = {0};
        long k = read(cr, cb, sizeof cb - 1);
        close(cr);
        _exit(k == 4 && strcmp(cb, "ping") == 0 ? 0 : 3);
    }
    w = CHECKN("blocking O_WRONLY", open(f, O_WRONLY));
    CHECKVN("write to reader", write(w, "ping", 4));
    close(w);
    waitpid(pid, &status, 0);
    SHOW("reader child status", "%d", WEXITSTATUS(status));

    /* A signal interrupts a blocked open (no SA_RESTART): EINTR. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    CHECKN("blocked O_RDONLY interrupted", open(g, O_RDONLY));
    alarm(0);
    /* The interrupted reader is gone: a non-blocking writer still finds none. */
    CHECKN("O_WRONLY|O_NONBLOCK after interrupted reader", open(g, O_WRONLY | O_NONBLOCK));

    /* Not a FIFO. */
    CHECKN("mkfifo in missing dir", mkfifo("/nonexistent-dir/f", 0644));
    CHECK(unlink(f));
    CHECK(unlink(g));
    CHECKN("unlink h (absent)", unlink(h));
    CHECK(rmdir(dir));
    return 0;
}
