// syscalls: getrandom
#include "check.h"
#include <sys/random.h>

int main(void) {
    unsigned char a[16], b[16];
    CHECKV(getrandom(a, sizeof a, 0));
    CHECKV(getrandom(b, sizeof b, GRND_NONBLOCK));
    FACT("two draws differ", memcmp(a, b, sizeof a) != 0);
    CHECKV(getrandom(a, 0, 0));
    CHECKV(getrandom(a, 8, GRND_RANDOM));
    CHECKN("getrandom bad flags", getrandom(a, sizeof a, 0x100));
    CHECKN("getrandom GRND_RANDOM|GRND_INSECURE", getrandom(a, sizeof a, GRND_RANDOM | GRND_INSECURE));
    CHECKN("getrandom bad buffer", syscall(SYS_getrandom, BADPTR, 16, 0));
    return 0;
}
