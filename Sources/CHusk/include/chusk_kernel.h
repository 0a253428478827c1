// The Sentry kernel's event loop: epoll, which the Glibc module does not bring into Swift.
#ifndef CHUSK_KERNEL_H
#define CHUSK_KERNEL_H
#include <sys/epoll.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/sysinfo.h>

/// epoll_event is packed on x86_64; Swift can't build it, so these take plain values.
int chusk_epoll_add(int epfd, int fd, uint32_t events);
int chusk_epoll_del(int epfd, int fd);
/// Waits for up to `max` events, storing each ready fd and its event bits.
int chusk_epoll_wait(int epfd, int *fds, uint32_t *events, int max, int timeout);
/// getrandom(2) of the host, for the sandbox's getrandom and /dev/urandom.
long chusk_random_bytes(void *buf, size_t len, unsigned flags);
/// sysinfo(2) of the host (the Swift importer confuses the function with the struct).
int chusk_host_sysinfo(struct sysinfo *info);
#endif
