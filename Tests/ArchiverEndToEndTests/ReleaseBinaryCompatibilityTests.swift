import ArchiverTestSupport
import Foundation
import Testing

/// The release binary (the one `scripts/demo` builds and `scripts/package-deb` ships) starts on the oldest supported
/// system, Ubuntu 22.04 with glibc 2.35: `scripts/check-binary` reads its version needs with `readelf -V` and
/// refuses GLIBC_ABI_DT_RELR and anything above GLIBC_2.35.
@Suite struct ReleaseBinaryCompatibilityTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let releaseBinary = "\(packageRoot)/.build/release/getscreen-archiver"
    static let releaseSimulator = "\(packageRoot)/.build/release/getscreen-simulator"

    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: releaseBinary),
            "no release build: scripts/demo makes one"))
    func releaseBinaryNeedsNothingAboveGlibc235() async throws {
        let binaries = [Self.releaseBinary, Self.releaseSimulator].filter {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        let result = try await check(binaries)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("runs on glibc 2.35+"), "\(result.stdout)")
    }

    /// Real binaries that need what Ubuntu 22.04 lacks, built by the C compiler the toolchain links with: packed
    /// relative relocations (GLIBC_ABI_DT_RELR) and `arc4random`, new in glibc 2.36.
    @Test(arguments: [
        (["-Wl,-z,pack-relative-relocs"], "int main(void) { return 0; }", "GLIBC_ABI_DT_RELR"),
        ([], "#include <stdlib.h>\nint main(void) { return (int)arc4random(); }", "GLIBC_2.36 (above GLIBC_2.35)"),
    ])
    func checkRefusesWhatGlibc235Lacks(flags: [String], source: String, need: String) async throws {
        let workspace = try TemporaryDirectory()
        defer { workspace.remove() }
        try source.write(toFile: "\(workspace.path)/main.c", atomically: true, encoding: .utf8)
        let compiled = try await ArchiverProcess.run(
            flags + ["-o", "\(workspace.path)/main", "\(workspace.path)/main.c"], in: workspace.path,
            executable: "/usr/bin/cc")
        try #require(compiled.exitCode == 0, "\(compiled.stderr)")

        let result = try await check(["\(workspace.path)/main"])

        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("would not start on Ubuntu 22.04"), "\(result.stderr)")
        #expect(result.stderr.contains(need), "\(result.stderr)")
    }

    private func check(_ binaries: [String]) async throws -> CommandResult {
        try await ArchiverProcess.run(
            binaries, in: Self.packageRoot, executable: "\(Self.packageRoot)/scripts/check-binary")
    }
}
