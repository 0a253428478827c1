#define _GNU_SOURCE
#include "chusk_base.h"
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

long chusk_syscall6(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
    long r = syscall(nr, a0, a1, a2, a3, a4, a5);
    return r == -1 ? -errno : r;
}
