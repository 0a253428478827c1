// Debugging tools inside the sandbox, each compared with the same steps run natively:
// valgrind's memcheck (a JIT that runs the program on its own syscalls, keeps a FIFO pair for
// vgdb in /tmp and a pipe as its thread lock) on /bin/true and on a program that leaks; and the
// tracers ptrace inside the sandbox serves: strace -f, gdb -batch and LeakSanitizer (whose
// StopTheWorld attaches the program's threads from a CLONE_UNTRACED helper).

import Foundation
import Glibc
import Testing

@Suite struct DebuggersTests {
    /// Runs `script` natively and under husk; both must end with `status` and the same stdout.
    func compare(_ script: String, status: Int32 = 0, timeout: Double = 120) throws {
        let native = try Husk.runNative(["/bin/sh", "-c", script], timeout: timeout)
        let husk = try Husk.run(["/bin/sh", "-c", script], timeout: timeout)
        #expect(native.status == status, "native: \(native)")
        #expect(husk.status == native.status, "husk: \(husk)")
        #expect(husk.stdout == native.stdout, "native: \(native.stdout)\nhusk: \(husk.stdout)\n\(husk)")
    }

    /// A C program compiled in a fresh /tmp directory (gcc runs where the script runs).
    static func build(_ name: String, _ source: String, flags: String = "-g -O0") -> String {
        let escaped = source.replacingOccurrences(of: "'", with: "'\\''")
        return "d=$(mktemp -d /tmp/husk-dbg.XXXXXX) && cd $d && printf '%s' '\(escaped)' > \(name).c && gcc \(flags) -o \(name) \(name).c"
    }

    static let leak = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        static void *keep;
        int main(void) {
            char *lost = malloc(1234);
            memset(lost, 1, 1234);
            keep = malloc(99);
            lost = NULL;
            printf("leaked %d\\n", 1234);
            return 0;
        }

        """

    @Test("valgrind -q /bin/true runs quietly and exits 0")
    func valgrindTrue() throws {
        try compare("valgrind -q /bin/true && echo ok", timeout: 180)
    }

    @Test("valgrind --leak-check=full reports the 1,234 bytes a program lost, with its line")
    func valgrindLeak() throws {
        // memcheck's report goes to stderr with the pid in each line: keep its leak lines.
        try compare(Self.build("leak", Self.leak) + """
             && { valgrind -q --leak-check=full --error-exitcode=3 ./leak 2>err; echo "status $?"; } && \
            grep -E 'definitely lost|by 0x[0-9A-F]+: main' err | sed 's/^==[0-9]*==//; s/0x[0-9A-F]*/ADDR/' && cd / && rm -r $d
            """, timeout: 180)
    }

    static let forks = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <unistd.h>
        #include <sys/wait.h>
        static int square(int x) { return x * x; }
        int main(void) {
            int total = 0;
            for (int i = 1; i <= 3; i++) total += square(i);
            pid_t c = fork();
            if (c == 0) { write(1, "child\\n", 6); _exit(3); }
            int st;
            waitpid(c, &st, 0);
            printf("total %d child %d\\n", total, WEXITSTATUS(st));
            return 0;
        }

        """

    @Test("strace -f follows a forking program: its syscalls, the child's, exits and signals")
    func straceFollowsForks() throws {
        // Without pids, and sorted: the parent's and the child's lines interleave freely (so
        // wait4, which strace splits in two or not by timing, is left out).
        try compare(Self.build("forks", Self.forks) + """
             && strace -f -qq -o trace -e trace=write,exit_group,execve ./forks > out && cat out && \
            sed -E 's/^[0-9]+ +//; s/0x[0-9a-f]+/ADDR/g; s/\\/\\* [0-9]+ vars \\*\\//VARS/; s/= [0-9]+$/= N/; s/si_pid=[0-9]+/si_pid=P/; s/si_uid=[0-9]+, //; s/, si_utime=.*\\}/}/' trace | sort && cd / && rm -r $d
            """, timeout: 180)
    }

    @Test("strace -f --seccomp-bpf: strace's own seccomp filter (RET_TRACE) and PTRACE_O_TRACESECCOMP stops, in a forking program")
    func straceSeccompBPF() throws {
        // strace stops the tracee only where its filter says TRACE: the program's own seccomp
        // filter and PTRACE_EVENT_SECCOMP inside the sandbox (docs/security.md).
        try compare(Self.build("forks", Self.forks) + """
             && strace -f -qq --seccomp-bpf -o trace -e trace=write,exit_group,execve ./forks > out && cat out && \
            sed -E 's/^[0-9]+ +//; s/0x[0-9a-f]+/ADDR/g; s/\\/\\* [0-9]+ vars \\*\\//VARS/; s/= [0-9]+$/= N/; s/si_pid=[0-9]+/si_pid=P/; s/si_uid=[0-9]+, //; s/, si_utime=.*\\}/}/' trace | sort && cd / && rm -r $d
            """, timeout: 180)
    }

    @Test("gdb -batch: a breakpoint on a function, bt, info registers, continue, the program's exit")
    func gdbBreakpoint() throws {
        try compare(Self.build("forks", Self.forks) + """
             && gdb -batch -nx -ex 'break square' -ex run -ex bt -ex 'info registers rip' -ex 'p x' -ex continue -ex 'p x' -ex delete -ex continue ./forks 2>/dev/null | \
            grep -v -E '^\\[(Thread debugging|Detaching)|^Using host libthread_db' | sed -E 's/0x[0-9a-f]+/ADDR/g; s/process [0-9]+/process N/g; s/ +/ /g' && cd / && rm -r $d
            """, timeout: 180)
    }

    static let asanLeak = """
        #include <stdio.h>
        #include <stdlib.h>
        static void *keep;
        int main(void) {
            void *lost = malloc(4321);
            keep = malloc(10);
            lost = NULL;
            printf("leaking %p\\n", lost);
            return 0;
        }

        """

    @Test("LeakSanitizer (gcc -fsanitize=address) finds the 4321 bytes a program lost")
    func leakSanitizer() throws {
        try compare(Self.build("asan", Self.asanLeak, flags: "-g -O0 -fsanitize=address") + """
             && { ./asan 2>err; echo "status $?"; } && grep -E 'LeakSanitizer|Direct leak|in main|SUMMARY' err | sed -E 's/^==[0-9]+==//; s/#[0-9]+ 0x[0-9a-f]+/#N ADDR/; s/husk-dbg\\.[A-Za-z0-9]+/DIR/' && cd / && rm -r $d
            """, status: 0, timeout: 180)
    }
}
