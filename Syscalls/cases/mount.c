// syscalls: mount, umount2 (tmpfs with options and flags, remount, bind, proc, busy, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW, EPERM, ENODEV), /proc/self/mounts, /proc/self/mountinfo
// Natively the case first moves into a private mount namespace of its own (unshare and
// MS_PRIVATE on /, not printed), so nothing it mounts reaches the host; inside the sandbox
// the unshare is refused and MS_PRIVATE is what every mount is already.
#include "check.h"
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>

static char dir[64], sub[96], bdir[96], link_[96], file[128];

/* The /proc/self/mounts line for `path` (its type and options), or "absent". */
static void show_mount(const char *label, const char *path) {
    char *text, want[128];
    long n = slurp("/proc/self/mounts", &text);
    text[n] = 0;
    snprintf(want, sizeof want, " %s ", path);
    const char *hit = NULL;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *p = strstr(line, want);
        if (p) hit = p + strlen(want);   /* the last line for the path: the top mount */
    }
    if (!hit) { printf("%s: absent\n", label); free(text); return; }
    char type[32], opts[256];
    sscanf(hit, "%31s %255s", type, opts);
    printf("%s: %s %s\n", label, type, opts);
    free(text);
}

static int mountinfo_has(const char *path, const char *super) {
    char *text, want[128];
    long n = slurp("/proc/self/mountinfo", &text);
    text[n] = 0;
    snprintf(want, sizeof want, " %s ", path);
    int found = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
        if (strstr(line, want) && strstr(line, super)) found = 1;
    free(text);
    return found;
}

