/* Shared helpers for the Syscalls compatibility suite.
 *
 * A case prints facts only: return values, errno names, relations. Never addresses, pids,
 * times or inode numbers, so that its output is identical natively and inside Husk.
 * stdout is line buffered so that fork()ed children do not repeat pending output.
 */
#ifndef HUSK_CHECK_H
#define HUSK_CHECK_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static void check_setup(void) __attribute__((constructor));
static void check_setup(void) { setvbuf(stdout, NULL, _IOLBF, 0); }

/* "ENOENT", or "E?<n>" for a number glibc has no name for. */
static inline const char *errname(int e) {
    const char *n = strerrorname_np(e);
    static char buf[16];
    if (n) return n;
    snprintf(buf, sizeof buf, "E?%d", e);
    return buf;
}

/* Prints "label: ok" or "label: errno=ENAME" and yields the result. */
static inline long check_report(const char *label, long r, int e) {
    if (r < 0) printf("%s: errno=%s\n", label, errname(e));
    else printf("%s: ok\n", label);
    return r;
}

/* Like check_report but prints the value on success: "label: =N". */
static inline long check_value(const char *label, long r, int e) {
    if (r < 0) printf("%s: errno=%s\n", label, errname(e));
    else printf("%s: =%ld\n", label, r);
    return r;
}

#define CHECK_RAW(label, expr, fn) ({ errno = 0; long r_ = (long)(expr); fn(label, r_, errno); })
/* CHECK(expr): "expr: ok|errno=E"; CHECKN names the line instead of quoting the expression. */
#define CHECK(expr) CHECK_RAW(#expr, expr, check_report)
#define CHECKN(label, expr) CHECK_RAW(label, expr, check_report)
/* CHECKV(expr): prints the return value on success ("expr: =3"). */
#define CHECKV(expr) CHECK_RAW(#expr, expr, check_value)
#define CHECKVN(label, expr) CHECK_RAW(label, expr, check_value)

/* FACT(name, cond): prints "name: 1" or "name: 0" for a relation that must hold in both runs. */
#define FACT(name, cond) printf("%s: %d\n", name, (cond) ? 1 : 0)
/* SHOW(name, fmt, value): prints a deterministic value. */
#define SHOW(name, fmt, value) printf("%s: " fmt "\n", name, value)

/* Opens or exits with a message: for setup steps whose failure makes the rest meaningless. */
static inline int must_open(const char *path, int flags) {
    int fd = open(path, flags);
    if (fd < 0) {
        printf("setup: open %s: errno=%s\n", path, errname(errno));
        exit(99);
    }
    return fd;
}

/* Reads a whole file through read(2) into a malloc'd buffer; returns its length. */
static inline long slurp(const char *path, char **out) {
    int fd = must_open(path, O_RDONLY);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len == cap) buf = realloc(buf, cap *= 2);
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) { printf("setup: read %s: errno=%s\n", path, errname(errno)); exit(99); }
        if (n == 0) break;
        len += (size_t)n;
    }
    close(fd);
    *out = buf;
    return (long)len;
}

/* An address that is never mapped, for EFAULT paths. */
#define BADPTR ((void *)8)

#endif
