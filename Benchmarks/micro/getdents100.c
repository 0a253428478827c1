// Reading a 100-entry directory (made in /tmp first): lseek(fd, 0) then getdents64(2) until
// it returns 0. ns per full listing.
#include "bench.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 5000);
    bench_name = "getdents100";
    char dir[] = "/tmp/husk-bench-dents-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp in /tmp");
    char path[256];
    for (int i = 0; i < 100; i++) {
        snprintf(path, sizeof path, "%s/entry-%03d", dir, i);
        int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        CHECK(fd >= 0, "create entry");
        close(fd);
    }
    static char buf[32768];
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK(dfd >= 0, "open dir");
    long entries = 0;
    BENCH("getdents100", n, , {
        CHECK(lseek(dfd, 0, SEEK_SET) == 0, "lseek");
        long count = 0;
        for (;;) {
            long r = syscall(SYS_getdents64, dfd, buf, sizeof buf);
            CHECK(r >= 0, "getdents64");
            if (r == 0) break;
            for (long off = 0; off < r;) { struct dirent64 *d = (struct dirent64 *)(buf + off); off += d->d_reclen; count++; }
        }
        entries = count;
    }, );
    close(dfd);
    for (int i = 0; i < 100; i++) { snprintf(path, sizeof path, "%s/entry-%03d", dir, i); unlink(path); }
    rmdir(dir);
    if (entries != 102) { fprintf(stderr, "getdents100: saw %ld entries, expected 102\n", entries); return 1; }
    return 0;
}
