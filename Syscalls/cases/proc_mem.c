// syscalls: openat (/proc/PID/mem), pread64, pwrite64, read, write, lseek (mem_lseek), ptrace (PTRACE_TRACEME, a stopped tracee's memory)
#include "check.h"
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

static const char rodata[32] = "read-only bytes of the program";
static char data[32] = "writable bytes";

__attribute__((noinline)) static int answer(void) { return 42; }
/* Called through a volatile pointer: gcc must not reuse an earlier result of the pure call. */
static int (*volatile call_answer)(void) = answer;

static void show(const char *label, const char *p, int n) { printf("%s: %.*s\n", label, n, p); }

int main(void) {
    int fd = CHECKN("open /proc/self/mem O_RDWR", open("/proc/self/mem", O_RDWR));
    if (fd < 0) return 1;
    char buf[64];
    memset(buf, 0, sizeof buf);
    CHECKVN("pread rodata", pread(fd, buf, 30, (off_t)(unsigned long)rodata));
    show("read", buf, 30);
    /* FOLL_FORCE: a write into read-only memory (the program's .rodata) succeeds. */
    CHECKVN("pwrite rodata", pwrite(fd, "WRITTEN", 7, (off_t)(unsigned long)rodata));
    show("rodata now", rodata, 30);
    CHECKVN("pwrite data", pwrite(fd, "changed", 7, (off_t)(unsigned long)data));
    show("data now", data, 14);
    /* Text: a breakpoint-style patch of a function's first bytes (mov $7,%eax; ret). */
    unsigned char patch[] = {0xb8, 7, 0, 0, 0, 0xc3};
    CHECKVN("pwrite text", pwrite(fd, patch, sizeof patch, (off_t)(unsigned long)answer));
    SHOW("answer() after the patch", "%d", call_answer());
    /* PROT_NONE: readable and writable through mem (FOLL_FORCE on a private mapping). */
    char *none = mmap(NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECKVN("pwrite PROT_NONE", pwrite(fd, "hidden", 6, (off_t)(unsigned long)none));
    memset(buf, 0, sizeof buf);
    CHECKVN("pread PROT_NONE", pread(fd, buf, 6, (off_t)(unsigned long)none));
    show("PROT_NONE holds", buf, 6);
    /* Across the end of a mapping: a short count, then EIO. */
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(two + 4096, 4096);
    memset(two + 4096 - 10, 'z', 10);
    CHECKVN("pread across the hole", pread(fd, buf, 64, (off_t)(unsigned long)(two + 4096 - 10)));
    CHECKVN("pread unmapped", pread(fd, buf, 8, (off_t)(unsigned long)(two + 4096)));
    CHECKVN("pwrite unmapped", pwrite(fd, "x", 1, (off_t)(unsigned long)(two + 4096)));
    CHECKVN("pread at 0", pread(fd, buf, 8, 0));
    CHECKVN("pread nothing", pread(fd, buf, 0, (off_t)(unsigned long)data));
    CHECKN("pread negative offset", pread(fd, buf, 8, -1));
    CHECKN("pread bad buffer", pread(fd, BADPTR, 8, (off_t)(unsigned long)data));
    /* lseek: SEEK_SET and SEEK_CUR; SEEK_END is EINVAL; read and write move the position. */
    FACT("lseek SEEK_SET", lseek(fd, (off_t)(unsigned long)data, SEEK_SET) == (off_t)(unsigned long)data);
    CHECKVN("read at the position", read(fd, buf, 7));
    show("read", buf, 7);
    FACT("position moved", lseek(fd, 0, SEEK_CUR) == (off_t)(unsigned long)data + 7);
    FACT("lseek SEEK_CUR back", lseek(fd, -7, SEEK_CUR) == (off_t)(unsigned long)data);
    CHECKVN("write at the position", write(fd, "CHANGED", 7));
    show("data now", data, 14);
    CHECKN("lseek SEEK_END", lseek(fd, 0, SEEK_END));
    CHECKN("lseek SEEK_DATA", lseek(fd, 0, SEEK_DATA));
    close(fd);
    fd = CHECKN("open O_RDONLY", open("/proc/self/mem", O_RDONLY));
    CHECKN("pwrite on O_RDONLY", pwrite(fd, "x", 1, (off_t)(unsigned long)data));
    struct stat st;
    if (CHECK(fstat(fd, &st)) == 0) printf("mode %o size %lld\n", st.st_mode, (long long)st.st_size);
    CHECKN("mmap of mem", (long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == -1 ? -1 : 0);
    close(fd);

    /* A traced child stopped for its tracer: the tracer writes a breakpoint into its text
       through /proc/PID/mem and reads its data. */
    pid_t c = fork();
    if (c == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        strcpy(data, "the child's data");
        raise(SIGSTOP);
        printf("child: answer() = %d\n", call_answer());
        _exit(0);
    }
    int status;
    waitpid(c, &status, 0);
    FACT("child stopped", WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", c);
    fd = CHECKN("open child's mem", open(path, O_RDWR));
    memset(buf, 0, sizeof buf);
    CHECKVN("pread child's data", pread(fd, buf, 16, (off_t)(unsigned long)data));
    show("child's data", buf, 16);
    unsigned char patch2[] = {0xb8, 9, 0, 0, 0, 0xc3};
    CHECKVN("pwrite child's text", pwrite(fd, patch2, sizeof patch2, (off_t)(unsigned long)answer));
    ptrace(PTRACE_CONT, c, 0, 0);
    waitpid(c, &status, 0);
    FACT("child exited 0", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* The fd outlives the process: reads give 0. */
    CHECKVN("pread after its exit", pread(fd, buf, 8, (off_t)(unsigned long)data));
    close(fd);
    return 0;
}
