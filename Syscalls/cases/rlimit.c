// syscalls: getrlimit, setrlimit, prlimit64
#include "check.h"
#include <sys/resource.h>

int main(void) {
    struct rlimit rl;
    if (CHECK(getrlimit(RLIMIT_NOFILE, &rl)) == 0) {
        FACT("NOFILE soft >= 1024", rl.rlim_cur >= 1024);
        FACT("NOFILE soft <= hard", rl.rlim_cur <= rl.rlim_max);
    }
    struct rlimit old;
    if (CHECK(prlimit(0, RLIMIT_NOFILE, NULL, &old)) == 0)
        FACT("prlimit64 agrees with getrlimit", old.rlim_cur == rl.rlim_cur && old.rlim_max == rl.rlim_max);
    struct rlimit lower = { 512, rl.rlim_max };
    CHECK(setrlimit(RLIMIT_NOFILE, &lower));
    getrlimit(RLIMIT_NOFILE, &rl);
    FACT("soft NOFILE now 512", rl.rlim_cur == 512);
    CHECKN("fcntl F_DUPFD above new soft limit", fcntl(0, F_DUPFD, 600));
    struct rlimit back = { 1024, rl.rlim_max };
    CHECK(prlimit(0, RLIMIT_NOFILE, &back, &old));
    FACT("prlimit64 returned the old value", old.rlim_cur == 512);
    getrlimit(RLIMIT_NOFILE, &rl);
    FACT("soft NOFILE now 1024", rl.rlim_cur == 1024);

    struct rlimit bad = { rl.rlim_max, rl.rlim_max - 1 };
    CHECKN("setrlimit soft > hard", setrlimit(RLIMIT_NOFILE, &bad));
    CHECKN("getrlimit bad resource", getrlimit(99, &rl));
    CHECKN("prlimit64 bad resource", prlimit(0, 99, NULL, &rl));
    CHECKN("getrlimit bad pointer", getrlimit(RLIMIT_NOFILE, BADPTR));
    CHECKN("prlimit64 no such pid", prlimit(-1, RLIMIT_NOFILE, NULL, &rl));
    if (CHECK(getrlimit(RLIMIT_STACK, &rl)) == 0) FACT("STACK soft > 0", rl.rlim_cur > 0);
    return 0;
}
