import Curl
import FoundationEssentials
import Glibc
import Logging

/// Fetches one planned recording into a partial file, retrying and resuming as needed, and checks it.
///
/// The partial file is named after the session id and the expected size, `<id>-<size>.part` in the
/// archive's temporary folder, so that an interrupted download (a dropped connection, a killed process)
/// resumes with `Range: bytes=N-` on the next attempt or the next run.
struct Downloader: Sendable {
    /// Finds a fresh URL for a session's recording (`history/info`), for media URLs that expired (403).
    typealias URLRefresher = @Sendable (_ sessionID: Int) async throws(ArchiverError) -> String?

    /// What a downloader takes from the configuration.
    struct Settings: Sendable {
        /// The key, sent only to the hosts `mediaPolicy` allows.
        var key: APIKey
        /// Which media URLs and redirects may be requested.
        var mediaPolicy: MediaURLPolicy
        /// How often and how patiently a failed transfer is tried again.
        var retry: RetryPolicy
        /// How long a connection may take to open.
        var connectTimeout: Duration
        /// How long a transfer may go without receiving a byte.
        var stallTimeout: Duration
        /// The permission bits of partial files (kept by the rename into place).
        var fileMode: UInt32

        init(
            key: APIKey, mediaPolicy: MediaURLPolicy, retry: RetryPolicy, connectTimeout: Duration,
            stallTimeout: Duration, fileMode: UInt32
        ) {
            self.key = key
            self.mediaPolicy = mediaPolicy
            self.retry = retry
            self.connectTimeout = connectTimeout
            self.stallTimeout = stallTimeout
            self.fileMode = fileMode
        }
    }

    private let transport: CurlMulti
    private let settings: Settings
    private var policy: MediaURLPolicy { settings.mediaPolicy }
    private var retry: RetryPolicy { settings.retry }
    /// The folder of partial files (the archive's temporary folder).
    private let partialFolder: String
    private let storage: StorageGuard
    private let modeCheck: ModeCheck
    /// Whether each recording is fsync'ed on its own descriptor before it is published: on NFS, SMB and FUSE
    /// shares, where `syncfs` does not reach the server (see `FileSystemKind.flushesWithSyncfs`).
    private let flushesEachFile: Bool
    private let refreshURL: URLRefresher
    private let progress: any RunProgressObserver
    private let logger: Logger

    /// Creates a downloader that writes partial files into `partialFolder`, reserving their room in `storage`,
    /// reporting to `progress`, their modes checked by `modeCheck`; `flushesEachFile` on shares (see above).
    init(
        transport: CurlMulti,
        settings: Settings,
        partialFolder: String,
        flushesEachFile: Bool,
        storage: StorageGuard,
        modeCheck: ModeCheck,
        refreshURL: @escaping URLRefresher = { _ throws(ArchiverError) in nil },
        progress: any RunProgressObserver = NoProgressObserver(),
        logger: Logger
    ) {
        self.transport = transport
        self.settings = settings
        self.partialFolder = partialFolder
        self.storage = storage
        self.modeCheck = modeCheck
        self.flushesEachFile = flushesEachFile
        self.refreshURL = refreshURL
        self.progress = progress
        self.logger = logger
    }

    /// The partial file of `session`'s recording.
    static func partialFileName(for session: Session) -> String {
        "\(session.id)-\(session.video.sizeBytes).part"
    }

