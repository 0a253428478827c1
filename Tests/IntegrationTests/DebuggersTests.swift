// Debugging tools inside the sandbox, each compared with the same steps run natively:
// valgrind's memcheck (a JIT that runs the program on its own syscalls, keeps a FIFO pair for
// vgdb in /tmp and a pipe as its thread lock) on /bin/true and on a program that leaks.

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
        let escaped = source.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "'\\''")
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
}
