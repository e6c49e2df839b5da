import FoundationEssentials
import Glibc

/// What `verify` found, for the `--report` JSON and the summary.
public struct VerifyReport: Sendable, Encodable, Equatable {
    /// One archived recording that is not as the catalog recorded it.
    public struct Problem: Sendable, Encodable, Equatable, CustomStringConvertible {
        /// The recording's session.
        var sessionID: Int
        /// The recording's path relative to the archive root.
        var path: String
        /// What is wrong, for people.
        var reason: String

        public var description: String { "session \(sessionID), \(path): \(reason)" }

        enum CodingKeys: String, CodingKey {
            case sessionID = "session_id"
            case path, reason
        }
    }

    /// A recording on disk that the catalog lacks.
    public struct UncataloguedFile: Sendable, Encodable, Equatable, CustomStringConvertible {
        /// The `.mp4` file's path relative to the archive root.
        var path: String
        /// Whether its `.json` sidecar is beside it (a sync or `reindex` can then catalogue it).
        var hasSidecar: Bool

        /// Creates an entry.
        init(path: String, hasSidecar: Bool) {
            self.path = path
            self.hasSidecar = hasSidecar
        }

        public var description: String { hasSidecar ? path : "\(path) (no sidecar)" }

        enum CodingKeys: String, CodingKey {
            case path
            case hasSidecar = "has_sidecar"
        }
    }

    /// Recordings checked.
    var checked: Int
    /// Recordings whose size and SHA-256 match the catalog.
    var ok: Int
    /// Recordings that are not there (or cannot be read).
    public var missing: [Problem]
    /// Recordings whose size differs from the catalog's.
    public var truncated: [Problem]
    /// Recordings of the right size whose SHA-256 differs from the catalog's.
    public var corrupted: [Problem]
    /// Bytes read to compute the hashes.
    var bytesChecked: Int
    /// Recordings in the catalog (more than `checked` with `--sample`).
    var catalogEntries: Int
    /// `.mp4` files below the root that the catalog lacks (every one, also with `--sample`), ordered by path.
    public var notCatalogued: [UncataloguedFile]

    /// Creates a report.
    init(
        checked: Int = 0,
        ok: Int = 0,
        missing: [Problem] = [],
        truncated: [Problem] = [],
        corrupted: [Problem] = [],
        bytesChecked: Int = 0,
        catalogEntries: Int = 0,
        notCatalogued: [UncataloguedFile] = []
    ) {
        self.checked = checked
        self.ok = ok
        self.missing = missing
        self.truncated = truncated
        self.corrupted = corrupted
        self.bytesChecked = bytesChecked
        self.catalogEntries = catalogEntries
        self.notCatalogued = notCatalogued
    }

    /// Every problem: missing, then truncated, then corrupted.
    var problems: [Problem] { missing + truncated + corrupted }

    /// 1 when any recording is missing, truncated, corrupted or not catalogued, else 0.
    public var exitCode: Int32 { problems.isEmpty && notCatalogued.isEmpty ? 0 : 1 }

    /// The one-line summary.
    public var summary: String {
        let sample = checked < catalogEntries ? " (a sample of \(catalogEntries))" : ""
        var text =
            "verified \(checked) recordings\(sample), \(ByteCount.format(bytesChecked)) read: \(ok) ok, "
            + "\(missing.count) missing, \(truncated.count) truncated, \(corrupted.count) corrupted"
        if !notCatalogued.isEmpty {
            text +=
                "; \(notCatalogued.count) not in the catalog (run a sync, which checks and catalogues them, or "
                + "getscreen-archiver reindex to rebuild the catalog from the sidecars)"
        }
        return text
    }

    enum CodingKeys: String, CodingKey {
        case checked, ok, missing, truncated, corrupted
        case bytesChecked = "bytes_checked"
        case catalogEntries = "catalog_entries"
        case notCatalogued = "not_catalogued"
    }

    /// Writes the report as pretty JSON to `path` atomically (temporary file, fsync, rename), after the members
    /// every report starts with (`ReportHeader`).
    /// - Throws: `ArchiverError.outputUnwritable` naming the path.
    public func write(toFile path: String) throws(ArchiverError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(Document(report: self)) else {
            throw .outputUnwritable(path: path, errno: EINVAL)
        }
        try AtomicFile.write(data, to: path)
    }

    /// The report's members after the header's.
    private struct Document: Encodable {
        var report: VerifyReport

        func encode(to encoder: any Encoder) throws {
            try ReportHeader(exitCode: report.exitCode, error: nil).encode(to: encoder)
            try report.encode(to: encoder)
        }
    }
}
