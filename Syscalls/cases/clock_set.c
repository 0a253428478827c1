// syscalls: clock_settime, settimeofday, adjtimex, clock_adjtime, capset (EPERM without CAP_SYS_TIME; the argument checks before it)
#include "check.h"
#include <time.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <linux/capability.h>

int main(void) {
    /* Checks that come before the capability, with it (no clock is changed: every call fails). */
    CHECKN("clock_settime MONOTONIC", clock_settime(CLOCK_MONOTONIC, &(struct timespec){1, 0}));
    CHECKN("clock_settime BOOTTIME", clock_settime(CLOCK_BOOTTIME, &(struct timespec){1, 0}));
    CHECKN("clock_settime PROCESS_CPUTIME", clock_settime(CLOCK_PROCESS_CPUTIME_ID, &(struct timespec){1, 0}));
    CHECKN("clock_settime 99", clock_settime(99, &(struct timespec){1, 0}));
    CHECKN("clock_settime nsec 1e9", clock_settime(CLOCK_REALTIME, &(struct timespec){1, 1000000000}));
    CHECKN("clock_settime sec -1", clock_settime(CLOCK_REALTIME, &(struct timespec){-1, 0}));
    CHECKN("clock_settime EFAULT", syscall(SYS_clock_settime, CLOCK_REALTIME, BADPTR));
    CHECKN("settimeofday usec 1e6", settimeofday(&(struct timeval){1, 1000000}, NULL));
    CHECKN("settimeofday EFAULT", syscall(SYS_settimeofday, BADPTR, NULL));
    CHECKN("adjtimex EFAULT", syscall(SYS_adjtimex, BADPTR));
    struct timex tx = {0};
    errno = 0;
    long state = adjtimex(&tx);
    FACT("adjtimex read: a clock state", state >= 0 && state <= 5);
    FACT("adjtimex read: tick filled", tx.tick > 0);
    tx.modes = ADJ_OFFSET_SS_READ;
    FACT("adjtimex ADJ_OFFSET_SS_READ", adjtimex(&tx) >= 0);
    tx.modes = 0x8000;   /* ADJ_ADJTIME without ADJ_OFFSET_SINGLESHOT */
    CHECKN("adjtimex ADJ_ADJTIME alone", adjtimex(&tx));
    memset(&tx, 0, sizeof tx);
    FACT("clock_adjtime REALTIME read", clock_adjtime(CLOCK_REALTIME, &tx) >= 0);
    CHECKN("clock_adjtime MONOTONIC", clock_adjtime(CLOCK_MONOTONIC, &tx));
    CHECKN("clock_adjtime 99", clock_adjtime(99, &tx));
    CHECKN("clock_adjtime EFAULT", syscall(SYS_clock_adjtime, CLOCK_REALTIME, BADPTR));

    /* Without CAP_SYS_TIME (the sandbox never has one that counts): EPERM. */
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    CHECKN("capget", syscall(SYS_capget, &h, d));
    d[CAP_SYS_TIME / 32].effective &= ~(1u << (CAP_SYS_TIME % 32));
    CHECKN("capset without CAP_SYS_TIME", syscall(SYS_capset, &h, d));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    CHECKN("clock_settime REALTIME", clock_settime(CLOCK_REALTIME, &now));
    CHECKN("clock_settime REALTIME nsec 1e9", clock_settime(CLOCK_REALTIME, &(struct timespec){1, 1000000000}));
    CHECKN("settimeofday now", settimeofday(&(struct timeval){now.tv_sec, 0}, NULL));
    CHECKN("settimeofday NULL NULL", syscall(SYS_settimeofday, NULL, NULL));
    memset(&tx, 0, sizeof tx);
    tx.modes = ADJ_FREQUENCY;
    CHECKN("adjtimex ADJ_FREQUENCY", adjtimex(&tx));
    tx.modes = ADJ_OFFSET_SINGLESHOT;   /* 0x8001: adjtime(3) */
    CHECKN("adjtimex ADJ_OFFSET_SINGLESHOT", adjtimex(&tx));
    tx.modes = ADJ_FREQUENCY;
    CHECKN("clock_adjtime REALTIME ADJ_FREQUENCY", clock_adjtime(CLOCK_REALTIME, &tx));
    return 0;
}
