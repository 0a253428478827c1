// stat(2) (newfstatat under glibc) of a 3-component path.
#include "bench.h"
#include <sys/stat.h>

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 10000);
    struct stat st;
    BENCH("stat", n, , { CHECK(stat("/usr/bin/true", &st) == 0, "stat /usr/bin/true"); }, );
    return 0;
}
