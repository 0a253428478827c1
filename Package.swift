// swift-tools-version:6.0
import PackageDescription

/// The executables export none of their ~14,000 symbols: nothing loads them, and the Swift
/// runtime's start-up dladdr (Backtrace.cpp's auxiliary path) and the dynamic loader's lookups
/// walk them. `husk features`: 2.05 → 1.64 ms of CPU, 385 → 357 page faults (docs/startup.md).
let privateSymbols: [LinkerSetting] = [.unsafeFlags(["-Xlinker", "--no-export-dynamic"])]

let package = Package(
    name: "Husk",
    products: [
        .executable(name: "husk", targets: ["husk"]),
        // The Sentry, the Gofer and the monitor, started by husk run from beside its own binary.
        .executable(name: "husk-parts", targets: ["husk-parts"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // Syscall numbers, errno, flags and C struct layouts; no logic.
        .target(name: "LinuxABI"),
        // The little C that Swift cannot express (ptrace/syscall wrappers, fork of a prepared child).
        .target(name: "CHusk", linkerSettings: [.linkedLibrary("seccomp")]),
        // Interception: ptrace (and later systrap/unotify); tracee memory, injection, fd installation.
        .target(name: "Platform", dependencies: [
            "LinuxABI", "CHusk",
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
        // Gofer protocol messages, codec and the client end.
        .target(name: "GoferProtocol", dependencies: [
            "LinuxABI", "CHusk",
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
        // The Gofer server.
        .target(name: "Gofer", dependencies: [
            "LinuxABI", "CHusk", "GoferProtocol",
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
        // The in-memory kernel.
        .target(name: "Sentry", dependencies: [
            "LinuxABI", "CHusk", "Platform", "GoferProtocol",
            .product(name: "SystemPackage", package: "swift-system"),
            .product(name: "DequeModule", package: "swift-collections"),
            .product(name: "HeapModule", package: "swift-collections"),
        ]),
        // The git commit of the build (generated before each build by Plugins/GitCommit).
        .target(name: "BuildInfo", plugins: ["GitCommit"]),
        .plugin(name: "GitCommit", capability: .buildTool()),
        // Namespaces, cgroups, root view, seccomp filters, lifecycle.
        .target(name: "Sandbox", dependencies: [
            "LinuxABI", "CHusk", "Gofer", "Sentry", "Platform", "BuildInfo",
            .product(name: "SystemPackage", package: "swift-system"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "husk", dependencies: [
            "Sandbox", "Sentry", "Platform",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], linkerSettings: privateSymbols),
        // No argument-parser (and so no FoundationEssentials): a small, cheap-to-start binary.
        .executableTarget(name: "husk-parts", dependencies: ["Sandbox", "Sentry", "Gofer", "CHusk"], linkerSettings: privateSymbols),
        .testTarget(name: "LinuxABITests", dependencies: ["LinuxABI", "CHusk"]),
        .testTarget(name: "GoferTests", dependencies: ["GoferProtocol", "Gofer", "LinuxABI", "CHusk"]),
        .testTarget(name: "PlatformTests", dependencies: ["Platform", "Sentry", "LinuxABI", "CHusk"]),
        .testTarget(name: "SentryTests", dependencies: ["Sentry", "GoferProtocol", "Gofer", "LinuxABI", "Platform"]),
        .testTarget(name: "SandboxTests", dependencies: ["Sandbox", "Sentry", "Platform"]),
        .testTarget(name: "IntegrationTests", dependencies: [], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)

