// syscalls: pwrite64, mkdir, mknod, open, fsync, fdatasync, ftruncate, statfs
#include "check.h"
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/resource.h>
#include <signal.h>
#include <linux/falloc.h>
#include <grp.h>
#include <sys/wait.h>

static void show_mode(const char *label, const char *path) {
    struct stat st;
    if (stat(path, &st) == 0) printf("%s: mode %o gid %d\n", label, st.st_mode & 07777, (int)st.st_gid);
    else printf("%s: errno=%s\n", label, errname(errno));
}

int main(void) {
    char dir[] = "/tmp/husk-fsem-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[256];

    // pwrite on an O_APPEND file appends, whatever the offset (pwrite(2) BUGS).
    snprintf(path, sizeof path, "%s/append", dir);
    int fd = open(path, O_CREAT | O_RDWR | O_APPEND, 0644);
    CHECKN("write", write(fd, "abc", 3));
    CHECKN("pwrite at 0", pwrite(fd, "XY", 2, 0));
    char buf[16] = {0};
    CHECKN("pread", pread(fd, buf, sizeof buf - 1, 0));
    SHOW("content", "%s", buf);
    close(fd);

    // mkdir and mknod: umask applies, S_ISUID is dropped from mkdir's mode; a setgid directory
    // passes its group and (to directories) its S_ISGID on.
    umask(022);
    snprintf(path, sizeof path, "%s/d1", dir);
    CHECKN("mkdir 07777", mkdir(path, 07777));
    show_mode("d1", path);
    snprintf(path, sizeof path, "%s/sg", dir);
    CHECKN("mkdir sg", mkdir(path, 0777));
    CHECKN("chown sg", chown(path, 0, 1234));
    CHECKN("chmod sg", chmod(path, 02775));
    show_mode("sg", path);
    snprintf(path, sizeof path, "%s/sg/sub", dir);
    CHECKN("mkdir in setgid dir", mkdir(path, 0755));
    show_mode("sg/sub", path);
    snprintf(path, sizeof path, "%s/sg/file", dir);
    fd = open(path, O_CREAT | O_WRONLY, 0666);
    close(fd);
    show_mode("sg/file", path);
    snprintf(path, sizeof path, "%s/sg/fifo", dir);
    CHECKN("mknod fifo", mknod(path, S_IFIFO | 06777, 0));
    show_mode("sg/fifo", path);

    // A creator outside the directory's group: its files and FIFOs lose S_ISGID (they would
    // be setgid to a group it is not in: mode_strip_sgid); its directories keep it.
    snprintf(path, sizeof path, "%s/sg", dir);
    chmod(path, 02777);
    chmod(dir, 0755);
    pid_t kid = fork();
    if (kid == 0) {
        if (setgid(1000) != 0 || setgroups(0, NULL) != 0 || setuid(1000) != 0) _exit(1);
        umask(0);
        snprintf(path, sizeof path, "%s/sg/other-file", dir);
        fd = open(path, O_CREAT | O_WRONLY, 02755);
        close(fd);
        show_mode("non-member's file", path);
        snprintf(path, sizeof path, "%s/sg/other-dir", dir);
        CHECKN("non-member's mkdir 0755", mkdir(path, 0755));
        show_mode("non-member's dir", path);
        snprintf(path, sizeof path, "%s/sg/other-fifo", dir);
        CHECKN("non-member's mknod fifo 02666", mknod(path, S_IFIFO | 02666, 0));
        show_mode("non-member's fifo", path);
        snprintf(path, sizeof path, "%s/sg/other-dir/f", dir);
        fd = open(path, O_CREAT | O_WRONLY, 02644);
        close(fd);
        show_mode("two levels down", path);
        _exit(0);
    }
    waitpid(kid, NULL, 0);

    // fsync on a pipe is EINVAL.
    int p[2];
    pipe(p);
    CHECKN("fsync pipe", fsync(p[0]));
    CHECKN("fdatasync pipe", fdatasync(p[1]));

    // fallocate modes: Syscalls/cases/fallocate_fs.c (on the same kind of filesystem both runs).

    // RLIMIT_FSIZE: a write past it gets SIGXFSZ (ignored here) and EFBIG.
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {4096, 4096};
    CHECKN("setrlimit FSIZE", setrlimit(RLIMIT_FSIZE, &rl));
    snprintf(path, sizeof path, "%s/big", dir);
    fd = open(path, O_CREAT | O_RDWR, 0644);
    char block[8192];
    memset(block, 'b', sizeof block);
    CHECKV(write(fd, block, sizeof block));
    CHECKN("write at the limit", write(fd, block, 10));
    CHECKN("ftruncate past the limit", ftruncate(fd, 10000));
    close(fd);
    return 0;
}
