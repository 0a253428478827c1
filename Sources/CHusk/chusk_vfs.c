#define _GNU_SOURCE
#include "chusk_vfs.h"
#include <sys/mman.h>
#include <sys/random.h>
#include <fcntl.h>

int chusk_vfs_memfd_create(const char *name, unsigned int flags) {
    return memfd_create(name, flags);
}

ssize_t chusk_vfs_getrandom(void *buffer, size_t length, unsigned int flags) {
    return getrandom(buffer, length, flags);
}

int chusk_vfs_fallocate(int fd, int mode, long long offset, long long length) {
    return fallocate(fd, mode, (off_t)offset, (off_t)length);
}
