// syscalls: mmap (file-backed), munmap
#include "check.h"
#include <sys/mman.h>

int main(void) {
    char *whole;
    long len = slurp("/etc/os-release", &whole);
    int fd = must_open("/etc/os-release", O_RDONLY);

    char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    FACT("mmap private read-only", p != MAP_FAILED);
    if (p != MAP_FAILED) {
        FACT("mapped bytes match read()", memcmp(p, whole, len) == 0);
        FACT("tail of the page is zero", len % 4096 == 0 || p[len] == 0);
        CHECK(munmap(p, len));
    }
    char *s = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    FACT("mmap shared read-only", s != MAP_FAILED);
    if (s != MAP_FAILED) FACT("shared bytes match", memcmp(s, whole, len) == 0);
    /* A private writable mapping of a read-only fd is allowed and copy-on-write. */
    char *w = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    FACT("mmap private writable of O_RDONLY", w != MAP_FAILED);
    if (w != MAP_FAILED) {
        w[0] ^= 1;
        FACT("private write not seen by the shared mapping", s != MAP_FAILED && s[0] == whole[0]);
    }
    /* The fd can be closed: the mapping stays. */
    close(fd);
    if (s != MAP_FAILED) FACT("mapping survives close", memcmp(s, whole, len) == 0);

    fd = must_open("/etc/os-release", O_RDONLY);
    errno = 0;
    void *r = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    printf("mmap shared writable of O_RDONLY: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
    errno = 0;
    r = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 1);
    printf("mmap unaligned offset: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
    errno = 0;
    r = mmap(NULL, 0, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("mmap length 0: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
    errno = 0;
    r = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 999, 0);
    printf("mmap bad fd: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
    int wo = must_open("/dev/null", O_WRONLY);
    errno = 0;
    r = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, wo, 0);
    printf("mmap O_WRONLY fd: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
    int dir = must_open("/etc", O_RDONLY | O_DIRECTORY);
    errno = 0;
    r = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, dir, 0);
    printf("mmap a directory: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");
    int path = must_open("/etc/os-release", O_PATH);
    errno = 0;
    r = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, path, 0);
    printf("mmap an O_PATH fd: %s\n", r == MAP_FAILED ? errname(errno) : "mapped");

    /* A mapping of the dynamic loader at a page offset matches pread. */
    int ld = must_open("/lib64/ld-linux-x86-64.so.2", O_RDONLY);
    char page[64];
    pread(ld, page, sizeof page, 4096);
    char *m = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, ld, 4096);
    FACT("offset mapping matches pread", m != MAP_FAILED && memcmp(m, page, sizeof page) == 0);
    return 0;
}
