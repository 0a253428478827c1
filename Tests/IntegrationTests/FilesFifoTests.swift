// FIFOs from the shell: mkfifo, a background writer, a blocking reader; compared with native.

import Testing

@Suite struct FilesFifoTests {
    @Test("mkfifo with a background writer and a blocking reader gives the native output")
    func shellFifo() throws {
        let script = """
            d=/tmp/husk-fifo-sh-$$; mkdir $d && mkfifo $d/f && (echo hi > $d/f &) && cat $d/f && \
            (seq 1 2000 > $d/f &) && wc -l < $d/f && { exec 3<>$d/f; echo rw >&3; read x <&3; echo $x; exec 3>&-; } && \
            rm -r $d && echo done
            """
        let native = try Husk.runNative(["/bin/sh", "-c", script])
        let husk = try Husk.run(["/bin/sh", "-c", script])
        #expect(native.status == 0, "\(native)")
        #expect(husk.status == native.status, "\(husk)")
        #expect(husk.stdout == native.stdout, "native: \(native.stdout)\nhusk: \(husk.stdout)")
        #expect(husk.stdout == "hi\n2000\nrw\ndone\n")
    }
}
