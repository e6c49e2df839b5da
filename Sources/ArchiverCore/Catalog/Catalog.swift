public import Foundation
import GRDB

/// The SQLite record of what the archive holds (one row per recording, with its size and SHA-256) and of the
/// syncs that completed, whose end is the watermark of the next incremental sync.
///
/// One `DatabaseQueue` serializes every access from this process. On the archive share the catalog uses a
/// rollback journal (`journal_mode=DELETE`), never WAL: WAL needs shared memory that NFS and SMB cannot
/// provide coherently, and SQLite's byte-range locks over those protocols are unreliable. A catalog in a local
/// `state_dir` uses WAL. The catalog can always be rebuilt from the sidecars (`Reindexer`).
public final class Catalog: Sendable {
    /// The catalog's file name inside its folder.
    public static let fileName = "catalog.sqlite"

    /// The absolute path of the SQLite file.
    public let path: String
    private let queue: DatabaseQueue

    private init(path: String, queue: DatabaseQueue) {
        self.path = path
        self.queue = queue
    }

    /// Where the catalog goes for `configuration`: `<state_dir>/catalog.sqlite`, or
    /// `<root>/.getscreen-archiver/catalog.sqlite` when `state_dir` is not set.
    /// - Returns: the path, and whether it lies on the archive (in the root, or a `state_dir` below it).
    public static func path(for configuration: ArchiverConfiguration) -> (path: String, isOnArchive: Bool) {
        let root = configuration.archiveRoot
        guard let folder = configuration.stateDirectory else {
            return ("\(root)/\(ArchiveRoot.stateFolderName)/\(fileName)", true)
        }
        let isBelowRoot = folder == root || folder.hasPrefix(root.hasSuffix("/") ? root : root + "/")
        return ("\(folder)/\(fileName)", isBelowRoot)
    }

