import FoundationEssentials

/// A recording that is complete and in place: what the catalog records.
struct ArchivedRecording: Sendable, Equatable {
    /// The session the recording belongs to.
    var session: Session
    /// The recording's path below the archive root, with its `.mp4` extension.
    var relativePath: String
    /// The recording's size in bytes (equal to `video.size`).
    var sizeBytes: Int
    /// The SHA-256 of the recording, lowercase hex, computed while it streamed.
    var sha256: String
    /// When it was filed.
    var archivedAt: Date
}

extension ArchivedRecording {
    /// The recording a complete download becomes, filed now at its planned path.
    init(downloaded file: DownloadedFile) {
        self.init(
            session: file.item.session, relativePath: file.item.recordingPath,
            sizeBytes: file.item.session.video.sizeBytes, sha256: file.sha256, archivedAt: Date())
    }
}

/// A recording whose partial file is complete and size-checked, not yet durable nor in place.
struct CompletedDownload: Sendable {
    /// The planned item, with the session as it was downloaded (its URL may have been refreshed).
    var item: DownloadPlan.Item
    /// The partial file in the archive's temporary folder.
    var partialPath: String
    /// What the catalog will record once the recording is published.
    var recording: ArchivedRecording
    /// Its sidecar's draft in the archive's temporary folder, written by `Filer.draftSidecar(for:)`.
    var sidecarPath: String
}
