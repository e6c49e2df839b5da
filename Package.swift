// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// How the release binary is linked (with `--static-swift-stdlib` on the command line, see README): only the symbols
/// the shared libraries need exported (a 14 KiB dynamic symbol table instead of 570 KiB, about 1.8 MiB less peak
/// RSS; see Benchmarks/README.md). Relative relocations are not packed (`-z pack-relative-relocs`, DT_RELR): that
/// makes the binary need glibc 2.36 (GLIBC_ABI_DT_RELR), which Ubuntu 22.04 lacks, for about 1 MiB of peak RSS
/// (the 1.1 MiB relocation table the loader reads at start). `scripts/check-binary` keeps it that way.
let releaseLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-use-ld=lld",
            "-Xlinker", "--no-export-dynamic",
        ],
        .when(platforms: [.linux], configuration: .release)
    )
]

let package = Package(
    name: "getscreen-archiver",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "getscreen-archiver", targets: ["getscreen-archiver"]),
        // The API simulator as a process, for `getscreen-archiver demo`.
        .executable(name: "getscreen-simulator", targets: ["getscreen-simulator"]),
        // For the fuzz targets in Fuzz/, a separate package so that `swift build` never compiles them.
        .library(name: "ArchiverCore", targets: ["ArchiverCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        .systemLibrary(name: "CLinux"),
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"]), .brew(["libyaml"])]
        ),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"]), .brew(["libxml2"])]
        ),
        .target(
            name: "Curl",
            dependencies: ["CCurl", "CLinux"],
            swiftSettings: swiftSettings
        ),
        // Self-contained pieces, in targets of their own so that the compiler keeps them free of ArchiverCore.
        .target(name: "JSON", swiftSettings: swiftSettings),
        .target(name: "YAML", dependencies: ["CYAML"], swiftSettings: swiftSettings),
        .target(name: "SQLite", dependencies: ["CSQLite"], swiftSettings: swiftSettings),
        // An S3 client on the Curl driver: the archive's destination when `archive.root` is `s3://`.
        .target(
            name: "ObjectStorage",
            dependencies: ["Curl", "CLibXML2", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ArchiverCore",
            dependencies: [
                "Curl",
                "CLinux",
                "CSQLite",
                "JSON",
                "ObjectStorage",
                "SQLite",
                "YAML",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GetscreenSimulator",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "getscreen-archiver",
            dependencies: [
                "ArchiverCore",
                "CLinux",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: releaseLinkerSettings
        ),
        .executableTarget(
            name: "getscreen-simulator",
            dependencies: ["GetscreenSimulator"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ArchiverTestSupport",
            dependencies: [
                "ArchiverCore", "CSQLite", "Curl", "GetscreenSimulator", "JSON", "ObjectStorage", "SQLite",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/ArchiverTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CurlTests",
            dependencies: ["Curl", "GetscreenSimulator", "ArchiverTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ObjectStorageTests",
            dependencies: ["ObjectStorage", "Curl", "ArchiverTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GetscreenSimulatorTests",
            dependencies: ["GetscreenSimulator"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArchiverCoreTests",
            dependencies: [
                "ArchiverCore", "GetscreenSimulator", "Curl", "ArchiverTestSupport", "JSON", "ObjectStorage", "SQLite",
                "YAML",
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArchiverEndToEndTests",
            dependencies: ["getscreen-archiver", "GetscreenSimulator", "ArchiverTestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
