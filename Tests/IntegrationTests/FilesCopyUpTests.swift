// Copy-up of the default root's overlay, in a real sandbox: every change to a lower node
// (append, O_TRUNC, truncate(2), rename, chmod/chown, link, setxattr, a new name in a lower
// directory, a lower symlink, a large file) runs in the confined Sentry under its own seccomp
// filter, and leaves the host's files as they were.

import Foundation
import Glibc
import Testing

/// What a host path is: its bytes (or link target) and attributes, to compare before and after.
private struct HostNode: Equatable, CustomStringConvertible {
    var data: [UInt8]
    var mode: UInt32, uid: UInt32, gid: UInt32, nlink: UInt64, size: Int64
    var mtime: Int, mtimeNsec: Int, ctime: Int, ctimeNsec: Int

    init?(_ path: String) {
        var s = stat()
        guard lstat(path, &s) == 0 else { return nil }
        mode = s.st_mode; uid = s.st_uid; gid = s.st_gid; nlink = UInt64(s.st_nlink); size = Int64(s.st_size)
        mtime = s.st_mtim.tv_sec; mtimeNsec = s.st_mtim.tv_nsec; ctime = s.st_ctim.tv_sec; ctimeNsec = s.st_ctim.tv_nsec
        if s.st_mode & S_IFMT == S_IFLNK {
            var buf = [UInt8](repeating: 0, count: 4096)
            let n = readlink(path, &buf, buf.count)
            data = Array(buf[0..<max(n, 0)])
        } else if s.st_mode & S_IFMT == S_IFDIR {
            data = Array(((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().joined(separator: "\n").utf8)
        } else {
            data = (FileManager.default.contents(atPath: path)).map { Array($0) } ?? []
        }
    }

    var text: String { String(decoding: data, as: UTF8.self) }
    var description: String { "mode \(String(mode, radix: 8)) \(uid):\(gid) nlink \(nlink) size \(size) mtime \(mtime).\(mtimeNsec)" }
}

@Suite struct FilesCopyUpTests {
    static let refused = "refused by its seccomp filter"

    /// Runs `script` in a sandbox and checks the common outcome: status 0, the expected stdout,
    /// no host call refused by a part's filter, and every path of `host` unchanged on the host.
    @discardableResult
    func copyUp(_ argv: [String], stdout expected: String, host paths: [String]) throws -> RunResult {
        let before = paths.map { HostNode($0) }
        for (p, n) in zip(paths, before) { try #require(n != nil, "host \(p) exists") }
        let husk = try Husk.run(argv)
        #expect(husk.status == 0, "\(husk)")
        #expect(husk.stdout == expected, "\(husk)")
        #expect(!husk.stderr.contains(Self.refused), "\(husk)")
        for (p, b) in zip(paths, before) {
            let a = HostNode(p)
            #expect(a == b, "host \(p) changed: before \(String(describing: b)), after \(String(describing: a))")
        }
        return husk
    }

    func sh(_ script: String) -> [String] { ["/bin/sh", "-c", script] }

    @Test("append to a lower file: old content then the new line; the host's file unchanged")
    func append() throws {
        let old = try #require(HostNode("/etc/hostname")).text
        try copyUp(sh("echo hi >> /etc/hostname && cat /etc/hostname"), stdout: old + "hi\n", host: ["/etc/hostname"])
    }

    @Test("sed -i.orig on an /etc file: the lower file is renamed to the backup, the result is the native one")
    func sedInPlace() throws {
        let native = try Husk.runNative(["/bin/sed", "s/^root:/ROOT:/; s/^daemon:/DAEMON:/", "/etc/passwd"])
        #expect(native.status == 0 && native.stdout.hasPrefix("ROOT:"), "\(native)")
        let st = try #require(HostNode("/etc/passwd"))
        let attrs = "\(String(st.mode & 0o7777, radix: 8)) \(st.uid) \(st.gid)\n"
        let sum = try #require(try Husk.runNative(["/usr/bin/sha256sum", "/etc/passwd"]).stdout.split(separator: " ").first)
        // The backup suffix makes sed rename the lower file (a copy-up with its data) before it
        // renames its new file over the name; the second sed -i replaces an upper file.
        try copyUp(sh("""
            sed -i.orig 's/^root:/ROOT:/' /etc/passwd && sed -i 's/^daemon:/DAEMON:/' /etc/passwd && cat /etc/passwd && \
            stat -c '%a %u %g' /etc/passwd /etc/passwd.orig && sha256sum < /etc/passwd.orig
            """), stdout: native.stdout + attrs + attrs + "\(sum)  -\n", host: ["/etc/passwd", "/etc"])
        #expect(access("/etc/passwd.orig", F_OK) != 0)
    }

    @Test("open(O_WRONLY|O_TRUNC) of a lower file empties it")
    func openTruncate() throws {
        // "n\n" is shorter than the host's content: without the truncation its tail would show.
        try copyUp(["/usr/bin/perl", "-e", """
            use Fcntl; sysopen(F, "/etc/hostname", O_WRONLY|O_TRUNC) or die "open: $!"; syswrite(F, "n\\n") or die "write: $!"; close(F);
            open(G, "<", "/etc/hostname") or die; print <G>; print -s "/etc/hostname", "\\n";
            """], stdout: "n\n2\n", host: ["/etc/hostname"])
    }

    @Test("truncate(2) of a lower file keeps its first bytes")
    func truncatePath() throws {
        let old = try #require(HostNode("/etc/hostname"))
        try #require(old.data.count >= 2)
        try copyUp(["/usr/bin/perl", "-e", """
            truncate("/etc/hostname", 2) or die "truncate: $!"; open(G, "<", "/etc/hostname") or die; print <G>; print "|", -s "/etc/hostname", "\\n";
            """], stdout: String(decoding: old.data.prefix(2), as: UTF8.self) + "|2\n", host: ["/etc/hostname"])
    }

    @Test("rename of a lower file, in its directory and into another lower directory")
    func renameLower() throws {
        let old = try #require(HostNode("/etc/hostname")).text
        let issue = try #require(HostNode("/etc/issue")).text
        try copyUp(sh("""
            mv /etc/hostname /etc/hostname.moved && cat /etc/hostname.moved && test ! -e /etc/hostname && echo gone && \
            mv /etc/issue /usr/share/issue.moved && cat /usr/share/issue.moved && ls /etc | grep -c '^issue$' | grep -x 0
            """), stdout: old + "gone\n" + issue + "0\n", host: ["/etc/hostname", "/etc/issue", "/etc", "/usr/share"])
        #expect(access("/etc/hostname.moved", F_OK) != 0 && access("/usr/share/issue.moved", F_OK) != 0)
    }

    @Test("chmod and chown of a lower file")
    func chmodChown() throws {
        let old = try #require(HostNode("/etc/hostname")).text
        try copyUp(sh("chmod 600 /etc/hostname && chown 12:34 /etc/hostname && stat -c '%a %u %g' /etc/hostname && cat /etc/hostname"),
                   stdout: "600 12 34\n" + old, host: ["/etc/hostname"])
    }

    @Test("a hard link to a lower file, written through")
    func hardLink() throws {
        let old = try #require(HostNode("/etc/hostname")).text
        try copyUp(sh("""
            ln /etc/hostname /etc/hn-link && echo more >> /etc/hn-link && cat /etc/hostname && \
            stat -c %h /etc/hostname /etc/hn-link && test "$(stat -c %i /etc/hostname)" = "$(stat -c %i /etc/hn-link)" && echo same
            """), stdout: old + "more\n2\n2\nsame\n", host: ["/etc/hostname", "/etc"])
        #expect(access("/etc/hn-link", F_OK) != 0)
    }

    @Test("setxattr (user.*) on a lower file, read back with getxattr")
    func xattr() throws {
        let old = try #require(HostNode("/etc/hostname")).text
        let list = ["/usr/bin/python3", "-c", "import os; print(os.listxattr('/etc/hostname'))"]
        let hostBefore = try Husk.runNative(list)
        try copyUp(["/usr/bin/python3", "-c", """
            import os
            os.setxattr("/etc/hostname", "user.husk", b"v1")
            print(os.getxattr("/etc/hostname", "user.husk").decode())
            print(open("/etc/hostname").read(), end="")
            """], stdout: "v1\n" + old, host: ["/etc/hostname"])
        let hostAfter = try Husk.runNative(list)
        #expect(hostBefore.status == 0 && hostAfter.stdout == hostBefore.stdout && !hostAfter.stdout.contains("user.husk"), "\(hostAfter)")
    }

    @Test("a new file in a lower directory: the directory is copied up, lists both, and its lower files still copy up")
    func directory() throws {
        let dir = "/usr/share/zoneinfo/Etc"
        let listing = try #require(HostNode(dir)).text
        let names = (listing.split(separator: "\n").map(String.init) + ["husk-new"]).sorted()
        let utc = try #require(HostNode(dir + "/UTC"))
        let sum = try #require(try Husk.runNative(["/usr/bin/sha256sum", dir + "/UTC"]).stdout.split(separator: " ").first)
        // UTC is looked up in the lower through the copied-up directory, then copied up itself.
        try copyUp(sh("""
            echo x > \(dir)/husk-new && cat \(dir)/husk-new && ls -1 \(dir) | LC_ALL=C sort && \
            echo tail >> \(dir)/UTC && head -c \(utc.size) \(dir)/UTC | sha256sum && tail -n 1 \(dir)/UTC
            """), stdout: "x\n" + names.joined(separator: "\n") + "\n\(sum)  -\ntail\n", host: [dir, dir + "/UTC"])
        #expect(access(dir + "/husk-new", F_OK) != 0)
    }

    @Test("a lower symlink: lchown and rename keep its target; a write through it copies up the file it names")
    func symlink() throws {
        let target = try #require(HostNode("/etc/os-release")).text
        let release = try #require(HostNode("/usr/lib/os-release")).text
        try copyUp(sh("""
            chown -h 5:6 /etc/os-release && stat -c '%u %g' /etc/os-release && \
            mv /etc/os-release /etc/osr && readlink /etc/osr && test -L /etc/osr && test ! -e /etc/os-release && \
            echo HUSK=1 >> /etc/osr && test -L /etc/osr && cat /usr/lib/os-release
            """), stdout: "5 6\n\(target)\n" + release + "HUSK=1\n", host: ["/etc/os-release", "/etc", "/usr/lib/os-release"])
    }

    /// A regular file of the host's /usr/lib between 3 and 32 MiB (several copy chunks).
    static func largeLowerFile() -> String? {
        let dir = "/usr/lib/x86_64-linux-gnu"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        for n in names {
            var s = stat()
            if lstat("\(dir)/\(n)", &s) == 0, s.st_mode & S_IFMT == S_IFREG, s.st_size > 3 << 20, s.st_size < 32 << 20 { return "\(dir)/\(n)" }
        }
        return nil
    }

    @Test("a large lower file (> 1 MiB): its bytes are intact after an appending copy-up")
    func largeFile() throws {
        let path = try #require(Self.largeLowerFile(), "a file of 3-32 MiB in /usr/lib/x86_64-linux-gnu")
        let size = try #require(HostNode(path)).size
        let native = try Husk.runNative(["/usr/bin/sha256sum", path])
        let sum = try #require(native.stdout.split(separator: " ").first.map(String.init))
        try copyUp(sh("echo appended >> \(path) && stat -c %s \(path) && head -c \(size) \(path) | sha256sum && tail -c 9 \(path)"),
                   stdout: "\(size + 9)\n\(sum)  -\nappended\n", host: [path])
    }

    @Test("a copy-up that cannot be stored fails the program's call (EFBIG under ulimit -f); the Sentry goes on")
    func copyUpFailsCleanly() throws {
        let husk = try Husk.require()
        let size = try #require(HostNode("/etc/services")).size
        try #require(size > 8192, "/etc/services is larger than the 8 KiB limit")
        let old = try #require(HostNode("/etc/hostname")).text
        // RLIMIT_FSIZE of 8 KiB (inherited by the Sentry): its copy into the memfd stops there.
        let r = try IntegrationTests.run(["/bin/sh", "-c", "ulimit -f 8; exec \"$0\" run -- /bin/sh -c \"$1\"", husk,
            "echo x >> /etc/services; echo rc=$?; echo y >> /etc/hostname && cat /etc/hostname"], env: Husk.defaultEnvironment)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == "rc=2\n" + old + "y\n", "\(r)")
        #expect(r.stderr.contains("/etc/services: File too large"), "\(r)")
        #expect(!r.stderr.contains(Self.refused) && !r.stderr.contains("husk:"), "\(r)")
        #expect(HostNode("/etc/services")?.size == size)
    }
}
