#define _GNU_SOURCE
#include "chusk_sandbox.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

// husk run -t: its own terminal in raw mode while the sandbox runs, restored on every way out
// (a normal return, exit(), and a fatal signal: the handler restores, then dies of the signal).
static struct termios tty_saved;
static int tty_saved_fd = -1;

void chusk_tty_restore(void) {
    if (tty_saved_fd >= 0) tcsetattr(tty_saved_fd, TCSAFLUSH, &tty_saved);
}

static void tty_fatal(int sig) {
    chusk_tty_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

int chusk_tty_raw(int fd) {
    struct termios t;
    if (tcgetattr(fd, &t) != 0) return -errno;
    tty_saved = t;
    tty_saved_fd = fd;
    atexit(chusk_tty_restore);
    int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE, SIGQUIT };
    for (unsigned i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = tty_fatal;
        sa.sa_flags = SA_RESETHAND;
        sigaction(fatal[i], &sa, NULL);
    }
    cfmakeraw(&t);
    if (tcsetattr(fd, TCSAFLUSH, &t) != 0) return -errno;
    return 0;
}

// The OCI shim with process.terminal: a host pty whose master goes to the engine over its
// --console-socket (as runc does) and whose slave becomes the shim's controlling terminal
// (the shim leads its own session), so that SIGWINCH reaches it. rows/cols 0: left alone.
int chusk_pty_pair(int *master, int *slave, unsigned short rows, unsigned short cols) {
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return -errno;
    char name[128];
    if (grantpt(m) != 0 || unlockpt(m) != 0 || ptsname_r(m, name, sizeof name) != 0) {
        int e = errno;
        close(m);
        return -e;
    }
    int s = open(name, O_RDWR | O_CLOEXEC);
    if (s < 0) {
        int e = errno;
        close(m);
        return -e;
    }
    if (rows != 0 && cols != 0) {
        struct winsize ws = { .ws_row = rows, .ws_col = cols };
        ioctl(s, TIOCSWINSZ, &ws);
    }
    ioctl(s, TIOCSCTTY, 0);
    *master = m;
    *slave = s;
    return 0;
}
