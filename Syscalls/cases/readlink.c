// syscalls: readlink, readlinkat
#include "check.h"

static void show(const char *label, const char *path) {
    char buf[4096];
    long n = readlink(path, buf, sizeof buf);
    if (n < 0) printf("%s: errno=%s\n", label, errname(errno));
    else printf("%s: %.*s (%ld)\n", label, (int)n, buf, n);
}

int main(void) {
    show("readlink /bin", "/bin");
    show("readlink /sbin", "/sbin");
    show("readlink /lib", "/lib");
    show("readlink /lib64", "/lib64");
    show("readlink /lib64/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2");
    show("readlink /etc/os-release", "/etc/os-release");
    show("readlink /bin/sh", "/bin/sh");
    show("readlink regular file", "/usr/lib/os-release");
    show("readlink directory", "/etc");
    show("readlink missing", "/etc/no-such-link");
    show("readlink through a file", "/usr/lib/os-release/x");
    show("readlink empty", "");
    show("readlink trailing slash on link to dir", "/bin/");

    char small[4];
    CHECKV(readlink("/bin", small, 3));
    printf("truncated: %.3s\n", small);
    CHECKN("readlink bufsiz 0", readlink("/bin", small, 0));
    CHECKN("readlink bad buffer", readlink("/bin", BADPTR, 100));

    char buf[256];
    int root = must_open("/", O_RDONLY | O_DIRECTORY);
    long n = CHECKV(readlinkat(root, "bin", buf, sizeof buf));
    if (n > 0) printf("readlinkat: %.*s\n", (int)n, buf);
    int etc = must_open("/etc", O_RDONLY | O_DIRECTORY);
    CHECKV(readlinkat(etc, "os-release", buf, sizeof buf));
    CHECKN("readlinkat bad dirfd", readlinkat(-1, "bin", buf, sizeof buf));
    int link = must_open("/etc/os-release", O_PATH | O_NOFOLLOW);
    n = CHECKV(readlinkat(link, "", buf, sizeof buf));
    if (n > 0) printf("readlinkat empty path on O_PATH link: %.*s\n", (int)n, buf);
    return 0;
}
