import Curl
import FoundationEssentials
public import Logging

extension Archiver {
    /// Rebuilds the catalog from the sidecars below the archive root, or the sidecar objects in its bucket
    /// (`getscreen-archiver reindex`), holding the run lock so that no sync files recordings meanwhile. The sync
    /// watermark is kept.
    /// - Throws: `ArchiverError` when the root is missing, another run holds the lock, the bucket cannot be read,
    ///   or the catalog cannot be written.
    public static func reindex(
        configuration: ArchiverConfiguration,
        logger: Logger
    ) async throws(ArchiverError) -> Reindexer.Report {
        let lockFolder = try RunArchive.lockFolder(configuration)
        let lock = try RunLock.acquire(lockFolder, logger: logger)
        defer { lock.release() }
        try lock.claimLease(
            fileMode: configuration.permissions.fileMode, folderMode: configuration.permissions.folderMode)
        return try await withArchive(configuration, lockFolder: lockFolder, logger: logger) {
            archive throws(ArchiverError) in
            let catalog = try await CatalogAccess.openForWriting(
                configuration, archive: archive, logger: logger, reindexesNew: false)
            switch archive {
            case .folder(let root):
                return try Reindexer(root: root, logger: logger).rebuild(catalog)
            case .bucket(let store, let spoolFolder):
                try CatalogAccess.createFolder(
                    spoolFolder, mode: configuration.permissions.folderMode, for: configuration.catalogPath)
                return try await BucketReindexer(store: store, spoolFolder: spoolFolder, logger: logger)
                    .rebuild(catalog)
            }
        }
    }

    /// Checks the size and SHA-256 of every catalogued recording, or of `sample` random ones
    /// (`getscreen-archiver verify`), reading each back from the folder or the bucket. Writes nothing in the
    /// archive.
    /// - Parameter progress: Called as files and blocks are read (about ten times a second at most).
    /// - Throws: `ArchiverError` when the root is missing, the bucket cannot be listed, or the catalog cannot be
    ///   read (or does not exist).
    public static func verify(
        configuration: ArchiverConfiguration,
        sample: Int?,
        progress: (Verifier.Progress) -> Void = { _ in },
        logger: Logger
    ) async throws(ArchiverError) -> VerifyReport {
        let lockFolder = try RunArchive.lockFolder(configuration)
        guard let catalog = try CatalogAccess.openExisting(configuration, readOnly: true, logger: logger) else {
            throw .catalogUnavailable(
                path: configuration.catalogPath,
                reason: "it does not exist; run getscreen-archiver reindex (or a sync) to build it from the archive")
        }
        return try await withArchive(configuration, lockFolder: lockFolder, logger: logger) {
            archive throws(ArchiverError) in
            let recordings: any VerifiedRecordings
            switch archive {
            case .folder(let root):
                recordings = FolderRecordings(root: root)
            case .bucket(let store, _):
                recordings = try await BucketRecordings.listed(store)
            }
            return try await Verifier(recordings: recordings, catalog: catalog, logger: logger)
                .verify(sample: sample, progress: progress)
        }
    }

    /// Runs `body` with the archive of `configuration`, for a command that needs no API: a bucket gets a transfer
    /// engine of its own, shut down afterwards.
    private static func withArchive<Result>(
        _ configuration: ArchiverConfiguration,
        lockFolder: ArchiveRoot,
        logger: Logger,
        _ body: (RunArchive) async throws(ArchiverError) -> Result
    ) async throws(ArchiverError) -> Result {
        guard configuration.bucket != nil else { return try await body(.folder(lockFolder)) }
        let transport: CurlMulti
        do {
            transport = try CurlMulti(maxConnections: configuration.transfers + 2, threads: 1)
        } catch {
            throw .objectStorage(.unreachable, message: "libcurl did not start: \(error)")
        }
        do {
            let result = try await body(
                RunArchive(configuration, lockFolder: lockFolder, transport: transport, logger: logger))
            await transport.shutdown()
            return result
        } catch {
            await transport.shutdown()
            throw error
        }
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
