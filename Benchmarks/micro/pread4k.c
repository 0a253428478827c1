// pread(2) of 4 KiB at offset 0 of a file from the root filesystem.
#include "bench.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 10000);
    static char buf[4096];
    int fd = -1;
    BENCH("pread4k", n,
          { fd = open("/usr/bin/true", O_RDONLY | O_CLOEXEC); CHECK(fd >= 0, "open /usr/bin/true"); },
          { CHECK(pread(fd, buf, sizeof buf, 0) == (ssize_t)sizeof buf, "pread 4096"); },
          close(fd));
    return 0;
}
