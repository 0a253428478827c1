#define _GNU_SOURCE
#include "chusk_kernel.h"
#include <stddef.h>
#include <sys/random.h>
#include <errno.h>

int chusk_epoll_add(int epfd, int fd, uint32_t events) {
    struct epoll_event ev = { .events = events, .data.fd = fd };
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int chusk_epoll_del(int epfd, int fd) {
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
}

int chusk_epoll_wait(int epfd, int *fds, uint32_t *events, int max, int timeout) {
    struct epoll_event evs[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, evs, max, timeout);
    for (int i = 0; i < n; i++) { fds[i] = evs[i].data.fd; events[i] = evs[i].events; }
    return n;
}

long chusk_random_bytes(void *buf, size_t len, unsigned flags) {
    long r = getrandom(buf, len, flags);
    return r < 0 ? -errno : r;
}

int chusk_host_sysinfo(struct sysinfo *info) { return sysinfo(info); }
