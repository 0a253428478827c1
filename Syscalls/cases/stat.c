// syscalls: stat, lstat, fstat, newfstatat, statx
#include "check.h"
#include <sys/stat.h>
#include <sys/sysmacros.h>

static const char *type_name(mode_t m) {
    switch (m & S_IFMT) {
    case S_IFREG: return "reg";
    case S_IFDIR: return "dir";
    case S_IFLNK: return "lnk";
    case S_IFCHR: return "chr";
    case S_IFBLK: return "blk";
    case S_IFIFO: return "fifo";
    case S_IFSOCK: return "sock";
    }
    return "?";
}

static void show(const char *label, const struct stat *st) {
    printf("%s: type=%s perm=%04o uid=%u gid=%u\n", label, type_name(st->st_mode),
           (unsigned)(st->st_mode & 07777), (unsigned)st->st_uid, (unsigned)st->st_gid);
}

int main(void) {
    char *whole;
    long len = slurp("/etc/os-release", &whole);
    struct stat st, st2;

    if (CHECK(stat("/etc/os-release", &st)) == 0) {
        show("stat /etc/os-release", &st);
        FACT("st_size == read length", st.st_size == len);
        FACT("st_blksize > 0", st.st_blksize > 0);
        FACT("st_nlink >= 1", st.st_nlink >= 1);
    }
    if (CHECK(lstat("/etc/os-release", &st)) == 0) {
        show("lstat /etc/os-release", &st);
        FACT("symlink st_size == strlen(target)", st.st_size == (off_t)strlen("../usr/lib/os-release"));
    }
    int fd = must_open("/etc/os-release", O_RDONLY);
    if (CHECK(fstat(fd, &st)) == 0) {
        show("fstat", &st);
        stat("/usr/lib/os-release", &st2);
        FACT("fstat == stat of target (dev, ino)", st.st_dev == st2.st_dev && st.st_ino == st2.st_ino);
    }
    if (CHECK(fstatat(AT_FDCWD, "/etc/os-release", &st, AT_SYMLINK_NOFOLLOW)) == 0)
        show("newfstatat nofollow", &st);
    int etc = must_open("/etc", O_RDONLY | O_DIRECTORY);
    if (CHECK(fstatat(etc, "os-release", &st, 0)) == 0) show("newfstatat relative", &st);
    if (CHECK(fstatat(fd, "", &st, AT_EMPTY_PATH)) == 0) show("newfstatat AT_EMPTY_PATH", &st);
    CHECKN("newfstatat empty path without flag", fstatat(fd, "", &st, 0));
    CHECKN("newfstatat bad flags", fstatat(AT_FDCWD, "/etc", &st, 0x40000000));
    CHECKN("newfstatat relative to file fd", fstatat(fd, "x", &st, 0));

    if (CHECK(stat("/", &st)) == 0) show("stat /", &st);
    if (CHECK(stat("/etc", &st)) == 0) show("stat /etc", &st);
    if (CHECK(lstat("/bin", &st)) == 0) show("lstat /bin", &st);
    if (CHECK(stat("/bin", &st)) == 0) show("stat /bin", &st);
    if (CHECK(stat("/bin/sh", &st)) == 0) show("stat /bin/sh", &st);
    if (CHECK(stat("/dev/null", &st)) == 0) {
        /* Its owner depends on how the host made /dev (root, or nobody in a container). */
        printf("stat /dev/null: type=%s perm=%04o\n", S_ISCHR(st.st_mode) ? "chr" : "other", st.st_mode & 07777);
        printf("/dev/null rdev: %u,%u\n", major(st.st_rdev), minor(st.st_rdev));
    }
    CHECKN("stat missing", stat("/etc/no-such-file", &st));
    CHECKN("stat through a file", stat("/etc/os-release/x", &st));
    CHECKN("stat empty", stat("", &st));
    CHECKN("stat bad buffer", stat("/etc/os-release", BADPTR));
    CHECKN("stat bad path pointer", syscall(SYS_stat, BADPTR, &st));
    CHECKN("fstat bad fd", fstat(-1, &st));
    CHECKN("fstat closed fd", fstat(777, &st));

    struct statx sx;
    if (CHECK(statx(AT_FDCWD, "/etc/os-release", 0, STATX_BASIC_STATS, &sx)) == 0) {
        unsigned want = STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_NLINK | STATX_UID | STATX_GID;
        FACT("statx mask has basic fields", (sx.stx_mask & want) == want);
        printf("statx: type=%s perm=%04o\n", type_name(sx.stx_mode), sx.stx_mode & 07777);
        FACT("statx size == read length", (long)sx.stx_size == len);
    }
    if (CHECK(statx(AT_FDCWD, "/etc/os-release", AT_SYMLINK_NOFOLLOW, STATX_TYPE, &sx)) == 0)
        printf("statx nofollow: type=%s\n", type_name(sx.stx_mode));
    if (CHECK(statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx)) == 0)
        FACT("statx AT_EMPTY_PATH size", (long)sx.stx_size == len);
    CHECKN("statx missing", statx(AT_FDCWD, "/nope", 0, STATX_BASIC_STATS, &sx));
    CHECKN("statx bad flags", statx(AT_FDCWD, "/etc", 0x40000000, STATX_BASIC_STATS, &sx));
    CHECKN("statx reserved mask bit", statx(AT_FDCWD, "/etc", 0, 0x80000000u, &sx));
    CHECKN("statx bad buffer", statx(AT_FDCWD, "/etc", 0, STATX_BASIC_STATS, BADPTR));
    return 0;
}
