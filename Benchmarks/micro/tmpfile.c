// Create + write 4 KiB + close + unlink of a file in /tmp.
#include "bench.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 5000);
    static char buf[4096];
    char path[64];
    snprintf(path, sizeof path, "/tmp/husk-bench-file-%d", (int)getpid());
    BENCH("tmpfile", n, , {
        int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
        CHECK(fd >= 0, "create in /tmp");
        CHECK(write(fd, buf, sizeof buf) == (ssize_t)sizeof buf, "write 4096");
        CHECK(close(fd) == 0, "close");
        CHECK(unlink(path) == 0, "unlink");
    }, );
    return 0;
}
