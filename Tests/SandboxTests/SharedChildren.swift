import Glibc
import Testing

/// Tests that spawn children hold this file shared, so that the ptrace tests (which reap with
/// waitpid(-1) and hold it exclusively) never take their children's statuses.
struct SharedChildren: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let fd = open("/tmp/husk-tests-children-\(getpid()).lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o666)
        if fd >= 0 { while flock(fd, LOCK_SH) != 0 && errno == EINTR {} }
        defer { if fd >= 0 { close(fd) } }
        try await function()
    }
}
