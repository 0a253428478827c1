// memcpy(3) of 1 MiB between two buffers: pure CPU, the control (no syscalls).
#include "bench.h"

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 2000);
    const size_t size = 1 << 20;
    char *a = malloc(size), *b = malloc(size);
    bench_name = "memcpy1m";
    CHECK(a && b, "malloc");
    memset(a, 1, size); memset(b, 2, size);
    BENCH("memcpy1m", n, , {
        memcpy(b, a, size);
        __asm__ volatile("" : : "r"(b) : "memory");
        a[0]++;
    }, );
    return 0;
}
