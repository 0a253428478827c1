// syscalls: prctl (PR_SET_NAME, PR_GET_NAME per thread), /proc/PID/comm, /proc/PID/task/TID/comm and stat, fork from a named thread
#include "check.h"
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static pid_t worker_tid;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int stage;

static void show_file(const char *label, const char *path) {
    char buf[512] = {0};
    int fd = open(path, O_RDONLY);
    if (fd < 0) { printf("%s: errno=%s\n", label, errname(errno)); return; }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = 0;
    char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
    if (open_paren && close_paren) { *close_paren = 0; printf("%s: %s\n", label, open_paren + 1); }
    else printf("%s: %s\n", label, buf);
}

static void wait_stage(int s) { pthread_mutex_lock(&m); while (stage < s) pthread_cond_wait(&cv, &m); pthread_mutex_unlock(&m); }
static void set_stage(int s) { pthread_mutex_lock(&m); stage = s; pthread_cond_broadcast(&cv); pthread_mutex_unlock(&m); }

static void *worker(void *a) {
    (void)a;
    char name[16] = {0};
    worker_tid = gettid();
    prctl(PR_GET_NAME, name);
    printf("worker: inherited: %s\n", name);
    prctl(PR_SET_NAME, "worker");
    set_stage(1);
    wait_stage(2);
    prctl(PR_GET_NAME, name);
    printf("worker: after the leader's rename: %s\n", name);
    set_stage(25);
    wait_stage(30);
    prctl(PR_GET_NAME, name);
    printf("worker: after a write to its comm: %s\n", name);
    pid_t c = fork();
    if (c == 0) {
        char n2[16] = {0};
        prctl(PR_GET_NAME, n2);
        printf("child of the worker: %s\n", n2);
        show_file("child /proc/self/comm", "/proc/self/comm");
        _exit(0);
    }
    waitpid(c, NULL, 0);
    set_stage(40);
    return NULL;
}

int main(void) {
    CHECKN("PR_SET_NAME leader", prctl(PR_SET_NAME, "leader"));
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    wait_stage(1);
    char path[96], name[16] = {0};
    prctl(PR_GET_NAME, name);
    printf("leader: %s\n", name);
    show_file("/proc/self/comm", "/proc/self/comm");
    snprintf(path, sizeof path, "/proc/self/task/%d/comm", worker_tid);
    show_file("task comm", path);
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", worker_tid);
    show_file("task stat name", path);
    snprintf(path, sizeof path, "/proc/self/task/%d/comm", getpid());
    show_file("leader's task comm", path);
    CHECKN("PR_SET_NAME boss", prctl(PR_SET_NAME, "boss"));
    show_file("/proc/self/stat name", "/proc/self/stat");
    set_stage(2);
    wait_stage(25);
    snprintf(path, sizeof path, "/proc/self/task/%d/comm", worker_tid);
    int fd = CHECKN("open the worker's comm", open(path, O_WRONLY));
    CHECKN("write", write(fd, "wrote", 5));
    close(fd);
    show_file("task comm after the write", path);
    show_file("/proc/self/comm after the write", "/proc/self/comm");
    set_stage(30);
    wait_stage(40);
    pthread_join(t, NULL);
    return 0;
}
