// syscalls: getdents64, lseek on a directory
#include "check.h"
#include <dirent.h>

struct linux_dirent64 {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static char names[256][256];
static unsigned char types[256];
static int count;

static int cmp(const void *a, const void *b) { return strcmp(a, b); }

/* Lists fd with buffers of bufsize; returns the number of entries, -1 on error. */
static int list(int fd, size_t bufsize) {
    char *buf = malloc(bufsize);
    count = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, bufsize);
        if (n < 0) { printf("getdents64(%zu): errno=%s\n", bufsize, errname(errno)); return -1; }
        if (n == 0) break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (void *)(buf + off);
            if (count < 256) { snprintf(names[count], 256, "%s", d->d_name); types[count] = d->d_type; count++; }
            off += d->d_reclen;
        }
    }
    free(buf);
    return count;
}

int main(void) {
    int fd = must_open("/usr/share/base-files", O_RDONLY | O_DIRECTORY);
    int n = list(fd, 4096);
    char sorted[256][256];
    memcpy(sorted, names, sizeof names);
    qsort(sorted, n, 256, cmp);
    for (int i = 0; i < n; i++) {
        int t = -1;
        for (int j = 0; j < n; j++) if (!strcmp(names[j], sorted[i])) t = types[j];
        printf("entry %s type=%s\n", sorted[i], t == DT_DIR ? "dir" : t == DT_REG ? "reg" : t == DT_LNK ? "lnk" : t == DT_UNKNOWN ? "unknown" : "other");
    }
    CHECKV(syscall(SYS_getdents64, fd, names, 4096));   /* at end: 0 */

    /* Small buffers: entries continue across calls. */
    CHECKV(lseek(fd, 0, SEEK_SET));
    FACT("64-byte buffers see the same count", list(fd, 64) == n);
    lseek(fd, 0, SEEK_SET);
    FACT("rewind sees the same count", list(fd, 32768) == n);

    /* The root lists the merged-/usr links and /etc. */
    int root = must_open("/", O_RDONLY | O_DIRECTORY);
    int rn = list(root, 4096);
    int has_etc = 0, has_usr = 0, has_bin = 0, has_dot = 0, has_dotdot = 0;
    for (int i = 0; i < rn; i++) {
        has_etc |= !strcmp(names[i], "etc") && types[i] == DT_DIR;
        has_usr |= !strcmp(names[i], "usr") && types[i] == DT_DIR;
        has_bin |= !strcmp(names[i], "bin") && types[i] == DT_LNK;
        has_dot |= !strcmp(names[i], ".");
        has_dotdot |= !strcmp(names[i], "..");
    }
    FACT("/ has etc dir", has_etc);
    FACT("/ has usr dir", has_usr);
    FACT("/ has bin symlink", has_bin);
    FACT("/ has . and ..", has_dot && has_dotdot);

    char buf[4096];
    int file = must_open("/etc/os-release", O_RDONLY);
    CHECKN("getdents64 on a file", syscall(SYS_getdents64, file, buf, sizeof buf));
    CHECKN("getdents64 bad fd", syscall(SYS_getdents64, -1, buf, sizeof buf));
    lseek(fd, 0, SEEK_SET);
    CHECKN("getdents64 tiny buffer", syscall(SYS_getdents64, fd, buf, 8));
    CHECKN("getdents64 bad buffer", syscall(SYS_getdents64, fd, BADPTR, 4096));
    int path = must_open("/usr/share/base-files", O_PATH);
    CHECKN("getdents64 on O_PATH fd", syscall(SYS_getdents64, path, buf, sizeof buf));
    return 0;
}
