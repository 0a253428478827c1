// syscalls: statfs, fstatfs
#include "check.h"
#include <sys/vfs.h>

int main(void) {
    struct statfs s;
    if (CHECK(statfs("/etc/os-release", &s)) == 0) {
        FACT("f_namelen > 0", s.f_namelen > 0);
        FACT("f_bsize > 0", s.f_bsize > 0);
    }
    if (CHECK(statfs("/", &s)) == 0) FACT("/ f_namelen > 0", s.f_namelen > 0);
    if (CHECK(statfs("/dev/null", &s)) == 0) FACT("/dev/null f_namelen > 0", s.f_namelen > 0);
    int fd = must_open("/usr/share/base-files", O_RDONLY);
    if (CHECK(fstatfs(fd, &s)) == 0) FACT("fstatfs f_namelen > 0", s.f_namelen > 0);
    int path = must_open("/etc", O_PATH);
    CHECKN("fstatfs O_PATH", fstatfs(path, &s));
    CHECKN("statfs missing", statfs("/no-such-file", &s));
    CHECKN("statfs through a file", statfs("/etc/os-release/x", &s));
    CHECKN("statfs bad buffer", statfs("/", BADPTR));
    CHECKN("fstatfs bad fd", fstatfs(-1, &s));
    /* The root view reports the host filesystem's usage, not a memory filesystem's. */
    struct statfs root, usr, shm;
    statfs("/", &root);
    statfs("/usr/share", &usr);
    statfs("/dev/shm", &shm);
    FACT("/ and /usr/share: the same blocks and files", root.f_blocks == usr.f_blocks && root.f_files == usr.f_files);
    FACT("/ is not sized like the /dev/shm tmpfs", root.f_blocks != shm.f_blocks);
    FACT("/ has used blocks", root.f_bfree < root.f_blocks);
    return 0;
}
