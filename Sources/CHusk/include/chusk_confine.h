// CHusk confinement helpers for the Sentry and the Gofer (Sources/Sandbox/Confine): loading a
// seccomp program, a SIGSYS logger for refused host syscalls, and the capability sets.
#ifndef CHUSK_CONFINE_H
#define CHUSK_CONFINE_H
#include <stdint.h>
#include <sys/types.h>

/// Installs a SIGSYS handler that, for a call refused with SECCOMP_RET_TRAP, writes one line
/// `husk: <who>: host syscall <nr> [(name)] refused by its seccomp filter (EPERM)` on fd 2 and makes the
/// call return -EPERM. `who` must stay valid for the life of the process. 0 or -errno.
int chusk_confine_sigsys_logger(const char *who);
/// Same, and the line names the call: names[nr] (count entries; the table must stay valid).
int chusk_confine_sigsys_logger_named(const char *who, const char *const *names, int count);
int chusk_confine_sigsys_install(void);
/// How many calls the logger refused so far.
uint64_t chusk_confine_refused_count(void);
/// PR_SET_NO_NEW_PRIVS, then seccomp(SET_MODE_FILTER, TSYNC when tsync != 0) with the BPF
/// program (`count` instructions of 8 bytes). 0 or -errno.
int chusk_confine_load_filter(const void *program, int count, int tsync);
/// Keeps only the capabilities in `keep` (a bit mask of CAP_*): the bounding set loses every
/// other capability, the ambient set is cleared, inheritable becomes empty and permitted =
/// effective = keep & permitted. 0 or -errno.
int chusk_confine_capabilities(uint64_t keep);
/// The calling thread's capability sets (effective, permitted, inheritable, bounding, ambient).
int chusk_confine_read_capabilities(uint64_t *eff, uint64_t *prm, uint64_t *inh, uint64_t *bnd, uint64_t *amb);
/// PR_GET_NO_NEW_PRIVS and the seccomp mode (prctl PR_GET_SECCOMP): -errno on failure.
int chusk_confine_no_new_privs(void);
int chusk_confine_seccomp_mode(void);

/// For tests: forks a child that installs the SIGSYS logger (naming `who`), loads the program,
/// makes syscall(nr, a0, a1, a2) and exits. Returns the call's result in the child (-errno on
/// failure); when the filter keeps the child from writing it back, 0x7fffffff for success or
/// -errno from its exit status; 4096 + signal number if the child was killed.
long chusk_confine_probe(const void *program, int count, const char *who, long nr, long a0, long a1, long a2);

/// prctl(PR_SET_DUMPABLE, 0): no process of the same uid may trace it or open its /proc files.
int chusk_confine_not_dumpable(void);

#endif
