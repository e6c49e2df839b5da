import SQLite
/// The catalog's tables and the migrations that build them.
///
/// Applied migrations are listed in `grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)`, the table of GRDB's
/// `DatabaseMigrator`, which earlier versions used: their catalogs open unchanged, and catalogs written now
/// stay readable by them.
enum CatalogSchema {
    /// One step of the schema. Never edit one that was released; add a new one.
    struct Migration {
        /// The row that records it in `grdb_migrations`.
        var identifier: String
        /// The statements it runs.
        var sql: String
    }

    /// How a catalog's schema compares with this version's.
    enum Status: Hashable {
        /// Every known migration is applied, and no other.
        case current
        /// Some known migration is not applied yet: a new file, or a catalog of an older version.
        case outdated
        /// Migrations this version does not know are applied: a newer version wrote the catalog.
        case newer(unknownMigrations: [String])

        /// Why a catalog in this state cannot be used; `nil` when it is current.
        var refusal: String? {
            switch self {
            case .current:
                nil
            case .outdated:
                "its schema is older than this version of the tool (a sync or reindex migrates it)"
            case .newer(let unknown):
                "its schema is newer than this version of the tool (unknown migrations: "
                    + "\(unknown.joined(separator: ", "))); use the newer getscreen-archiver that wrote it"
            }
        }
    }

    /// The migrations, in order.
    static let migrations = [
        Migration(
            identifier: "v1",
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
        ),
        // Sessions whose recording keeps failing: retried alone until archived, expired or acknowledged.
        Migration(
            identifier: "v2",
            sql: """
                CREATE TABLE failing_session (
                    session_id INTEGER PRIMARY KEY NOT NULL,
                    item_json TEXT,
                    code TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    first_failed_at INTEGER NOT NULL,
                    last_failed_at INTEGER NOT NULL,
                    acknowledged INTEGER NOT NULL DEFAULT 0
                );
                """
        ),
        // The full walks of history (`sync.full_every`): a sync that listed all of it and moved the watermark.
        Migration(
            identifier: "v3",
            sql: """
                CREATE TABLE full_walk (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    date_to INTEGER NOT NULL,
                    finished_at INTEGER NOT NULL
                );
                """
        ),
    ]

    /// The schema status of the catalog on `connection`; reads only.
    static func status(of connection: borrowing SQLiteConnection) throws(SQLiteError) -> Status {
        status(applied: try appliedIdentifiers(connection))
    }

    /// Applies the missing migrations and records them, all in one transaction, so that a failure or a second
    /// process migrating at the same time leaves no half-built schema. A catalog of a newer version is left as
    /// it is.
    /// - Returns: `.current`, or `.newer` when the catalog was left as it is.
    static func migrate(_ connection: borrowing SQLiteConnection) throws(SQLiteError) -> Status {
        try connection.transaction { connection throws(SQLiteError) in
            try connection.execute("CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            let applied = try appliedIdentifiers(connection)
            let status = status(applied: applied)
            guard status == .outdated else { return status }
            let record = try connection.prepare("INSERT INTO grdb_migrations (identifier) VALUES (?)")
            for migration in migrations where !applied.contains(migration.identifier) {
                try connection.execute(migration.sql)
                try record.execute(migration.identifier)
            }
            return .current
        }
    }

    private static func status(applied: Set<String>) -> Status {
        let unknown = applied.subtracting(migrations.map(\.identifier))
        if !unknown.isEmpty { return .newer(unknownMigrations: unknown.sorted()) }
        return migrations.allSatisfy { applied.contains($0.identifier) } ? .current : .outdated
    }

    /// The identifiers in `grdb_migrations`, known or not; none when the table does not exist.
    private static func appliedIdentifiers(
        _ connection: borrowing SQLiteConnection
    ) throws(SQLiteError) -> Set<String> {
        let hasTable: Int64? = try connection.firstValue(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'grdb_migrations'")
        guard hasTable != nil else { return [] }
        let statement = try connection.prepare("SELECT identifier FROM grdb_migrations")
        var identifiers: Set<String> = []
        while try statement.step() { identifiers.insert(statement.column(0)) }
        return identifiers
    }
}
