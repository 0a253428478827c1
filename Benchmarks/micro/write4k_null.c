// write(2) of 4 KiB to /dev/null.
#include "bench.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 10000);
    static char buf[4096];
    int fd = -1;
    BENCH("write4k_null", n,
          { fd = open("/dev/null", O_WRONLY | O_CLOEXEC); CHECK(fd >= 0, "open /dev/null"); },
          { CHECK(write(fd, buf, sizeof buf) == (ssize_t)sizeof buf, "write 4096"); },
          close(fd));
    return 0;
}
