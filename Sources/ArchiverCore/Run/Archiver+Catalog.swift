import FoundationEssentials
public import Logging

extension Archiver {
    /// Rebuilds the catalog from the sidecars below the archive root (`getscreen-archiver reindex`), holding
    /// the run lock so that no sync files recordings meanwhile. The sync watermark is kept.
    /// - Throws: `ArchiverError` when the root is missing, another run holds the lock, or the catalog cannot be
    ///   written.
    public static func reindex(
        configuration: ArchiverConfiguration,
        logger: Logger
    ) throws(ArchiverError) -> Reindexer.Report {
        let root = try ArchiveRoot.checked(configuration)
        let lock = try RunLock.acquire(root, logger: logger)
        defer { lock.release() }
        try lock.claimLease(
            fileMode: configuration.permissions.fileMode, folderMode: configuration.permissions.folderMode)
        let catalog = try CatalogAccess.openForWriting(configuration, root: root, logger: logger, reindexesNew: false)
        return try Reindexer(root: root, logger: logger).rebuild(catalog)
    }

    /// Checks the size and SHA-256 of every catalogued recording, or of `sample` random ones
    /// (`getscreen-archiver verify`). Writes nothing.
    /// - Parameter progress: Called as files and blocks are read (about ten times a second at most).
    /// - Throws: `ArchiverError` when the root is missing or the catalog cannot be read (or does not exist).
    public static func verify(
        configuration: ArchiverConfiguration,
        sample: Int?,
        progress: (Verifier.Progress) -> Void = { _ in },
        logger: Logger
    ) throws(ArchiverError) -> VerifyReport {
        let root = try ArchiveRoot.checked(configuration)
        guard let catalog = try CatalogAccess.openExisting(configuration, readOnly: true, logger: logger) else {
            throw .catalogUnavailable(
                path: configuration.catalogPath,
                reason: "it does not exist; run getscreen-archiver reindex (or a sync) to build it from the archive")
        }
        return try Verifier(root: root, catalog: catalog, logger: logger).verify(sample: sample, progress: progress)
    }
}

extension Catalog {
    /// A closure for `ArchiveJob.recordArchived` that records each filed recording.
    var recorder: @Sendable ([ArchivedRecording]) throws(ArchiverError) -> Void {
        { recordings throws(ArchiverError) in
            guard !recordings.isEmpty else { return }
            try self.record(recordings.map(CatalogEntry.init))
        }
    }
}
