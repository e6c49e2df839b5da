extension ArchiverError {
    /// A stable short slug per kind of error, for the report's `error.code` and the metrics' `code` label; it
    /// carries no values, so that monitoring can match on it.
    public enum Code: String, Sendable, Codable, CaseIterable {
        /// The configuration or the command line is wrong (exit 2).
        case configuration
        /// The API rejected the key (HTTP 401/403).
        case keyRejected = "key_rejected"
        /// The plan's request limit is exceeded (HTTP 402).
        case requestLimit = "request_limit"
        /// The API could not be reached.
        case apiUnreachable = "api_unreachable"
        /// The API answered with an unexpected HTTP status.
        case apiError = "api_error"
        /// The API answered with something that is not the documented JSON.
        case invalidResponse = "invalid_response"
        /// `history/info` does not know the session (`fetch`).
        case sessionNotFound = "session_not_found"
        /// The archive root does not exist or is not a folder.
        case rootMissing = "root_missing"
        /// `archive.require_mount` is set and the root is not on the mounted share.
        case notMounted = "not_mounted"
        /// The archive's file system lacks room for the run.
        case noSpace = "no_space"
        /// Something below the archive root cannot be written.
        case archiveUnwritable = "archive_unwritable"
        /// A report, metrics or log file cannot be written.
        case outputUnwritable = "output_unwritable"
        /// The catalog cannot be opened, read or written.
        case catalogUnavailable = "catalog_unavailable"
        /// Another run holds the archive's lock (exit 75).
        case lockHeld = "lock_held"
        /// Another run took this run's lock over.
        case lockLost = "lock_lost"
        /// The archive's storage did not answer within `timeouts.storage`.
        case storageUnresponsive = "storage_unresponsive"
        /// The object store rejected the access key or its signature (`SignatureDoesNotMatch`,
        /// `InvalidAccessKeyId`).
        case storageKeyRejected = "storage_key_rejected"
        /// The access key may not do what the run needs on the bucket (`AccessDenied`).
        case storageAccessDenied = "storage_access_denied"
        /// The object store could not be reached.
        case storageUnreachable = "storage_unreachable"
        /// The object store kept failing (5xx, `SlowDown`) after every retry, or answered what S3 does not.
        case storageError = "storage_error"
        /// SIGINT or SIGTERM stopped the run (exit 130 or 143).
        case interrupted
        /// An error the tool does not classify (exit 3); its message says what happened. Please report it.
        case unexpected
    }

    /// This error's stable code.
    var code: Code {
        switch self {
        case .configuration: .configuration
        case .archiveRootMissing: .rootMissing
        case .archiveUnwritable: .archiveUnwritable
        case .outputUnwritable: .outputUnwritable
        case .apiKeyRejected: .keyRejected
        case .requestLimitExceeded: .requestLimit
        case .apiStatus: .apiError
        case .apiUnreachable: .apiUnreachable
        case .invalidResponse: .invalidResponse
        case .sessionNotFound: .sessionNotFound
        case .catalogUnavailable: .catalogUnavailable
        case .insufficientSpace: .noSpace
        case .archiveBusy: .lockHeld
        case .archiveRootNotMounted, .archiveRootOutsideMount: .notMounted
        case .storageUnresponsive: .storageUnresponsive
        case .lockLost: .lockLost
        case .objectStorage(let problem, _):
            switch problem {
            case .keyRejected: .storageKeyRejected
            case .accessDenied: .storageAccessDenied
            case .bucketMissing: .rootMissing
            case .unreachable: .storageUnreachable
            case .failing: .storageError
            }
        case .interrupted: .interrupted
        }
    }

    /// The process's exit code for this error, the one table of them: 2 for usage and configuration errors, 75
    /// (`EX_TEMPFAIL`: try later) when another run holds the lock, 128 + the signal's number when a signal stopped
    /// the run (130 SIGINT, 143 SIGTERM; `StopSignal`), and 3 for every other reason the run could not proceed.
    public var exitCode: Int32 {
        switch code {
        case .configuration: 2
        case .lockHeld: 75
        case .interrupted: 128 + StopSignal.number
        default: 3
        }
    }
}
