import FoundationEssentials
import Glibc
import Logging

/// Checks recordings that sit at their final path with the expected size but have no catalog row, so that a run
/// can catalogue them without downloading them again.
///
/// A run that stops between publishing recordings and writing their catalog rows (a kill, a power cut, a catalog
/// write that failed on a share) leaves such recordings behind. Each is read whole and catalogued only when its
/// size is the announced `video.size` and its SHA-256 equals the one its sidecar recorded when it was downloaded.
/// A recording that fails the check stays where it is, out of the catalog, and is reported: with a size that
/// matches we cannot tell whether the recording or its sidecar is wrong, so the admin decides (`verify` lists it).
struct CatalogHealer: Sendable {
    /// The archive the recordings are in.
    let store: any RecordingStore
    let logger: Logger

    /// Checks each of `items` (archived recordings the catalog lacks) against its sidecar.
    /// - Returns: per item, the recording to catalogue, or why it is not catalogued.
    /// - Throws: `ArchiverError.interrupted` when the run is cancelled (a signal) between two recordings.
    func check(_ items: [DownloadPlan.Item]) async throws(ArchiverError)
        -> [Result<ArchivedRecording, RecordingFailure>]
    {
        var results: [Result<ArchivedRecording, RecordingFailure>] = []
        for item in items {
            if Task.isCancelled { throw .interrupted(archived: 0) }
            let result = await check(item)
            switch result {
            case .success(let recording):
                logger.info(
                    "catalogued from disk",
                    metadata: ["session.id": "\(item.session.id)", "path": "\(recording.relativePath)"])
            case .failure(let failure):
                logger.warning(
                    "recording on disk not catalogued",
                    metadata: ["session.id": "\(item.session.id)", "reason": "\(failure.reason)"])
            }
            results.append(result)
        }
        return results
    }

    private func check(_ item: DownloadPlan.Item) async -> Result<ArchivedRecording, RecordingFailure> {
        let relativePath = item.recordingPath
        let sidecarPath = "\(item.relativePath).\(DownloadPlanner.sidecarExtension)"
        let expectedBytes = item.session.video.sizeBytes
        func failure(_ code: RecordingFailure.Code, _ problem: String) -> Result<ArchivedRecording, RecordingFailure> {
            .failure(
                RecordingFailure(
                    sessionID: item.session.id, code: code,
                    reason: "\(relativePath) is at its final path but not in the catalog, and \(problem); it was "
                        + "left out of the catalog. Check it (getscreen-archiver verify lists it), then move it "
                        + "aside and run a sync to download it again"))
        }
        let sidecar: Sidecar.Record
        switch await store.sidecarRecord(of: item) {
        case .success(let record): sidecar = record
        case .failure(let problem): return failure(.sidecarUnusable, "its sidecar \(sidecarPath) \(problem.reason)")
        }
        guard sidecar.sessionID == item.session.id else {
            return failure(
                .sidecarMismatch, "its sidecar \(sidecarPath) describes session \(sidecar.sessionID)")
        }
        let digest: (hex: String, sizeBytes: Int)
        do throws(ArchiverError) {
            digest = try await store.digest(ofRecordingOf: item)
        } catch {
            guard case .archiveUnwritable(_, let code) = error else { return failure(.unreadable, "\(error)") }
            return failure(.unreadable, "it cannot be read (\(String(cString: strerror(code))))")
        }
        guard digest.sizeBytes == expectedBytes else {
            return failure(.sizeMismatch, "it holds \(digest.sizeBytes) bytes, the API announces \(expectedBytes)")
        }
        guard digest.hex == sidecar.sha256 else {
            return failure(
                .sidecarMismatch,
                "its SHA-256 \(digest.hex) differs from \(sidecar.sha256), recorded in \(sidecarPath) when it was "
                    + "downloaded")
        }
        return .success(
            ArchivedRecording(
                session: item.session, relativePath: relativePath, sizeBytes: digest.sizeBytes, sha256: digest.hex,
                archivedAt: sidecar.archivedAt ?? Date()))
    }
}
