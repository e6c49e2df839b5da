// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for getscreen-archiver. Kept out of the main package so that `swift build` and `swift test`
// never compile them; build and run one with `scripts/fuzz TARGET SECONDS` from the repository root.
let package = Package(
    name: "getscreen-archiver-fuzz",
    dependencies: [
        .package(name: "getscreen-archiver", path: "../..")
    ],
    targets: [
        .target(name: "FuzzDriver"),
        .executableTarget(
            name: "FuzzPageDecoder",
            dependencies: ["FuzzDriver", .product(name: "ArchiverCore", package: "getscreen-archiver")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .executableTarget(
            name: "FuzzArchiveLayout",
            dependencies: ["FuzzDriver", .product(name: "ArchiverCore", package: "getscreen-archiver")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .executableTarget(
            name: "FuzzConfigurationFile",
            dependencies: ["FuzzDriver", .product(name: "ArchiverCore", package: "getscreen-archiver")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
    ]
)
