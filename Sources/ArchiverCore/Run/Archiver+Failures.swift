import FoundationEssentials
public import Logging

extension Archiver {
    /// The sessions the catalog keeps as failing (`getscreen-archiver failures`), acknowledged or not, the longest
    /// failing first. Reads the catalog only (no API, no lock); none when there is no catalog yet.
    /// - Throws: `ArchiverError.catalogUnavailable` when the catalog cannot be read.
    public static func failingSessions(
        configuration: ArchiverConfiguration,
        logger: Logger
    ) throws(ArchiverError) -> [FailingSession] {
        try CatalogAccess.openExisting(configuration, readOnly: true, logger: logger)?.failingSessions() ?? []
    }

    /// Acknowledges failing sessions (`getscreen-archiver failures acknowledge`): `sync` no longer retries or
    /// reports them, and leaves them out when it lists them again. All or none: when one of `sessionIDs` is not
    /// failing, nothing changes. Holds the run lock, so that no sync updates the failing sessions meanwhile; needs
    /// no API.
    /// - Parameter sessionIDs: the sessions to acknowledge; nil for every failing session.
    /// - Returns: the sessions acknowledged now, and the ids of `sessionIDs` that are not failing.
    /// - Throws: `ArchiverError` when the root is missing, another run holds the lock, or the catalog cannot be
    ///   written.
    public static func acknowledgeFailures(
        configuration: ArchiverConfiguration,
        sessionIDs: Set<Int>?,
        logger: Logger
    ) throws(ArchiverError) -> (acknowledged: [FailingSession], unknown: [Int]) {
        let lock = try RunLock.acquire(try RunArchive.lockFolder(configuration), logger: logger)
        defer { lock.release() }
        guard let catalog = try CatalogAccess.openExisting(configuration, readOnly: false, logger: logger) else {
            return ([], sessionIDs.map { $0.sorted() } ?? [])
        }
        let result = try catalog.acknowledgeFailingSessions(sessionIDs)
        for session in result.acknowledged {
            logger.info("acknowledged", metadata: ["session.id": "\(session.sessionID)", "code": "\(session.code)"])
        }
        return result
    }
}
