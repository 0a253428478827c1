// The listener's C wrappers (Sources/CHusk/chusk_unotify.c) against a real child: what the
// unotify platform builds on. RECV reports the call and its caller, ID_VALID holds until the
// answer, and SEND's value (or errno) is what the call returns.

import CHusk
import Glibc
import LinuxABI
import Platform
import Testing

extension PlatformTests { @Suite struct UnotifyChannelTests {
    @Test("the kernel here has what --platform unotify needs")
    func probe() {
        #expect(UnotifyPlatform.missingFeature() == nil)
    }

    @Test("RECV, ID_VALID and SEND: the call returns the Sentry's answer")
    func roundTrip() throws {
        var listener: Int32 = -1
        let pid = chusk_unotify_spawn_caller(Int32(SyscallNumber.getuid), 3, 4242, &listener)
        try #require(pid > 0, "spawn: \(pid)")
        defer { close(listener) }
        var n = chusk_notif()
        for _ in 0..<3 {
            #expect(chusk_notif_recv(listener, &n) == 0)
            #expect(n.nr == Int32(SyscallNumber.getuid) && n.pid == UInt32(pid) && n.arch == 0xc000_003e)
            #expect(chusk_notif_id_valid(listener, n.id) == 0)
            #expect(chusk_notif_send(listener, n.id, 4242, 0) == 0)
            #expect(chusk_notif_id_valid(listener, n.id) == -Int(ENOENT))
        }
        var status: Int32 = 0
        #expect(waitpid(pid_t(pid), &status, 0) == pid_t(pid))
        #expect(status == 0, "the child saw another answer than 4242 (status \(status))")
    }

    @Test("an errno answer fails the call with it")
    func errnoAnswer() throws {
        var listener: Int32 = -1
        let pid = chusk_unotify_spawn_caller(Int32(SyscallNumber.getuid), 1, -Int(EACCES), &listener)
        try #require(pid > 0, "spawn: \(pid)")
        defer { close(listener) }
        var n = chusk_notif()
        #expect(chusk_notif_recv(listener, &n) == 0)
        #expect(chusk_notif_send(listener, n.id, 0, -EACCES) == 0)
        var status: Int32 = 0
        #expect(waitpid(pid_t(pid), &status, 0) == pid_t(pid))
        #expect(status == 0, "status \(status)")
    }
} }
