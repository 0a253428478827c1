// syscalls: sched_getaffinity, sched_setaffinity, sched_getscheduler, sched_getparam, sched_get_priority_max, sched_get_priority_min, getpriority, setpriority, sched_yield
#include "check.h"
#include <sched.h>
#include <sys/resource.h>

int main(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CHECKN("sched_getaffinity", sched_getaffinity(0, sizeof set, &set));
    FACT("at least one cpu", CPU_COUNT(&set) >= 1);
    FACT("matches sysconf", CPU_COUNT(&set) == sysconf(_SC_NPROCESSORS_ONLN) || CPU_COUNT(&set) < sysconf(_SC_NPROCESSORS_ONLN));
    CHECKN("sched_setaffinity same set", sched_setaffinity(0, sizeof set, &set));
    CHECKN("sched_getaffinity tiny size", syscall(SYS_sched_getaffinity, 0, 1, &set));
    CHECKN("sched_getaffinity missing pid", sched_getaffinity(99999, sizeof set, &set));
    SHOW("scheduler", "%d", sched_getscheduler(0));
    struct sched_param p;
    CHECKN("sched_getparam", sched_getparam(0, &p));
    SHOW("priority", "%d", p.sched_priority);
    SHOW("FIFO max", "%d", sched_get_priority_max(SCHED_FIFO));
    SHOW("FIFO min", "%d", sched_get_priority_min(SCHED_FIFO));
    errno = 0;
    SHOW("getpriority", "%d", getpriority(PRIO_PROCESS, 0));
    CHECKN("setpriority 5", setpriority(PRIO_PROCESS, 0, 5));
    SHOW("getpriority after", "%d", getpriority(PRIO_PROCESS, 0));
    CHECKN("sched_yield", sched_yield());
    return 0;
}
