// syscalls: read, write, readv, writev, pread64, pwrite64, lseek
#include "check.h"
#include <sys/stat.h>
#include <sys/uio.h>

int main(void) {
    char *whole;
    long len = slurp("/etc/os-release", &whole);
    FACT("file has content", len > 0);

    int fd = must_open("/etc/os-release", O_RDONLY);
    char buf[8192];
    long n = read(fd, buf, sizeof buf);
    FACT("read length == file length", n == len);
    FACT("read bytes match", n == len && memcmp(buf, whole, len) == 0);
    CHECKV(read(fd, buf, sizeof buf));                 /* EOF: 0 */
    CHECKV(lseek(fd, 0, SEEK_SET));
    CHECKV(read(fd, buf, 5));
    FACT("lseek SEEK_CUR == 5", lseek(fd, 0, SEEK_CUR) == 5);
    FACT("lseek SEEK_END == length", lseek(fd, 0, SEEK_END) == len);
    FACT("lseek past end ok", lseek(fd, len + 100, SEEK_SET) == len + 100);
    CHECKV(read(fd, buf, 10));                          /* past EOF: 0 */
    CHECKN("lseek negative", lseek(fd, -1, SEEK_SET));
    CHECKN("lseek bad whence", lseek(fd, 0, 42));
    CHECKN("lseek bad fd", lseek(-1, 0, SEEK_SET));

    /* pread does not move the offset. */
    lseek(fd, 3, SEEK_SET);
    char c = 0;
    CHECKV(pread(fd, &c, 1, 1));
    FACT("pread byte matches", c == whole[1]);
    FACT("offset unchanged by pread", lseek(fd, 0, SEEK_CUR) == 3);
    CHECKV(pread(fd, buf, 10, len));                    /* at EOF: 0 */
    CHECKN("pread negative offset", pread(fd, buf, 1, -1));

    /* readv scatters in order. */
    lseek(fd, 0, SEEK_SET);
    char v1[7], v2[9];
    struct iovec iov[2] = { { v1, sizeof v1 }, { v2, sizeof v2 } };
    CHECKV(readv(fd, iov, 2));
    FACT("readv bytes match", memcmp(v1, whole, 7) == 0 && memcmp(v2, whole + 7, 9) == 0);
    CHECKN("readv negative count", readv(fd, iov, -1));
    CHECKN("readv iov too many", readv(fd, iov, 2000));
    CHECKV(preadv(fd, iov, 2, 2));
    FACT("preadv bytes match", memcmp(v1, whole + 2, 7) == 0);

    /* Error paths. */
    CHECKN("read bad fd", read(-1, buf, 1));
    CHECKN("read closed fd", read(900, buf, 1));
    CHECKN("read bad buffer", read(fd, BADPTR, 10));
    CHECKN("write to O_RDONLY file", write(fd, "x", 1));
    CHECKN("pwrite to O_RDONLY file", pwrite(fd, "x", 1, 0));
    int dir = must_open("/etc", O_RDONLY | O_DIRECTORY);
    CHECKN("read a directory", read(dir, buf, 10));
    CHECKN("pread a directory", pread(dir, buf, 10, 0));

    int null_w = must_open("/dev/null", O_WRONLY);
    CHECKV(write(null_w, "hello", 5));
    CHECKN("read from O_WRONLY", read(null_w, buf, 1));
    struct iovec wv[3] = { { "ab", 2 }, { "", 0 }, { "cde", 3 } };
    CHECKV(writev(null_w, wv, 3));
    CHECKV(pwrite(null_w, "xyz", 3, 100));
    CHECKN("write bad buffer to /dev/null", write(null_w, BADPTR, 10));
    CHECKV(lseek(null_w, 123, SEEK_SET));
    CHECKV(write(null_w, buf, 0));

    /* writev to stdout: the line must appear whole. */
    struct iovec out[3] = { { "writev ", 7 }, { "to ", 3 }, { "stdout\n", 7 } };
    fflush(stdout);
    CHECKV(writev(1, out, 3));
    CHECKV(write(1, "write to stdout\n", 16));
    return 0;
}
