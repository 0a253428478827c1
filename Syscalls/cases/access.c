// syscalls: access, faccessat, faccessat2
#include "check.h"

int main(void) {
    CHECKN("access F_OK file", access("/etc/os-release", F_OK));
    CHECKN("access R_OK file", access("/etc/os-release", R_OK));
    CHECKN("access X_OK non-executable file", access("/etc/os-release", X_OK));
    CHECKN("access X_OK /bin/sh", access("/bin/sh", X_OK));
    CHECKN("access R_OK|X_OK dir", access("/usr/bin", R_OK | X_OK));
    CHECKN("access W_OK /dev/null", access("/dev/null", W_OK));
    CHECKN("access missing", access("/etc/no-such-file", F_OK));
    CHECKN("access through a file", access("/etc/os-release/x", F_OK));
    CHECKN("access empty", access("", F_OK));
    CHECKN("access bad mode", access("/etc", 0x100));
    CHECKN("access bad pointer", syscall(SYS_access, BADPTR, F_OK));

    int etc = must_open("/etc", O_RDONLY | O_DIRECTORY);
    CHECKN("faccessat relative", syscall(SYS_faccessat, etc, "os-release", R_OK));
    CHECKN("faccessat relative missing", syscall(SYS_faccessat, etc, "nope", R_OK));
    CHECKN("faccessat bad dirfd", syscall(SYS_faccessat, -1, "os-release", R_OK));
    CHECKN("faccessat2 AT_SYMLINK_NOFOLLOW", syscall(SYS_faccessat2, etc, "os-release", F_OK, AT_SYMLINK_NOFOLLOW));
    CHECKN("faccessat2 AT_EACCESS", syscall(SYS_faccessat2, AT_FDCWD, "/bin/sh", X_OK, AT_EACCESS));
    int fd = must_open("/etc/os-release", O_RDONLY);
    CHECKN("faccessat2 AT_EMPTY_PATH", syscall(SYS_faccessat2, fd, "", R_OK, AT_EMPTY_PATH));
    CHECKN("faccessat2 bad flags", syscall(SYS_faccessat2, AT_FDCWD, "/etc", F_OK, 0x1));
    CHECKN("faccessat2 bad mode", syscall(SYS_faccessat2, AT_FDCWD, "/etc", 8, 0));
    CHECKN("faccessat2 dangling dir", syscall(SYS_faccessat2, AT_FDCWD, "/no-dir/x", F_OK, 0));
    return 0;
}
