// syscalls: prctl (PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE, PR_SET_PDEATHSIG, PR_GET_PDEATHSIG)
#include "check.h"
#include <signal.h>
#include <sys/prctl.h>

int main(void) {
    char name[32];
    CHECK(prctl(PR_SET_NAME, "husk-case", 0, 0, 0));
    memset(name, 'x', sizeof name);
    if (CHECK(prctl(PR_GET_NAME, name, 0, 0, 0)) == 0) printf("name: %s\n", name);
    CHECK(prctl(PR_SET_NAME, "a-name-longer-than-fifteen-bytes", 0, 0, 0));
    if (CHECK(prctl(PR_GET_NAME, name, 0, 0, 0)) == 0) printf("truncated name: %s (%zu)\n", name, strlen(name));
    CHECKN("PR_SET_NAME bad pointer", prctl(PR_SET_NAME, BADPTR, 0, 0, 0));
    CHECKN("PR_GET_NAME bad pointer", prctl(PR_GET_NAME, BADPTR, 0, 0, 0));

    CHECKV(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    int sig = -1;
    CHECK(prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0));
    SHOW("pdeathsig", "%d", sig);
    CHECK(prctl(PR_SET_PDEATHSIG, SIGUSR2, 0, 0, 0));
    CHECK(prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0));
    SHOW("pdeathsig", "%d", sig);
    CHECKN("PR_SET_PDEATHSIG bad signal", prctl(PR_SET_PDEATHSIG, 99, 0, 0, 0));
    CHECKN("unknown option", prctl(0x7fff1234, 0, 0, 0, 0));
    return 0;
}
