// syscalls: write, pwrite64, ftruncate, truncate, fallocate, writev (RLIMIT_FSIZE: a short write up to the limit, then SIGXFSZ and EFBIG; the default action kills; pipes and devices are not limited)
#include "check.h"
#include <signal.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>

static volatile sig_atomic_t xfsz;
static void on_xfsz(int s) { (void)s; xfsz++; }

int main(void) {
    char dir[] = "/tmp/husk-fsize-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char path[256];
    snprintf(path, sizeof path, "%s/f", dir);
    char block[8192];
    memset(block, 'b', sizeof block);
    struct rlimit core = {0, RLIM_INFINITY};
    getrlimit(RLIMIT_CORE, &core);
    core.rlim_cur = 0;
    setrlimit(RLIMIT_CORE, &core);

    /* The default action of SIGXFSZ ends the writer. */
    pid_t c = fork();
    if (c == 0) {
        struct rlimit rl = {4096, 4096};
        setrlimit(RLIMIT_FSIZE, &rl);
        int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
        ssize_t n = write(fd, block, sizeof block);
        printf("first write: %zd\n", n);
        n = write(fd, block, 1);
        printf("not reached: %zd\n", n);
        _exit(0);
    }
    int status;
    waitpid(c, &status, 0);
    printf("killed by SIGXFSZ: %d (core %d)\n", WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ, WCOREDUMP(status) ? 1 : 0);

    signal(SIGXFSZ, on_xfsz);
    struct rlimit rl = {4096, 4096};
    CHECKN("setrlimit FSIZE 4096", setrlimit(RLIMIT_FSIZE, &rl));
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    CHECKVN("write 8192 at 0 (short)", write(fd, block, sizeof block));
    SHOW("signals so far", "%d", (int)xfsz);
    CHECKVN("write at the limit", write(fd, block, 10));
    SHOW("signals", "%d", (int)xfsz);
    CHECKVN("pwrite past the limit", pwrite(fd, block, 10, 5000));
    CHECKVN("pwrite across the limit", pwrite(fd, block, 100, 4090));
    struct iovec iov[2] = { { block, 100 }, { block, 100 } };
    CHECKVN("writev at the limit", pwritev(fd, iov, 2, 4096));
    CHECKN("ftruncate past the limit", ftruncate(fd, 10000));
    CHECKN("ftruncate to the limit", ftruncate(fd, 4096));
    CHECKN("truncate past the limit", truncate(path, 4097));
    CHECKN("fallocate past the limit", fallocate(fd, 0, 4000, 200));
    CHECKN("fallocate KEEP_SIZE past the limit", fallocate(fd, FALLOC_FL_KEEP_SIZE, 4000, 200));
    SHOW("signals", "%d", (int)xfsz);
    close(fd);
    int p[2];
    pipe(p);
    CHECKVN("pipe write past the limit", write(p[1], block, sizeof block));
    int null = open("/dev/null", O_WRONLY);
    CHECKVN("/dev/null write past the limit", write(null, block, sizeof block));
    SHOW("signals at the end", "%d", (int)xfsz);
    unlink(path);
    rmdir(dir);
    return 0;
}
