import FoundationEssentials
import Glibc
import Logging
import ObjectStorage

/// Rebuilds the catalog of an archive in a bucket from its sidecar objects, as `Reindexer` does for a folder: one
/// listing of the prefix (ListObjectsV2, paged) gives every recording's size and date, and each `*.json` sidecar
/// whose recording is listed is read back through the spool folder. Only the entries are kept in memory.
struct BucketReindexer: Sendable {
    let store: BucketStore
    /// Where sidecars are read to; each file is removed once read.
    let spoolFolder: String
    let logger: Logger

    /// Replaces the catalog's recordings with those the sidecar objects describe, in one transaction; the sync
    /// watermark is kept.
    /// - Throws: `ArchiverError` when the bucket cannot be listed or read, or the catalog cannot be written.
    func rebuild(_ catalog: Catalog) async throws(ArchiverError) -> Reindexer.Report {
        let (entries, report) = try await scan(try await listing())
        return try Reindexer.replace(catalog, with: entries, report, logger: logger)
    }

    /// Rebuilds the catalog when the bucket holds sidecars; for a run that just created an empty catalog.
    /// - Returns: whether it did.
    func rebuildIfArchived(_ catalog: Catalog) async throws(ArchiverError) -> Bool {
        let objects = try await listing()
        guard objects.contains(where: { $0.relativePath.hasSuffix(".json") }) else { return false }
        logger.info("no catalog yet; rebuilding it from the sidecars", metadata: ["bucket": "\(store.location.uri)"])
        let (entries, report) = try await scan(objects)
        _ = try Reindexer.replace(catalog, with: entries, report, logger: logger)
        return true
    }

    private func listing() async throws(ArchiverError) -> [BucketStore.Object] {
        do {
            return try await store.objects()
        } catch let error as S3Error {
            throw error.archiverError
        } catch {
            throw .interrupted(archived: 0)
        }
    }

    /// Reads every sidecar among `objects`.
    private func scan(_ objects: [BucketStore.Object]) async throws(ArchiverError)
        -> (entries: [CatalogEntry], report: Reindexer.Report)
    {
        var sizes: [String: Int] = [:]
        var dates: [String: Date] = [:]
        for object in objects {
            sizes[object.relativePath] = object.sizeBytes
            dates[object.relativePath] = object.lastModified
        }
        var scan = Reindexer.Scan(logger: logger)
        for object in objects where object.relativePath.hasSuffix(".json") {
            if Task.isCancelled { throw .interrupted(archived: 0) }
            let contents = try await read(object)
            scan.add(
                Reindexer.entry(
                    forSidecarAt: object.relativePath, contents: contents, recordingSize: { sizes[$0] },
                    modificationDate: { dates[$0] ?? Date() }),
                at: object.relativePath)
        }
        return scan.finished()
    }

    /// The bytes of a sidecar object, or why they cannot be had.
    private func read(_ object: BucketStore.Object) async throws(ArchiverError) -> Result<[UInt8], FileBytes.Failure> {
        guard object.sizeBytes <= Sidecar.maximumBytes else { return .failure(.tooLarge) }
        let path = "\(spoolFolder)/read-\(UUID().uuidString).json"
        defer { unlink(path) }
        do {
            _ = try await store.get(object.relativePath, to: path)
        } catch let error as S3Error {
            if let stopping = error.runStoppingError { throw stopping }
            return .failure(.unreadable)
        } catch {
            throw .interrupted(archived: 0)
        }
        return Result { () throws(FileBytes.Failure) in
            try FileBytes.contents(atPath: path, limit: Sidecar.maximumBytes).bytes
        }
    }
}
