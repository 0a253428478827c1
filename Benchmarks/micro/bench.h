// Shared by the microbenchmarks: each program runs one operation N times inside one process
// (after N/10 warm-up iterations) and prints one line `NAME NS_PER_OP` on stdout.
// Usage: PROGRAM [ITERATIONS]. A failed operation prints `NAME: what failed: errno` on stderr
// and exits 1, so the runner reports `fail` instead of a number.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *bench_name;

static inline double bench_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

__attribute__((noreturn)) static void bench_fail(const char *what) {
    fprintf(stderr, "%s: %s: %s\n", bench_name, what, strerror(errno));
    exit(1);
}

#define CHECK(cond, what) do { if (!(cond)) bench_fail(what); } while (0)

static long bench_iterations(int argc, char **argv, long dflt) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : dflt;
    if (n < 1) n = 1;
    return n;
}

// Runs `op` (a statement using no loop variable) warm-up + n times and prints ns/op.
#define BENCH(name, n, setup, op, teardown) do {                        \
        bench_name = (name);                                            \
        setup;                                                          \
        long warm_ = (n) / 10 > 0 ? (n) / 10 : 1;                       \
        for (long i_ = 0; i_ < warm_; i_++) { op; }                     \
        double t0_ = bench_now_ns();                                    \
        for (long i_ = 0; i_ < (n); i_++) { op; }                       \
        double t1_ = bench_now_ns();                                    \
        teardown;                                                       \
        printf("%s %.1f\n", (name), (t1_ - t0_) / (double)(n));         \
        fflush(stdout);                                                 \
    } while (0)
