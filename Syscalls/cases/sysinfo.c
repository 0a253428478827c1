// syscalls: sysinfo
#include "check.h"
#include <sys/sysinfo.h>

int main(void) {
    struct sysinfo si;
    if (CHECK(sysinfo(&si)) == 0) {
        FACT("mem_unit > 0", si.mem_unit > 0);
        FACT("totalram > 0", si.totalram > 0);
        FACT("freeram <= totalram", si.freeram <= si.totalram);
        FACT("procs > 0", si.procs > 0);
    }
    CHECKN("sysinfo bad pointer", sysinfo(BADPTR));
    return 0;
}
