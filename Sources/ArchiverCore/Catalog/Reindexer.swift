import FoundationEssentials
import JSON
import Logging

/// Rebuilds the catalog from the sidecars, which make the archive self-describing.
///
/// Walks the archive root (not the tool's own `.getscreen-archiver` folder), and for every `*.json` sidecar
/// whose recording is beside it reads the session (`session`: the API item, list or info shape) and what the
/// archiver recorded (`archive`: `file`, `size_bytes`, `sha256`, `archived_at`). A sidecar that cannot be read
/// or lacks a SHA-256 is skipped with a warning; a sidecar without its recording (a crash between the two
/// renames) is left out silently, since its recording is simply not archived yet.
public struct Reindexer: Sendable {
    /// The outcome of a reindex.
    public struct Report: Sendable, Equatable {
        /// A sidecar that could not be used, with why.
        public struct Skipped: Error, Sendable, Equatable, CustomStringConvertible {
            /// The sidecar's path relative to the archive root.
            var path: String
            /// Why it was skipped, for people.
            var reason: String

            public var description: String { "\(path): \(reason)" }
        }

        /// Recordings now in the catalog.
        var indexed: Int
        /// Sidecars that could not be used.
        public var skipped: [Skipped]
        /// Sidecars whose recording is not beside them.
        var withoutRecording: Int

        /// One line for people.
        public var summary: String {
            "reindexed \(indexed) recordings, skipped \(skipped.count) unusable sidecars, "
                + "\(withoutRecording) sidecars without their recording"
        }
    }

    let root: ArchiveRoot
    let logger: Logger

    /// Creates a reindexer for the archive at `root`.
    init(root: ArchiveRoot, logger: Logger) {
        self.root = root
        self.logger = logger
    }

    /// Replaces the catalog's recordings with those described by the sidecars, in one transaction; the sync
    /// watermark is kept.
    /// - Throws: `ArchiverError.catalogUnavailable` when the catalog cannot be written.
    func rebuild(_ catalog: Catalog) throws(ArchiverError) -> Report {
        let (entries, report) = scan()
        return try Self.replace(catalog, with: entries, report, logger: logger)
    }

    /// Replaces the catalog's recordings with `entries` in one transaction, and logs `report`.
    static func replace(
        _ catalog: Catalog, with entries: [CatalogEntry], _ report: Report, logger: Logger
    ) throws(ArchiverError) -> Report {
        try catalog.replaceEntries(with: entries)
        logger.info(
            "catalog rebuilt from sidecars",
            metadata: [
                "indexed": "\(report.indexed)", "skipped": "\(report.skipped.count)",
                "without_recording": "\(report.withoutRecording)",
            ])
        return report
    }

    /// Whether any sidecar lies below the root (outside the tool's own folder).
    func hasSidecars() -> Bool {
        var found = false
        walk { _ in
            found = true
            return false
        }
        return found
    }

    /// Reads every sidecar below the root; entries and skipped sidecars are ordered by path.
    func scan() -> (entries: [CatalogEntry], report: Report) {
        var scan = Scan(logger: logger)
        walk { relativePath in
            scan.add(
                Self.entry(
                    forSidecarAt: relativePath,
                    contents: Result { () throws(FileBytes.Failure) in
                        try FileBytes.contents(atPath: root.absolute(relativePath), limit: Sidecar.maximumBytes).bytes
                    },
                    recordingSize: root.fileSize, modificationDate: modificationDate),
                at: relativePath)
            return true
        }
        return scan.finished()
    }

    /// Entries and skipped sidecars as a scan finds them, in any order.
    struct Scan {
        let logger: Logger
        private var entries: [CatalogEntry] = []
        private var report = Report(indexed: 0, skipped: [], withoutRecording: 0)

        init(logger: Logger) { self.logger = logger }

        /// Adds what the sidecar at `relativePath` came to.
        mutating func add(_ result: Result<CatalogEntry?, Report.Skipped>, at relativePath: String) {
            switch result {
            case .success(let entry?):
                entries.append(entry)
            case .success(nil):
                report.withoutRecording += 1
                logger.debug("sidecar without its recording", metadata: ["path": "\(relativePath)"])
            case .failure(let skipped):
                report.skipped.append(skipped)
                logger.warning(
                    "sidecar skipped", metadata: ["path": "\(relativePath)", "reason": "\(skipped.reason)"])
            }
        }

