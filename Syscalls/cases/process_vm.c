// syscalls: process_vm_readv, process_vm_writev (between processes of the sandbox: partial transfers, EFAULT, ESRCH, EPERM, EINVAL)
#include "check.h"
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

static char area[64] = "the child's own bytes";
static char *edge;   /* 100 bytes before an unmapped page, in the child too (fork) */

int main(void) {
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(two + 4096, 4096);
    edge = two + 4096 - 100;
    memset(edge, 'e', 100);
    int go[2], done[2];
    if (pipe(go) || pipe(done)) return 1;
    pid_t c = fork();
    if (c == 0) {
        strcpy(area, "changed in the child");
        if (write(done[1], "r", 1) != 1) _exit(2);
        char x;
        if (read(go[0], &x, 1) != 1) _exit(2);   /* the parent wrote into us */
        printf("child sees: %s\n", area);
        _exit(0);
    }
    char r;
    if (read(done[0], &r, 1) != 1) return 1;
    char buf[128] = {0};
    struct iovec l = {buf, 20}, rv = {area, 20};
    CHECKVN("readv", process_vm_readv(c, &l, 1, &rv, 1, 0));
    printf("read: %.20s\n", buf);
    /* Scatter and gather: two local pieces from one remote. */
    char a[8] = {0}, b[16] = {0};
    struct iovec l2[2] = {{a, 7}, {b, 13}};
    CHECKVN("readv into two", process_vm_readv(c, l2, 2, &rv, 1, 0));
    printf("pieces: %.7s|%.13s\n", a, b);
    /* Partial: the remote range runs into an unmapped page. */
    struct iovec le = {buf, 128}, re = {edge, 200};
    CHECKVN("readv across the hole", process_vm_readv(c, &le, 1, &re, 1, 0));
    struct iovec rbad = {BADPTR, 10};
    CHECKN("readv remote EFAULT", process_vm_readv(c, &l, 1, &rbad, 1, 0));
    struct iovec lbad = {BADPTR, 10};
    CHECKN("readv local EFAULT", process_vm_readv(c, &lbad, 1, &rv, 1, 0));
    struct iovec rtwo[2] = {{area, 4}, {BADPTR, 10}};
    CHECKVN("readv: the first piece, then a fault", process_vm_readv(c, &l, 1, rtwo, 2, 0));
    CHECKN("readv iovec EFAULT", process_vm_readv(c, BADPTR, 1, &rv, 1, 0));
    CHECKN("readv flags", process_vm_readv(c, &l, 1, &rv, 1, 1));
    CHECKN("readv too many iovecs", process_vm_readv(c, &l, 1025, &rv, 1, 0));
    struct iovec empty = {buf, 0};
    CHECKVN("readv nothing asked (unknown pid)", process_vm_readv(99999, &empty, 1, &rv, 1, 0));
    CHECKN("readv unknown pid", process_vm_readv(99999, &l, 1, &rv, 1, 0));
    CHECKVN("readv of self", process_vm_readv(getpid(), &l, 1, &rv, 1, 0));
    printf("own: %.20s\n", buf);
    struct iovec lw = {"written by the parent", 22}, rw = {area, 22};
    CHECKVN("writev", process_vm_writev(c, &lw, 1, &rw, 1, 0));
    struct iovec rwe = {edge, 200}, lwe = {buf, 128};
    CHECKVN("writev across the hole", process_vm_writev(c, &lwe, 1, &rwe, 1, 0));
    if (write(go[1], "g", 1) != 1) return 1;
    waitpid(c, NULL, 0);

    /* Another user's process: EPERM. */
    c = fork();
    if (c == 0) {
        if (setgid(65534) || setuid(65534)) _exit(1);
        pid_t parent = getppid();
        CHECKN("nobody: readv of root's process", process_vm_readv(parent, &l, 1, &rv, 1, 0));
        CHECKN("nobody: writev of root's process", process_vm_writev(parent, &lw, 1, &rw, 1, 0));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    return 0;
}
