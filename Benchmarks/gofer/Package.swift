// swift-tools-version:6.0
// Gofer round-trip benchmark. A separate package so that the main build never pays for it;
// its Sources/CHusk, GoferProtocol and Gofer are symlinks to the real targets.
import PackageDescription

let package = Package(
    name: "GoferBenchmark",
    dependencies: [.package(url: "https://github.com/apple/swift-system", from: "1.8.1")],
    targets: [
        .target(name: "CHusk", linkerSettings: [.linkedLibrary("seccomp")]),
        .target(name: "GoferProtocol", dependencies: ["CHusk", .product(name: "SystemPackage", package: "swift-system")]),
        .target(name: "Gofer", dependencies: ["CHusk", "GoferProtocol", .product(name: "SystemPackage", package: "swift-system")]),
        .executableTarget(name: "gofer-bench", dependencies: ["CHusk", "GoferProtocol", "Gofer"]),
    ],
    swiftLanguageModes: [.v6]
)
