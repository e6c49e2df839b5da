import FoundationEssentials
import Glibc
import Logging
import ObjectStorage

/// Files recordings into an S3 bucket (`RecordingStore`): each download, complete and size-checked in the local
/// spool folder, goes up with its sidecar beside it, both at once (on small recordings the sidecar's request is half
/// the work; one after the other they took twice as long). A run stopped in between may leave a recording without
/// its sidecar: the next run writes it, hashing the recording as the bucket holds it (`restoreSidecar(of:)`).
///
/// An object under a recording's key is always whole and right: the store verifies each request's SHA-256 before it
/// keeps the bytes, a single PutObject is atomic, and a multipart object only appears once complete
/// (`BucketUploads`). Once a recording is up, its spool file and sidecar draft are deleted; a recording that could not
/// be stored keeps its spool file, so that the next run uploads it without downloading it again.
struct BucketFiler: RecordingStore {
    let uploads: BucketUploads
    /// The local folder of partial downloads and sidecar drafts.
    let spoolFolder: String
    /// How many recordings go up at once, shared by the batches published side by side.
    let slots: UploadSlots
    /// How many recordings of one batch are started at once (each then waits for one of the `slots`).
    let concurrentUploads: Int
    /// The unfinished multipart uploads found when the run started, by key: those of a key uploaded again are
    /// aborted first.
    let unfinishedUploads: [String: [MultipartUpload]]

    private var store: BucketStore { uploads.store }

    /// Every key is accepted: a key cannot lead out of the prefix or through a link.
    func checkContainment(of item: DownloadPlan.Item) throws(RecordingFailure) {}

    func draft(_ file: DownloadedFile) throws(ArchiverError) -> CompletedDownload {
        let recording = ArchivedRecording(downloaded: file)
        let sidecarPath = "\(spoolFolder)/sidecar-\(recording.session.id)-\(UUID().uuidString).json"
        try Self.writeDraft(Sidecar.contents(for: recording), to: sidecarPath)
        return CompletedDownload(
            item: file.item, partialPath: file.partialPath, recording: recording, sidecarPath: sidecarPath)
    }

    func file(_ downloads: [CompletedDownload]) async throws(ArchiverError)
        -> [Result<ArchivedRecording, RecordingFailure>]
    {
        var results: [Result<ArchivedRecording, RecordingFailure>] = []
        var stoppingError: ArchiverError?
        await withTaskGroup(of: Result<Result<ArchivedRecording, RecordingFailure>, ArchiverError>.self) { group in
            var pending = downloads[...]
            func addNext() {
                guard let download = pending.popFirst() else { return }
                group.addTask { await slots.run { await upload(download) } }
            }
            for _ in 0..<max(concurrentUploads, 1) { addNext() }
            while let outcome = await group.next() {
                switch outcome {
                case .success(let result):
                    results.append(result)
                    if stoppingError == nil { addNext() }
                case .failure(let error):
                    stoppingError = stoppingError ?? error
                }
            }
        }
        // The recordings stored before the error are in the bucket with their sidecars, out of the catalog: the next
        // run finds them and catalogues them once their bytes match their sidecars (`CatalogHealer`).
        if let stoppingError { throw stoppingError }
        return results
    }

    /// Uploads one recording and its sidecar.
    /// - Returns: the recording filed, or its failure; `.failure` for an error that stops the run.
    private func upload(
        _ download: CompletedDownload
    ) async -> Result<Result<ArchivedRecording, RecordingFailure>, ArchiverError> {
        let recording = download.recording
        let sessionID = recording.session.id
        var check = PublishCheck(expectedBytes: recording.sizeBytes)
        var info = stat()
        check.measured(
            .beforeRename, bytes: lstat(download.partialPath, &info) == 0 ? Int(info.st_size) : nil, errno: errno)
        if let doubt = check.doubt {
            unlink(download.sidecarPath)
            return .success(.failure(check.discard(download.partialPath, doubt, sessionID: sessionID)))
        }
        let key = store.location.key(for: recording.relativePath)
        for upload in unfinishedUploads[key] ?? [] {
            uploads.store.logger.info(
                "aborting the unfinished upload a stopped run left of this recording",
                metadata: ["session.id": "\(sessionID)", "key": "\(key)"])
            await uploads.abort(key: key, uploadID: upload.uploadID)
        }
        do {
            async let sidecar = store.put(
                file: download.sidecarPath, at: "\(download.item.relativePath).\(DownloadPlanner.sidecarExtension)",
                contentType: "application/json")
            try await uploads.upload(
                file: download.partialPath, sizeBytes: recording.sizeBytes, sha256Hex: recording.sha256,
                to: recording.relativePath, contentType: "video/mp4")
            _ = try await sidecar
        } catch let error as S3Error {
            unlink(download.sidecarPath)
            if let stopping = error.runStoppingError { return .failure(stopping) }
            return .success(.failure(error.recordingFailure(sessionID: sessionID)))
        } catch {
            unlink(download.sidecarPath)
            return .failure(.interrupted(archived: 0))
        }
        unlink(download.sidecarPath)
        unlink(download.partialPath)
        return .success(.success(recording))
    }

    func restoreSidecar(of item: DownloadPlan.Item) async throws {
        let digest = try await digest(ofRecordingOf: item)
        let archived = ArchivedRecording(
            session: item.session, relativePath: item.recordingPath, sizeBytes: digest.sizeBytes, sha256: digest.hex,
            archivedAt: Date())
        let draftPath = "\(spoolFolder)/sidecar-\(item.session.id)-\(UUID().uuidString).json"
        try Self.writeDraft(Sidecar.contents(for: archived), to: draftPath)
        defer { unlink(draftPath) }
        do {
            _ = try await store.put(
                file: draftPath, at: "\(item.relativePath).\(DownloadPlanner.sidecarExtension)",
                contentType: "application/json")
        } catch let error as S3Error {
            throw error.runStoppingError ?? error.recordingFailure(sessionID: item.session.id)
        }
    }

    /// Writes a sidecar's draft into the spool, for its upload. Not flushed: the store checks the bytes it receives
    /// against their SHA-256, and a draft lost in a crash is written again (a flush each cost the small shape of the
    /// benchmark two fsyncs per recording).
    /// - Throws: `ArchiverError.archiveUnwritable`; nothing is left behind.
    private static func writeDraft(_ contents: [UInt8], to path: String) throws(ArchiverError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .archiveUnwritable(path: path, errno: errno) }
        let failure = contents.withUnsafeBytes { FileDescriptorWriting.writeAll($0, to: descriptor) }
        if close(descriptor) != 0 || failure != nil {
            let code = failure ?? errno
            unlink(path)
            throw .archiveUnwritable(path: path, errno: code)
        }
    }

    func sidecarRecord(of item: DownloadPlan.Item) async -> Result<Sidecar.Record, Sidecar.Unusable> {
        await BucketSidecars(store: store, spoolFolder: spoolFolder).record(
            at: "\(item.relativePath).\(DownloadPlanner.sidecarExtension)")
    }

    func digest(ofRecordingOf item: DownloadPlan.Item) async throws(ArchiverError) -> (hex: String, sizeBytes: Int) {
        try await BucketSidecars(store: store, spoolFolder: spoolFolder).digest(of: item.recordingPath)
    }
}
