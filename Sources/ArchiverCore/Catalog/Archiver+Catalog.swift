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
        guard let catalog = try CatalogAccess.openExisting(configuration, readOnly: true) else {
            throw .catalogUnavailable(
                path: Catalog.path(for: configuration).path,
                reason: "it does not exist; run getscreen-archiver reindex (or a sync) to build it from the archive")
        }
        return try Verifier(root: root, catalog: catalog, logger: logger).verify(sample: sample, progress: progress)
    }
}

/// How runs find and open the catalog.
enum CatalogAccess {
    /// The catalog if its file exists; `nil` otherwise (nothing is created).
    /// - Parameter readOnly: Open it without writing anything (dry runs, verify).
    static func openExisting(_ configuration: ArchiverConfiguration, readOnly: Bool) throws(ArchiverError) -> Catalog? {
        let (path, isOnArchive) = Catalog.path(for: configuration)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return readOnly ? try Catalog.openReadOnly(at: path) : try Catalog.open(at: path, isOnArchive: isOnArchive)
    }

    /// Opens the catalog for a real run, creating its folder and file when missing. A new catalog of an archive
    /// that already holds sidecars is first rebuilt from them when `reindexesNew` is true.
    /// - Parameter existing: A catalog the run already opened for writing, returned as is.
    static func openForWriting(
        _ configuration: ArchiverConfiguration,
        root: ArchiveRoot,
        reusing existing: Catalog? = nil,
        logger: Logger,
        reindexesNew: Bool = true
    ) throws(ArchiverError) -> Catalog {
        if let existing { return existing }
        let (path, isOnArchive) = Catalog.path(for: configuration)
        let folder = path.deletingLastPathComponent
        if let stateDirectory = configuration.stateDirectory, !isOnArchive {
            do {
                try FileManager.default.createDirectory(
                    atPath: stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            } catch {
                throw .catalogUnavailable(path: path, reason: "cannot create its folder \(folder): \(error)")
            }
        } else {
            try root.createFolders(String(folder.dropFirst(root.path.count)))
        }
        let isNew = !FileManager.default.fileExists(atPath: path)
        let catalog = try Catalog.open(at: path, isOnArchive: isOnArchive)
        if isNew, reindexesNew {
            let reindexer = Reindexer(root: root, logger: logger)
            if reindexer.hasSidecars() {
                logger.info("no catalog yet; rebuilding it from the sidecars", metadata: ["catalog": "\(path)"])
                _ = try reindexer.rebuild(catalog)
            }
        }
        return catalog
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
