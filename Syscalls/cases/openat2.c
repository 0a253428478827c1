// syscalls: openat2
// openat2(2): open_how size and field checks, RESOLVE_BENEATH, RESOLVE_IN_ROOT,
// RESOLVE_NO_SYMLINKS, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_XDEV, RESOLVE_CACHED with O_CREAT.
#include "check.h"
#include <linux/openat2.h>
#include <sys/stat.h>

static long o2(int dirfd, const char *path, unsigned long long flags, unsigned long long mode, unsigned long long resolve) {
    struct open_how how = { .flags = flags, .mode = mode, .resolve = resolve };
    return syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

/* Opens and prints what the fd reads (first line), or the errno. */
static void show(const char *label, int dirfd, const char *path, unsigned long long resolve) {
    long fd = o2(dirfd, path, O_RDONLY, 0, resolve);
    if (fd < 0) { printf("%s: errno=%s\n", label, errname(errno)); return; }
    char buf[64] = "";
    long n = read(fd, buf, sizeof buf - 1);
    if (n < 0) n = 0;
    buf[n] = 0;
    buf[strcspn(buf, "\n")] = 0;
    printf("%s: ok \"%s\"\n", label, buf);
    close(fd);
}

int main(void) {
    const char *d = "/tmp/husk-case-openat2";
    char p[256];
    system("rm -rf /tmp/husk-case-openat2");
    mkdir(d, 0755);
    snprintf(p, sizeof p, "%s/a", d); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/a/file", d);
    int f = open(p, O_WRONLY | O_CREAT, 0644); write(f, "inside\n", 7); close(f);
    snprintf(p, sizeof p, "%s/etc", d); mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/etc/os-release", d);
    f = open(p, O_WRONLY | O_CREAT, 0644); write(f, "fake os-release\n", 16); close(f);
    snprintf(p, sizeof p, "%s/rel", d); symlink("a/file", p);
    snprintf(p, sizeof p, "%s/abs", d); symlink("/etc/os-release", p);
    snprintf(p, sizeof p, "%s/up", d); symlink("../husk-case-openat2/a/file", p);
    int dir = must_open(d, O_RDONLY | O_DIRECTORY);

    // open_how checks
    struct open_how how = { .flags = O_RDONLY };
    CHECKN("size 0", syscall(SYS_openat2, dir, "a/file", &how, 0));
    CHECKN("size 23", syscall(SYS_openat2, dir, "a/file", &how, 23));
    char big[4200] = {0};
    memcpy(big, &how, sizeof how);
    CHECKN("size 4097", syscall(SYS_openat2, dir, "a/file", big, 4097));
    long fd = CHECKN("size 32 zero tail", syscall(SYS_openat2, dir, "a/file", big, 32));
    if (fd >= 0) close(fd);
    big[30] = 1;
    CHECKN("size 32 nonzero tail", syscall(SYS_openat2, dir, "a/file", big, 32));
    CHECKN("bad how pointer", syscall(SYS_openat2, dir, "a/file", BADPTR, sizeof how));
    CHECKN("unknown flag bit", o2(dir, "a/file", 1ULL << 40, 0, 0));
    CHECKN("unknown resolve bit", o2(dir, "a/file", O_RDONLY, 0, 0x100));
    CHECKN("mode without O_CREAT", o2(dir, "a/file", O_RDONLY, 0644, 0));
    CHECKN("mode beyond 07777", o2(dir, "new", O_RDWR | O_CREAT, 010000, 0));
    CHECKN("BENEATH|IN_ROOT", o2(dir, "a/file", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT));
    CHECKN("CACHED with O_CREAT", o2(dir, "new", O_RDWR | O_CREAT, 0600, RESOLVE_CACHED));
    fd = CHECKN("O_CREAT with mode", o2(dir, "created", O_RDWR | O_CREAT | O_EXCL, 0600, 0));
    struct stat st;
    fstat(fd, &st);
    SHOW("created mode", "%o", st.st_mode & 0777);
    close(fd);

    // RESOLVE_BENEATH
    show("beneath a/file", dir, "a/file", RESOLVE_BENEATH);
    show("beneath rel link", dir, "rel", RESOLVE_BENEATH);
    show("beneath abs link", dir, "abs", RESOLVE_BENEATH);
    show("beneath up link", dir, "up", RESOLVE_BENEATH);
    show("beneath ..", dir, "../husk-case-openat2/a/file", RESOLVE_BENEATH);
    show("beneath a/..", dir, "a/../a/file", RESOLVE_BENEATH);
    show("beneath absolute path", dir, "/etc/os-release", RESOLVE_BENEATH);
    // RESOLVE_IN_ROOT: dirfd is the root for absolute paths, links and ..
    show("in_root abs link", dir, "abs", RESOLVE_IN_ROOT);
    show("in_root absolute path", dir, "/etc/os-release", RESOLVE_IN_ROOT);
    show("in_root ../..", dir, "../../a/file", RESOLVE_IN_ROOT);
    // RESOLVE_NO_SYMLINKS / NO_MAGICLINKS
    show("no_symlinks rel", dir, "rel", RESOLVE_NO_SYMLINKS);
    show("no_symlinks plain", dir, "a/file", RESOLVE_NO_SYMLINKS);
    int own = must_open("/usr/lib/os-release", O_RDONLY);
    snprintf(p, sizeof p, "/proc/self/fd/%d", own);
    show("magic link", AT_FDCWD, p, 0);
    show("no_magiclinks", AT_FDCWD, p, RESOLVE_NO_MAGICLINKS);
    show("no_symlinks through /proc/self", AT_FDCWD, "/proc/self/comm", RESOLVE_NO_SYMLINKS);
    show("no_magiclinks ordinary link", dir, "rel", RESOLVE_NO_MAGICLINKS);
    // RESOLVE_NO_XDEV: /proc is another mount
    int root = must_open("/", O_RDONLY | O_DIRECTORY);
    show("no_xdev into /proc", root, "proc/self/comm", RESOLVE_NO_XDEV);
    show("no_xdev same mount", dir, "a/file", RESOLVE_NO_XDEV);
    show("no_xdev in /proc", AT_FDCWD, "/usr/lib/os-release", RESOLVE_NO_XDEV);
    // O_PATH with other flags, O_DIRECTORY on a file
    CHECKN("O_PATH|O_RDWR", o2(dir, "a", O_PATH | O_RDWR, 0, 0));
    CHECKN("O_DIRECTORY on a file", o2(dir, "a/file", O_DIRECTORY, 0, 0));
    CHECKN("missing", o2(dir, "nope", O_RDONLY, 0, RESOLVE_BENEATH));
    system("rm -rf /tmp/husk-case-openat2");
    return 0;
}
