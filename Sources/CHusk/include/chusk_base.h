// CHusk: the little C that Swift cannot express. One header per area (chusk_<area>.h) with
// non-variadic static inline wrappers or functions implemented in chusk_<area>.c.
// Feature macros (_GNU_SOURCE) stay in .c files: in an imported header they break the build.
#ifndef CHUSK_BASE_H
#define CHUSK_BASE_H
#include <stdint.h>
#include <sys/types.h>

/// Raw syscall with six arguments; returns the raw kernel result (negative errno on failure).
long chusk_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

#endif
