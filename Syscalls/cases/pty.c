// syscalls: ioctl (TIOCGPTN, TIOCSPTLCK, TIOCGPTLCK, TIOCGPTPEER, TCGETS, TCSETS, TCSETSF, TCFLSH, TCXONC, FIONREAD, TIOCOUTQ, TIOCGWINSZ, TIOCSWINSZ, TIOCSCTTY, TIOCNOTTY, TIOCGPGRP, TIOCSPGRP, TIOCGSID), open (/dev/ptmx, /dev/pts/N, /dev/tty), read, write, poll, setsid
#define _GNU_SOURCE
#include "check.h"
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>

static volatile sig_atomic_t got_winch, got_int, got_hup;
static void on_winch(int s) { (void)s; got_winch++; }
static void on_int(int s) { (void)s; got_int++; }
static void on_hup(int s) { (void)s; got_hup++; }

/// Reads what is there on fd (non-blocking poll first) and prints it escaped.
static void show(const char *label, int fd) {
    char buf[256];
    struct pollfd p = { fd, POLLIN, 0 };
    int n = 0;
    if (poll(&p, 1, 200) > 0) n = read(fd, buf, sizeof buf);
    printf("%s: ", label);
    if (n < 0) { printf("errno=%s\n", errname(errno)); return; }
    for (int i = 0; i < n; i++) {
        unsigned char c = buf[i];
        if (c >= 32 && c < 127 && c != '\\') putchar(c); else printf("\\%03o", c);
    }
    printf(" (%d)\n", n);
}

