// syscalls: fsync, fdatasync, sync_file_range, syncfs (on every kind of file: EINVAL where Linux has no fsync operation)
#include "check.h"
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <netinet/in.h>

static void both(const char *label, int fd) {
    char l[96];
    snprintf(l, sizeof l, "fsync %s", label);
    CHECKN(l, fsync(fd));
    snprintf(l, sizeof l, "fdatasync %s", label);
    CHECKN(l, fdatasync(fd));
}

int main(void) {
    int p[2];
    pipe(p);
    both("pipe read end", p[0]);
    both("pipe write end", p[1]);
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    both("unix socket", sv[0]);
    int in = socket(AF_INET, SOCK_STREAM, 0);
    both("inet socket", in);
    int u = socket(AF_INET, SOCK_DGRAM, 0);
    both("udp socket", u);
    char fifo[64];
    snprintf(fifo, sizeof fifo, "/tmp/husk-fsync-fifo.%d", getpid());
    mkfifo(fifo, 0600);
    int f = open(fifo, O_RDWR);
    both("fifo", f);
    unlink(fifo);
    both("eventfd", eventfd(0, 0));
    both("epoll", epoll_create1(0));
    both("timerfd", timerfd_create(CLOCK_MONOTONIC, 0));
    both("/dev/null", open("/dev/null", O_RDWR));
    both("/dev/zero", open("/dev/zero", O_RDONLY));
    both("directory", open("/tmp", O_RDONLY | O_DIRECTORY));
    both("read-only file", open("/etc/hostname", O_RDONLY));
    char path[64];
    snprintf(path, sizeof path, "/tmp/husk-fsync.%d", getpid());
    int w = open(path, O_CREAT | O_RDWR, 0600);
    write(w, "x", 1);
    both("tmp file", w);
    CHECKN("sync_file_range file", sync_file_range(w, 0, 0, SYNC_FILE_RANGE_WRITE));
    CHECKN("sync_file_range pipe", sync_file_range(p[0], 0, 0, SYNC_FILE_RANGE_WRITE));
    CHECKN("sync_file_range bad flags", sync_file_range(w, 0, 0, 0x100));
    CHECKN("syncfs file", syncfs(w));
    CHECKN("syncfs pipe", syncfs(p[0]));
    unlink(path);
    both("bad fd", 999);
    int o = open("/tmp", O_PATH);
    both("O_PATH", o);
    return 0;
}
