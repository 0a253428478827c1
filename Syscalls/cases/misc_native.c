// syscalls: close_range, times, getrusage, getcpu, get_mempolicy
#include "check.h"
#include <sched.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <linux/close_range.h>

int main(void) {
    int a = must_open("/etc/os-release", O_RDONLY), b = dup(a), c = dup(a);
    CHECKN("close_range bad flags", syscall(SYS_close_range, 3, 100, 0x80));
    CHECKN("close_range first > last", syscall(SYS_close_range, 10, 3, 0));
    CHECKN("close_range CLOEXEC", syscall(SYS_close_range, b, c, CLOSE_RANGE_CLOEXEC));
    SHOW("b is cloexec", "%d", fcntl(b, F_GETFD) & FD_CLOEXEC);
    SHOW("a is not", "%d", fcntl(a, F_GETFD) & FD_CLOEXEC);
    CHECKN("close_range", syscall(SYS_close_range, a, ~0U, 0));
    CHECKN("fcntl a after", fcntl(a, F_GETFD));
    CHECKN("fcntl c after", fcntl(c, F_GETFD));
    CHECKN("close_range UNSHARE", syscall(SYS_close_range, 50, 60, CLOSE_RANGE_UNSHARE));
    struct tms t;
    FACT("times returns ticks", times(&t) != (clock_t)-1);
    struct rusage ru;
    CHECKN("getrusage SELF", getrusage(RUSAGE_SELF, &ru));
    CHECKN("getrusage bad who", getrusage(7, &ru));
    unsigned cpu = 99;
    CHECKN("getcpu", syscall(SYS_getcpu, &cpu, NULL, NULL));
    FACT("cpu < 1024", cpu < 1024);
    int mode = -1;
    CHECKN("get_mempolicy", syscall(SYS_get_mempolicy, &mode, NULL, 0, NULL, 0));
    SHOW("mode", "%d", mode);
    return 0;
}
