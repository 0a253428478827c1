// syscalls: mknod, mknodat, utime, utimes, futimesat, fallocate, chroot, memfd_create, sendfile, copy_file_range, renameat2, linkat, setxattr, getxattr, listxattr, removexattr
#include "check.h"
#include <sys/stat.h>
#include <sys/sendfile.h>
#include <sys/mman.h>
#include <sys/xattr.h>
#include <sys/wait.h>
#include <sys/time.h>
#include <utime.h>
#include <linux/fs.h>

int main(void) {
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/husk-fileops-%d", getpid());
    CHECK(mkdir(dir, 0755));
    if (chdir(dir) != 0) return 1;

    /* mknod: regular files and FIFOs; bad types */
    CHECKN("mknod regular", mknod("reg", S_IFREG | 0640, 0));
    CHECKN("mknod fifo", mknod("fifo", S_IFIFO | 0600, 0));
    CHECKN("mknod existing", mknod("reg", S_IFREG | 0600, 0));
    CHECKN("mknod directory type", mknod("d", S_IFDIR | 0755, 0));
    CHECKN("mknodat bad type", mknodat(AT_FDCWD, "bad", 0170000 | 0600, 0));
    struct stat st;
    CHECK(stat("fifo", &st));
    FACT("fifo is a FIFO", S_ISFIFO(st.st_mode));
    SHOW("fifo perm", "%o", st.st_mode & 07777);
    CHECK(stat("reg", &st));
    FACT("reg is regular", S_ISREG(st.st_mode));

    /* utime, utimes, futimesat */
    struct utimbuf ub = { .actime = 1000, .modtime = 2000 };
    CHECK(utime("reg", &ub));
    CHECK(stat("reg", &st));
    SHOW("utime mtime", "%ld", (long)st.st_mtime);
    struct timeval tv[2] = { { 3000, 5 }, { 4000, 7 } };
    CHECK(utimes("reg", tv));
    CHECK(stat("reg", &st));
    SHOW("utimes mtime", "%ld", (long)st.st_mtime);
    SHOW("utimes mtime nsec", "%ld", st.st_mtim.tv_nsec);
    tv[0].tv_usec = 1000000;
    CHECKN("utimes bad usec", utimes("reg", tv));
    CHECKN("futimesat missing", futimesat(AT_FDCWD, "missing", NULL));
    CHECKN("futimesat now", futimesat(AT_FDCWD, "reg", NULL));

    /* fallocate */
    int fd = must_open("reg", O_RDWR);
    CHECK(fallocate(fd, 0, 0, 8192));
    CHECK(fstat(fd, &st));
    SHOW("size after fallocate", "%ld", (long)st.st_size);
    CHECK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 4096));
    CHECK(fstat(fd, &st));
    SHOW("size after keep-size", "%ld", (long)st.st_size);
    CHECKN("fallocate zero length", fallocate(fd, 0, 0, 0));
    CHECKN("fallocate bad fd", fallocate(-1, 0, 0, 1));
    int ro = must_open("reg", O_RDONLY);
    CHECKN("fallocate read-only", fallocate(ro, 0, 0, 1));
    CHECK(ftruncate(fd, 0));

    /* sendfile and copy_file_range */
    CHECK(write(fd, "hello, world", 12));
    int out = open("copy", O_CREAT | O_RDWR | O_TRUNC, 0644);
    off_t off = 7;
    CHECKV(sendfile(out, fd, &off, 100));
    SHOW("sendfile offset", "%ld", (long)off);
    CHECKV(lseek(fd, 0, SEEK_SET));
    CHECKV(sendfile(out, fd, NULL, 5));
    CHECKV(lseek(fd, 0, SEEK_CUR));
    char buf[64] = {0};
    CHECKV(pread(out, buf, sizeof buf, 0));
    SHOW("copy contents", "%s", buf);
    CHECKN("sendfile bad in fd", sendfile(out, -1, NULL, 1));
    loff_t in_off = 0, out_off = 100;
    CHECKV(copy_file_range(fd, &in_off, out, &out_off, 5, 0));
    SHOW("copy_file_range offsets", "%ld", (long)(in_off * 1000 + out_off));
    CHECKN("copy_file_range flags", copy_file_range(fd, NULL, out, NULL, 5, 1));
    int d = open(".", O_RDONLY | O_DIRECTORY);
    CHECKN("copy_file_range directory", copy_file_range(d, NULL, out, NULL, 5, 0));
    CHECK(fstat(out, &st));
    SHOW("copy size", "%ld", (long)st.st_size);

    /* memfd_create */
    int m = CHECK(memfd_create("test", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    CHECKV(write(m, "abc", 3));
    CHECKV(fcntl(m, F_GET_SEALS));
    CHECK(fcntl(m, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK));
    CHECKV(fcntl(m, F_GET_SEALS));
    CHECKN("write to sealed memfd", write(m, "x", 1));
    CHECKV(fcntl(m, F_GETFD));
    char link[128] = {0}, fdpath[64];
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", m);
    CHECKV(readlink(fdpath, link, sizeof link));
    SHOW("memfd link", "%s", link);
    int m2 = CHECK(memfd_create("plain", 0));
    CHECKV(fcntl(m2, F_GET_SEALS));
    CHECKN("memfd bad flags", memfd_create("x", 0x100));
    char longname[300];
    memset(longname, 'n', sizeof longname - 1); longname[sizeof longname - 1] = 0;
    CHECKN("memfd long name", memfd_create(longname, 0));
    CHECKN("F_GET_SEALS on a directory", fcntl(d, F_GET_SEALS));

    /* O_TMPFILE and linkat */
    int t = CHECK(open(".", O_TMPFILE | O_RDWR, 0600));
    CHECK(fstat(t, &st));
    SHOW("tmpfile nlink", "%ld", (long)st.st_nlink);
    CHECK(write(t, "tmp", 3));
    char tp[64];
    snprintf(tp, sizeof tp, "/proc/self/fd/%d", t);
    CHECKN("linkat tmpfile", linkat(AT_FDCWD, tp, AT_FDCWD, "named", AT_SYMLINK_FOLLOW));
    CHECK(stat("named", &st));
    SHOW("named size", "%ld", (long)st.st_size);
    int te = CHECK(open(".", O_TMPFILE | O_RDWR | O_EXCL, 0600));
    CHECKN("linkat O_EXCL tmpfile", linkat(te, "", AT_FDCWD, "named2", AT_EMPTY_PATH));
    CHECKN("O_TMPFILE with O_CREAT", open(".", O_TMPFILE | O_CREAT | O_RDWR, 0600));

    /* renameat2 */
    CHECKN("RENAME_NOREPLACE over existing", renameat2(AT_FDCWD, "copy", AT_FDCWD, "named", RENAME_NOREPLACE));
    CHECKN("RENAME_EXCHANGE", renameat2(AT_FDCWD, "copy", AT_FDCWD, "named", RENAME_EXCHANGE));
    CHECK(stat("named", &st));
    SHOW("named size after exchange", "%ld", (long)st.st_size);
    CHECKN("RENAME_EXCHANGE missing", renameat2(AT_FDCWD, "copy", AT_FDCWD, "none", RENAME_EXCHANGE));
    CHECKN("both flags", renameat2(AT_FDCWD, "copy", AT_FDCWD, "named", RENAME_EXCHANGE | RENAME_NOREPLACE));

    /* xattrs */
    CHECK(setxattr("named", "user.k", "v1", 2, 0));
    CHECKN("XATTR_CREATE existing", setxattr("named", "user.k", "v2", 2, XATTR_CREATE));
    CHECKN("XATTR_REPLACE missing", setxattr("named", "user.none", "v2", 2, XATTR_REPLACE));
    CHECKV(getxattr("named", "user.k", buf, sizeof buf));
    CHECKV(getxattr("named", "user.k", NULL, 0));
    CHECKN("getxattr small buffer", getxattr("named", "user.k", buf, 1));
    CHECKV(listxattr("named", buf, sizeof buf));
    FACT("list has user.k", strcmp(buf, "user.k") == 0);
    CHECKN("user xattr on a FIFO", setxattr("fifo", "user.k", "v", 1, 0));
    CHECKN("no namespace", setxattr("named", "plain", "v", 1, 0));
    CHECK(removexattr("named", "user.k"));
    CHECKN("removexattr again", removexattr("named", "user.k"));

    /* chroot: in a child; the parent keeps its root */
    pid_t p = fork();
    if (p == 0) {
        if (chroot(dir) != 0) _exit(10);
        _exit(access("/named", F_OK) == 0 && access("/tmp", F_OK) != 0 ? 0 : 11);
    }
    int status;
    waitpid(p, &status, 0);
    SHOW("chroot child", "%d", WEXITSTATUS(status));
    CHECKN("chroot to a file", chroot("named"));
    CHECKN("chroot missing", chroot("missing"));

    unlink("reg"); unlink("fifo"); unlink("copy"); unlink("named");
    if (chdir("/") != 0) return 1;
    CHECK(rmdir(dir));
    return 0;
}
