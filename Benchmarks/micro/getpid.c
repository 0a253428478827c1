// A syscall the application filter lets run on the host (no stop under husk).
#include "bench.h"
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 200000);
    BENCH("getpid", n, , { CHECK(syscall(SYS_getpid) > 0, "getpid"); }, );
    return 0;
}
