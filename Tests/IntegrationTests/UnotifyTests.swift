// --platform unotify (docs/platforms.md): served calls marked `notify` come as seccomp user
// notifications. Real programs run on it; signals end notified calls as Linux ends them; a
// thread rewriting a path under another thread's pending stat/open never gets the Sentry to
// act on a buffer it did not copy.

import Foundation
import Glibc
import Testing

@Suite("unotify platform", .serialized)
struct UnotifyTests {
    static let fixture = EscapeFixture.compile("unotify")

    @Test("a shell pipeline gives the same output on unotify as on ptrace")
    func pipeline() throws {
        let script = "cat /etc/passwd | wc -l; ls /usr/bin | head -5; stat -c %s /etc/hostname; cd /tmp && echo x > f && cat f && ls -la f | cut -c1-10; readlink -f /proc/self/exe"
        let ptrace = try Husk.run(["/bin/sh", "-c", script], options: ["--platform", "ptrace"])
        let unotify = try Husk.run(["/bin/sh", "-c", script], options: ["--platform", "unotify"])
        #expect(ptrace.status == 0, "\(ptrace)")
        #expect(unotify.status == 0 && unotify.stdout == ptrace.stdout && unotify.stderr == ptrace.stderr, "\(unotify)")
    }

    @Test("signals end notified pipe reads and writes as on Linux: EINTR, SA_RESTART, a partial write")
    func signals() throws {
        let binary = try Self.fixture.get()
        let native = try Husk.runNative([binary, "signals"])
        let sandboxed = try Husk.run([binary, "signals"], options: ["--platform", "unotify"])
        #expect(native.status == 0 && native.stdout.split(separator: "\n").count == 4, "\(native)")
        #expect(sandboxed.status == 0 && sandboxed.stdout == native.stdout, "native:\n\(native)\nunotify:\n\(sandboxed)")
    }

    @Test("a path rewritten under a pending stat or open: the Sentry acts on its one copy")
    func pathRewrittenUnderPendingCall() throws {
        let binary = try Self.fixture.get()
        let r = try Husk.run([binary, "toctou"], options: ["--platform", "unotify", "--user", "1000:1000"], timeout: 90)
        #expect(r.status == 0, "\(r)")
        // Both paths were seen (the rewriting raced the calls), every answer was of one file,
        // and the mode-0 file was never opened.
        let facts = Dictionary(r.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" })
            .compactMap { w -> (String, Int)? in
                let kv = w.split(separator: "=")
                return kv.count == 2 ? (String(kv[0]), Int(kv[1]) ?? -1) : nil
            }, uniquingKeysWith: { _, _ in -1 })
        #expect(facts["mixed"] == 0 && facts["leaks"] == 0, "\(r)")
        #expect((facts["refused"] ?? 0) > 0 && (facts["open_a"] ?? 0) > 0 && (facts["stat_a"] ?? 0) > 0 && (facts["stat_b"] ?? 0) > 0, "\(r)")
    }

    @Test("an unknown platform name still fails, and unotify is no longer 'not available'")
    func platformName() throws {
        let r = try Husk.run(["/bin/true"], options: ["--platform", "unotify"])
        #expect(r.status == 0 && !r.stderr.contains("not available"), "\(r)")
        let s = try Husk.run(["/bin/true"], options: ["--platform", "systrap"])
        #expect(s.status != 0 && s.stderr.contains("not available"), "\(s)")
    }
}
