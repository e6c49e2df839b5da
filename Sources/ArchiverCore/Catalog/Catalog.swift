import FoundationEssentials
import Glibc
import SQLite
import Synchronization

/// The SQLite record of what the archive holds (one row per recording, with its size and SHA-256) and of the
/// syncs that completed, whose end is the watermark of the next incremental sync.
///
/// One connection, behind a `Mutex`, serves every access from this process. The catalog belongs on a local disk
/// (`state_dir`, by default a folder per archive in the local state folder), where it uses WAL. On a network or
/// FUSE file system (a `state_dir` the admin put there, after a warning) it uses a rollback journal
/// (`journal_mode=DELETE`), never WAL: WAL needs shared memory that NFS and SMB cannot provide coherently. SQLite's
/// byte-range locks over those protocols are unreliable either way. Both use `synchronous=FULL`. The catalog can
/// always be rebuilt from the sidecars (`Reindexer`).
final class Catalog: Sendable {
    /// The catalog's file name inside its folder.
    static let fileName = "catalog.sqlite"
    /// The suffixes of the files SQLite keeps beside the catalog.
    static let companionSuffixes = ["-wal", "-shm", "-journal"]

    /// The absolute path of the SQLite file.
    let path: String
    private let connection: Mutex<SQLiteConnection>

    /// A second process (a dry run, verify) may hold the file briefly; wait rather than fail at once.
    static let busyTimeout = Duration.seconds(10)

    /// The columns of `recording`, in the order `entry(from:)` reads them.
    private static let columns =
        "session_id, uid, agent_id, agent_name, start, stop, relative_path, size_bytes, sha256, archived_at"

    private init(path: String, connection: consuming sending SQLiteConnection) {
        self.path = path
        self.connection = Mutex(connection)
    }

    /// Where the catalog of the state folder `stateDirectory` is: `<stateDirectory>/catalog.sqlite`.
    static func path(inStateDirectory stateDirectory: String) -> String {
        "\(stateDirectory)/\(fileName)"
    }

