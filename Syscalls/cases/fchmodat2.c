// syscalls: fchmodat2 (AT_SYMLINK_NOFOLLOW: a symlink's own mode cannot change; AT_EMPTY_PATH on an O_PATH fd; bad flags)
// fchmodat2 is fchmodat with the flags argument that fchmodat lacks (Linux 6.6; glibc 2.39 calls
// it for fchmodat(..., AT_SYMLINK_NOFOLLOW)).
#include "check.h"
#include <sys/stat.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static long fchmodat2_(int dirfd, const char *path, mode_t mode, int flags) {
    return syscall(SYS_fchmodat2, dirfd, path, mode, flags);
}

static void show_mode(const char *label, const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) { printf("%s: lstat %s\n", label, errname(errno)); return; }
    printf("%s: %04o\n", label, (unsigned)(st.st_mode & 07777));
}

int main(void) {
    char dir[] = "/tmp/fchmodat2.XXXXXX";
    if (!mkdtemp(dir)) { printf("setup: %s\n", errname(errno)); return 1; }
    char file[64], link[64];
    snprintf(file, sizeof file, "%s/f", dir);
    snprintf(link, sizeof link, "%s/l", dir);
    int fd = open(file, O_CREAT | O_WRONLY, 0600);
    close(fd);
    if (symlink("f", link) != 0) { printf("symlink: %s\n", errname(errno)); return 1; }
    umask(022);

    CHECKN("fchmodat2 0640", fchmodat2_(AT_FDCWD, file, 0640, 0));
    show_mode("file", file);
    CHECKN("fchmodat2 high bits", fchmodat2_(AT_FDCWD, file, 0170604, 0));
    show_mode("file", file);
    CHECKN("fchmodat2 NOFOLLOW on a file", fchmodat2_(AT_FDCWD, file, 0644, AT_SYMLINK_NOFOLLOW));
    show_mode("file", file);
    CHECKN("fchmodat2 through the link", fchmodat2_(AT_FDCWD, link, 0600, 0));
    show_mode("file", file);
    CHECKN("fchmodat2 NOFOLLOW on the link", fchmodat2_(AT_FDCWD, link, 0700, AT_SYMLINK_NOFOLLOW));
    show_mode("file", file);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    CHECKN("fchmodat2 relative to a dirfd", fchmodat2_(dfd, "f", 0604, 0));
    show_mode("file", file);
    int pfd = open(file, O_PATH);
    CHECKN("fchmodat2 AT_EMPTY_PATH on O_PATH", fchmodat2_(pfd, "", 0660, AT_EMPTY_PATH));
    show_mode("file", file);
    CHECKN("fchmodat2 empty path without AT_EMPTY_PATH", fchmodat2_(pfd, "", 0600, 0));
    CHECKN("fchmodat2 unknown flag", fchmodat2_(AT_FDCWD, file, 0600, 0x1));
    CHECKN("fchmodat2 AT_REMOVEDIR", fchmodat2_(AT_FDCWD, file, 0600, AT_REMOVEDIR));
    CHECKN("fchmodat2 missing", fchmodat2_(AT_FDCWD, "/tmp/no/such/file", 0600, 0));
    CHECKN("fchmodat2 bad dirfd", fchmodat2_(99, "f", 0600, 0));
    CHECKN("fchmodat2 file as dirfd", fchmodat2_(pfd, "x", 0600, 0));
    show_mode("file at the end", file);
    close(pfd);
    close(dfd);
    unlink(link);
    unlink(file);
    rmdir(dir);
    return 0;
}
