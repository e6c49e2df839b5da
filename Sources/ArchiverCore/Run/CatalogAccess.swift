import FoundationEssentials
import Glibc
import Logging

/// How runs find and open the catalog in its folder (`ArchiverConfiguration.stateDirectory`).
enum CatalogAccess {
    /// The catalog if its file exists; `nil` otherwise (nothing is created).
    ///
    /// A catalog still in its former place on the archive (`<root>/.getscreen-archiver/catalog.sqlite`) is carried
    /// over to the state folder by a run that may write, and read where it is by one that may not.
    /// - Parameter readOnly: Open it without writing anything (dry runs, verify).
    static func openExisting(
        _ configuration: ArchiverConfiguration,
        readOnly: Bool,
        logger: Logger
    ) throws(ArchiverError) -> Catalog? {
        let path = configuration.catalogPath
        if !FileManager.default.fileExists(atPath: path) {
            // An archive in a bucket always kept its catalog in the state folder.
            guard configuration.bucket == nil else { return nil }
            let formerPath = formerPath(ofArchive: configuration.archiveRoot)
            guard FileManager.default.fileExists(atPath: formerPath) else { return nil }
            if readOnly { return try Catalog.openReadOnly(at: formerPath) }
            try carryOver(from: formerPath, to: path, configuration: configuration, logger: logger)
        }
        return readOnly ? try Catalog.openReadOnly(at: path) : try open(path, configuration)
    }

    /// Opens the catalog for a real run, creating its folder and file when missing. A new catalog of an archive
    /// that already holds sidecars is first rebuilt from them when `reindexesNew` is true.
    /// - Parameter existing: A catalog the run already opened for writing, returned as is.
    static func openForWriting(
        _ configuration: ArchiverConfiguration,
        archive: RunArchive,
        reusing existing: Catalog? = nil,
        logger: Logger,
        reindexesNew: Bool = true
    ) async throws(ArchiverError) -> Catalog {
        if let existing { return existing }
        if let catalog = try openExisting(configuration, readOnly: false, logger: logger) { return catalog }
        let path = configuration.catalogPath
        try createFolder(configuration.stateDirectory, mode: configuration.permissions.folderMode, for: path)
        let catalog = try open(path, configuration)
        guard reindexesNew else { return catalog }
        switch archive {
        case .folder(let root):
            let reindexer = Reindexer(root: root, logger: logger)
            if reindexer.hasSidecars() {
                logger.info("no catalog yet; rebuilding it from the sidecars", metadata: ["catalog": "\(path)"])
                _ = try reindexer.rebuild(catalog)
            }
        case .bucket(let store, let spoolFolder):
            try createFolder(spoolFolder, mode: configuration.permissions.folderMode, for: path)
            _ = try await BucketReindexer(store: store, spoolFolder: spoolFolder, logger: logger)
                .rebuildIfArchived(catalog)
        }
        return catalog
    }

    /// Where versions before the local state folder kept the catalog when `state_dir` was not set.
    static func formerPath(ofArchive root: String) -> String {
        "\(root)/\(ArchiveRoot.stateFolderName)/\(Catalog.fileName)"
    }

    /// Opens the catalog at `path` for writing, with the journal its file system allows and the configured mode.
    static func open(_ path: String, _ configuration: ArchiverConfiguration) throws(ArchiverError) -> Catalog {
        let isOnShare = FileSystemKind(ofFileSystemHolding: path.deletingLastPathComponent)?.isShared ?? false
        return try Catalog.open(at: path, isOnShare: isOnShare, fileMode: configuration.permissions.fileMode)
    }

    /// Creates `folder` and its missing parents, each with `mode` exactly (whatever the umask); existing folders
    /// keep their mode (a `/var/lib` folder made by systemd's `StateDirectory=` is the admin's).
    /// - Parameter catalogPath: The catalog, for the error.
    static func createFolder(_ folder: String, mode: UInt32, for catalogPath: String) throws(ArchiverError) {
        var missing: [String] = []
        var candidate = folder
        var info = stat()
        while stat(candidate, &info) != 0, errno == ENOENT, candidate.count > 1 {
            missing.append(candidate)
            candidate = candidate.deletingLastPathComponent
        }
        for created in missing.reversed() {
            guard mkdir(created, mode_t(mode)) == 0 || errno == EEXIST else {
                throw folderFailure(created, errno, catalogPath)
            }
            guard chmod(created, mode_t(mode)) == 0 else { throw folderFailure(created, errno, catalogPath) }
        }
    }

    private static func folderFailure(_ folder: String, _ code: Int32, _ catalogPath: String) -> ArchiverError {
        .catalogUnavailable(
            path: catalogPath,
            reason: "cannot create its folder \(folder): \(String(cString: strerror(code))); check that this user "
                + "may write its parent, or set state_dir to a folder this user may write")
    }
}