        /// The entries and the report, ordered by path.
        func finished() -> (entries: [CatalogEntry], report: Report) {
            var report = report
            report.skipped.sort { $0.path < $1.path }
            report.indexed = entries.count
            return (entries.sorted { $0.relativePath < $1.relativePath }, report)
        }
    }

    /// Calls `visit` with the root-relative path of each regular `*.json` file until it returns false.
    private func walk(_ visit: (String) -> Bool) {
        DirectoryWalker.visitFiles(under: root.path, descends: { $0 != ArchiveRoot.stateFolderName }) { relativePath in
            !relativePath.hasSuffix(".json") || visit(relativePath)
        }
    }

    /// The entry described by the sidecar at `relativePath`, whose bytes are `contents`; `nil` when its recording is
    /// not beside it (`recordingSize` of its path is nil). `modificationDate` dates a sidecar without `archived_at`.
    static func entry(
        forSidecarAt relativePath: String,
        contents: Result<[UInt8], FileBytes.Failure>,
        recordingSize: (String) -> Int?,
        modificationDate: (String) -> Date
    ) -> Result<CatalogEntry?, Report.Skipped> {
        func skipped(_ reason: String) -> Result<CatalogEntry?, Report.Skipped> {
            .failure(Report.Skipped(path: relativePath, reason: reason))
        }
        let bytes: [UInt8]
        do {
            bytes = try contents.get()
        } catch {
            return skipped(error == .tooLarge ? "larger than 1 MiB, not a sidecar" : "cannot be read (\(error.reason))")
        }
        guard let document = try? JSONValue(parsing: bytes), case .object = document else {
            return skipped("not a JSON object")
        }
        guard let session = document["session"], let archive = document["archive"] else {
            return skipped("not a getscreen-archiver sidecar (no session or archive)")
        }
        let folder = relativePath.deletingLastPathComponent
        let baseName = relativePath.lastPathComponent.deletingPathExtension
        var fileName = baseName + ".mp4"
        if let named = archive["file"]?.stringValue, !named.isEmpty, !named.contains("/") { fileName = named }
        let recordingPath = (folder.isEmpty ? "" : folder + "/") + fileName
        guard recordingSize(recordingPath) != nil else { return .success(nil) }

        guard let sha256 = archive["sha256"]?.stringValue?.lowercased(), sha256.count == 64,
            sha256.allSatisfy(\.isHexDigit)
        else { return skipped("no SHA-256 (archive.sha256); verify cannot check this recording") }
        guard let sizeBytes = archive["size_bytes"]?.intValue, sizeBytes >= 0 else {
            return skipped("no archive.size_bytes")
        }
        guard let sessionID = session["id"]?.intValue, sessionID > 0 else { return skipped("no session.id") }
        guard let start = session["start"]?.intValue else { return skipped("no session.start") }
        guard let agentID = session["agent"]?["id"]?.intValue ?? session["agent_id"]?.intValue else {
            return skipped("no session.agent.id or session.agent_id")
        }
        let archivedAt =
            archive["archived_at"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) }
            ?? modificationDate(recordingPath)
        return .success(
            CatalogEntry(
                sessionID: sessionID,
                uid: session["uid"]?.stringValue,
                agentID: agentID,
                agentName: session["agent"]?["name"]?.stringValue ?? "agent",
                start: Date(timeIntervalSince1970: TimeInterval(start)),
                stop: session["stop"]?.intValue.map { Date(timeIntervalSince1970: TimeInterval($0)) },
                relativePath: recordingPath,
                sizeBytes: sizeBytes,
                sha256: sha256,
                archivedAt: archivedAt
            )
        )
    }

    private func modificationDate(_ relativePath: String) -> Date {
        let attributes = try? FileManager.default.attributesOfItem(atPath: root.absolute(relativePath))
        return attributes?[.modificationDate] as? Date ?? Date()
    }
}
