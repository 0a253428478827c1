// The loopback TCP listener the tcp_* benchmarks share (included after bench.h).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

/// A listener on 127.0.0.1 at a port the kernel picks (backlog 1); its address in *a.
static inline int bench_tcp_listener(struct sockaddr_in *a) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(l >= 0, "socket");
    *a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof *a;
    CHECK(bind(l, (struct sockaddr *)a, sizeof *a) == 0 && listen(l, 1) == 0, "bind/listen");
    CHECK(getsockname(l, (struct sockaddr *)a, &len) == 0, "getsockname");
    return l;
}
