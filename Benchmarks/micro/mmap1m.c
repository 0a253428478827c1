// mmap(2) of 1 MiB anonymous memory, a write to each 4 KiB page, munmap(2).
#include "bench.h"
#include <sys/mman.h>

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 2000);
    const size_t size = 1 << 20;
    BENCH("mmap1m", n, , {
        volatile char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK(p != MAP_FAILED, "mmap");
        for (size_t off = 0; off < size; off += 4096) p[off] = 1;
        CHECK(munmap((void *)p, size) == 0, "munmap");
    }, );
    return 0;
}