int main(void) {
    if (unshare(CLONE_NEWNS) == 0) mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    snprintf(dir, sizeof dir, "/tmp/mount_case.%d", getpid());
    snprintf(sub, sizeof sub, "%s/sub", dir);
    snprintf(bdir, sizeof bdir, "%s.bind", dir);
    snprintf(link_, sizeof link_, "%s.link", dir);
    snprintf(file, sizeof file, "%s/x", dir);
    mkdir(dir, 0755);
    mkdir(bdir, 0755);
    symlink(bdir, link_);

    CHECKN("mount tmpfs size=1m,mode=750,uid=1,gid=2", mount("none", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=750,uid=1,gid=2"));
    show_mount("mounts", dir);
    FACT("mountinfo super options", mountinfo_has(dir, "- tmpfs none rw,size=1024k,mode=750,uid=1,gid=2"));
    struct stat st;
    stat(dir, &st);
    printf("root: mode=%o uid=%u gid=%u\n", st.st_mode & 07777, st.st_uid, st.st_gid);
    struct statfs sf;
    statfs(dir, &sf);
    printf("statfs: tmpfs=%d blocks=%ld\n", sf.f_type == 0x01021994, (long)sf.f_blocks * sf.f_bsize / 1024);
    int fd = open(file, O_CREAT | O_WRONLY, 0644);
    CHECKN("create in the new tmpfs", fd);
    char big[65536] = {0};
    long total = 0;
    ssize_t w;
    while ((w = write(fd, big, sizeof big)) > 0) total += w;
    printf("filled: %ld KiB, then errno=%s\n", total / 1024, errname(errno));
    ftruncate(fd, 0);

    /* Busy: an open file, a working directory, a submount. */
    CHECKN("umount2 busy (open file)", umount2(dir, 0));
    CHECKN("umount2 busy, MNT_FORCE", umount2(dir, MNT_FORCE));
    close(fd);
    CHECKN("remount ro,nosuid", mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID, NULL));
    show_mount("after remount ro", dir);
    CHECKN("create on read-only", open(sub, O_CREAT | O_WRONLY, 0644));
    CHECKN("mkdir on read-only", mkdir(sub, 0755));
    CHECKN("unlink on read-only", unlink(file));
    CHECKN("remount rw,size=2m", mount(NULL, dir, NULL, MS_REMOUNT, "size=2m"));
    show_mount("after remount rw", dir);
    CHECKN("mkdir sub", mkdir(sub, 0755));
    fd = open(file, O_WRONLY);
    CHECKN("remount ro with a writer", mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL));
    close(fd);
    CHECKN("remount a non-mount", mount(NULL, sub, NULL, MS_REMOUNT, NULL));
    CHECKN("mount tmpfs on sub", mount("inner", sub, "tmpfs", 0, NULL));
    CHECKN("umount2 busy (submount)", umount2(dir, 0));
    CHECKN("chdir into sub", chdir(sub));
    CHECKN("umount2 sub busy (cwd)", umount2(sub, 0));
    CHECKN("chdir /", chdir("/"));
    CHECKN("umount2 sub", umount2(sub, 0));
    CHECKN("umount2 sub again", umount2(sub, 0));

    /* A bind of a directory, and noexec. */
    CHECKN("bind dir on bind", mount(sub, bdir, NULL, MS_BIND, NULL));
    stat(bdir, &st);
    struct stat st2;
    stat(sub, &st2);
    FACT("bind shows the same directory", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
    CHECKN("umount2 bind", umount2(bdir, 0));
    CHECKN("mount tmpfs noexec", mount("none", bdir, "tmpfs", MS_NOEXEC, NULL));
    show_mount("noexec", bdir);
    char exe[160];
    snprintf(exe, sizeof exe, "%s/true", bdir);
    int in = open("/bin/true", O_RDONLY), out = open(exe, O_CREAT | O_WRONLY, 0755);
    char buf[65536];
    ssize_t r;
    while ((r = read(in, buf, sizeof buf)) > 0) if (write(out, buf, r) != r) break;
    close(in); close(out);
    pid_t pid = fork();
    if (pid == 0) { execl(exe, exe, (char *)NULL); printf("execve on noexec: errno=%s\n", errname(errno)); _exit(0); }
    waitpid(pid, NULL, 0);
    int xfd = open(exe, O_RDONLY);
    void *m = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, xfd, 0);
    printf("mmap PROT_EXEC on noexec: %s\n", m == MAP_FAILED ? errname(errno) : "mapped");
    m = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, xfd, 0);
    printf("mmap PROT_READ on noexec: %s\n", m == MAP_FAILED ? errname(errno) : "mapped");
    if (m != MAP_FAILED) munmap(m, 4096);
    close(xfd);
    CHECKN("umount2 UMOUNT_NOFOLLOW through a symlink", umount2(link_, UMOUNT_NOFOLLOW));
    CHECKN("umount2 MNT_EXPIRE first", umount2(bdir, MNT_EXPIRE));
    CHECKN("umount2 MNT_EXPIRE|MNT_DETACH", umount2(bdir, MNT_EXPIRE | MNT_DETACH));
    CHECKN("umount2 MNT_EXPIRE second", umount2(bdir, MNT_EXPIRE));
    show_mount("after expire", bdir);

    /* MNT_DETACH of a busy mount: the open file stays usable. */
    fd = open(file, O_RDWR);
    CHECKN("umount2 MNT_DETACH", umount2(dir, MNT_DETACH));
    show_mount("after detach", dir);
    CHECKN("write to the detached file", write(fd, "hi", 2));
    CHECKN("the name is gone", access(file, F_OK));
    close(fd);

    /* proc, errors, privileges. */
    CHECKN("mount proc", mount("proc", bdir, "proc", 0, NULL));
    snprintf(exe, sizeof exe, "%s/self/status", bdir);
    CHECKN("proc/self/status there", access(exe, R_OK));
    CHECKN("umount2 proc", umount2(bdir, 0));
    CHECKN("mount unknown type", mount("none", bdir, "nosuchfs", 0, NULL));
    CHECKN("mount NULL type", mount("none", bdir, NULL, 0, NULL));
    CHECKN("mount on a missing dir", mount("none", "/nonexistent/dir", "tmpfs", 0, NULL));
    CHECKN("mount tmpfs bad option", mount("none", bdir, "tmpfs", 0, "bogus=1"));
    CHECKN("mount tmpfs bad size", mount("none", bdir, "tmpfs", 0, "size=x"));
    CHECKN("umount2 bad flags", umount2(bdir, 0x100));
    CHECKN("umount2 not a mount", umount2(bdir, 0));
    CHECKN("umount2 missing", umount2("/nonexistent/dir", 0));
    CHECKN("mount bad pointer", mount("none", BADPTR, "tmpfs", 0, NULL));
    static char longs[5000];
    memset(longs, 'x', sizeof longs - 1);
    CHECKN("mount type longer than PATH_MAX", mount("none", bdir, longs, 0, NULL));
    CHECKN("mount options longer than a page", mount("none", bdir, "tmpfs", 0, longs));
    pid = fork();
    if (pid == 0) {
        if (setuid(65534) != 0) _exit(1);
        CHECKN("mount as nobody", mount("none", bdir, "tmpfs", 0, NULL));
        CHECKN("umount2 as nobody", umount2("/tmp", 0));
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    unlink(link_);
    rmdir(bdir);
    rmdir(dir);
    return 0;
}
