// tmpfs limits seen from inside: df's figures follow --memory, and writes past them fail.

import Glibc
import Testing

@Suite struct FilesTmpfsTests {
    @Test("tmpfs under --memory 64m: half of it, ENOSPC past it, df counts the pages")
    func sizeFollowsMemoryLimit() throws {
        let script = """
            df -k /tmp | tail -1 | awk '{print $2, $3}'
            df -i /tmp | tail -1 | awk '{print $2, $3}'
            dd if=/dev/zero of=/tmp/f bs=1M count=40 2>/dev/null; echo dd=$?
            stat -c %s /tmp/f
            df -k /tmp | tail -1 | awk '{print $3, $4}'
            fallocate -l 1M /tmp/g 2>/dev/null; echo fallocate=$?
            rm /tmp/f; df -k /tmp | tail -1 | awk '{print $3}'
            df -i /tmp | tail -1 | awk '{print $3}'
            """
        let husk = try Husk.run(["/bin/sh", "-c", script], options: ["--memory", "64m"])
        #expect(husk.status == 0, "\(husk)")
        #expect(husk.stdout == """
            32768 0
            8192 1
            dd=1
            33554432
            32768 0
            fallocate=1
            0
            2

            """, "\(husk)")
    }
}
