// syscalls: execve, execveat (error paths, then a successful exec of /bin/echo)
#include "check.h"

extern char **environ;

int main(void) {
    char *argv[] = { "x", NULL };
    char *env[] = { NULL };
    CHECKN("execve missing", execve("/nonexistent", argv, env));
    CHECKN("execve missing dir component", execve("/no-such-dir/prog", argv, env));
    CHECKN("execve through a file", execve("/etc/os-release/x", argv, env));
    CHECKN("execve a directory", execve("/etc", argv, env));
    CHECKN("execve non-executable file", execve("/etc/os-release", argv, env));
    CHECKN("execve empty path", execve("", argv, env));
    CHECKN("execve bad path pointer", syscall(SYS_execve, BADPTR, argv, env));
    CHECKN("execve bad argv pointer", syscall(SYS_execve, "/bin/true", BADPTR, env));
    int fd = must_open("/etc/os-release", O_RDONLY);
    CHECKN("execveat non-executable fd", syscall(SYS_execveat, fd, "", argv, env, AT_EMPTY_PATH));
    CHECKN("execveat bad flags", syscall(SYS_execveat, AT_FDCWD, "/bin/true", argv, env, 0x1));
    CHECKN("execveat symlink with AT_SYMLINK_NOFOLLOW", syscall(SYS_execveat, AT_FDCWD, "/bin/sh", argv, env, AT_SYMLINK_NOFOLLOW));

    /* The successful exec replaces the image: its output and exit status are the program's. */
    char *echo_argv[] = { "echo", "exec'd", "echo", "with", "args", NULL };
    char *echo_env[] = { "HUSK_CASE=1", NULL };
    fflush(stdout);
    execve("/bin/echo", echo_argv, echo_env);
    printf("execve /bin/echo returned: errno=%s\n", errname(errno));
    return 1;
}
