import Foundation
import Testing

/// `scripts/check-layers` (run by `scripts/test` before the suite) holds the layers of ArchiverCore: it passes on
/// the sources as they are, and refuses a folder that names a type of a folder above it or beside it.
@Suite struct LayerRuleTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs the script on `sources`; returns its exit status and output.
    static func checkLayers(_ sources: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.packageRoot.appendingPathComponent("scripts/check-layers").path, sources]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// A copy of the sources, with `file` added at `path` below ArchiverCore.
    static func sources(adding file: String, at path: String) throws -> String {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("layers-\(UUID().uuidString)")
        try FileManager.default.copyItem(
            at: Self.packageRoot.appendingPathComponent("Sources/ArchiverCore"),
            to: copy.appendingPathComponent("ArchiverCore"))
        try file.write(to: copy.appendingPathComponent("ArchiverCore/\(path)"), atomically: true, encoding: .utf8)
        return copy.path
    }

    @Test func theSourcesHoldTheLayers() throws {
        let result = try Self.checkLayers(Self.packageRoot.appendingPathComponent("Sources").path)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("layers hold"))
    }

    @Test func aFolderThatUsesOneAboveItIsRefused() throws {
        // The downloader naming the configuration, as it did before the layers.
        let sources = try Self.sources(
            adding: "extension Downloader { func settings(_ c: ArchiverConfiguration) {} }\n",
            at: "Download/Upward.swift")
        defer { try? FileManager.default.removeItem(atPath: sources) }
        let result = try Self.checkLayers(sources)
        #expect(result.status == 1)
        #expect(result.output.contains("Download uses ArchiverConfiguration from Config, which is not below it"))
    }

    @Test func foldersOfOneLayerMayNotUseEachOther() throws {
        let sources = try Self.sources(
            adding: "extension AtomicFile { static let policy: RetryPolicy? = nil }\n", at: "FileSystem/Sideways.swift")
        defer { try? FileManager.default.removeItem(atPath: sources) }
        let result = try Self.checkLayers(sources)
        #expect(result.status == 1)
        #expect(result.output.contains("FileSystem uses RetryPolicy from Retry"))
    }

    @Test func aNewFolderMustBePlacedInALayer() throws {
        let sources = try Self.sources(adding: "struct Bucket {}\n", at: "Base/Bucket.swift")
        defer { try? FileManager.default.removeItem(atPath: sources) }
        let destination = "\(sources)/ArchiverCore/Destination"
        try FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        try "struct ObjectStore {}\n".write(
            toFile: "\(destination)/ObjectStore.swift", atomically: true, encoding: .utf8)
        let result = try Self.checkLayers(sources)
        #expect(result.status == 1)
        #expect(result.output.contains("Destination: a folder that is not in a layer"))
    }
}
