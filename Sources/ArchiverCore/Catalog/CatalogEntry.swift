import FoundationEssentials

/// One archived recording as the catalog records it.
///
/// Dates are kept to the whole second (the API's times are whole seconds and the sidecar's `archived_at` is
/// written without fractions), so an entry made here equals the one the catalog, or a reindex, gives back.
struct CatalogEntry: Sendable, Equatable {
    /// The Getscreen session id; the catalog's key.
    var sessionID: Int
    /// The session's uid, when the API gave one.
    var uid: String?
    /// The agent (remote computer) the session connected to.
    var agentID: Int
    /// The agent's name when the recording was archived.
    var agentName: String
    /// When the session started.
    var start: Date
    /// When the session ended, when known.
    var stop: Date?
    /// The `.mp4` file's path relative to the archive root.
    var relativePath: String
    /// The recording's size in bytes.
    var sizeBytes: Int
    /// The recording's SHA-256, lowercase hex.
    var sha256: String
    /// When the recording was filed.
    var archivedAt: Date

    /// Creates an entry; dates are rounded down to the whole second.
    init(
        sessionID: Int,
        uid: String?,
        agentID: Int,
        agentName: String,
        start: Date,
        stop: Date?,
        relativePath: String,
        sizeBytes: Int,
        sha256: String,
        archivedAt: Date
    ) {
        self.sessionID = sessionID
        self.uid = uid
        self.agentID = agentID
        self.agentName = agentName
        self.start = start.wholeSeconds
        self.stop = stop?.wholeSeconds
        self.relativePath = relativePath
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.archivedAt = archivedAt.wholeSeconds
    }

    /// The entry of a recording that was just filed.
    init(_ recording: ArchivedRecording) {
        self.init(
            sessionID: recording.session.id,
            uid: recording.session.uid,
            agentID: recording.session.agent.id,
            agentName: recording.session.agent.name,
            start: recording.session.start,
            stop: recording.session.stop,
            relativePath: recording.relativePath,
            sizeBytes: recording.sizeBytes,
            sha256: recording.sha256,
            archivedAt: recording.archivedAt
        )
    }
}

extension Date {
    /// This date rounded down to the whole second since 1970.
    var wholeSeconds: Date {
        Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down))
    }

    /// Whole seconds since 1970, rounded down: how the catalog stores dates.
    var unixSeconds: Int64 {
        Int64(timeIntervalSince1970.rounded(.down))
    }
}
