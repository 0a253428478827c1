// Files inside the sandbox: the writable overlay root, tmpfs mounts, coreutils in /tmp.

import Glibc
import Testing

@Suite struct FilesTests {
    @Test("writes to the default root change nothing on the host")
    func overlayKeepsHostUntouched() throws {
        let husk = try Husk.run(["/bin/sh", "-c",
            "echo inside > /etc/husk-test && cat /etc/husk-test && rm /etc/hostname && mkdir /usr/husk-dir && mv /usr/husk-dir /usr/husk-dir2 && ls -d /usr/husk-dir2 && test ! -e /etc/hostname && echo gone"])
        #expect(husk.status == 0, "\(husk)")
        #expect(husk.stdout == "inside\n/usr/husk-dir2\ngone\n", "\(husk)")
        #expect(access("/etc/husk-test", F_OK) != 0)
        #expect(access("/usr/husk-dir2", F_OK) != 0)
        #expect(access("/etc/hostname", F_OK) == 0)
    }

    @Test("--rootfs-readonly leaves the root read-only")
    func readOnlyRoot() throws {
        let husk = try Husk.run(["/bin/sh", "-c", "touch /etc/x 2>/dev/null || echo refused; touch /tmp/ok && echo tmp"], options: ["--rootfs-readonly"])
        #expect(husk.stdout == "refused\ntmp\n", "\(husk)")
    }

    @Test("coreutils in /tmp give the native results")
    func coreutilsInTmp() throws {
        let script = """
            d=/tmp/husk-files-$$; mkdir $d && cd $d && mkdir -p a/b && echo one > a/b/f && echo two > a/g && \
            cp -a a c && mv c e && ln -s e/g link && cat link && touch -d 2001-02-03 a/g && \
            stat -c '%a %F %Y' a/g && stat -c '%a %F' a/b link && chmod -R 700 e && stat -c '%a' e/b/f && \
            find a e -name f && du -s --apparent-size --block-size=1 e/g && \
            sort -S 1k /etc/services > s && wc -l < s && tar cf t.tar a && mkdir x && cd x && tar xf ../t.tar && cat a/b/f && \
            cd / && rm -r $d && echo done
            """
        let native = try Husk.runNative(["/bin/sh", "-c", script])
        let husk = try Husk.run(["/bin/sh", "-c", script])
        #expect(native.status == 0, "\(native)")
        #expect(husk.status == native.status, "\(husk)")
        #expect(husk.stdout == native.stdout, "native: \(native.stdout)\nhusk: \(husk.stdout)")
    }
}
