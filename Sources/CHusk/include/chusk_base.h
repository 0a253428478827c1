// CHusk: the little C that Swift cannot express. One header per area (chusk_<area>.h) with
// non-variadic static inline wrappers or functions implemented in chusk_<area>.c.
// Feature macros (_GNU_SOURCE) stay in .c files: in an imported header they break the build.
#ifndef CHUSK_BASE_H
#define CHUSK_BASE_H
#include <stdint.h>
#include <sys/types.h>

/// Raw syscall with six arguments; returns the raw kernel result (negative errno on failure).
long chusk_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5);


/// CLOCK_MONOTONIC in nanoseconds (one clock for every process of the host: the parts of one
/// sandbox compare their instants with husk run's).
uint64_t chusk_monotonic_ns(void);

/// --debug-timing: starts the step log of this process. `origin_ns` is husk run's first instant
/// (0 turns the log off); `part` names the process in each line ("run", "sentry", "gofer").
void chusk_timing_start(uint64_t origin_ns, const char *part);
/// husk run's first instant, or 0 when the step log is off.
uint64_t chusk_timing_origin(void);
/// One line on fd 2 when the step log is on: `husk: timing: PART  T ms (+D ms) STEP`, T since
/// husk run's first instant, D since this process's previous step. One write(2), no allocation.
void chusk_timing_mark(const char *step);

#endif
