import ArchiverTestSupport
import Foundation
import Glibc
import Logging
import Testing

@testable import ArchiverCore
@testable import JSON

/// `Filer.publish` on real files: a recording whose bytes the storage does not confirm never stays at its final
/// path, is not handed to the catalog, and is planned again.
@Suite struct FilerPublishCheckTests {
    let logger = Logger(label: "test")

    static func session(id: Int, size: Int) throws -> Session {
        try Session(
            listItem: .object([
                "id": .integer(id),
                "start": .integer(1_608_660_273 + id),
                "agent": .object(["id": .integer(1001), "name": .string("PC")]),
                "video": .object(["url": .string("https://st.getscreen.me/\(id).mp4"), "size": .integer(size)]),
            ])
        )
    }

    /// Writes a complete partial file of `size` bytes for a new session and describes it as `Downloader` does.
    static func completedDownload(id: Int, size: Int, in root: ArchiveRoot, filer: Filer) throws -> CompletedDownload {
        let session = try session(id: id, size: size)
        let relativePath = try #require(
            DownloadPlanner(layout: .default, timeZone: ArchiveTimeZone.utc).plan([session]) { _ in nil }
                .downloads.first?.relativePath)
        let partialPath = "\(root.temporaryFolder)/\(Downloader.partialFileName(for: session))"
        #expect(FileManager.default.createFile(atPath: partialPath, contents: Data(repeating: UInt8(id), count: size)))
        let recording = ArchivedRecording(
            session: session, relativePath: "\(relativePath).mp4", sizeBytes: size, sha256: "0", archivedAt: Date())
        return CompletedDownload(
            item: DownloadPlan.Item(session: session, relativePath: relativePath, existingWrongSize: nil),
            partialPath: partialPath, recording: recording, sidecarPath: try filer.draftSidecar(for: recording))
    }

    /// Issue 11, case 1, on a local disk: the partial file loses its last bytes between the download and the
    /// publishing (as a share's lost write does). Before: it was renamed to its final path and catalogued.
    @Test func aRecordingTruncatedAfterItsDownloadNeverReachesItsFinalPath() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let root = try ArchiveRoot(path: folder.path)
        try root.createFolders("\(ArchiveRoot.stateFolderName)/tmp")
        let filer = Filer(root: root, modeCheck: ModeCheck(logger: logger))
        let intact = try Self.completedDownload(id: 1, size: 5000, in: root, filer: filer)
        let truncated = try Self.completedDownload(id: 2, size: 8000, in: root, filer: filer)
        #expect(truncate(truncated.partialPath, 6000) == 0)

        let results = try filer.publish([intact, truncated])

        #expect(results.count == 2)
        #expect((try? results[0].get()) == intact.recording)
        #expect(root.fileSize(intact.recording.relativePath) == 5000)
        guard case .failure(let failure) = results[1] else {
            Issue.record("the truncated recording was published")
            return
        }
        #expect(failure.sessionID == 2)
        #expect(failure.code == .storageSizeMismatch)
        #expect(failure.reason.contains("holds 6000 bytes of the recording before moving it into place"))
        #expect(failure.reason.contains("will be fetched again next run"))
        // Nothing of it stays: not at its final path, no sidecar, no partial file to resume from.
        #expect(root.fileSize(truncated.recording.relativePath) == nil)
        #expect(root.fileSize("\(truncated.item.relativePath).json") == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.temporaryFolder).isEmpty)
        // The next run plans it again, and only it.
        let plan = DownloadPlanner(layout: .default, timeZone: ArchiveTimeZone.utc)
            .plan([intact.item.session, truncated.item.session], fileSize: root.fileSizeReader())
        #expect(plan.downloads.map(\.session.id) == [2])
    }
}
