/// Where a run files recordings: the one seam between the pipeline and the archive's storage, with two
/// implementations, a folder on a disk or share (`Filer`) and an S3 bucket (`BucketFiler`). Both receive complete,
/// size-checked downloads in a local partial folder and guarantee that a recording's final path only ever holds a
/// complete recording, with its sidecar beside it.
protocol RecordingStore: Sendable {
    /// Checks, before anything is requested, that `item` may be written where the plan puts it.
    /// - Throws: `RecordingFailure` with code `unsafe_path`.
    func checkContainment(of item: DownloadPlan.Item) throws(RecordingFailure)

    /// Drafts the sidecar of a downloaded recording, ready for `file(_:)`.
    /// - Throws: `ArchiverError` when the draft cannot be written.
    func draft(_ file: DownloadedFile) throws(ArchiverError) -> CompletedDownload

    /// Makes complete downloads durable and visible at their final paths, with their sidecars.
    /// - Returns: per download, the recording filed, or why it was not.
    /// - Throws: `ArchiverError` when the archive cannot be written at all (the run stops).
    func file(_ downloads: [CompletedDownload]) async throws(ArchiverError)
        -> [Result<ArchivedRecording, RecordingFailure>]

    /// Writes the missing sidecar of an archived recording, hashing the recording as the archive holds it.
    /// - Throws: `RecordingFailure` for this recording alone, or `ArchiverError` (the run stops).
    func restoreSidecar(of item: DownloadPlan.Item) async throws

    /// The sidecar beside the archived recording of `item`, or why it cannot be used.
    func sidecarRecord(of item: DownloadPlan.Item) async -> Result<Sidecar.Record, Sidecar.Unusable>

    /// The SHA-256 (lowercase hex) and size of the archived recording of `item`, read back whole.
    /// - Throws: `ArchiverError` when it cannot be read.
    func digest(ofRecordingOf item: DownloadPlan.Item) async throws(ArchiverError) -> (hex: String, sizeBytes: Int)
}

extension Filer: RecordingStore {
    func file(_ downloads: [CompletedDownload]) async throws(ArchiverError)
        -> [Result<ArchivedRecording, RecordingFailure>]
    {
        // One registration for the batch: its flushes and renames go to the same storage one after another.
        try StorageWatchdog.shared.guarding("flushing and renaming \(downloads.count) recordings into the archive") {
            () throws(ArchiverError) in try publish(downloads)
        }
    }

    func sidecarRecord(of item: DownloadPlan.Item) async -> Result<Sidecar.Record, Sidecar.Unusable> {
        Sidecar.record(atPath: root.absolute("\(item.relativePath).\(DownloadPlanner.sidecarExtension)"))
    }

    func digest(ofRecordingOf item: DownloadPlan.Item) async throws(ArchiverError) -> (hex: String, sizeBytes: Int) {
        try FileDigest.sha256(ofFileAt: root.absolute(item.recordingPath))
    }
}
