// chusk_abi: the C headers' values, for the LinuxABI tests to compare the Swift
// definitions against. Not used at run time.
#ifndef CHUSK_ABI_H
#define CHUSK_ABI_H
#include <stddef.h>

/// Value of the C header constant `name` ("O_CREAT", "ENOENT") in *value; 0 if unknown.
int chusk_abi_const(const char *name, long long *value);

/// The installed headers' SYS_* table: entry count, then name and number of entry i.
long chusk_abi_sys_count(void);
const char *chusk_abi_sys_name(long i);
long chusk_abi_sys_nr(long i);

/// sizeof ("stat") or offsetof ("stat.st_ino") from the C headers; -1 if unknown.
long chusk_abi_layout(const char *name);

/// Writes the C sample of struct `name` (every field a distinct value, padding zero) into
/// buf; returns its size, or -1 if unknown or len is too small. The tests build the same
/// sample in Swift and compare bytes both ways.
long chusk_abi_sample(const char *name, void *buf, size_t len);

/// glibc makedev(), to check LinuxABI.DeviceNumber.
unsigned long long chusk_abi_makedev(unsigned int major, unsigned int minor);

#endif
