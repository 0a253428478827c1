#ifndef CHUSK_LOADER_H
#define CHUSK_LOADER_H

/// getauxval(3) of the Sentry itself (sys/auxv.h is not in Swift's Glibc module). The ELF
/// loader copies kernel-wide values (AT_HWCAP, AT_HWCAP2, AT_MINSIGSTKSZ, AT_RSEQ_*) from it.
/// Returns 0 when the type is absent.
unsigned long chusk_getauxval(unsigned long type);

#endif
