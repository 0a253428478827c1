// Fixture of UnotifyTests: what the unotify platform must get right about calls served from
// seccomp user notifications.
//   unotify signals   pipe reads and writes (notified calls) interrupted by signals: EINTR,
//                     SA_RESTART, a partial write; prints facts, compared with a native run
//   unotify toctou    one thread stats and opens a path while another rewrites it (run as a
//                     non-root user): every answer must be of one path's file, never a mix of
//                     the two, and the unreadable file is never opened
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static void on_usr1(int s) { (void)s; handled++; }

static void handler(int restart) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGUSR1, &sa, NULL);
}

static const char *en(int e) { return e == EINTR ? "EINTR" : e == EAGAIN ? "EAGAIN" : e == 0 ? "-" : strerror(e); }

// A child blocked in read() of an empty pipe gets SIGUSR1; with SA_RESTART the read goes on
// and returns what the parent writes afterwards.
static void blocked_read(int restart) {
    int p[2];
    if (pipe(p) != 0) { perror("pipe"); exit(1); }
    pid_t c = fork();
    if (c == 0) {
        close(p[1]);
        handler(restart);
        char b[8];
        ssize_t n = read(p[0], b, sizeof b);
        printf("read %s: n=%zd errno=%s handled=%d\n", restart ? "SA_RESTART" : "no SA_RESTART", n, en(n < 0 ? errno : 0), (int)handled);
        fflush(stdout);
        _exit(0);
    }
    close(p[0]);
    usleep(300000);
    kill(c, SIGUSR1);
    usleep(300000);
    if (write(p[1], "abc", 3) < 0 && errno != EPIPE) perror("write");   // EPIPE: the child is gone
    int st;
    waitpid(c, &st, 0);
    close(p[1]);
}

// A child writes 128 KiB into a pipe nobody reads (64 KiB fit): blocked after a part, SIGUSR1
// ends the write with the count written (Linux never restarts a write that moved data).
static void partial_write(int restart) {
    int p[2];
    if (pipe(p) != 0) { perror("pipe"); exit(1); }
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        handler(restart);
        static char big[128 << 10];
        memset(big, 'x', sizeof big);
        ssize_t n = write(p[1], big, sizeof big);
        int e = n < 0 ? errno : 0;
        int queued = -1;
        ioctl(p[1], FIONREAD, &queued);
        printf("write %s: partial=%d all queued=%d errno=%s handled=%d\n", restart ? "SA_RESTART" : "no SA_RESTART",
               n > 0 && n < (ssize_t)sizeof big, n == queued, en(e), (int)handled);
        fflush(stdout);
        _exit(0);
    }
    close(p[1]);
    usleep(300000);
    kill(c, SIGUSR1);
    int st;
    waitpid(c, &st, 0);
    close(p[0]);
}

static char path[64];
static atomic_int stop;

static void *flipper(void *arg) {
    (void)arg;
    // "/tmp/n/a" <-> "/tmp/n/b": one byte differs, so any single copy names a real file.
    volatile char *c = &path[7];
    while (!atomic_load(&stop)) { *c = 'a'; *c = 'b'; }
    return NULL;
}

static int toctou(void) {
    mkdir("/tmp/n", 0755);
    int fd = open("/tmp/n/a", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "readable", 8) != 8) { perror("ok"); return 1; }
    close(fd);
    fd = open("/tmp/n/b", O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "secret, 0 mode, 19B", 19) != 19) { perror("no"); return 1; }
    close(fd);
    if (chmod("/tmp/n/b", 0) != 0) { perror("chmod"); return 1; }
    struct stat ok, no;
    if (stat("/tmp/n/a", &ok) != 0 || stat("/tmp/n/b", &no) != 0) { perror("stat"); return 1; }
    strcpy(path, "/tmp/n/a");
    pthread_t t;
    pthread_create(&t, NULL, flipper, NULL);
    long stats_ok = 0, stats_no = 0, mixed = 0, opened_ok = 0, refused = 0, leaks = 0;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    do {
        for (int i = 0; i < 200; i++) {
            struct stat st;
            if (stat(path, &st) != 0) { mixed++; continue; }
            if (st.st_ino == ok.st_ino && st.st_size == ok.st_size && st.st_mode == ok.st_mode) stats_ok++;
            else if (st.st_ino == no.st_ino && st.st_size == no.st_size && st.st_mode == no.st_mode) stats_no++;
            else mixed++;
            int f = open(path, O_RDONLY);
            if (f < 0) { if (errno == EACCES) refused++; else mixed++; continue; }
            char b[32] = {0};
            ssize_t n = read(f, b, sizeof b - 1);
            close(f);
            if (n == 8 && memcmp(b, "readable", 8) == 0) opened_ok++;
            else leaks++;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - start.tv_sec < 3);
    atomic_store(&stop, 1);
    pthread_join(t, NULL);
    printf("stat_a=%ld stat_b=%ld open_a=%ld refused=%ld\n", stats_ok, stats_no, opened_ok, refused);
    printf("mixed=%ld leaks=%ld\n", mixed, leaks);
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    if (argc > 1 && strcmp(argv[1], "signals") == 0) {
        blocked_read(0);
        blocked_read(1);
        partial_write(0);
        partial_write(1);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "toctou") == 0) return toctou();
    fprintf(stderr, "usage: unotify signals|toctou\n");
    return 2;
}
