// syscalls: uname
#include "check.h"
#include <sys/utsname.h>

int main(void) {
    struct utsname u;
    if (CHECK(uname(&u)) == 0) {
        printf("sysname: %s\n", u.sysname);
        printf("machine: %s\n", u.machine);
        FACT("release non-empty", u.release[0] != 0);
        FACT("nodename non-empty", u.nodename[0] != 0);
    }
    CHECKN("uname bad pointer", uname(BADPTR));
    return 0;
}
