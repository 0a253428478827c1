// Running host programs for the integration tests: posix_spawn with stdio redirected to files,
// a deadline, and Linux-style exit statuses (128+N for a signal).
import Foundation
import Glibc

struct RunResult: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool

    var description: String {
        "status \(status)\(timedOut ? " (timed out)" : "")\n--- stdout\n\(stdout)--- stderr\n\(stderr)"
    }
}

struct SpawnError: Error, CustomStringConvertible {
    var description: String
}

/// The test process's children and the ptrace tests (PlatformTests, LoaderPtraceTests) must
/// not overlap: those reap with waitpid(-1) and would take a spawned child's status. A spawned
/// child holds a shared flock on this file; a ptrace test holds it exclusively.
let childrenLockPath = "/tmp/husk-tests-children-\(getpid()).lock"

/// A started process whose stdout and stderr go to temporary files.
final class Spawned {
    let pid: pid_t
    private let outPath: String
    private let errPath: String
    private var lockFD: Int32 = -1

    deinit { if lockFD >= 0 { close(lockFD) } }

    /// Starts `argv` with stdin from /dev/null. `env` nil inherits the test's environment.
    init(_ argv: [String], env: [String]? = nil) throws {
        lockFD = open(childrenLockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o666)
        if lockFD >= 0 { while flock(lockFD, LOCK_SH) != 0 && errno == EINTR {} }
        let dir = FileManager.default.temporaryDirectory.path
        let tag = UUID().uuidString
        outPath = "\(dir)/husk-it-\(tag).out"
        errPath = "\(dir)/husk-it-\(tag).err"

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        let environment = env ?? ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        var cArgv = Husk.withTestPlatform(argv).map { strdup($0) } + [nil]
        var cEnv = environment.map { strdup($0) } + [nil]
        defer {
            cArgv.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        // Default dispositions and an empty mask, whatever the test runner ignores or blocks.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attr, &cArgv, &cEnv)
        if rc != 0 {
            throw SpawnError(description: "posix_spawn \(argv[0]): \(String(cString: strerror(rc)))")
        }
        self.pid = pid
    }

    /// Waits up to `timeout` seconds, then SIGKILLs; collects the output and removes the files.
    func wait(timeout: Double) -> RunResult {
        let deadline = Date().addingTimeInterval(timeout)
        var raw: Int32 = 0
        var timedOut = false
        while true {
            let r = waitpid(pid, &raw, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { raw = 0x7f00; break }
            if Date() > deadline && !timedOut {
                timedOut = true
                kill(pid, SIGKILL)
            }
            usleep(10_000)
        }
        let signal = raw & 0x7f
        let status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        unlink(outPath)
        unlink(errPath)
        if lockFD >= 0 { close(lockFD); lockFD = -1 }
        return RunResult(status: status, stdout: out, stderr: err, timedOut: timedOut)
    }
}

/// Runs `argv` to completion (or the deadline).
func run(_ argv: [String], env: [String]? = nil, timeout: Double = 30) throws -> RunResult {
    try Spawned(argv, env: env).wait(timeout: timeout)
}
