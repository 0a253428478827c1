#define _GNU_SOURCE
#include "chusk_base.h"
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

long chusk_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
    long r = syscall(nr, a0, a1, a2, a3, a4, a5);
    return r == -1 ? -errno : r;
}

uint64_t chusk_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t timing_origin, timing_last;
static char timing_part[16];

void chusk_timing_start(uint64_t origin_ns, const char *part) {
    timing_origin = origin_ns;
    timing_last = origin_ns;
    snprintf(timing_part, sizeof timing_part, "%s", part);
}

uint64_t chusk_timing_origin(void) { return timing_origin; }

void chusk_timing_mark(const char *step) {
    if (timing_origin == 0) return;
    uint64_t now = chusk_monotonic_ns();
    char line[256];
    int n = snprintf(line, sizeof line, "husk: timing: %-6s %8.2f ms (+%6.2f) %s\n", timing_part,
                     (double)(now - timing_origin) / 1e6, (double)(now - timing_last) / 1e6, step);
    timing_last = now;
    if (n > (int)sizeof line - 1) n = (int)sizeof line - 1;
    int saved = errno;
    ssize_t w = write(2, line, (size_t)n);
    (void)w;
    errno = saved;
}
