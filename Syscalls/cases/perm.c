// syscalls: unlink, rename, rmdir, access, faccessat, faccessat2, utimensat, utimes, chmod, fchmod, chown, fchown, lchown, mkdir, open, stat, setresuid, setresgid, setgroups
/* Permission rules for a non-root user: the root parent sets up a tree in /tmp, a forked child
 * drops to uid 1000 (groups 1000 and 1100) and tries things; errno names only. */
#include "check.h"
#include <grp.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#define D "/tmp/husk-perm-case"

static void mk(const char *path, int mode, uid_t uid, gid_t gid) {
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd < 0) { printf("setup %s: %s\n", path, errname(errno)); exit(99); }
    if (write(fd, "x", 1) != 1) exit(99);
    close(fd);
    if (chown(path, uid, gid) || chmod(path, mode)) { printf("setup %s: %s\n", path, errname(errno)); exit(99); }
}

static void mkd(const char *path, int mode, uid_t uid, gid_t gid) {
    if (mkdir(path, 0700) || chown(path, uid, gid) || chmod(path, mode)) { printf("setup %s: %s\n", path, errname(errno)); exit(99); }
}

static void drop(uid_t r, uid_t e, uid_t s) {
    gid_t groups[] = {1000, 1100};
    if (setgroups(2, groups) || setresgid(1000, 1000, 1000) || setresuid(r, e, s)) { printf("drop: %s\n", errname(errno)); _exit(98); }
}

static void mode_of(const char *label, const char *path) {
    struct stat st;
    if (stat(path, &st)) printf("%s: errno=%s\n", label, errname(errno));
    else printf("%s: %o %u:%u\n", label, st.st_mode & 07777, st.st_uid, st.st_gid);
}

static void run(const char *label, void (*body)(void)) {
    printf("-- %s\n", label);
    pid_t p = fork();
    if (p == 0) { body(); _exit(0); }
    int status;
    waitpid(p, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status)) printf("child status %#x\n", status);
}

static void sticky(void) {
    drop(1000, 1000, 1000);
    CHECKN("unlink root's file in sticky /tmp dir", unlink(D "/sticky/rootf"));
    CHECKN("rename root's file in sticky dir", rename(D "/sticky/rootf", D "/sticky/moved"));
    CHECKN("rename own file over root's file", rename(D "/sticky/mine", D "/sticky/rootf"));
    CHECKN("rmdir root's dir in sticky dir", rmdir(D "/sticky/rootdir"));
    CHECKN("rename own file", rename(D "/sticky/mine", D "/sticky/mine2"));
    CHECKN("unlink own file", unlink(D "/sticky/mine2"));
    CHECKN("create in sticky dir", close(open(D "/sticky/new", O_CREAT | O_WRONLY, 0644)));
    CHECKN("unlink other's file in own sticky dir", unlink(D "/mysticky/otherf"));
    CHECKN("unlink root's file in non-sticky 0777 dir", unlink(D "/open/rootf"));
}

static void search(void) {
    drop(1000, 1000, 1000);
    struct stat st;
    CHECKN("stat through 0700 dir", stat(D "/closed/f", &st));
    CHECKN("open through 0700 dir", open(D "/closed/f", O_RDONLY));
    CHECKN("chdir into 0700 dir", chdir(D "/closed"));
    CHECKN("stat through 0711 dir", stat(D "/searchonly/f", &st));
    CHECKN("opendir 0711 dir", open(D "/searchonly", O_RDONLY | O_DIRECTORY));
    CHECKN("stat through 0744 dir", stat(D "/listonly/f", &st));
    CHECKN("opendir 0744 dir", open(D "/listonly", O_RDONLY | O_DIRECTORY));
    CHECKN("mkdir in 0755 root dir", mkdir(D "/searchonly/x", 0755));
    CHECKN("create in 0755 root dir", open(D "/searchonly/y", O_CREAT | O_WRONLY, 0644));
    CHECKN("unlink in 0755 root dir", unlink(D "/searchonly/f"));
    CHECKN("open 0600 root file for reading", open(D "/open/rootf", O_RDONLY));
    CHECKN("open 0644 root file for writing", open(D "/open/readable", O_WRONLY));
    CHECKN("open 0644 root file for reading", open(D "/open/readable", O_RDONLY));
    CHECKN("exec 0644 file", execl(D "/open/readable", "x", (char *)NULL));
    CHECKN("group-readable 0640 file of group 1100", open(D "/open/group1100", O_RDONLY));
    CHECKN("0604 file of own group: the group class decides", open(D "/open/groupdenied", O_RDONLY));
}

