// syscalls: fallocate (modes on tmpfs, as shmem_fallocate, and on the root view's files, which natively live on the host's disk filesystem and inside on the overlay)
// tmpfs: /dev/shm is one both natively and inside. The root view: a file next to this
// program (its install directory, on the host's disk natively, on the overlay inside).
#include "check.h"
#include <sys/stat.h>
#include <linux/falloc.h>
#include <libgen.h>

static void modes(const char *where, const char *path) {
    printf("-- %s\n", where);
    int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (fd < 0) { printf("open: errno=%s\n", errname(errno)); return; }
    struct stat st;
    CHECKN("fallocate 8192", fallocate(fd, 0, 0, 8192));
    fstat(fd, &st);
    SHOW("size after fallocate", "%ld", (long)st.st_size);
    CHECKN("fallocate KEEP_SIZE past the end", fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 8192));
    fstat(fd, &st);
    SHOW("size after KEEP_SIZE", "%ld", (long)st.st_size);
    FACT("blocks cover the preallocation", st.st_blocks * 512 >= 16384);
    CHECKN("pwrite data", pwrite(fd, "zzzzzzzz", 8, 100));
    CHECKN("fallocate PUNCH_HOLE|KEEP_SIZE", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 4));
    char buf[16] = {0};
    pread(fd, buf, 8, 100);
    printf("after punch: %d%d%d%d%c\n", buf[0], buf[1], buf[2], buf[3], buf[4]);
    CHECKN("fallocate PUNCH_HOLE alone", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4));
    CHECKN("fallocate PUNCH_HOLE|ZERO_RANGE", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 0, 4));
    CHECKN("fallocate ZERO_RANGE", fallocate(fd, FALLOC_FL_ZERO_RANGE, 104, 2));
    pread(fd, buf, 8, 100);
    printf("after zero: %d%d%c\n", buf[4], buf[5], buf[6]);
    CHECKN("fallocate ZERO_RANGE past the end", fallocate(fd, FALLOC_FL_ZERO_RANGE, 8192, 4096));
    fstat(fd, &st);
    SHOW("size after ZERO_RANGE past the end", "%ld", (long)st.st_size);
    CHECKN("fallocate ZERO_RANGE|KEEP_SIZE past the end", fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 20000, 4096));
    fstat(fd, &st);
    SHOW("size after ZERO_RANGE|KEEP_SIZE", "%ld", (long)st.st_size);
    CHECKN("fallocate UNSHARE_RANGE", fallocate(fd, FALLOC_FL_UNSHARE_RANGE, 0, 4096));
    /* COLLAPSE_RANGE and INSERT_RANGE: whole blocks inside the file; data moves. */
    ftruncate(fd, 0);
    char blk[4096];
    for (int i = 0; i < 4; i++) { memset(blk, 'A' + i, sizeof blk); pwrite(fd, blk, sizeof blk, (off_t)i * 4096); }
    CHECKN("COLLAPSE_RANGE block 1", fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 4096, 4096));
    fstat(fd, &st);
    SHOW("size after collapse", "%ld", (long)st.st_size);
    for (int i = 0; i < 3; i++) { pread(fd, blk, 1, (off_t)i * 4096); printf("%c", blk[0]); }
    printf("\n");
    CHECKN("COLLAPSE_RANGE unaligned", fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 100, 4096));
    CHECKN("COLLAPSE_RANGE to the end", fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 8192, 4096));
    CHECKN("COLLAPSE_RANGE|KEEP_SIZE", fallocate(fd, FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_KEEP_SIZE, 0, 4096));
    CHECKN("INSERT_RANGE at block 1", fallocate(fd, FALLOC_FL_INSERT_RANGE, 4096, 8192));
    fstat(fd, &st);
    SHOW("size after insert", "%ld", (long)st.st_size);
    for (int i = 0; i < 5; i++) { pread(fd, blk, 1, (off_t)i * 4096); printf("%d ", blk[0]); }
    printf("\n");
    CHECKN("INSERT_RANGE at the end", fallocate(fd, FALLOC_FL_INSERT_RANGE, st.st_size, 4096));
    CHECKN("INSERT_RANGE unaligned", fallocate(fd, FALLOC_FL_INSERT_RANGE, 4096, 100));
    CHECKN("fallocate unknown mode", fallocate(fd, 0x400, 0, 1));
    CHECKN("fallocate length 0", fallocate(fd, 0, 0, 0));
    CHECKN("fallocate negative offset", fallocate(fd, 0, -1, 10));
    close(fd);
    fd = open(path, O_RDONLY);
    CHECKN("fallocate read-only fd", fallocate(fd, 0, 0, 10));
    CHECKN("fallocate unknown mode, read-only fd", fallocate(fd, 0x400, 0, 10));
    close(fd);
    unlink(path);
}

int main(int argc, char **argv) {
    (void)argc;
    char path[512];
    snprintf(path, sizeof path, "/dev/shm/husk-fallocate.%d", getpid());
    modes("tmpfs", path);
    char self[256];
    snprintf(self, sizeof self, "%s", argv[0]);
    snprintf(path, sizeof path, "%s/husk-fallocate.%d", dirname(self), getpid());
    modes("root view", path);
    return 0;
}
