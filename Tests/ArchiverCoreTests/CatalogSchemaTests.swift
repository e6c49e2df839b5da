import ArchiverTestSupport
import Foundation
import Testing

@testable import ArchiverCore
@testable import SQLite

/// The catalog's schema across versions: catalogs that GRDB's migrator wrote, and ones a newer version wrote.
@Suite struct CatalogSchemaTests {
    /// A catalog as the versions that used GRDB 7 left it: GRDB's table of applied migrations holding 'v1', beside
    /// v1's tables, with one recording and one sync. Written out here rather than taken from `CatalogSchema`, so
    /// that a change there cannot hide an incompatibility.
    static let grdbCatalogSQL = """
        CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
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
        INSERT INTO grdb_migrations (identifier) VALUES ('v1');
        INSERT INTO recording VALUES
            (7, 'uid-7', 1001, 'PC 1', 1780000000, 1780000600, 'PC-1/2026/05/28/200640_7.mp4', 1007,
             '\(String(repeating: "c", count: 64))', 1780100000),
            (8, NULL, 1002, 'PC 2', 1780000100, NULL, 'PC-2/2026/05/28/200820_8.mp4', 1008,
             '\(String(repeating: "d", count: 64))', 1780100001);
        INSERT INTO sync_run (date_to, finished_at) VALUES (1780000500, 1780000600);
        """

    static let grdbEntries = [
        CatalogEntry(
            sessionID: 7, uid: "uid-7", agentID: 1001, agentName: "PC 1",
            start: Date(timeIntervalSince1970: 1_780_000_000), stop: Date(timeIntervalSince1970: 1_780_000_600),
            relativePath: "PC-1/2026/05/28/200640_7.mp4", sizeBytes: 1007, sha256: String(repeating: "c", count: 64),
            archivedAt: Date(timeIntervalSince1970: 1_780_100_000)),
        CatalogEntry(
            sessionID: 8, uid: nil, agentID: 1002, agentName: "PC 2",
            start: Date(timeIntervalSince1970: 1_780_000_100), stop: nil,
            relativePath: "PC-2/2026/05/28/200820_8.mp4", sizeBytes: 1008, sha256: String(repeating: "d", count: 64),
            archivedAt: Date(timeIntervalSince1970: 1_780_100_001)),
    ]

    /// Runs `sql` on the file at `path` through a connection of its own, creating the file when missing.
    static func execute(_ sql: String, at path: String) throws {
        try SQLiteConnection(path: path, access: .readWriteCreate, busyTimeout: .seconds(10)).execute(sql)
    }

    /// The rows of `grdb_migrations`, in order.
    static func appliedMigrations(at path: String) throws -> [String] {
        let connection = try SQLiteConnection(path: path, access: .readOnly, busyTimeout: .seconds(10))
        let statement = try connection.prepare("SELECT identifier FROM grdb_migrations ORDER BY identifier")
        var identifiers: [String] = []
        while try statement.step() { identifiers.append(statement.column(0)) }
        return identifiers
    }

    /// The names of the tables and indexes in the file at `path`.
    static func schemaNames(at path: String) throws -> [String] {
        let connection = try SQLiteConnection(path: path, access: .readOnly, busyTimeout: .seconds(10))
        let statement = try connection.prepare("SELECT name FROM sqlite_master ORDER BY name")
        var names: [String] = []
        while try statement.step() { names.append(statement.column(0)) }
        return names
    }

    /// The reason of the `catalogUnavailable` error that `open` throws, after checking that it names `path`.
    static func refusal(at path: String, _ open: () throws(ArchiverError) -> Catalog) throws -> String {
        let error = try #require(throws: ArchiverError.self) { _ = try open() }
        guard case .catalogUnavailable(let reportedPath, let reason) = error else {
            Issue.record("unexpected \(error)")
            return ""
        }
        #expect(reportedPath == path)
        return reason
    }

    @Test(arguments: [true, false])
    func opensACatalogThatGRDBWrote(isOnShare: Bool) throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/catalog.sqlite"
        try Self.execute(Self.grdbCatalogSQL, at: path)
        let schema = try Self.schemaNames(at: path)

        let catalog = try Catalog.open(at: path, isOnShare: isOnShare)
        #expect(try catalog.entries() == Self.grdbEntries)
        #expect(try catalog.lastSuccessfulSync() == Date(timeIntervalSince1970: 1_780_000_500))
        try catalog.record([CatalogTests.entry(9, start: 1_780_000_200)])
        #expect(try catalog.entries().map(\.sessionID) == [7, 8, 9])
        #expect(try Self.appliedMigrations(at: path) == CatalogSchema.migrations.map(\.identifier))
        #expect(try Self.schemaNames(at: path) == (schema + Self.tablesAfterV1).sorted())
        #expect(try Catalog.openReadOnly(at: path).entries().map(\.sessionID) == [7, 8, 9])
    }

    /// The tables that migrations after 'v1' add.
    static let tablesAfterV1 = ["failing_session", "full_walk"]

    /// What this version writes extends what versions that used GRDB wrote: the same tables and more, and every
    /// migration in GRDB's table.
    @Test func aNewCatalogHasTheSchemaAndMigrationRowsThatGRDBWrotePlusTheLaterOnes() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let grdbPath = folder.path + "/grdb.sqlite"
        try Self.execute(Self.grdbCatalogSQL, at: grdbPath)
        let path = folder.path + "/catalog.sqlite"
        _ = try Catalog.open(at: path, isOnShare: true)

        #expect(try Self.appliedMigrations(at: path) == CatalogSchema.migrations.map(\.identifier))
        #expect(try Self.schemaNames(at: path) == (Self.schemaNames(at: grdbPath) + Self.tablesAfterV1).sorted())
    }

    @Test func refusesACatalogWithAnUnknownMigrationAndLeavesItAlone() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/catalog.sqlite"
        try Self.execute(Self.grdbCatalogSQL + "INSERT INTO grdb_migrations (identifier) VALUES ('v99');", at: path)
        let before = contents(of: path)

        for isOnShare in [true, false] {
            let reason = try Self.refusal(at: path) { () throws(ArchiverError) in
                try Catalog.open(at: path, isOnShare: isOnShare)
            }
            #expect(reason.hasPrefix("its schema is newer than this version of the tool (unknown migrations: v99)"))
        }
        let reason = try Self.refusal(at: path) { () throws(ArchiverError) in try Catalog.openReadOnly(at: path) }
        #expect(reason.hasPrefix("its schema is newer than this version of the tool (unknown migrations: v99)"))
        #expect(contents(of: path) == before)
    }

    @Test func readOnlyReadsAnOlderCatalogThroughAMigratedCopyAndLeavesTheFileAsItIs() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/catalog.sqlite"
        try Self.execute(Self.grdbCatalogSQL, at: path)
        let before = contents(of: path)

        let catalog = try Catalog.openReadOnly(at: path)
        #expect(try catalog.entries() == Self.grdbEntries)
        #expect(try catalog.lastSuccessfulSync() == Date(timeIntervalSince1970: 1_780_000_500))
        #expect(try catalog.lastFullWalk() == nil)
        #expect(throws: ArchiverError.self) { try catalog.record([CatalogTests.entry(9)]) }
        #expect(contents(of: path) == before)
        #expect(try Self.appliedMigrations(at: path) == ["v1"])

        try Catalog.open(at: path, isOnShare: true).record([CatalogTests.entry(1)])
        #expect(try Self.appliedMigrations(at: path) == CatalogSchema.migrations.map(\.identifier))
        #expect(try Catalog.openReadOnly(at: path).entries().map(\.sessionID) == [1, 7, 8])
    }
}
