// syscalls: socket, connect (AF_UNIX)
#include "check.h"
#include <sys/socket.h>
#include <sys/un.h>

int main(void) {
    int s = CHECKN("socket AF_UNIX SOCK_STREAM", socket(AF_UNIX, SOCK_STREAM, 0));
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    strcpy(a.sun_path, "/var/run/nscd/socket");
    CHECKN("connect nscd socket", connect(s, (struct sockaddr *)&a, sizeof a));
    strcpy(a.sun_path, "/etc/os-release");
    CHECKN("connect to a regular file", connect(s, (struct sockaddr *)&a, sizeof a));
    CHECKN("connect bad address length", connect(s, (struct sockaddr *)&a, 1));
    int fd = must_open("/etc/os-release", O_RDONLY);
    CHECKN("connect on a non-socket", connect(fd, (struct sockaddr *)&a, sizeof a));
    CHECKN("connect bad fd", connect(-1, (struct sockaddr *)&a, sizeof a));
    CHECKN("socket AF_UNIX SOCK_DGRAM|SOCK_CLOEXEC", socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    CHECKN("socket bad domain", socket(12345, SOCK_STREAM, 0));
    CHECKN("socket bad type", socket(AF_UNIX, 77, 0));
    CHECKN("socket bad protocol", socket(AF_UNIX, SOCK_STREAM, 5));
    return 0;
}
