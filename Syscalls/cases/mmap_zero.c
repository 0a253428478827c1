// syscalls: mmap (/dev/zero shared and private), madvise (the advice values a program may use)
#include "check.h"
#include <sys/mman.h>
#include <sys/wait.h>

int main(void) {
    int z = must_open("/dev/zero", O_RDWR);
    int *sh = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, z, 0);
    FACT("shared /dev/zero mapped", sh != MAP_FAILED);
    int *pv = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, z, 4096);
    FACT("private /dev/zero mapped (any offset)", pv != MAP_FAILED);
    FACT("zero-filled", sh[0] == 0 && sh[2047] == 0 && pv[0] == 0);
    sh[1] = 7; pv[1] = 7;
    pid_t c = fork();
    if (c == 0) { sh[0] = 42; pv[0] = 42; _exit(0); }
    waitpid(c, NULL, 0);
    SHOW("shared: the child's write seen", "%d", sh[0]);
    SHOW("private: the child's write not seen", "%d", pv[0]);
    int r = must_open("/dev/zero", O_RDONLY);
    CHECKN("shared writable of an O_RDONLY fd", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, r, 0) == MAP_FAILED ? -1 : 0);
    CHECKN("private writable of an O_RDONLY fd", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, r, 0) == MAP_FAILED ? -1 : 0);
    CHECKN("length 0", mmap(NULL, 0, PROT_READ, MAP_PRIVATE, z, 0) == MAP_FAILED ? -1 : 0);

    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    static const struct { const char *name; int advice; } advs[] = {
        {"NORMAL", MADV_NORMAL}, {"RANDOM", MADV_RANDOM}, {"SEQUENTIAL", MADV_SEQUENTIAL},
        {"WILLNEED", MADV_WILLNEED}, {"DONTNEED", MADV_DONTNEED}, {"FREE", MADV_FREE},
        {"DONTFORK", MADV_DONTFORK}, {"DOFORK", MADV_DOFORK}, {"HUGEPAGE", MADV_HUGEPAGE},
        {"NOHUGEPAGE", MADV_NOHUGEPAGE}, {"DONTDUMP", MADV_DONTDUMP}, {"DODUMP", MADV_DODUMP},
        {"WIPEONFORK", MADV_WIPEONFORK}, {"KEEPONFORK", MADV_KEEPONFORK}, {"COLD", MADV_COLD},
        {"PAGEOUT", MADV_PAGEOUT}, {"POPULATE_READ", MADV_POPULATE_READ},
        {"POPULATE_WRITE", MADV_POPULATE_WRITE}, {"REMOVE (private)", MADV_REMOVE}, {"1234", 1234},
    };
    for (unsigned i = 0; i < sizeof advs / sizeof *advs; i++) CHECKN(advs[i].name, madvise(m, 8192, advs[i].advice));
    CHECKN("unaligned", madvise(m + 1, 4096, MADV_NORMAL));
    m[0] = 5;
    madvise(m, 4096, MADV_WIPEONFORK);
    c = fork();
    if (c == 0) { printf("child after WIPEONFORK: %d\n", m[0]); _exit(0); }
    waitpid(c, NULL, 0);
    SHOW("parent after WIPEONFORK", "%d", m[0]);
    return 0;
}
