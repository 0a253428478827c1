// syscalls: getcwd (follows a rename, ENOENT once removed), readlink (/proc/self/fd of an unlinked file), open (/proc/self/fd/N with O_TRUNC, /dev/stderr of a pipe with O_CREAT|O_TRUNC), getrlimit (husk run's own limits)
#include "check.h"
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char base[64];

/* The cwd relative to the temporary directory. */
static void show_cwd(const char *label) {
    char buf[512];
    if (!getcwd(buf, sizeof buf)) { printf("%s: errno=%s\n", label, errname(errno)); return; }
    size_t n = strlen(base);
    printf("%s: %s\n", label, strncmp(buf, base, n) == 0 ? buf + n : "(elsewhere)");
}

static void show_link(const char *label, int fd) {
    char path[64], buf[512] = {0};
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (readlink(path, buf, sizeof buf - 1) < 0) { printf("%s: errno=%s\n", label, errname(errno)); return; }
    size_t n = strlen(base);
    printf("%s: %s\n", label, strncmp(buf, base, n) == 0 ? buf + n : buf);
}

int main(void) {
    strcpy(base, "/tmp/husk-cwd-XXXXXX");
    if (!mkdtemp(base)) { printf("mkdtemp: errno=%s\n", errname(errno)); return 1; }
    char p[128], q[128];
    snprintf(p, sizeof p, "%s/a", base);
    CHECKN("mkdir a", mkdir(p, 0755));
    snprintf(q, sizeof q, "%s/a/sub", base);
    CHECKN("mkdir a/sub", mkdir(q, 0755));
    CHECKN("chdir a/sub", chdir(q));
    show_cwd("cwd");
    snprintf(q, sizeof q, "%s/b", base);
    CHECKN("rename a b", rename(p, q));
    show_cwd("cwd after rename of its parent");
    CHECKN("rename sub c (relative)", rename("../sub", "../c"));
    show_cwd("cwd after its own rename");
    CHECKN("open . still works", open(".", O_RDONLY | O_DIRECTORY));
    snprintf(p, sizeof p, "%s/b/c", base);
    CHECKN("rmdir the cwd", rmdir(p));
    show_cwd("cwd after rmdir");
    CHECKN("create in the removed cwd", open("x", O_CREAT | O_WRONLY, 0600));
    CHECKN("chdir back", chdir(base));
    show_cwd("cwd");

    /* /proc/self/fd of an unlinked file, and of a renamed one. */
    int fd = CHECKN("create f", open("f", O_CREAT | O_RDWR, 0600));
    CHECKN("write", write(fd, "abcdef", 6));
    show_link("fd link", fd);
    CHECKN("rename f g", rename("f", "g"));
    show_link("fd link after rename", fd);
    /* /proc/self/fd/N with O_TRUNC truncates the file itself. */
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    int t = CHECKN("open /proc/self/fd/N O_WRONLY|O_TRUNC", open(self, O_WRONLY | O_TRUNC));
    struct stat st;
    fstat(fd, &st);
    SHOW("size after O_TRUNC", "%ld", (long)st.st_size);
    close(t);
    CHECKN("unlink g", unlink("g"));
    show_link("fd link after unlink", fd);
    close(fd);
    CHECKN("rmdir b", rmdir("b"));
    CHECKN("rmdir base", rmdir(base));

    /* /dev/stderr (and /dev/fd/N) that is a pipe, opened as a shell's "> /dev/stderr" does. */
    int pp[2];
    CHECKN("pipe", pipe(pp));
    pid_t c = fork();
    if (c == 0) {
        dup2(pp[1], 2);
        int e = open("/dev/stderr", O_WRONLY | O_CREAT | O_TRUNC, 0666);
        int w = e >= 0 ? (int)write(e, "via /dev/stderr\n", 16) : -1;
        int e2 = open("/dev/fd/2", O_WRONLY | O_CREAT | O_APPEND, 0666);
        int w2 = e2 >= 0 ? (int)write(e2, "via /dev/fd/2\n", 14) : -1;
        _exit(e >= 0 && w == 16 && e2 >= 0 && w2 == 14 ? 0 : 1);
    }
    close(pp[1]);
    char buf[128] = {0};
    int n = 0, r;
    while ((r = read(pp[0], buf + n, sizeof buf - 1 - n)) > 0) n += r;
    int status;
    waitpid(c, &status, 0);
    printf("through the pipe: %s", buf);
    SHOW("child status", "%d", WEXITSTATUS(status));

    /* The program starts with the caller's own limits. */
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    SHOW("RLIMIT_NOFILE", "%llu", (unsigned long long)rl.rlim_cur);
    SHOW("RLIMIT_NOFILE hard", "%llu", (unsigned long long)rl.rlim_max);
    getrlimit(RLIMIT_STACK, &rl);
    SHOW("RLIMIT_STACK", "%lld", (long long)rl.rlim_cur);
    getrlimit(RLIMIT_CORE, &rl);
    SHOW("RLIMIT_CORE", "%lld", (long long)rl.rlim_cur);
    return 0;
}
