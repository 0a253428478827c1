// syscalls: getxattr, lgetxattr, fgetxattr, listxattr
#include "check.h"
#include <sys/xattr.h>

int main(void) {
    char buf[256];
    CHECKN("getxattr user.x", getxattr("/etc/os-release", "user.x", buf, sizeof buf));
    CHECKN("getxattr user.x size query", getxattr("/etc/os-release", "user.x", NULL, 0));
    CHECKN("lgetxattr user.x on symlink", lgetxattr("/etc/os-release", "user.x", buf, sizeof buf));
    int fd = must_open("/etc/os-release", O_RDONLY);
    CHECKN("fgetxattr user.x", fgetxattr(fd, "user.x", buf, sizeof buf));
    CHECKN("getxattr no namespace", getxattr("/etc/os-release", "plain", buf, sizeof buf));
    CHECKN("getxattr empty name", getxattr("/etc/os-release", "", buf, sizeof buf));
    char longname[300];
    memcpy(longname, "user.", 5);
    memset(longname + 5, 'n', sizeof longname - 6);
    longname[sizeof longname - 1] = 0;
    CHECKN("getxattr name too long", getxattr("/etc/os-release", longname, buf, sizeof buf));
    CHECKN("getxattr missing file", getxattr("/no-such-file", "user.x", buf, sizeof buf));
    CHECKN("fgetxattr bad fd", fgetxattr(-1, "user.x", buf, sizeof buf));
    CHECKVN("listxattr size", listxattr("/usr/lib/os-release", NULL, 0));
    return 0;
}