    /// Opens (creating and migrating) the catalog at `path`; its folder must exist.
    /// - Parameters:
    ///   - isOnShare: true when its folder is on a network or FUSE file system: rollback journal
    ///     (`journal_mode=DELETE`), never WAL; false (a local disk) uses WAL.
    ///   - fileMode: The mode of the catalog file and of the journal files SQLite creates beside it (SQLite gives
    ///     them the catalog's mode), applied exactly, whatever the umask.
    /// - Throws: `ArchiverError.catalogUnavailable` when SQLite cannot open, migrate or write it, or a newer
    ///   version wrote it.
    static func open(
        at path: String,
        isOnShare: Bool,
        fileMode: UInt32 = ArchivePermissions.default.fileMode
    ) throws(ArchiverError) -> Catalog {
        // Created here rather than by SQLite, which would apply 0644 and the umask.
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(fileMode))
        if descriptor >= 0 {
            let changed = fchmod(descriptor, mode_t(fileMode))
            let failure = errno
            close(descriptor)
            guard changed == 0 else { throw unusable(path, "cannot set its mode", failure) }
        } else if errno != EEXIST {
            throw unusable(path, "cannot create it", errno)
        }
        let catalog = try connect(path, access: .readWriteCreate) { connection throws(SQLiteError) in
            try connection.execute("PRAGMA synchronous = FULL")
            let status = try CatalogSchema.migrate(connection)
            // Set after the schema check, so that a catalog this version refuses is left as it is. DELETE also
            // turns a catalog that was once local (WAL) back into a rollback-journal database.
            if status == .current { try connection.setJournalMode(isOnShare ? "delete" : "wal") }
            return status
        }.catalog
        // Files of another owner (a catalog shared through its group) keep their mode: only the owner may chmod.
        for file in [path] + companionSuffixes.map({ path + $0 }) {
            var info = stat()
            guard stat(file, &info) == 0, info.st_uid == geteuid(), info.st_mode & 0o7777 != mode_t(fileMode)
            else { continue }
            guard chmod(file, mode_t(fileMode)) == 0 else { throw unusable(file, "cannot set its mode", errno) }
        }
        return catalog
    }

    /// Opens an existing catalog for reading: nothing is created, migrated or written (dry runs, verify).
    ///
    /// When this user may write the file and its folder, the connection is opened read-write but made
    /// `query_only`: SQLite can then roll back a transaction that a crashed run left in its journal (a read-only
    /// connection fails with "attempt to write a readonly database" there), while no statement can change it.
    ///
    /// A catalog of an older version is read through a copy in memory brought to this version's schema, so that an
    /// audit or a verify right after an upgrade works; the file stays as it is until a sync migrates it.
    /// - Throws: `ArchiverError.catalogUnavailable` when it cannot be opened, or its schema is newer than this
    ///   version's.
    static func openReadOnly(at path: String) throws(ArchiverError) -> Catalog {
        let isWritable = access(path, W_OK) == 0 && access(path.deletingLastPathComponent, W_OK | X_OK) == 0
        let file = try connect(path, access: isWritable ? .readWrite : .readOnly, accepting: [.outdated]) {
            connection throws(SQLiteError) in
            if isWritable { try connection.execute("PRAGMA query_only = ON") }
            return try CatalogSchema.status(of: connection)
        }
        guard file.status == .outdated else { return file.catalog }
        do throws(SQLiteError) {
            // From a connection of its own: the catalog's is behind its lock. The first open has rolled back any
            // transaction a crashed run left.
            let source = try SQLiteConnection(path: path, access: .readOnly, busyTimeout: busyTimeout)
            let copy = try SQLiteConnection(path: ":memory:", access: .readWriteCreate, busyTimeout: busyTimeout)
            try source.copy(into: copy)
            _ = try CatalogSchema.migrate(copy)
            try copy.execute("PRAGMA query_only = ON")
            return Catalog(path: path, connection: copy)
        } catch {
            throw .catalogUnavailable(path: path, reason: explanation(of: error, path: path))
        }
    }

    /// Records `entries` in one transaction, replacing any earlier entry of the same session.
    /// - Throws: `ArchiverError.catalogUnavailable` when the write fails; nothing is recorded then.
    /// A recording catalogued is no longer failing: its row among the failing sessions goes in the same transaction.
    func record(_ entries: [CatalogEntry]) throws(ArchiverError) {
        try write { connection throws(SQLiteError) in
            try Self.insert(entries, into: connection)
            try Self.deleteFailingSessions(entries.map(\.sessionID), in: connection)
        }
    }

    /// Replaces every recorded recording with `entries`, in one transaction (a reindex); the syncs are kept.
    /// - Throws: `ArchiverError.catalogUnavailable` when the write fails; the catalog is unchanged then.
    func replaceEntries(with entries: [CatalogEntry]) throws(ArchiverError) {
        try write { connection throws(SQLiteError) in
            try connection.execute("DELETE FROM recording")
            try Self.insert(entries, into: connection)
        }
    }

    /// The entry of session `sessionID`, if the catalog has one.
    func entry(sessionID: Int) throws(ArchiverError) -> CatalogEntry? {
        try read { connection throws(SQLiteError) in
            let statement = try connection.prepare("SELECT \(Self.columns) FROM recording WHERE session_id = ?")
            try statement.bind(sessionID)
            return try statement.step() ? Self.entry(from: statement) : nil
        }
    }

    /// Every entry, ordered by session start (then session id).
    func entries() throws(ArchiverError) -> [CatalogEntry] {
        try entries(startingFrom: nil, to: nil)
    }

    /// The entries of sessions that started at or after `from` and at or before `to` (`nil`: unbounded),
    /// ordered by session start (then session id).
    func entries(startingFrom from: Date?, to: Date?) throws(ArchiverError) -> [CatalogEntry] {
        try read { connection throws(SQLiteError) in
            let statement = try connection.prepare(
                """
                SELECT \(Self.columns) FROM recording
                WHERE (?1 IS NULL OR start >= ?1) AND (?2 IS NULL OR start <= ?2)
                ORDER BY start, session_id
                """
            )
            try statement.bind(from?.timeIntervalSince1970, to?.timeIntervalSince1970)
            var entries: [CatalogEntry] = []
            while try statement.step() { entries.append(Self.entry(from: statement)) }
            return entries
        }
    }

    /// The entries of sessions that overlap the period from `from` to `to` (`nil`: unbounded), ordered by session
    /// start (then session id): every session `history/list` may list for that period, whether its date filter is on
    /// the start, the stop or the overlap. An unknown stop counts as the start.
    func entries(overlapping from: Date?, to: Date?) throws(ArchiverError) -> [CatalogEntry] {
        try read { connection throws(SQLiteError) in
            let statement = try connection.prepare(
                """
                SELECT \(Self.columns) FROM recording WHERE \(Self.overlapCondition) ORDER BY start, session_id
                """)
            try statement.bind(from?.timeIntervalSince1970, to?.timeIntervalSince1970)
            var entries: [CatalogEntry] = []
            while try statement.step() { entries.append(Self.entry(from: statement)) }
            return entries
        }
    }

    /// The session ids of the entries of sessions that overlap the period from `from` to `to` (`nil`: unbounded),
    /// with the relative path of each recording, in one query: what a run checks its listing against to find
    /// recordings it must catalogue, and recordings filed at another path than the layout's.
    func recordingPaths(overlapping from: Date?, to: Date?) throws(ArchiverError) -> [Int: String] {
        try read { connection throws(SQLiteError) in
            let statement = try connection.prepare(
                "SELECT session_id, relative_path FROM recording WHERE \(Self.overlapCondition)")
            try statement.bind(from?.timeIntervalSince1970, to?.timeIntervalSince1970)
            var paths: [Int: String] = [:]
            while try statement.step() { paths[statement.column(0)] = statement.column(1) }
            return paths
        }
    }

    /// The condition on a recording row for a session that overlaps the period from `?1` to `?2` (NULL: unbounded).
    private static let overlapCondition = "(?1 IS NULL OR COALESCE(stop, start) >= ?1) AND (?2 IS NULL OR start <= ?2)"

    /// The watermark: the `date_to` of the last sync recorded by `recordSuccessfulSync(upTo:at:)`, if any.
    func lastSuccessfulSync() throws(ArchiverError) -> Date? {
        try read { connection throws(SQLiteError) in
            let dateTo: Int64? = try connection.firstValue("SELECT date_to FROM sync_run ORDER BY id DESC LIMIT 1")
            return dateTo.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        }
    }

    /// Records a sync that ended with exit code 0 and listed everything up to `upTo`, finishing at `at`.
    func recordSuccessfulSync(upTo: Date, at: Date) throws(ArchiverError) {
        try write { connection throws(SQLiteError) in
            try connection.prepare("INSERT INTO sync_run (date_to, finished_at) VALUES (?, ?)")
                .execute(upTo.unixSeconds, at.unixSeconds)
        }
    }

    /// A full walk the catalog records: a sync that listed all history up to `dateTo`, finishing at `finishedAt`.
    struct FullWalk: Sendable, Equatable {
        /// The end of the listed history.
        var dateTo: Date
        /// When the sync finished.
        var finishedAt: Date
    }

    /// The full walk recorded by `recordFullWalk(upTo:at:)` that covered the most history (the latest `date_to`), if
    /// any.
    func lastFullWalk() throws(ArchiverError) -> FullWalk? {
        try read { connection throws(SQLiteError) in
            let statement = try connection.prepare(
                "SELECT date_to, finished_at FROM full_walk ORDER BY date_to DESC, id DESC LIMIT 1")
            guard try statement.step() else { return nil }
            return FullWalk(
                dateTo: Date(timeIntervalSince1970: TimeInterval(statement.column(0) as Int64)),
                finishedAt: Date(timeIntervalSince1970: TimeInterval(statement.column(1) as Int64)))
        }
    }

    /// Records a sync that listed all history up to `upTo` and moved the watermark, finishing at `at`.
    func recordFullWalk(upTo: Date, at: Date) throws(ArchiverError) {
        try write { connection throws(SQLiteError) in
            try connection.prepare("INSERT INTO full_walk (date_to, finished_at) VALUES (?, ?)")
                .execute(upTo.unixSeconds, at.unixSeconds)
        }
    }

    /// The journal mode SQLite reports for this connection (`delete` or `wal`).
    func journalMode() throws(ArchiverError) -> String {
        try read { connection throws(SQLiteError) in try connection.firstValue("PRAGMA journal_mode") ?? "" }
    }

    // MARK: - SQL

    /// Inserts or replaces `entries` (upsert by session id) inside the caller's transaction.
    private static func insert(
        _ entries: [CatalogEntry],
        into connection: borrowing SQLiteConnection
    ) throws(SQLiteError) {
        let statement = try connection.prepare(
            """
            INSERT INTO recording (\(columns))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (session_id) DO UPDATE SET
                uid = excluded.uid, agent_id = excluded.agent_id, agent_name = excluded.agent_name,
                start = excluded.start, stop = excluded.stop, relative_path = excluded.relative_path,
                size_bytes = excluded.size_bytes, sha256 = excluded.sha256, archived_at = excluded.archived_at
            """
        )
        for entry in entries {
            try statement.execute(
                entry.sessionID, entry.uid, entry.agentID, entry.agentName, entry.start.unixSeconds,
                entry.stop?.unixSeconds, entry.relativePath, entry.sizeBytes, entry.sha256,
                entry.archivedAt.unixSeconds)
        }
    }

    /// The entry in the current row of a statement that selects `columns`.
    private static func entry(from statement: borrowing SQLiteStatement) -> CatalogEntry {
        let stop: Int64? = statement.column(5)
        return CatalogEntry(
            sessionID: statement.column(0),
            uid: statement.column(1),
            agentID: statement.column(2),
            agentName: statement.column(3),
            start: Date(timeIntervalSince1970: TimeInterval(statement.column(4) as Int64)),
            stop: stop.map { Date(timeIntervalSince1970: TimeInterval($0)) },
            relativePath: statement.column(6),
            sizeBytes: statement.column(7),
            sha256: statement.column(8),
            archivedAt: Date(timeIntervalSince1970: TimeInterval(statement.column(9) as Int64))
        )
    }

    // MARK: - Access

    /// Opens a connection to `path`, and a catalog on it when `prepare` finds (or makes) its schema current, or
    /// leaves it in one of the `accepting` states.
    /// - Parameter prepare: Sets the connection up and returns the schema's status.
    private static func connect(
        _ path: String,
        access: SQLiteConnection.Access,
        accepting acceptable: Set<CatalogSchema.Status> = [],
        prepare: (borrowing SQLiteConnection) throws(SQLiteError) -> CatalogSchema.Status
    ) throws(ArchiverError) -> (catalog: Catalog, status: CatalogSchema.Status) {
        let catalog: Catalog
        let status: CatalogSchema.Status
        do throws(SQLiteError) {
            let connection = try SQLiteConnection(path: path, access: access, busyTimeout: busyTimeout)
            status = try prepare(connection)
            catalog = Catalog(path: path, connection: connection)
        } catch {
            throw .catalogUnavailable(path: path, reason: explanation(of: error, path: path))
        }
        // A refused catalog goes away here, closing its connection.
        if !acceptable.contains(status), let refusal = status.refusal {
            throw .catalogUnavailable(path: path, reason: refusal)
        }
        return (catalog, status)
    }

    /// Runs `body` on the connection, alone.
    func read<T: Sendable>(
        _ body: (borrowing SQLiteConnection) throws(SQLiteError) -> T
    ) throws(ArchiverError) -> T {
        do throws(SQLiteError) {
            return try connection.withLock { connection throws(SQLiteError) in try body(connection) }
        } catch {
            throw .catalogUnavailable(path: path, reason: Self.explanation(of: error, path: path))
        }
    }

    /// Runs `body` on the connection, alone, in one immediate transaction.
    func write<T: Sendable>(
        _ body: (borrowing SQLiteConnection) throws(SQLiteError) -> T
    ) throws(ArchiverError) -> T {
        try read { connection throws(SQLiteError) in try connection.transaction(body) }
    }

    /// `error` in the admin's words, for the catalog at `path`.
    private static func explanation(of error: SQLiteError, path: String) -> String {
        let fileSystem = FileSystemKind(ofFileSystemHolding: path.deletingLastPathComponent)
        return error.explanation(forCatalogAt: path, fileSystem: fileSystem, busyTimeout: busyTimeout)
    }

    /// The error for a catalog file that cannot be created or given its mode.
    private static func unusable(_ path: String, _ action: String, _ code: Int32) -> ArchiverError {
        .catalogUnavailable(
            path: path,
            reason: "\(action): \(String(cString: strerror(code))); check that this user may write "
                + "\(path.deletingLastPathComponent) (state_dir)")
    }
}
