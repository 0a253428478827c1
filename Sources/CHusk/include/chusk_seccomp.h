// libseccomp helpers: its action macros are function-like and do not import.
#ifndef CHUSK_SECCOMP_H
#define CHUSK_SECCOMP_H
#include <stdint.h>
#include <seccomp.h>

static inline uint32_t chusk_scmp_act_trace(uint16_t msg) { return SCMP_ACT_TRACE(msg); }
static inline uint32_t chusk_scmp_act_errno(uint16_t err) { return SCMP_ACT_ERRNO(err); }
static inline uint32_t chusk_scmp_act_allow(void) { return SCMP_ACT_ALLOW; }
static inline uint32_t chusk_scmp_act_kill_process(void) { return SCMP_ACT_KILL_PROCESS; }
static inline uint32_t chusk_scmp_act_trap(void) { return SCMP_ACT_TRAP; }
static inline uint32_t chusk_scmp_act_notify(void) { return SCMP_ACT_NOTIFY; }

#endif
