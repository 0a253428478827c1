// Volumes (-v HOST:GUEST[:ro|:rw]): a Gofer tree mounted at GUEST (a directory, or one file);
// rw writes through to the host, ro refuses writes, and no path, symlink or ".." under a volume
// leaves its host directory.

import Foundation
import Glibc
import Testing

@Suite struct VolumeTests {
    /// A fresh host directory holding `vol/` (the volume) and `secret` beside it.
    private func scratch() throws -> String {
        var template = Array("/tmp/husk-vol-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        let dir = String(cString: try #require(made))
        try FileManager.default.createDirectory(atPath: dir + "/vol", withIntermediateDirectories: false)
        try "host-secret\n".write(toFile: dir + "/secret", atomically: false, encoding: .utf8)
        return dir
    }

    private func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    @Test("a read-write volume: host files visible inside, writes inside land on the host")
    func readWriteRoundTrip() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "from-host\n".write(toFile: dir + "/vol/hostfile", atomically: false, encoding: .utf8)
        let husk = try Husk.run(["/bin/sh", "-c", """
            cat /data/hostfile && echo inside > /data/new && mkdir -p /data/d/e && echo x > /data/d/e/f && \
            mv /data/d/e/f /data/d/g && ln -s g /data/d/link && chmod 600 /data/new && rm /data/hostfile && \
            stat -c '%a %s' /data/new && cat /data/d/link && echo more >> /data/new && ls /data
            """], options: ["-v", dir + "/vol:/data"])
        #expect(husk.status == 0, "\(husk)")
        #expect(husk.stdout == "from-host\n600 7\nx\nd\nnew\n", "\(husk)")
        #expect(read(dir + "/vol/new") == "inside\nmore\n")
        #expect(read(dir + "/vol/d/g") == "x\n")
        #expect(access(dir + "/vol/hostfile", F_OK) != 0)
        var st = stat()
        #expect(stat(dir + "/vol/new", &st) == 0 && st.st_mode & 0o777 == 0o600)
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/vol/d/link")) == "g")
    }

    @Test("a read-only volume refuses writes with EROFS and is read-only in statfs and /proc/mounts")
    func readOnlyVolume() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "ro\n".write(toFile: dir + "/vol/f", atomically: false, encoding: .utf8)
        let husk = try Husk.run(["/bin/sh", "-c", """
            cat /mnt/v/f; echo x > /mnt/v/g || echo create-refused; echo x >> /mnt/v/f || echo write-refused; \
            mkdir /mnt/v/d || echo mkdir-refused; rm /mnt/v/f || echo rm-refused; touch /mnt/v/f || echo touch-refused; \
            stat -f -c %T /mnt/v >/dev/null; grep ' /mnt/v ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1
            """], options: ["-v", dir + "/vol:/mnt/v:ro"])
        #expect(husk.stdout == "ro\ncreate-refused\nwrite-refused\nmkdir-refused\nrm-refused\ntouch-refused\nro\n", "\(husk)")
        #expect(husk.stderr.contains("Read-only file system"), "\(husk)")
        #expect(read(dir + "/vol/f") == "ro\n")
        #expect(access(dir + "/vol/g", F_OK) != 0)
    }

    @Test("symlinks and .. under a volume resolve in the sandbox, never to the host")
    func escapesStayInside() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Links made on the host: absolute to a host secret and to /etc/shadow, relative upwards.
        symlink(dir + "/secret", dir + "/vol/abs")
        symlink("/etc/shadow", dir + "/vol/shadow")
        symlink("../secret", dir + "/vol/rel")
        let husk = try Husk.run(["/bin/sh", "-c", """
            cat /data/abs /data/shadow /data/rel /data/../secret 2>/dev/null; \
            ln -s ../secret /data/made && echo pwned > /data/made; echo pwned > /data/rel; \
            ls /data/.. | grep -c secret; cat /secret; ls /data
            """], options: ["-v", dir + "/vol:/data"])
        #expect(!husk.stdout.contains("host-secret"), "\(husk)")
        #expect(!husk.stdout.contains("root:"), "\(husk)")
        // The writes through the links created /secret in the sandbox's own root.
        #expect(husk.stdout == "1\npwned\nabs\nmade\nrel\nshadow\n", "\(husk)")
        #expect(read(dir + "/secret") == "host-secret\n")
        #expect(access(dir + "/vol/secret", F_OK) != 0)
    }

    @Test("-v of a single file: read-write writes through, read-only refuses; the file's host directory stays out of reach")
    func fileVolume() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "one\n".write(toFile: dir + "/vol/f", atomically: false, encoding: .utf8)
        // A new name in the root view (made as an empty file in the overlay), then an existing one covered.
        let rw = try Husk.run(["/bin/sh", "-c", """
            cat /etc/husk-f; echo two >> /etc/husk-f; cat /etc/husk-f; cat /etc/husk-f/../secret 2>/dev/null || echo no-secret; \
            ls /etc | grep -c '^husk-f$'; stat -c %F /etc/husk-f; rm /etc/husk-f 2>/dev/null || echo busy; \
            grep ' /etc/husk-f ' /proc/mounts | cut -d' ' -f4 | cut -d, -f1; cat /etc/hostname
            """], options: ["-v", dir + "/vol/f:/etc/husk-f", "-v", dir + "/vol/f:/etc/hostname:ro"])
        #expect(rw.status == 0, "\(rw)")
        #expect(rw.stdout == "one\none\ntwo\nno-secret\n1\nregular file\nbusy\nrw\none\ntwo\n", "\(rw)")
        #expect(read(dir + "/vol/f") == "one\ntwo\n")
        // O_TRUNC through a volume file; --read-only root: the mount point is made up.
        let trunc = try Husk.run(["/bin/sh", "-c", "echo new > /husk-file && cat /husk-file"],
                                 options: ["-v", dir + "/vol/f:/husk-file", "--read-only"])
        #expect(trunc.status == 0 && trunc.stdout == "new\n", "\(trunc)")
        #expect(read(dir + "/vol/f") == "new\n")
        let ro = try Husk.run(["/bin/sh", "-c", "cat /f; echo x >> /f || echo refused; true > /f || echo refused"],
                              options: ["-v", dir + "/vol/f:/f:ro"])
        #expect(ro.stdout == "new\nrefused\nrefused\n" && ro.stderr.contains("Read-only file system"), "\(ro)")
        #expect(read(dir + "/vol/f") == "new\n")
        // A file on a directory, or a directory on a file, is refused in one line.
        for (spec, target) in [(dir + "/vol/f:/etc", "/etc"), (dir + "/vol:/etc/passwd", "/etc/passwd")] {
            let r = try Husk.run(["/bin/true"], options: ["-v", spec])
            #expect(r.status == 125 && r.stderr == "husk: volume target \(target): Not a directory in the sandbox\n", "\(spec): \(r)")
        }
    }

    @Test("-v with a bad spec or a missing host directory fails with 125")
    func badSpecs() throws {
        for spec in ["relative:/x", "/tmp:relative", "/tmp:/x:rx", "/tmp:/", "/tmp:/a/../b", "/nonexistent-husk-dir:/x"] {
            let husk = try Husk.run(["/bin/true"], options: ["-v", spec])
            #expect(husk.status == 125, "\(spec): \(husk)")
        }
    }
}
