import Glibc

/// What the archive's storage said about one recording on its way to its final path, and whether it may stay
/// there.
///
/// A recording is published only when every step the storage took was checked and said yes: its flush (an fsync
/// on the descriptor that wrote it, where `syncfs` cannot be trusted), its size on that descriptor, its close, its
/// size at the temporary path right before the rename and its size at the final path right after it. A network or
/// FUSE file system may buffer the last bytes and report a failed write only when the file is flushed or closed,
/// so any of these can be the first to say that the bytes did not arrive. The first doubt is kept; once there is
/// one, the file must not be at its final path, and the recording is fetched again by the next run.
struct PublishCheck: Sendable, Equatable {
    /// Where a recording's size was measured.
    enum Stage: Sendable, Equatable {
        /// On the descriptor that wrote it, after the flush and before the close (`fstat`).
        case written
        /// At the temporary path, right before the rename into place (`lstat`).
        case beforeRename
        /// At the final path, right after the rename (`lstat`).
        case afterRename
    }

    /// Why a recording's bytes are in doubt.
    enum Doubt: Sendable, Equatable {
        /// `fsync` of the descriptor that wrote the file failed.
        case flushFailed(errno: Int32)
        /// `close` of the descriptor that wrote the file failed: a write the storage had buffered was lost.
        case closeFailed(errno: Int32)
        /// The size could not be read at `stage`.
        case sizeUnreadable(Stage, errno: Int32)
        /// The storage holds `bytes` bytes at `stage`, not the expected size.
        case sizeDiffers(Stage, bytes: Int)
    }

    /// What became of a file in doubt.
    enum Disposal: Sendable, Equatable {
        /// It was deleted.
        case removed
        /// It is still at `path`: deleting it failed with `errno`.
        case leftInPlace(path: String, errno: Int32)
    }

    /// The size the recording must have (`video.size`).
    let expectedBytes: Int
    /// The first doubt, if any.
    private(set) var doubt: Doubt?

    /// Starts the check of a recording of `expectedBytes` bytes.
    init(expectedBytes: Int) {
        self.expectedBytes = expectedBytes
    }

    /// Whether nothing so far puts the recording's bytes in doubt.
    var mayPublish: Bool { doubt == nil }

    /// Records the result of `fsync`: nil when it succeeded, else its `errno`.
    mutating func flushed(failing errno: Int32?) {
        if let errno { keep(.flushFailed(errno: errno)) }
    }

    /// Records the result of `close`: nil when it succeeded, else its `errno`.
    mutating func closed(failing errno: Int32?) {
        if let errno { keep(.closeFailed(errno: errno)) }
    }

    /// Records the size measured at `stage`: nil when it could not be read, with the `errno` of the failed call.
    mutating func measured(_ stage: Stage, bytes: Int?, errno: Int32 = 0) {
        guard let bytes else { return keep(.sizeUnreadable(stage, errno: errno)) }
        if bytes != expectedBytes { keep(.sizeDiffers(stage, bytes: bytes)) }
    }

    private mutating func keep(_ newDoubt: Doubt) {
        if doubt == nil { doubt = newDoubt }
    }

    /// Deletes the file in doubt at `path` and describes the failure of its recording.
    func discard(_ path: String, _ doubt: Doubt, sessionID: Int) -> RecordingFailure {
        let disposal: Disposal =
            unlink(path) == 0 || errno == ENOENT ? .removed : .leftInPlace(path: path, errno: errno)
        return failure(doubt, sessionID: sessionID, disposal: disposal)
    }

    /// The per-recording failure for a recording in doubt, saying what the storage did and what became of the file.
    /// - Parameters:
    ///   - doubt: this check's `doubt`.
    ///   - sessionID: the recording's session.
    ///   - disposal: what became of the file in doubt.
    func failure(_ doubt: Doubt, sessionID: Int, disposal: Disposal) -> RecordingFailure {
        let outcome: String
        switch disposal {
        case .removed:
            outcome = "the file was deleted; the recording was not filed and will be fetched again next run"
        case .leftInPlace(let path, let errno):
            outcome =
                "deleting it failed (\(Self.errnoText(errno))), so \(path) holds a file that is not the recording; "
                + "the recording was not filed, and the next run moves that file aside and fetches it again"
        }
        return RecordingFailure(
            sessionID: sessionID, code: Self.code(of: doubt), reason: "\(sentence(for: doubt)); \(outcome)")
    }

    /// The stable slug of `doubt`, for reports and metrics.
    static func code(of doubt: Doubt) -> RecordingFailure.Code {
        switch doubt {
        case .flushFailed: .storageFlushFailed
        case .closeFailed: .storageCloseFailed
        case .sizeUnreadable: .storageSizeUnreadable
        case .sizeDiffers: .storageSizeMismatch
        }
    }

    private func sentence(for doubt: Doubt) -> String {
        switch doubt {
        case .flushFailed(let errno):
            "the archive's storage reported an error when the recording was flushed (fsync: \(Self.errnoText(errno)))"
        case .closeFailed(let errno):
            "the archive's storage reported an error when the recording was closed (\(Self.errnoText(errno))): "
                + "bytes it had buffered were not written"
        case .sizeUnreadable(let stage, let errno):
            "the archive's storage could not tell the recording's size \(Self.phrase(for: stage)) "
                + "(\(Self.errnoText(errno)))"
        case .sizeDiffers(let stage, let bytes):
            "the archive's storage holds \(bytes) bytes of the recording \(Self.phrase(for: stage)), "
                + "not the \(expectedBytes) written"
        }
    }

    private static func phrase(for stage: Stage) -> String {
        switch stage {
        case .written: "after writing it"
        case .beforeRename: "before moving it into place"
        case .afterRename: "after moving it into place"
        }
    }

    /// `errno` as its symbolic name and text, such as `EIO, Input/output error`.
    static func errnoText(_ errno: Int32) -> String {
        let names: [Int32: String] = [
            EIO: "EIO", ENOSPC: "ENOSPC", EDQUOT: "EDQUOT", ETIMEDOUT: "ETIMEDOUT", ENOTCONN: "ENOTCONN",
            ESTALE: "ESTALE", EINTR: "EINTR", EBADF: "EBADF", ENOENT: "ENOENT", EACCES: "EACCES", EPERM: "EPERM",
            ECONNABORTED: "ECONNABORTED", ECONNRESET: "ECONNRESET", EROFS: "EROFS", EBUSY: "EBUSY",
        ]
        let text = String(cString: strerror(errno))
        return names[errno].map { "\($0), \(text)" } ?? "errno \(errno), \(text)"
    }
}