    /// Downloads `item` into its partial file until it is complete and size-checked, then seals it: on shares an
    /// fsync on the descriptor that wrote it, then its size on that descriptor, then its close, each checked.
    /// `Filer.draft(_:)` then writes its sidecar and `Filer.publish(_:)` moves both into place, in a batch with
    /// others (flushing it first on local disks).
    /// - Returns: the sealed partial file, with the SHA-256 computed while it streamed.
    /// - Throws: `RecordingFailure` for this recording alone (`storage_*` when the storage does not confirm its
    ///   bytes; the partial file is then deleted); `ArchiverError` when the run must stop (the
    ///   archive cannot be written or is full, the key is rejected, the plan's limit is exceeded);
    ///   `CancellationError`.
    func download(_ item: DownloadPlan.Item) async throws -> DownloadedFile {
        var session = item.session
        let expected = session.video.sizeBytes
        var url = try policy.authorize(session.video.url, for: session.id, key: settings.key)
        let partialPath = "\(partialFolder)/\(Self.partialFileName(for: session))"
        let fileMode = mode_t(settings.fileMode)
        let watchdog = StorageWatchdog.shared
        let descriptor = watchdog.guarding("opening \(partialPath)") {
            open(partialPath, O_RDWR | O_CREAT | O_CLOEXEC, fileMode)
        }
        guard descriptor >= 0 else { throw ArchiverError.archiveUnwritable(path: partialPath, errno: errno) }
        var isOpen = true
        // Left for the next attempt or run to resume only when its close confirms the bytes written: a share may
        // report a lost write only there, and a resume would build on what it lost.
        defer {
            if isOpen, watchdog.guarding("closing \(partialPath)", { close(descriptor) }) != 0 { unlink(partialPath) }
        }
        // The transfer engine writes the body; the slot shows the watchdog a write that does not return.
        let storageSlot = watchdog.addSlot("writing \(partialPath)")
        defer { watchdog.remove(storageSlot) }
        // open applies the umask; the configured mode is meant exactly, and the rename keeps it.
        try modeCheck.apply(UInt32(fileMode), to: descriptor, at: partialPath)

        var attempts = TransferAttempts(maximumAttempts: retry.attempts)
        /// Does what `attempts` decided after an attempt failed with `failure`; returns when the next one is to start.
        func carryOut(_ action: TransferAttempts.Action, after failure: RecordingFailure) async throws {
            switch action {
            case .retryNow(let partialFile):
                dispose(partialFile)
            case .retry(let failedAttempt, let retryAfter, let partialFile):
                dispose(partialFile)
                let delay = retry.delay(afterAttempt: failedAttempt, retryAfter: retryAfter)
                logger.warning(
                    "download failed; retrying",
                    metadata: [
                        "session.id": "\(session.id)", "attempt": "\(failedAttempt)", "reason": "\(failure.reason)",
                        "delay_seconds": "\(delay.secondsText)",
                    ]
                )
                try await Task.sleep(for: delay)
            case .refreshURL:
                guard let fresh = try await refreshURL(session.id) else {
                    return try await carryOut(attempts.urlRefreshUnavailable(), after: failure)
                }
                session.video.url = fresh
                url = try policy.authorize(fresh, for: session.id, key: settings.key)
                logger.info(
                    "media URL refused (403); retrying with a fresh URL", metadata: ["session.id": "\(session.id)"])
                try await carryOut(attempts.urlRefreshed(), after: failure)
            case .giveUp(let failure, let partialFile):
                dispose(partialFile)
                throw failure
            }
        }
        func dispose(_ partialFile: TransferAttempts.PartialFile) {
            switch partialFile {
            case .keep: break
            case .truncate: ftruncate(descriptor, 0)
            case .delete: unlink(partialPath)
            }
        }
        while true {
            try Task.checkCancellation()
            let sink = DownloadBodySink(sessionID: session.id, progress: progress, storageSlot: storageSlot)
            let resumeOffset = try prepare(descriptor, at: partialPath, expected: expected, sink: sink)
            attempts.attemptStarted(resumingAt: resumeOffset)
            let remaining = expected - resumeOffset
            try storage.reserve(remaining)
            let outcome: AttemptOutcome
            do {
                defer { storage.release(remaining) }
                outcome = try await transfer(
                    url, into: descriptor, resumingAt: resumeOffset, expected: expected, sink: sink, session: session)
            } catch let error as ArchiverError {
                if case .insufficientSpace = error { unlink(partialPath) }
                throw error
            }
            guard case .failed(let failure, let retryAfter) = outcome else {
                attempts.attemptSucceeded()
                isOpen = false
                return try completed(
                    item, session: session, descriptor: descriptor, partialPath: partialPath, sink: sink)
            }
            try await carryOut(attempts.attemptFailed(failure, retryAfter: retryAfter), after: failure)
        }
    }

    /// What one attempt came to; `TransferAttempts` decides what follows a failure.
    private enum AttemptOutcome {
        /// The partial file holds exactly the expected bytes.
        case complete
        /// The attempt failed; `retryAfter` is the server's `Retry-After`, when it sent one.
        case failed(RecordingFailure, retryAfter: Duration?)
    }

