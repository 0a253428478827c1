// syscalls: personality (query, set, inherited across fork, kept or cleared by execve as Linux)
#include "check.h"
#include <sys/personality.h>
#include <sys/wait.h>

int main(int argc, char **argv) {
    if (argc > 1) {   /* after execve */
        int p = personality(0xffffffff);
        SHOW("after exec: persona", "%#x", p);
        FACT("after exec: ADDR_NO_RANDOMIZE kept", p & ADDR_NO_RANDOMIZE);
        FACT("after exec: READ_IMPLIES_EXEC cleared", !(p & READ_IMPLIES_EXEC));
        return 0;
    }
    CHECKVN("query", personality(0xffffffff));
    CHECKVN("set ADDR_NO_RANDOMIZE (returns the old)", personality(PER_LINUX | ADDR_NO_RANDOMIZE));
    CHECKVN("query", personality(0xffffffff));
    CHECKVN("set PER_LINUX32", personality(PER_LINUX32));
    CHECKVN("query", personality(0xffffffff));
    CHECKVN("set PER_BSD", personality(PER_BSD));
    CHECKVN("query", personality(0xffffffff));
    CHECKVN("set ADDR_NO_RANDOMIZE|READ_IMPLIES_EXEC", personality(PER_LINUX | ADDR_NO_RANDOMIZE | READ_IMPLIES_EXEC));
    pid_t c = fork();
    if (c == 0) {
        SHOW("child: persona", "%#x", personality(0xffffffff));
        _exit(0);
    }
    waitpid(c, NULL, 0);
    fflush(stdout);
    execl(argv[0], argv[0], "again", (char *)NULL);
    printf("execl: errno=%s\n", errname(errno));
    return 1;
}
