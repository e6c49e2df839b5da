/// An error that stops the whole run. Its `exitCode` is what the process exits with, and its `code` tells it
/// apart in the report and the metrics (`ArchiverError+Code.swift`).
public enum ArchiverError: Error, Sendable, CustomStringConvertible {
    /// The configuration or the command line is wrong (exit 2).
    case configuration(ConfigurationError)
    /// The archive root does not exist or is not a folder (exit 3). The tool never creates it.
    case archiveRootMissing(path: String)
    /// Something below the archive root could not be created or written (exit 3).
    case archiveUnwritable(path: String, errno: Int32)
    /// A report, metrics or log file the run was asked to write cannot be written (exit 3).
    case outputUnwritable(path: String, errno: Int32)
    /// The API rejected the key: HTTP 401 or 403, with the server's message when it sent one (exit 3).
    case apiKeyRejected(status: Int, message: String?)
    /// HTTP 402: the plan's request limit is exceeded; the server's message when it sent one (exit 3).
    case requestLimitExceeded(message: String?)
    /// The API answered with an unexpected HTTP status (exit 3).
    case apiStatus(status: Int, endpoint: String, message: String?)
    /// The API could not be reached (exit 3).
    case apiUnreachable(endpoint: String, reason: String)
    /// The API answered with something that is not the documented JSON (exit 3).
    case invalidResponse(endpoint: String, reason: String)
    /// `history/info` does not know the session (exit 3).
    case sessionNotFound(String)
    /// The catalog at `path` cannot be opened, read or written (exit 3); `reason` says what happened (SQLite's
    /// message where it has one) and what to do.
    case catalogUnavailable(path: String, reason: String)
    /// The archive's file system lacks room for what the run must write (exit 3).
    case insufficientSpace(path: String, neededBytes: Int, availableBytes: Int)
    /// Another run holds the archive's lock (exit 75, EX_TEMPFAIL: try later).
    case archiveBusy(holder: String)
    /// `archive.require_mount` is set and what it names is not a mount point: the root itself (`mountPoint`
    /// nil), or the given mount point (exit 3).
    case archiveRootNotMounted(path: String, mountPoint: String?)
    /// `archive.require_mount` names a mount point that does not hold the archive root (exit 3).
    case archiveRootOutsideMount(path: String, mountPoint: String)
    /// A call into the archive's storage did not return within `timeouts.storage` (exit 3); `operation` says
    /// which ("renaming /mnt/rec/a.mp4").
    case storageUnresponsive(operation: String, timeout: Duration)
    /// Another run took over this run's lease on the archive (exit 3): it judged it stale.
    case lockLost(path: String, holder: String)
    /// The archive's object storage refused the run or could not be reached (exit 3); `message` is the store's
    /// answer in the tool's words: what failed, where, and what to do.
    case objectStorage(ObjectStorageProblem, message: String)
    /// The run was stopped by a signal (SIGINT or SIGTERM, `StopSignal`) after archiving `archived` recordings
    /// (exit 130 or 143).
    case interrupted(archived: Int)

    public var description: String {
        switch self {
        case .configuration(let error):
            return error.description
        case .archiveRootMissing(let path):
            return "archive root \(path) does not exist or is not a folder; mount the share or create the folder "
                + "(the tool never creates the root, so that a missing NAS mount does not fill the local disk)"
        case .archiveUnwritable(let path, let errno):
            return
                "cannot write \(path): \(String(cString: strerror(errno))); check the permissions and free space of the archive"
        case .outputUnwritable(let path, let errno):
            return
                "cannot write \(path): \(String(cString: strerror(errno))); check that its folder exists and is writable"
        case .apiKeyRejected(let status, let message):
            return "the API rejected the key (HTTP \(status)\(message.map { ", \"\($0)\"" } ?? "")); "
                + "check GETSCREEN_API_KEY or api.key_file and that the key has access to the connection history"
        case .requestLimitExceeded(let message):
            return "the API answered HTTP 402\(message.map { " (\"\($0)\")" } ?? ""): the plan's API request limit is "
                + "exceeded; wait for the limit to reset or raise it in the Getscreen plan, then run again"
        case .apiStatus(let status, let endpoint, let message):
            let busy = status == 429 || status >= 500
            let advice =
                "; the API is busy or failing: run again later (retry.attempts and retry.max_delay set "
                + "how long each request is tried)"
            return "the API answered HTTP \(status) to \(endpoint)" + (message.map { ": \($0)" } ?? "")
                + (busy ? advice : "")
        case .apiUnreachable(let endpoint, let reason):
            return "cannot reach the API at \(endpoint): \(reason); check api.base_url and the network"
        case .invalidResponse(let endpoint, let reason):
            return "the API's answer to \(endpoint) is not the documented JSON: \(reason)"
        case .sessionNotFound(let reference):
            return "the API does not know session \(reference) (HTTP 404); check the id"
        case .catalogUnavailable(let path, let reason):
            return "cannot use the catalog \(path): \(reason)"
        case .insufficientSpace(let path, let needed, let available):
            return "not enough space on the archive (\(path)): needs \(ByteCount.format(needed)) including "
                + "archive.min_free, \(ByteCount.format(available)) free; free some space or lower archive.min_free, "
                + "then run again (partial downloads were removed)"
        case .archiveBusy(let holder):
            return "another getscreen-archiver run is using this archive (\(holder)); "
                + "wait for it to finish, or check that it is still alive"
        case .archiveRootNotMounted(let path, nil):
            return "archive root \(path) is not a mount point (archive.require_mount is true); "
                + "mount it or set archive.require_mount to false"
        case .archiveRootNotMounted(let path, let mountPoint?):
            return "\(mountPoint) is not a mount point (archive.require_mount), so archive root \(path) is not on "
                + "the share; mount it, or correct archive.require_mount"
        case .archiveRootOutsideMount(let path, let mountPoint):
            return "archive root \(path) is not below \(mountPoint), the mount point archive.require_mount names; "
                + "correct archive.root or archive.require_mount"
        case .storageUnresponsive(let operation, let timeout):
            return "the archive's storage did not answer for \(timeout.clockText) (\(operation)); the share or its "
                + "server hangs; check the mount and the server, or raise timeouts.storage, then run again "
                + "(the next run takes the lock over)"
        case .lockLost(let path, let holder):
            return "another run took over this run's lock \(path) (\(holder)); stopping so that two runs never write "
                + "one archive; check that each machine's clock is right and that the share was reachable"
        case .objectStorage(_, let message):
            return message
        case .interrupted(let archived):
            return "interrupted by \(StopSignal.name) after archiving \(archived) recordings; partial downloads "
                + "were kept, run again to archive the rest (it resumes them)"
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
