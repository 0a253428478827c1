// pthread_create(3) of a thread that returns at once + pthread_join(3).
#include "bench.h"
#include <pthread.h>

static void *nothing(void *arg) { return arg; }

int main(int argc, char **argv) {
    long n = bench_iterations(argc, argv, 2000);
    BENCH("thread", n, , {
        pthread_t th;
        errno = pthread_create(&th, NULL, nothing, NULL);
        CHECK(errno == 0, "pthread_create");
        errno = pthread_join(th, NULL);
        CHECK(errno == 0, "pthread_join");
    }, );
    return 0;
}