static void child(void) {
    CHECK(setsid());
    CHECKN("open /dev/tty without a controlling terminal", open("/dev/tty", O_RDWR));
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    CHECKN("posix_openpt", m >= 0 ? 0 : -1);
    unsigned ptn = 99;
    CHECK(ioctl(m, TIOCGPTN, &ptn));
    char *name = ptsname(m);
    FACT("ptsname is /dev/pts/N", name && strncmp(name, "/dev/pts/", 9) == 0 && (unsigned)atoi(name + 9) == ptn);
    CHECKN("open slave while locked", open(name, O_RDWR | O_NOCTTY));
    int locked = -1;
    CHECK(ioctl(m, TIOCGPTLCK, &locked));
    CHECKV(locked);
    CHECK(grantpt(m));
    CHECK(unlockpt(m));
    struct stat st;
    CHECK(stat(name, &st));
    FACT("slave is a char device of major 136", S_ISCHR(st.st_mode) && major(st.st_rdev) >= 136 && major(st.st_rdev) < 144);
    CHECK(fstat(m, &st));
    FACT("master is 5:2", S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 && minor(st.st_rdev) == 2);

    int s = open(name, O_RDWR);   // session leader without a tty: it becomes the controlling terminal
    CHECKN("open slave", s >= 0 ? 0 : -1);
    FACT("isatty(slave)", isatty(s));
    FACT("isatty(master)", isatty(m));
    FACT("tcgetpgrp == getpgrp", tcgetpgrp(s) == getpgrp());
    FACT("tcgetsid == getsid", tcgetsid(s) == getsid(0));
    int tty = open("/dev/tty", O_RDWR);
    CHECKN("open /dev/tty", tty >= 0 ? 0 : -1);
    CHECK(fstat(tty, &st));
    struct stat st2;
    fstat(s, &st2);
    FACT("/dev/tty is 5:0", major(st.st_rdev) == 5 && minor(st.st_rdev) == 0);
    close(tty);
    int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    CHECKN("TIOCGPTPEER", peer >= 0 ? 0 : -1);
    fstat(peer, &st);
    FACT("peer is the slave", st.st_rdev == st2.st_rdev);
    close(peer);

    struct termios t;
    CHECK(tcgetattr(s, &t));
    FACT("default ICANON|ECHO|ISIG", (t.c_lflag & (ICANON | ECHO | ISIG)) == (ICANON | ECHO | ISIG));
    FACT("default ICRNL, OPOST|ONLCR", (t.c_iflag & ICRNL) && (t.c_oflag & (OPOST | ONLCR)) == (OPOST | ONLCR));
    printf("VINTR=%d VEOF=%d VERASE=%d VKILL=%d VMIN=%d\n", t.c_cc[VINTR], t.c_cc[VEOF], t.c_cc[VERASE], t.c_cc[VKILL], t.c_cc[VMIN]);

    // Canonical input: CR becomes NL, erase and kill edit the line, echo shows it.
    write(m, "ab\177c\r", 5);
    show("slave reads", s);
    show("master sees echo", m);
    write(m, "xyz\025q\n", 6);
    show("after kill", s);
    show("kill echo", m);
    int avail = -1;
    write(m, "partial", 7);
    CHECK(ioctl(s, FIONREAD, &avail));
    printf("FIONREAD without a newline: %d\n", avail);
    write(m, "\004", 1);   // VEOF ends the line without a newline
    show("EOF-terminated", s);
    write(m, "\004", 1);
    show("EOF alone", s);
    show("echo so far", m);

    // Output processing: \n becomes \r\n.
    write(s, "out\n", 4);
    show("master reads", m);
    t.c_oflag &= ~OPOST;
    CHECK(tcsetattr(s, TCSANOW, &t));
    write(s, "raw\n", 4);
    show("without OPOST", m);
    t.c_oflag |= OPOST;

    // Non-canonical: VMIN/VTIME.
    t.c_lflag &= ~(ICANON | ECHO);
    t.c_cc[VMIN] = 0; t.c_cc[VTIME] = 0;
    CHECK(tcsetattr(s, TCSANOW, &t));
    char buf[64];
    CHECKV(read(s, buf, sizeof buf));
    t.c_cc[VMIN] = 0; t.c_cc[VTIME] = 2;
    CHECK(tcsetattr(s, TCSANOW, &t));
    CHECKVN("VTIME=2 times out with 0", read(s, buf, sizeof buf));
    t.c_cc[VMIN] = 3; t.c_cc[VTIME] = 0;
    CHECK(tcsetattr(s, TCSANOW, &t));
    write(m, "12345", 5);
    CHECKVN("VMIN=3 with 5 there", read(s, buf, 2));
    CHECKVN("then", read(s, buf, sizeof buf));
    write(m, "hi", 2);
    usleep(50000);
    CHECK(ioctl(s, FIONREAD, &avail));
    printf("FIONREAD raw: %d\n", avail);
    CHECK(tcflush(s, TCIFLUSH));
    CHECK(ioctl(s, FIONREAD, &avail));
    printf("after TCIFLUSH: %d\n", avail);
    CHECKN("tcflush bad queue", tcflush(s, 7));
    t.c_lflag |= ICANON | ECHO;
    CHECK(tcsetattr(s, TCSAFLUSH, &t));

    // Window size and SIGWINCH to the foreground group.
    signal(SIGWINCH, on_winch);
    struct winsize ws = { 0 }, ws2 = { 0 };
    ws.ws_row = 40; ws.ws_col = 100;
    CHECK(ioctl(m, TIOCSWINSZ, &ws));
    CHECK(ioctl(s, TIOCGWINSZ, &ws2));
    printf("winsize %dx%d, SIGWINCH %d\n", ws2.ws_row, ws2.ws_col, got_winch);
    CHECK(ioctl(s, TIOCSWINSZ, &ws));
    printf("same size again: SIGWINCH %d\n", got_winch);

    // ISIG: ^C is SIGINT to the foreground group, echoed as ^C.
    signal(SIGINT, on_int);
    write(m, "zz\003", 3);
    usleep(100000);
    printf("SIGINT %d\n", got_int);
    show("^C echo", m);
    CHECK(ioctl(s, FIONREAD, &avail));
    printf("input flushed by ^C: %d\n", avail);

    // Job control: a background group.
    CHECKN("tcsetpgrp no such group", tcsetpgrp(s, 99999));
    CHECKN("tcsetpgrp negative", tcsetpgrp(s, -5));
    CHECKN("tcgetpgrp on a file", tcgetpgrp(1000));
    int p[2];
    pipe(p);
    pid_t bg = fork();
    if (bg == 0) {
        setpgid(0, 0);
        signal(SIGTTOU, SIG_IGN);
        FACT("background: tcgetpgrp is the shell's", tcgetpgrp(s) == getsid(0));
        CHECKN("background TIOCSCTTY", ioctl(s, TIOCSCTTY, 0));
        signal(SIGTTIN, SIG_IGN);
        CHECKN("background read with SIGTTIN ignored", read(s, buf, 1));
        CHECKN("tcsetpgrp from the background (SIGTTOU ignored)", tcsetpgrp(s, getpgrp()));
        FACT("now foreground", tcgetpgrp(s) == getpgrp());
        CHECK(tcsetpgrp(s, getsid(0)));
        _exit(0);
    }
    int status;
    waitpid(bg, &status, 0);
    printf("background child exit %d\n", WEXITSTATUS(status));
    FACT("shell is foreground again", tcgetpgrp(s) == getpgrp());

    // Hang-up: closing the slaves makes the master read EIO; closing the master, EOF and EIO.
    int s2 = open(name, O_RDWR | O_NOCTTY);
    close(s);
    write(s2, "x", 1);
    show("master before the last slave close", m);
    close(s2);
    signal(SIGHUP, on_hup);
    int m2 = posix_openpt(O_RDWR | O_NOCTTY);
    unlockpt(m2);
    int s3 = open(ptsname(m2), O_RDWR | O_NOCTTY);
    close(m2);
    CHECKVN("slave read after hang-up", read(s3, buf, sizeof buf));
    CHECKN("slave write after hang-up", write(s3, "x", 1));
    CHECKN("TCGETS after hang-up", tcgetattr(s3, &t));
    close(s3);
    CHECKN("TIOCNOTTY not our terminal", ioctl(0, TIOCNOTTY));
    close(m);
    usleep(100000);
    printf("SIGHUP %d\n", got_hup);
    CHECKN("/dev/tty after the master closed", open("/dev/tty", O_RDWR));
    exit(0);
}

int main(void) {
    CHECKN("TCGETS on /dev/null", tcgetattr(open("/dev/null", O_RDWR), &(struct termios){0}));
    pid_t pid = fork();
    if (pid == 0) child();
    int status;
    waitpid(pid, &status, 0);
    printf("child: exit %d signal %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 0;
}
