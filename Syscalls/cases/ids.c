// syscalls: getuid, geteuid, getgid, getegid, getresuid, getresgid, getgroups
#include "check.h"

int main(void) {
    FACT("getuid == 0", getuid() == 0);
    FACT("geteuid == 0", geteuid() == 0);
    FACT("getgid == 0", getgid() == 0);
    FACT("getegid == 0", getegid() == 0);
    uid_t r, e, s;
    if (CHECK(getresuid(&r, &e, &s)) == 0) FACT("resuid all 0", r == 0 && e == 0 && s == 0);
    gid_t gr, ge, gs;
    if (CHECK(getresgid(&gr, &ge, &gs)) == 0) FACT("resgid all 0", gr == 0 && ge == 0 && gs == 0);
    CHECKN("getresuid bad pointer", getresuid(BADPTR, &e, &s));
    int n = CHECKN("getgroups count", getgroups(0, NULL));
    FACT("getgroups count >= 0", n >= 0);
    CHECKN("getgroups negative", getgroups(-1, NULL));
    return 0;
}
