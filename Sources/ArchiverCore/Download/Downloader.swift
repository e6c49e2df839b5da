public import Curl
import Foundation
import Glibc
public import Logging

/// Fetches one planned recording into a temporary file, checks it, and hands it to the `Filer`.
public struct Downloader: Sendable {
    private let transport: CurlMulti
    private let key: APIKey
    private let policy: MediaURLPolicy
    private let root: ArchiveRoot
    private let filer: Filer
    private let progress: any RunProgressObserver
    private let logger: Logger

    /// Creates a downloader that writes below `root` and reports to `progress`.
    public init(
        transport: CurlMulti,
        key: APIKey,
        policy: MediaURLPolicy,
        root: ArchiveRoot,
        progress: any RunProgressObserver = NoProgressObserver(),
        logger: Logger
    ) {
        self.transport = transport
        self.key = key
        self.policy = policy
        self.root = root
        self.filer = Filer(root: root)
        self.progress = progress
        self.logger = logger
    }

    /// Downloads and files `item`. The recording appears at its final path only complete and size-checked.
    /// - Returns: the recording as filed, with the SHA-256 computed while it streamed.
    /// - Throws: `RecordingFailure` for this recording alone; `ArchiverError` when the archive itself cannot
    ///   be written (the run must stop); `CancellationError`.
    public func download(_ item: DownloadPlan.Item) async throws -> ArchivedRecording {
        let session = item.session
        let url = try policy.authorize(session.video.url, for: session.id, key: key)
        let temporaryPath = "\(root.temporaryFolder)/\(session.id)-\(UUID().uuidString).mp4.part"
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw ArchiverError.archiveUnwritable(path: temporaryPath, errno: errno) }
        var isOpen = true
        defer {
            if isOpen { close(descriptor) }
            unlink(temporaryPath)  // no-op once filed
        }

        logger.debug("downloading", metadata: ["session.id": "\(session.id)", "url": "\(URLRedaction.redacted(url))"])
        let sink = DownloadBodySink(sessionID: session.id, progress: progress)
        let response: TransferResponse
        do {
            response = try await transport.perform(
                TransferRequest(url: url, destination: .file(descriptor: descriptor)))
        } catch let error as CurlError {
            if case .write(let writeErrno) = error.kind {
                throw ArchiverError.archiveUnwritable(path: temporaryPath, errno: writeErrno)
            }
            throw RecordingFailure(sessionID: session.id, code: error.slug, reason: "download failed: \(error)")
        }
        guard response.statusCode == 200 else {
            throw RecordingFailure(
                sessionID: session.id,
                code: "http_\(response.statusCode)",
                reason: "the media server answered HTTP \(response.statusCode) for \(URLRedaction.redacted(url))"
            )
        }
        guard response.bytesWritten == session.video.sizeBytes else {
            throw RecordingFailure(
                sessionID: session.id,
                code: "size_mismatch",
                reason: "size mismatch: got \(response.bytesWritten), expected \(session.video.sizeBytes)"
            )
        }
        guard fsync(descriptor) == 0 else { throw ArchiverError.archiveUnwritable(path: temporaryPath, errno: errno) }
        close(descriptor)
        isOpen = false

        let archived = ArchivedRecording(
            session: session,
            relativePath: "\(item.relativePath).\(DownloadPlanner.recordingExtension)",
            sizeBytes: response.bytesWritten,
            sha256: sink.hexDigest(),
            archivedAt: Date()
        )
        try filer.file(recordingAt: temporaryPath, as: item, sidecar: Sidecar.contents(for: archived))
        logger.info(
            "archived",
            metadata: [
                "session.id": "\(session.id)", "path": "\(archived.relativePath)", "bytes": "\(archived.sizeBytes)",
            ]
        )
        return archived
    }

    /// Writes the sidecar of an archived recording whose sidecar is missing, hashing the recording on disk.
    /// - Throws: `ArchiverError.archiveUnwritable`.
    public func restoreSidecar(of item: DownloadPlan.Item) throws(ArchiverError) {
        let relativePath = "\(item.relativePath).\(DownloadPlanner.recordingExtension)"
        let digest = try FileDigest.sha256(ofFileAt: root.absolute(relativePath))
        let archived = ArchivedRecording(
            session: item.session,
            relativePath: relativePath,
            sizeBytes: digest.sizeBytes,
            sha256: digest.hex,
            archivedAt: Date()
        )
        try filer.writeSidecar(Sidecar.contents(for: archived), for: item.relativePath)
    }
}
