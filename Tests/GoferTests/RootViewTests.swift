// The default root view: built in a private mount namespace (a pthread that unshared
// CLONE_NEWNS), then served by a Gofer on that thread and inspected through the protocol.

import CHusk
import Glibc
import Gofer
import GoferProtocol
import SystemPackage
import Testing

@Suite(.serialized) struct RootViewTests {
    /// A fake host: every secret kind present, so the test does not depend on this machine's /etc.
    func makeFakeHost() throws -> String {
        let h = try makeTempDir("host")
        for d in ["/usr", "/usr/bin", "/usr/lib", "/etc", "/etc/ssh", "/etc/ssl", "/etc/ssl/private",
                  "/etc/ssl/certs", "/etc/sudoers.d", "/etc/security", "/opt"] {
            try makeDir(h + d)
        }
        try writeFile(h + "/usr/bin/tool", b("#!/bin/sh\n"), mode: 0o755)
        try writeFile(h + "/etc/passwd", b("root:x:0:0::/root:/bin/sh\n"))
        try writeFile(h + "/etc/hostname", b("box\n"))
        for s in ["/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers",
                  "/etc/sudoers.d/admins", "/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ed25519_key.pub",
                  "/etc/ssl/private/server.key", "/etc/security/opasswd"] {
            try writeFile(h + s, b("SECRET\n"), mode: 0o600)
        }
        try writeFile(h + "/etc/ssh/ssh_config", b("Host *\n"))
        try writeFile(h + "/etc/ssl/certs/ca.pem", b("CERT\n"))
        try writeFile(h + "/etc/security/limits.conf", b("# limits\n"))
        try makeSymlink("../usr/share/zoneinfo/UTC", h + "/etc/localtime")
        try makeSymlink("usr/bin", h + "/bin")
        try makeSymlink("usr/lib", h + "/lib")
        return h
    }

    func names(_ c: GoferClient, _ h: GoferHandle) throws -> Set<String> {
        Set(try c.getdents(h).map { String(decoding: $0.name, as: UTF8.self) })
    }

    @Test func builtViewHidesSecretsAndIsReadOnly() throws {
        let host = try makeFakeHost()
        let staging = try makeTempDir("view")
        defer { removeTree(host); _ = rmdir(staging) }
        var view = RootView.default
        view.hostRoot = host
        // readOnly: false, so that only the mounts can refuse writes.
        let fx = try Fixture(root: staging, readOnly: false, view: view)
        let c = fx.client
        let (r, _) = try c.attach()
        #expect(try names(c, r) == ["usr", "etc", "opt", "bin", "lib"])
        guard let etc = try c.walk(r, [b("etc")]).first else { throw TestFailure("etc") }
        let etcNames = try names(c, etc.0)
        #expect(etcNames == ["passwd", "hostname", "ssh", "ssl", "security", "localtime"])
        for secret in ["shadow", "shadow-", "gshadow", "gshadow-", "sudoers", "sudoers.d"] {
            #expect(errnoOf { _ = try c.walk(etc.0, [b(secret)]) } == ENOENT)
        }
        guard let ssh = try c.walk(etc.0, [b("ssh")]).first, let ssl = try c.walk(etc.0, [b("ssl")]).first,
              let sec = try c.walk(etc.0, [b("security")]).first else { throw TestFailure("subdirs") }
        #expect(try names(c, ssh.0) == ["ssh_config"])
        #expect(try names(c, ssl.0) == ["certs"])
        #expect(try names(c, sec.0) == ["limits.conf"])
        // Other files are the live host files.
        if let passwd = try c.walk(etc.0, [b("passwd")]).first {
            let fd = try c.open(passwd.0, flags: O_RDONLY)
            #expect(readAll(fd: fd) == b("root:x:0:0::/root:/bin/sh\n"))
            _ = close(fd)
        }
        let tool = try c.walk(r, [b("usr"), b("bin"), b("tool")])
        #expect(tool.count == 3 && tool[2].1.isRegular)
        // Merged-/usr links and /etc symlinks are symlinks.
        if let bin = try c.walk(r, [b("bin")]).first {
            #expect(bin.1.isSymlink)
            #expect(try c.readlink(bin.0) == b("usr/bin"))
        }
        if let lt = try c.walk(etc.0, [b("localtime")]).first {
            #expect(try c.readlink(lt.0) == b("../usr/share/zoneinfo/UTC"))
        }
        // Read-only everywhere: the top tmpfs, rebuilt /etc, bound files and bound directories.
        #expect(errnoOf { _ = try c.mkdir(r, b("x"), mode: 0o755, uid: 0, gid: 0) } == EROFS)
        #expect(errnoOf { _ = try c.create(etc.0, b("x"), flags: O_WRONLY, mode: 0o644, uid: 0, gid: 0) } == EROFS)
        #expect(errnoOf { _ = try c.create(ssl.0, b("x"), flags: O_WRONLY, mode: 0o644, uid: 0, gid: 0) } == EROFS)
        if let hostname = try c.walk(etc.0, [b("hostname")]).first {
            #expect(errnoOf { _ = try c.open(hostname.0, flags: O_WRONLY) } == EROFS)
        }
        #expect(errnoOf { _ = try c.create(tool.count > 1 ? tool[1].0 : r, b("x"), flags: O_WRONLY, mode: 0o644, uid: 0, gid: 0) } == EROFS)
        #expect(fx.stop() == 0)
        // The host never saw the mounts: staging is still an empty directory there.
        #expect(listNames(staging).isEmpty)
        #expect(readFile(host + "/etc/shadow") == b("SECRET\n"))
    }

    @Test func defaultViewOfThisHost() throws {
        let staging = try makeTempDir("hostview")
        defer { _ = rmdir(staging) }
        let fx = try Fixture(root: staging, readOnly: true, view: RootView.default)
        let c = fx.client
        let (r, _) = try c.attach()
        guard let etc = try c.walk(r, [b("etc")]).first else { throw TestFailure("etc") }
        let etcNames = try names(c, etc.0)
        #expect(etcNames.contains("passwd"))
        #expect(!etcNames.contains("shadow") && !etcNames.contains("gshadow") && !etcNames.contains("sudoers"))
        #expect(errnoOf { _ = try c.walk(etc.0, [b("shadow")]) } == ENOENT)
        #expect(try c.walk(r, [b("usr"), b("bin")]).count == 2)
        if let bin = try c.walk(r, [b("bin")]).first, lstatOf("/bin").map({ $0.st_mode & S_IFMT == S_IFLNK }) == true {
            #expect(bin.1.isSymlink)
        }
        #expect(fx.stop() == 0)
    }

    @Test func secretMatching() {
        let v = RootView.default
        #expect(v.isSecret("/etc/shadow") && v.isSecret("/etc/ssh/ssh_host_ecdsa_key"))
        #expect(!v.isSecret("/etc/ssh/ssh_config") && !v.isSecret("/etc/passwd") && !v.isSecret("/etc/machine-id"))
        #expect(!v.isSecret("/etc/ssh/x/ssh_host_key"))  // '*' does not cross '/'
    }
}

func listNames(_ path: String) -> [String] {
    guard let d = opendir(path) else { return ["<unreadable>"] }
    defer { closedir(d) }
    var out: [String] = []
    while let e = readdir(d) {
        let n = withUnsafePointer(to: &e.pointee.d_name) { p in
            p.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if n != "." && n != ".." { out.append(n) }
    }
    return out
}
