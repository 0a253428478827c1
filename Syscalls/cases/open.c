// syscalls: open, openat, close
#include "check.h"
#include <limits.h>

int main(void) {
    int fd = CHECKN("open /etc/os-release", open("/etc/os-release", O_RDONLY));
    CHECKN("close it", close(fd));
    CHECKN("close it again", close(fd));
    CHECKN("close -1", close(-1));
    CHECKN("close 4096", close(4096));

    /* The lowest free descriptor is reused. */
    int a = open("/etc/os-release", O_RDONLY);
    close(a);
    int b = open("/etc/os-release", O_RDONLY | O_CLOEXEC);
    FACT("lowest fd reused", a == b && a >= 3);
    close(b);

    CHECKN("open missing", open("/etc/no-such-file", O_RDONLY));
    CHECKN("open missing dir component", open("/no-such-dir/x", O_RDONLY));
    CHECKN("open file as dir component", open("/etc/os-release/x", O_RDONLY));
    CHECKN("open file with trailing slash", open("/etc/os-release/", O_RDONLY));
    CHECKN("open empty path", open("", O_RDONLY));
    CHECKN("open dir O_WRONLY", open("/etc", O_WRONLY));
    CHECKN("open dir O_RDWR", open("/etc", O_RDWR));
    CHECKN("open file O_DIRECTORY", open("/etc/os-release", O_RDONLY | O_DIRECTORY));
    CHECKN("open symlink O_NOFOLLOW", open("/etc/os-release", O_RDONLY | O_NOFOLLOW));
    CHECKN("open target O_NOFOLLOW", open("/usr/lib/os-release", O_RDONLY | O_NOFOLLOW));
    CHECKN("open existing O_CREAT|O_EXCL", open("/etc/os-release", O_RDONLY | O_CREAT | O_EXCL, 0644));
    CHECKN("open symlink dir via /bin/sh", open("/bin/sh", O_RDONLY));
    CHECKN("open dir O_DIRECTORY", open("/etc", O_RDONLY | O_DIRECTORY));
    CHECKN("open dotdot clamps at root", open("/../../etc/os-release", O_RDONLY));
    CHECKN("open dot components", open("/usr/./lib/../lib/os-release", O_RDONLY));
    CHECKN("open O_PATH|O_NOFOLLOW symlink", open("/etc/os-release", O_PATH | O_NOFOLLOW));

    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    longname[0] = '/';
    longname[sizeof longname - 1] = 0;
    CHECKN("open name too long", open(longname, O_RDONLY));
    char *longpath = malloc(PATH_MAX + 10);
    for (int i = 0; i < PATH_MAX + 8; i += 2) { longpath[i] = '/'; longpath[i + 1] = 'a'; }
    longpath[PATH_MAX + 8] = 0;
    CHECKN("open path too long", open(longpath, O_RDONLY));
    CHECKN("open bad pointer", syscall(SYS_open, BADPTR, O_RDONLY));

    int etc = CHECKN("openat AT_FDCWD /etc", openat(AT_FDCWD, "/etc", O_RDONLY | O_DIRECTORY));
    CHECKN("openat relative to dirfd", openat(etc, "os-release", O_RDONLY));
    CHECKN("openat relative missing", openat(etc, "no-such-file", O_RDONLY));
    CHECKN("openat absolute ignores dirfd", openat(-1, "/etc/os-release", O_RDONLY));
    CHECKN("openat relative bad dirfd", openat(-1, "os-release", O_RDONLY));
    CHECKN("openat relative closed dirfd", openat(999, "os-release", O_RDONLY));
    int file = must_open("/etc/os-release", O_RDONLY);
    CHECKN("openat relative to a file fd", openat(file, "x", O_RDONLY));
    CHECKN("openat dotdot from dirfd", openat(etc, "../usr/lib/os-release", O_RDONLY));
    CHECKN("openat invalid flags (O_TMPFILE without write)", openat(etc, ".", O_TMPFILE | O_RDONLY, 0600));
    return 0;
}
