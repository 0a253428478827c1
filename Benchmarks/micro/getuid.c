// A trivial syscall that the Sentry serves (a full ptrace round trip under husk).
#include "bench.h"
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 20000);
    BENCH("getuid", n, , { CHECK(syscall(SYS_getuid) >= 0, "getuid"); }, );
    return 0;
}
