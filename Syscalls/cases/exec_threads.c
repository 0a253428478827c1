// syscalls: execve from a multi-threaded process (main thread and another thread), clone (vfork), posix_spawn
#include "check.h"
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;
static pid_t leader;
static char *self;

static void *sleeper(void *a) { (void)a; for (;;) pause(); return NULL; }
static void *execer(void *a) {
    (void)a;
    execl(self, self, "after-thread-exec", NULL);
    printf("exec from thread failed: %s\n", errname(errno));
    return NULL;
}

int main(int argc, char **argv) {
    self = argv[0];
    if (argc > 1) {
        /* The new image runs with the old pid, as one thread. */
        FACT("pid kept", getpid() == (pid_t)atoi(getenv("EXEC_PID")));
        FACT("tid == pid", gettid() == getpid());
        SHOW("stage", "%s", argv[1]);
        if (strcmp(argv[1], "after-main-exec") == 0) {
            pthread_t t[2];
            pthread_create(&t[0], NULL, sleeper, NULL);
            pthread_create(&t[1], NULL, execer, NULL);
            pthread_join(t[1], NULL);
            return 1;
        }
        return 0;
    }
    char pidbuf[32];
    snprintf(pidbuf, sizeof pidbuf, "EXEC_PID=%d", getpid());
    putenv(pidbuf);
    pid_t pid;
    char *args[] = { "/bin/echo", "spawned", NULL };
    int spawned = posix_spawn(&pid, "/bin/echo", NULL, NULL, args, environ);
    int st;
    waitpid(pid, &st, 0);      /* the child's line comes first, then ours */
    CHECKN("posix_spawn", spawned == 0 ? 0 : -1);
    SHOW("spawned status", "%d", WEXITSTATUS(st));
    leader = getpid();
    pthread_t t[3];
    for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, sleeper, NULL);
    execl(self, self, "after-main-exec", NULL);
    printf("exec failed: %s\n", errname(errno));
    return 1;
}
