public import FoundationEssentials

/// A recording that is complete and in place: what the catalog records.
public struct ArchivedRecording: Sendable, Equatable {
    /// The session the recording belongs to.
    public var session: Session
    /// The recording's path below the archive root, with its `.mp4` extension.
    public var relativePath: String
    /// The recording's size in bytes (equal to `video.size`).
    public var sizeBytes: Int
    /// The SHA-256 of the recording, lowercase hex, computed while it streamed.
    public var sha256: String
    /// When it was filed.
    public var archivedAt: Date
}

/// A recording whose partial file is complete and size-checked, not yet durable nor in place.
public struct CompletedDownload: Sendable {
    /// The planned item, with the session as it was downloaded (its URL may have been refreshed).
    public var item: DownloadPlan.Item
    /// The partial file in the archive's temporary folder.
    public var partialPath: String
    /// What the catalog will record once the recording is published.
    public var recording: ArchivedRecording
    /// Its sidecar's draft in the archive's temporary folder, written by `Filer.draftSidecar(for:)`.
    public var sidecarPath: String
}