static void access_ids(void) {
    /* real 1000, effective 2000 */
    drop(1000, 2000, 0);
    CHECKN("access R_OK (real 1000) on 2000's 0600", access(D "/open/of2000", R_OK));
    CHECKN("faccessat AT_EACCESS (effective 2000)", faccessat(AT_FDCWD, D "/open/of2000", R_OK, AT_EACCESS));
    CHECKN("faccessat2 flags 0 (real)", syscall(SYS_faccessat2, AT_FDCWD, D "/open/of2000", R_OK, 0));
    CHECKN("faccessat2 AT_EACCESS", syscall(SYS_faccessat2, AT_FDCWD, D "/open/of2000", R_OK, AT_EACCESS));
    CHECKN("open (effective 2000)", open(D "/open/of2000", O_RDONLY));
    CHECKN("access W_OK on 1000's 0600 (real)", access(D "/open/of1000", W_OK));
    CHECKN("faccessat AT_EACCESS W_OK on 1000's 0600", faccessat(AT_FDCWD, D "/open/of1000", W_OK, AT_EACCESS));
    CHECKN("access X_OK on 0644", access(D "/open/of1000", X_OK));
    CHECKN("access F_OK through 0700 root dir", access(D "/closed/f", F_OK));
}

static void times(void) {
    drop(1000, 1000, 1000);
    struct timespec explicit_[2] = {{1000, 0}, {2000, 0}};
    struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
    struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    struct timespec nowomit[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    struct timespec setomit[2] = {{5, 0}, {0, UTIME_OMIT}};
    CHECKN("utimensat NULL on other's 0666", utimensat(AT_FDCWD, D "/open/world", NULL, 0));
    CHECKN("utimensat NOW,NOW on other's 0666", utimensat(AT_FDCWD, D "/open/world", now, 0));
    CHECKN("utimensat explicit on other's 0666", utimensat(AT_FDCWD, D "/open/world", explicit_, 0));
    CHECKN("utimensat explicit+OMIT on other's 0666", utimensat(AT_FDCWD, D "/open/world", setomit, 0));
    CHECKN("utimensat NULL on other's 0644", utimensat(AT_FDCWD, D "/open/readable", NULL, 0));
    CHECKN("utimensat NOW,OMIT on other's 0644", utimensat(AT_FDCWD, D "/open/readable", nowomit, 0));
    CHECKN("utimensat OMIT,OMIT on other's 0644", utimensat(AT_FDCWD, D "/open/readable", omit, 0));
    CHECKN("utimensat explicit on other's 0644", utimensat(AT_FDCWD, D "/open/readable", explicit_, 0));
    CHECKN("utimes NULL on other's 0644", utimes(D "/open/readable", NULL));
    struct timeval tv[2] = {{1, 0}, {2, 0}};
    CHECKN("utimes explicit on other's 0666", utimes(D "/open/world", tv));
    CHECKN("utimensat explicit on own 0400", utimensat(AT_FDCWD, D "/open/own0400", explicit_, 0));
    CHECKN("utimensat NULL on own 0400", utimensat(AT_FDCWD, D "/open/own0400", NULL, 0));
    int fd = open(D "/open/world", O_WRONLY);
    CHECKN("futimens NULL through a write fd of other's 0666", futimens(fd, NULL));
    CHECKN("futimens explicit through a write fd", futimens(fd, explicit_));
    close(fd);
}

static void owners(void) {
    drop(1000, 1000, 1000);
    CHECKN("chmod other's file", chmod(D "/open/world", 0600));
    CHECKN("chown other's file to self", chown(D "/open/world", 1000, 1000));
    CHECKN("chown other's file, no change", chown(D "/open/world", -1, -1));
    CHECKN("chown own file to uid 2000", chown(D "/open/of1000", 2000, -1));
    CHECKN("chown own file to own uid", chown(D "/open/of1000", 1000, -1));
    CHECKN("chown own file to group 3000 (not a member)", chown(D "/open/of1000", -1, 3000));
    CHECKN("chown own file to group 1100 (supplementary)", chown(D "/open/of1000", -1, 1100));
    mode_of("of1000", D "/open/of1000");
    int fd = open(D "/open/of1000", O_RDONLY);
    CHECKN("fchown own file to group 1000", fchown(fd, -1, 1000));
    CHECKN("fchmod own file", fchmod(fd, 0640));
    close(fd);
    fd = open(D "/open/world", O_RDWR);
    CHECKN("fchmod other's file", fchmod(fd, 0777));
    CHECKN("fchown other's file", fchown(fd, -1, 1000));
    close(fd);
    CHECKN("lchown own symlink", lchown(D "/open/mylink", -1, 1100));
    CHECKN("chmod setgid of own file in group 3000", chmod(D "/open/g3000", 02755));
    mode_of("g3000 after chmod 2755", D "/open/g3000");
    CHECKN("chmod setgid of own file in group 1100", chmod(D "/open/g1100", 02755));
    mode_of("g1100 after chmod 2755", D "/open/g1100");
    CHECKN("chmod setuid of own file", chmod(D "/open/of1000", 04755));
    mode_of("of1000 after chmod 4755", D "/open/of1000");
    CHECKN("chown of own setuid file to group 1100", chown(D "/open/of1000", -1, 1100));
    mode_of("of1000 after chown", D "/open/of1000");
    CHECKN("chmod sticky on own file", chmod(D "/open/of1000", 01644));
    mode_of("of1000 after chmod 1644", D "/open/of1000");
}

int main(void) {
    system("rm -rf " D);
    umask(022);
    mkd(D, 0755, 0, 0);
    mkd(D "/sticky", 01777, 0, 0);
    mk(D "/sticky/rootf", 0666, 0, 0);
    mkd(D "/sticky/rootdir", 0777, 0, 0);
    mk(D "/sticky/mine", 0644, 1000, 1000);
    mkd(D "/mysticky", 01777, 1000, 1000);
    mk(D "/mysticky/otherf", 0644, 2000, 2000);
    mkd(D "/open", 0777, 0, 0);
    mk(D "/open/rootf", 0600, 0, 0);
    mk(D "/open/readable", 0644, 0, 0);
    mk(D "/open/world", 0666, 2000, 2000);
    mk(D "/open/of2000", 0600, 2000, 2000);
    mk(D "/open/of1000", 0600, 1000, 1000);
    mk(D "/open/own0400", 0400, 1000, 1000);
    mk(D "/open/group1100", 0640, 0, 1100);
    mk(D "/open/groupdenied", 0604, 0, 1000);
    mk(D "/open/g3000", 0755, 1000, 3000);
    mk(D "/open/g1100", 0755, 1000, 1100);
    if (symlink("of1000", D "/open/mylink") || lchown(D "/open/mylink", 1000, 1000)) return 99;
    mkd(D "/closed", 0700, 0, 0);
    mk(D "/closed/f", 0644, 0, 0);
    mkd(D "/searchonly", 0711, 0, 0);
    mk(D "/searchonly/f", 0644, 0, 0);
    mkd(D "/listonly", 0744, 0, 0);
    mk(D "/listonly/f", 0644, 0, 0);

    run("sticky directories", sticky);
    run("search and open permission", search);
    run("access with real and effective ids", access_ids);
    run("utimensat owner rules", times);
    run("chmod and chown", owners);
    mode_of("world after the children", D "/open/world");
    system("rm -rf " D);
    return 0;
}
