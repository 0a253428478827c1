// swift-tools-version:6.1
// In-process microbenchmarks of the Sentry's hot paths (ordo-one/benchmark). A separate package
// so that the main build and CI never compile it or fetch its dependencies. Sources/* are
// symlinks to the real targets of the root package (as Benchmarks/gofer does).
//
//   swift package --package-path Benchmarks/inprocess --scratch-path .build-inprocess benchmark
import PackageDescription

let package = Package(
    name: "HuskInProcessBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        .target(name: "LinuxABI"),
        .target(name: "CHusk", linkerSettings: [.linkedLibrary("seccomp")]),
        .target(name: "Platform", dependencies: [
            "LinuxABI", "CHusk", .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .target(name: "GoferProtocol", dependencies: [
            "LinuxABI", "CHusk", .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .target(name: "Sentry", dependencies: [
            "LinuxABI", "CHusk", "Platform", "GoferProtocol",
            .product(name: "SystemPackage", package: "swift-system"),
            .product(name: "DequeModule", package: "swift-collections"),
            .product(name: "HeapModule", package: "swift-collections"),
        ]),
        .executableTarget(
            name: "SentryHotPaths",
            dependencies: [
                "Sentry", "GoferProtocol", "Platform", "LinuxABI",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Benchmarks/SentryHotPaths",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
