// syscalls: preadv2, pwritev2 (offset -1 uses and moves the file position; RWF_APPEND, RWF_NOAPPEND, RWF_NOWAIT on a pipe, RWF_HIPRI/DSYNC/SYNC accepted; unknown flags EOPNOTSUPP; zero length; errors)
// preadv2 and pwritev2 are preadv and pwritev with flags, and an offset of -1 that means the
// file position (which the call then moves, as readv and writev do).
#include "check.h"
#include <sys/uio.h>

#ifndef RWF_HIPRI
#define RWF_HIPRI 0x01
#define RWF_DSYNC 0x02
#define RWF_SYNC 0x04
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10
#endif
#ifndef RWF_NOAPPEND
#define RWF_NOAPPEND 0x20
#endif

static long preadv2_(int fd, const struct iovec *iov, int n, off_t off, int flags) {
    return syscall(SYS_preadv2, fd, iov, n, (unsigned long)off, 0UL, flags);
}
static long pwritev2_(int fd, const struct iovec *iov, int n, off_t off, int flags) {
    return syscall(SYS_pwritev2, fd, iov, n, (unsigned long)off, 0UL, flags);
}

static void show_file(int fd, const char *label) {
    char buf[128] = {0};
    long n = pread(fd, buf, sizeof buf - 1, 0);
    printf("%s: \"%s\" (%ld bytes), position %ld\n", label, n > 0 ? buf : "", n, (long)lseek(fd, 0, SEEK_CUR));
}

int main(void) {
    char path[] = "/tmp/rw_v2.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) { printf("setup: %s\n", errname(errno)); return 1; }
    unlink(path);

    char a[] = "01234", b[] = "56789";
    struct iovec w[2] = {{a, 5}, {b, 5}};
    CHECKVN("pwritev2 at 0", pwritev2_(fd, w, 2, 0, 0));
    show_file(fd, "after pwritev2 at 0");

    char r1[4], r2[4];
    struct iovec r[2] = {{r1, 4}, {r2, 4}};
    CHECKVN("preadv2 at 2", preadv2_(fd, r, 2, 2, 0));
    printf("read: %.4s|%.4s, position %ld\n", r1, r2, (long)lseek(fd, 0, SEEK_CUR));

    // -1: the file position, which moves.
    CHECKVN("preadv2 at -1", preadv2_(fd, r, 1, -1, 0));
    printf("read: %.4s, position %ld\n", r1, (long)lseek(fd, 0, SEEK_CUR));
    char c[] = "ab";
    struct iovec wc = {c, 2};
    CHECKVN("pwritev2 at -1", pwritev2_(fd, &wc, 1, -1, 0));
    show_file(fd, "after pwritev2 at -1");

    // RWF_APPEND: at the end whatever the offset; the position moves only for -1.
    char d[] = "XY";
    struct iovec wd = {d, 2};
    CHECKVN("pwritev2 RWF_APPEND at 0", pwritev2_(fd, &wd, 1, 0, RWF_APPEND));
    show_file(fd, "after RWF_APPEND at 0");
    CHECKVN("pwritev2 RWF_APPEND at -1", pwritev2_(fd, &wd, 1, -1, RWF_APPEND));
    show_file(fd, "after RWF_APPEND at -1");

    // Hints and durability flags are accepted.
    CHECKVN("pwritev2 RWF_DSYNC", pwritev2_(fd, &wc, 1, 0, RWF_DSYNC));
    CHECKVN("pwritev2 RWF_SYNC", pwritev2_(fd, &wc, 1, 0, RWF_SYNC));
    CHECKVN("pwritev2 RWF_HIPRI", pwritev2_(fd, &wc, 1, 0, RWF_HIPRI));
    CHECKVN("preadv2 RWF_HIPRI", preadv2_(fd, r, 1, 0, RWF_HIPRI));
    CHECKVN("preadv2 RWF_NOWAIT (cached)", preadv2_(fd, r, 1, 0, RWF_NOWAIT));
    show_file(fd, "after flagged writes");

    // Unknown flags: EOPNOTSUPP, unless nothing is to be moved.
    CHECKVN("preadv2 unknown flag", preadv2_(fd, r, 1, 0, 0x10000000));
    CHECKVN("pwritev2 unknown flag", pwritev2_(fd, &wc, 1, 0, 0x10000000));
    struct iovec empty = {r1, 0};
    CHECKVN("preadv2 unknown flag, nothing to read", preadv2_(fd, &empty, 1, 0, 0x10000000));
    CHECKVN("pwritev2 unknown flag, no iovec", pwritev2_(fd, &wc, 0, 0, 0x10000000));

    // Offsets and descriptors.
    CHECKVN("preadv2 at -2", preadv2_(fd, r, 1, -2, 0));
    CHECKVN("pwritev2 at -2", pwritev2_(fd, &wc, 1, -2, 0));
    CHECKVN("preadv2 bad fd", preadv2_(99, r, 1, 0, 0));
    CHECKVN("preadv2 bad iovec count", preadv2_(fd, r, -1, 0, 0));
    int wo = open("/dev/null", O_WRONLY);
    CHECKVN("preadv2 write-only fd", preadv2_(wo, r, 1, -1, 0));
    close(wo);

    // RWF_NOAPPEND on an O_APPEND file writes at the offset.
    char path2[] = "/tmp/rw_v2a.XXXXXX";
    int f2 = mkstemp(path2);
    if (f2 >= 0) {
        int ap = open(path2, O_WRONLY | O_APPEND);
        unlink(path2);
        CHECKVN("pwritev2 O_APPEND", pwritev2_(ap, w, 2, 0, 0));
        CHECKVN("pwritev2 O_APPEND RWF_NOAPPEND at 1", pwritev2_(ap, &wc, 1, 1, RWF_NOAPPEND));
        show_file(f2, "O_APPEND file");
        close(ap);
        close(f2);
    }

    // A pipe: no offsets; -1 reads and writes it; RWF_NOWAIT does not wait for data.
    int p[2];
    if (pipe(p) != 0) { printf("pipe: %s\n", errname(errno)); return 1; }
    CHECKVN("pwritev2 pipe at 0", pwritev2_(p[1], &wc, 1, 0, 0));
    CHECKVN("preadv2 empty pipe RWF_NOWAIT", preadv2_(p[0], r, 1, -1, RWF_NOWAIT));
    CHECKVN("pwritev2 pipe at -1", pwritev2_(p[1], &wc, 1, -1, 0));
    CHECKVN("preadv2 pipe at 0", preadv2_(p[0], r, 1, 0, 0));
    memset(r1, 0, sizeof r1);
    CHECKVN("preadv2 pipe at -1 RWF_NOWAIT", preadv2_(p[0], r, 1, -1, RWF_NOWAIT));
    printf("pipe read: %.2s\n", r1);
    close(p[0]);
    close(p[1]);
    close(fd);
    return 0;
}
