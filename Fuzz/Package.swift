// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for getscreen-archiver. Kept out of the main package so that `swift build` and `swift test`
// never compile them; build and run one with `scripts/fuzz TARGET SECONDS` from the repository root.
let package = Package(
    name: "getscreen-archiver-fuzz",
    dependencies: [
        .package(name: "getscreen-archiver", path: "..")
    ],
    targets: [
        .executableTarget(
            name: "FuzzPageDecoder",
            dependencies: [.product(name: "ArchiverCore", package: "getscreen-archiver")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .executableTarget(
            name: "FuzzArchiveLayout",
            dependencies: [.product(name: "ArchiverCore", package: "getscreen-archiver")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
    ]
)
