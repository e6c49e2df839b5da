import FoundationEssentials
import Glibc
import Logging
import SQLite

extension CatalogAccess {
    /// The suffix of the former catalog once it has been carried over: kept, so nothing is lost, but no longer
    /// found (a later loss of the state folder then rebuilds the catalog from the sidecars rather than from it).
    static let carriedOverSuffix = ".carried-over"

    /// Copies the catalog at `formerPath` (on the archive) to `path` (in the state folder) once, whole: its
    /// recordings and its syncs, so the next sync stays incremental. Then renames the former file with
    /// `carriedOverSuffix`.
    ///
    /// The copy is `VACUUM INTO` a temporary file beside `path`, flushed and renamed into place, so a run that
    /// stops halfway leaves no half catalog behind and the next run carries it over again. The former file is
    /// opened read-write, so that SQLite can first roll back a transaction a crashed run left in its journal.
    /// - Throws: `ArchiverError.catalogUnavailable` when the former catalog cannot be read or the copy written.
    static func carryOver(
        from formerPath: String,
        to path: String,
        configuration: ArchiverConfiguration,
        logger: Logger
    ) throws(ArchiverError) {
        try createFolder(configuration.stateDirectory, mode: configuration.permissions.folderMode, for: path)
        let copyPath = path + ".carry-over"
        unlink(copyPath)  // left by a run that stopped while copying
        do throws(SQLiteError) {
            let former = try SQLiteConnection(path: formerPath, access: .readWrite, busyTimeout: Catalog.busyTimeout)
            try former.prepare("VACUUM INTO ?").execute(copyPath)
        } catch {
            unlink(copyPath)
            throw .catalogUnavailable(
                path: formerPath,
                reason: "cannot carry it over to \(path): "
                    + error.explanation(
                        forCatalogAt: formerPath, fileSystem: FileSystemKind(ofFileSystemHolding: formerPath),
                        busyTimeout: Catalog.busyTimeout))
        }
        // VACUUM INTO writes without syncing; the copy must be on disk before it replaces the original's role.
        let descriptor = Glibc.open(copyPath, O_RDONLY | O_CLOEXEC)
        let isFlushed = descriptor >= 0 && fsync(descriptor) == 0
        let failure = errno
        if descriptor >= 0 { close(descriptor) }
        guard isFlushed, chmod(copyPath, mode_t(configuration.permissions.fileMode)) == 0,
            rename(copyPath, path) == 0
        else {
            let code = isFlushed ? errno : failure
            unlink(copyPath)
            throw .catalogUnavailable(
                path: path,
                reason: "cannot write the copy of \(formerPath): \(String(cString: strerror(code))); check that this "
                    + "user may write \(path.deletingLastPathComponent) and that its disk has room")
        }
        logger.info(
            "carried the catalog over from the archive to the local state folder",
            metadata: ["from": "\(formerPath)", "to": "\(path)"])
        if rename(formerPath, formerPath + carriedOverSuffix) != 0 {
            logger.warning(
                "could not rename the former catalog; it stays in place, unused",
                metadata: ["catalog": "\(formerPath)", "error": "\(String(cString: strerror(errno)))"])
        }
    }
}