    /// Positions the partial file for the next attempt and feeds the bytes it already holds to `sink`.
    /// - Returns: the offset to resume from.
    private func prepare(
        _ descriptor: Int32,
        at path: String,
        expected: Int,
        sink: DownloadBodySink
    ) throws(ArchiverError) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .archiveUnwritable(path: path, errno: errno) }
        var existing = Int(info.st_size)
        if existing > expected {
            guard ftruncate(descriptor, 0) == 0 else { throw .archiveUnwritable(path: path, errno: errno) }
            existing = 0
        }
        if existing > 0 {
            try hashExistingBytes(descriptor, count: existing, path: path, into: sink)
        }
        guard lseek(descriptor, off_t(existing), SEEK_SET) == existing else {
            throw .archiveUnwritable(path: path, errno: errno)
        }
        return existing
    }

    private func hashExistingBytes(
        _ descriptor: Int32,
        count: Int,
        path: String,
        into sink: DownloadBodySink
    ) throws(ArchiverError) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: FileDigest.blockSize, alignment: 16)
        defer { buffer.deallocate() }
        var offset = 0
        while offset < count {
            let read = pread(descriptor, buffer.baseAddress!, min(buffer.count, count - offset), off_t(offset))
            if read < 0 && errno == EINTR { continue }
            guard read > 0 else { throw .archiveUnwritable(path: path, errno: read < 0 ? errno : EIO) }
            sink.include(UnsafeRawBufferPointer(rebasing: buffer[..<read]))
            offset += read
        }
    }

    /// One transfer attempt, classified.
    private func transfer(
        _ originalURL: String,
        into descriptor: Int32,
        resumingAt resumeOffset: Int,
        expected: Int,
        sink: DownloadBodySink,
        session: Session
    ) async throws -> AttemptOutcome {
        if resumeOffset == expected { return .complete }
        logger.debug(
            "downloading",
            metadata: [
                "session.id": "\(session.id)", "url": "\(URLRedaction.redacted(originalURL))",
                "resume_from": "\(resumeOffset)",
            ]
        )
        progress.transferStarted(sessionID: session.id, expectedBytes: expected - resumeOffset)
        var request = TransferRequest(
            url: originalURL,
            destination: .file(descriptor: descriptor, observer: sink),
            connectTimeout: settings.connectTimeout,
            lowSpeedLimit: (1, settings.stallTimeout),
            resumeOffset: resumeOffset
        )
        request.isBandwidthLimited = true
        let response: TransferResponse
        let url: String
        do {
            defer { sink.transferEnded() }
            let followed = try await RedirectFollower(
                transport: transport, policy: policy, key: settings.key, logger: logger
            ).perform(request, sessionID: session.id)
            (response, url) = (followed.response, followed.url)
        } catch let refused as RecordingFailure {
            return .failed(refused, retryAfter: nil)
        } catch let error as CurlError {
            if case .write(let writeErrno) = error.kind {
                throw writeErrno == ENOSPC
                    ? storage.insufficientSpace(stillNeeding: expected - resumeOffset)
                    : ArchiverError.archiveUnwritable(path: partialFolder, errno: writeErrno)
            }
            let failure = RecordingFailure(
                sessionID: session.id, code: RecordingFailure.Code(error), reason: "download failed: \(error)")
            return .failed(failure, retryAfter: nil)
        }

        let status = response.statusCode
        var failure: RecordingFailure {
            RecordingFailure(
                sessionID: session.id,
                code: .http(status: status),
                reason: "the media server answered HTTP \(status) for \(URLRedaction.redacted(url))"
            )
        }
        switch status {
        case 200, 206:
            let total = (response.restartedFromZero ? 0 : resumeOffset) + response.bytesWritten
            guard total == expected else {
                let mismatch = RecordingFailure(
                    sessionID: session.id,
                    code: .sizeMismatch,
                    reason: "size mismatch: got \(total), expected \(expected)"
                )
                return .failed(mismatch, retryAfter: nil)
            }
            return .complete
        case 401:
            throw ArchiverError.apiKeyRejected(status: status, message: nil)
        case 402:
            throw ArchiverError.requestLimitExceeded(message: nil)
        default:
            return .failed(failure, retryAfter: RetryPolicy.retryAfter(in: response.headers))
        }
    }

    /// Seals the complete partial file written through `descriptor`: fsyncs it where `syncfs` cannot be trusted,
    /// checks its size on the descriptor, and closes it, each checked. Done here, beside the other transfers,
    /// rather than in the publishing batch: on a share each of these calls is a round trip to the server.
    /// - Throws: `RecordingFailure` (`storage_*`) when the storage does not confirm the bytes; the partial file is
    ///   then deleted, so that the next run starts it afresh.
    private func completed(
        _ item: DownloadPlan.Item,
        session: Session,
        descriptor: Int32,
        partialPath: String,
        sink: DownloadBodySink
    ) throws(RecordingFailure) -> DownloadedFile {
        var check = PublishCheck(expectedBytes: session.video.sizeBytes)
        let watchdog = StorageWatchdog.shared
        if flushesEachFile {
            check.flushed(
                failing: watchdog.guarding("flushing \(partialPath)", { fsync(descriptor) }) == 0 ? nil : errno)
        }
        var info = stat()
        if fstat(descriptor, &info) == 0 {
            check.measured(.written, bytes: Int(info.st_size))
        } else {
            check.measured(.written, bytes: nil, errno: errno)
        }
        check.closed(failing: watchdog.guarding("closing \(partialPath)", { close(descriptor) }) == 0 ? nil : errno)
        if let doubt = check.doubt { throw check.discard(partialPath, doubt, sessionID: session.id) }
        var downloaded = item
        downloaded.session = session
        return DownloadedFile(item: downloaded, partialPath: partialPath, sha256: sink.hexDigest())
    }
}
