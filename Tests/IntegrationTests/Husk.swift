// Where the husk binary and the package are, and how a program runs natively and inside husk
// for comparison.
import Foundation
import Glibc

enum Husk {
    /// The package root, found from this file's path (Tests/IntegrationTests/Husk.swift).
    static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The environment `husk run` gives a program by default; the native runs get the same.
    static let defaultEnvironment: [String] = {
        var env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"]
        if let term = ProcessInfo.processInfo.environment["TERM"], !term.isEmpty { env.append("TERM=\(term)") }
        return env
    }()

    /// $HUSK, else .build/debug/husk, else .build/release/husk; nil if none is executable.
    static var binary: String? {
        if let env = ProcessInfo.processInfo.environment["HUSK"], !env.isEmpty {
            return env.hasPrefix("/") ? env : "\(FileManager.default.currentDirectoryPath)/\(env)"
        }
        for candidate in [".build/debug/husk", ".build/release/husk"] {
            let path = "\(packageRoot)/\(candidate)"
            if access(path, X_OK) == 0 { return path }
        }
        return nil
    }

    /// The husk binary or a thrown error that fails the test (never a skip: these are acceptance tests).
    static func require() throws -> String {
        guard let path = binary else {
            throw SpawnError(description: "no husk binary: set HUSK or run `swift build` (looked in \(packageRoot)/.build/{debug,release})")
        }
        return path
    }

    /// $HUSK_TEST_PLATFORM: the --platform every `husk run` of the tests uses when it names
    /// none (scripts/test.sh runs the suites again with `unotify`). Empty: husk's default.
    static let testPlatform: String? = {
        guard let p = ProcessInfo.processInfo.environment["HUSK_TEST_PLATFORM"], !p.isEmpty else { return nil }
        return p
    }()

    /// `argv` with `--platform $HUSK_TEST_PLATFORM` after `run` when it runs husk and names no
    /// platform itself.
    static func withTestPlatform(_ argv: [String]) -> [String] {
        guard let platform = testPlatform, argv.count >= 2, argv[1] == "run", argv[0].hasSuffix("husk"),
              !argv.contains(where: { $0 == "--platform" || $0.hasPrefix("--platform=") }) else { return argv }
        return [argv[0], "run", "--platform", platform] + argv[2...]
    }

    /// `husk run [options] -- argv...`
    static func run(_ argv: [String], options: [String] = [], timeout: Double = 60) throws -> RunResult {
        try IntegrationTests.run([try require(), "run"] + options + ["--"] + argv, timeout: timeout)
    }

    /// argv natively, from /, with husk's default environment.
    static func runNative(_ argv: [String], timeout: Double = 60) throws -> RunResult {
        try IntegrationTests.run(["/usr/bin/env", "-i", "-C", "/"] + defaultEnvironment + argv, env: [], timeout: timeout)
    }
}