    /// Opens (creating and migrating) the catalog at `path`; its folder must exist.
    /// - Parameter isOnArchive: true when it sits on the archive share: rollback journal (`journal_mode=DELETE`),
    ///   never WAL; false (a `state_dir` on local disk) uses WAL.
    /// - Throws: `ArchiverError.catalogUnavailable` when SQLite cannot open, migrate or write it.
    public static func open(at path: String, isOnArchive: Bool) throws(ArchiverError) -> Catalog {
        var configuration = Self.configuration()
        if isOnArchive {
            configuration.prepareDatabase { db in
                // Also turns a catalog that was once local (WAL) back into a rollback-journal database.
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        } else {
            configuration.journalMode = .wal
        }
        return try withCatalogErrors(path) {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try migrator.migrate(queue)
            return Catalog(path: path, queue: queue)
        }
    }

    /// Opens an existing catalog for reading only: nothing is created, migrated or written (dry runs).
    /// - Throws: `ArchiverError.catalogUnavailable` when it cannot be opened or was written by a newer version.
    public static func openReadOnly(at path: String) throws(ArchiverError) -> Catalog {
        var configuration = Self.configuration()
        configuration.readonly = true
        return try withCatalogErrors(path) {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let isCurrent = try queue.read { db in try migrator.hasCompletedMigrations(db) }
            guard isCurrent else {
                throw CatalogSchemaError(message: "its schema is older or newer than this version of the tool")
            }
            return Catalog(path: path, queue: queue)
        }
    }

    /// Records `entries` in one transaction, replacing any earlier entry of the same session.
    /// - Throws: `ArchiverError.catalogUnavailable` when the write fails; nothing is recorded then.
    public func record(_ entries: [CatalogEntry]) throws(ArchiverError) {
        try write { db in try Self.insert(entries, into: db) }
    }

    /// Replaces every recorded recording with `entries`, in one transaction (a reindex); the syncs are kept.
    /// - Throws: `ArchiverError.catalogUnavailable` when the write fails; the catalog is unchanged then.
    public func replaceEntries(with entries: [CatalogEntry]) throws(ArchiverError) {
        try write { db in
            try db.execute(sql: "DELETE FROM recording")
            try Self.insert(entries, into: db)
        }
    }

    /// The entry of session `sessionID`, if the catalog has one.
    public func entry(sessionID: Int) throws(ArchiverError) -> CatalogEntry? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM recording WHERE session_id = ?", arguments: [sessionID])
                .map(Self.entry(from:))
        }
    }

    /// Every entry, ordered by session start (then session id).
    public func entries() throws(ArchiverError) -> [CatalogEntry] {
        try entries(startingFrom: nil, to: nil)
    }

    /// The entries of sessions that started at or after `from` and at or before `to` (`nil`: unbounded),
    /// ordered by session start (then session id).
    public func entries(startingFrom from: Date?, to: Date?) throws(ArchiverError) -> [CatalogEntry] {
        try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM recording
                    WHERE (?1 IS NULL OR start >= ?1) AND (?2 IS NULL OR start <= ?2)
                    ORDER BY start, session_id
                    """,
                arguments: [from?.timeIntervalSince1970, to?.timeIntervalSince1970]
            ).map(Self.entry(from:))
        }
    }

    /// The watermark: the `date_to` of the last sync recorded by `recordSuccessfulSync(upTo:at:)`, if any.
    public func lastSuccessfulSync() throws(ArchiverError) -> Date? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT date_to FROM sync_run ORDER BY id DESC LIMIT 1")
                .map { Date(timeIntervalSince1970: TimeInterval($0)) }
        }
    }

    /// Records a sync that ended with exit code 0 and listed everything up to `upTo`, finishing at `at`.
    public func recordSuccessfulSync(upTo: Date, at: Date) throws(ArchiverError) {
        try write { db in
            try db.execute(
                sql: "INSERT INTO sync_run (date_to, finished_at) VALUES (?, ?)",
                arguments: [upTo.unixSeconds, at.unixSeconds])
        }
    }

    /// The journal mode SQLite reports for this connection (`delete` or `wal`).
    func journalMode() throws(ArchiverError) -> String {
        try read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    // MARK: - Schema

    /// The schema's migrations, in order; never edit a registered one, add a new one.
    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE recording (
                        session_id INTEGER PRIMARY KEY NOT NULL,
                        uid TEXT,
                        agent_id INTEGER NOT NULL,
                        agent_name TEXT NOT NULL,
                        start INTEGER NOT NULL,
                        stop INTEGER,
                        relative_path TEXT NOT NULL,
                        size_bytes INTEGER NOT NULL,
                        sha256 TEXT NOT NULL,
                        archived_at INTEGER NOT NULL
                    );
                    CREATE INDEX recording_start ON recording (start);
                    CREATE TABLE sync_run (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        date_to INTEGER NOT NULL,
                        finished_at INTEGER NOT NULL
                    );
                    """
            )
        }
        return migrator
    }

    /// Inserts or replaces `entries` (upsert by session id) inside the caller's transaction.
    private static func insert(_ entries: [CatalogEntry], into db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO recording
                    (session_id, uid, agent_id, agent_name, start, stop, relative_path, size_bytes, sha256,
                     archived_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (session_id) DO UPDATE SET
                    uid = excluded.uid, agent_id = excluded.agent_id, agent_name = excluded.agent_name,
                    start = excluded.start, stop = excluded.stop, relative_path = excluded.relative_path,
                    size_bytes = excluded.size_bytes, sha256 = excluded.sha256, archived_at = excluded.archived_at
                """
        )
        for entry in entries {
            try statement.execute(arguments: [
                entry.sessionID, entry.uid, entry.agentID, entry.agentName, entry.start.unixSeconds,
                entry.stop?.unixSeconds, entry.relativePath, entry.sizeBytes, entry.sha256,
                entry.archivedAt.unixSeconds,
            ])
        }
    }

    private static func configuration() -> Configuration {
        var configuration = Configuration()
        // A second process (a dry run, verify) may hold the file briefly; wait rather than fail at once.
        configuration.busyMode = .timeout(10)
        configuration.label = "catalog"
        return configuration
    }

    private static func entry(from row: Row) -> CatalogEntry {
        let stop: Int64? = row["stop"]
        return CatalogEntry(
            sessionID: row["session_id"],
            uid: row["uid"],
            agentID: row["agent_id"],
            agentName: row["agent_name"],
            start: Date(timeIntervalSince1970: TimeInterval(row["start"] as Int64)),
            stop: stop.map { Date(timeIntervalSince1970: TimeInterval($0)) },
            relativePath: row["relative_path"],
            sizeBytes: row["size_bytes"],
            sha256: row["sha256"],
            archivedAt: Date(timeIntervalSince1970: TimeInterval(row["archived_at"] as Int64))
        )
    }

    // MARK: - Errors

    private func read<T>(_ body: (Database) throws -> T) throws(ArchiverError) -> T {
        try Self.withCatalogErrors(path) { try queue.read(body) }
    }

    private func write<T>(_ body: (Database) throws -> T) throws(ArchiverError) -> T {
        try Self.withCatalogErrors(path) { try queue.write(body) }
    }

    /// Runs `body`, turning whatever it throws into `ArchiverError.catalogUnavailable` for `path`.
    private static func withCatalogErrors<T>(_ path: String, _ body: () throws -> T) throws(ArchiverError) -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw .catalogUnavailable(path: path, reason: error.message ?? error.description)
        } catch let error as CatalogSchemaError {
            throw .catalogUnavailable(path: path, reason: error.message)
        } catch {
            throw .catalogUnavailable(path: path, reason: "\(error)")
        }
    }
}

/// A catalog whose schema this version cannot read.
private struct CatalogSchemaError: Error {
    var message: String
}
