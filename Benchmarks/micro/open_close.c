// open(2) + close(2) of a file from the (read-only) root filesystem.
#include "bench.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 10000);
    BENCH("open_close", n, , {
        int fd = open("/usr/bin/true", O_RDONLY | O_CLOEXEC);
        CHECK(fd >= 0, "open /usr/bin/true");
        CHECK(close(fd) == 0, "close");
    }, );
    return 0;
}
