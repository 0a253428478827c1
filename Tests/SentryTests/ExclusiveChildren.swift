import Glibc
import Testing

/// Runs a ptrace test while no spawned child of the test process exists (IntegrationTests'
/// Spawned holds the same file shared): these tests reap with waitpid(-1).
struct ExclusiveChildren: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let fd = open("/tmp/husk-tests-children-\(getpid()).lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o666)
        if fd >= 0 { while flock(fd, LOCK_EX) != 0 && errno == EINTR {} }
        defer { if fd >= 0 { close(fd) } }
        try await function()
    }
}
