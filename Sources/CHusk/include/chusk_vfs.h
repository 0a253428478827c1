// Helpers for the Sentry's VFS: GNU-only calls that Swift's Glibc module hides.
#ifndef CHUSK_VFS_H
#define CHUSK_VFS_H

#include <stddef.h>
#include <sys/types.h>

/// memfd_create(2) (tmpfs file data); returns the fd or -1 with errno set.
int chusk_vfs_memfd_create(const char *name, unsigned int flags);

/// getrandom(2) for /dev/random and /dev/urandom; returns bytes or -1 with errno set.
ssize_t chusk_vfs_getrandom(void *buffer, size_t length, unsigned int flags);

/// fallocate(2) on a host fd (tmpfs memfds); returns 0 or -1 with errno set.
int chusk_vfs_fallocate(int fd, int mode, long long offset, long long length);

#endif
