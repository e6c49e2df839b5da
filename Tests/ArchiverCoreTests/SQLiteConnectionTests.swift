import ArchiverTestSupport
import Foundation
import Testing

@testable import ArchiverCore
@testable import SQLite

/// The SQLite wrapper under the catalog, on real files in temporary folders.
@Suite struct SQLiteConnectionTests {
    static func open(_ path: String, _ access: SQLiteConnection.Access = .readWriteCreate) throws -> SQLiteConnection {
        try SQLiteConnection(path: path, access: access, busyTimeout: .seconds(10))
    }

    static func count(_ connection: borrowing SQLiteConnection, in table: String) throws -> Int? {
        try connection.firstValue("SELECT count(*) FROM \(table)")
    }

    @Test func bindsAndReadsEachTypeAndNULL() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let connection = try Self.open(folder.path + "/test.sqlite")
        try connection.execute("CREATE TABLE value (i INTEGER, n INTEGER, r REAL, t TEXT, e TEXT, z TEXT)")
        let text = "Büro 🖥 \u{0}after NUL"
        let missing: String? = nil
        try connection.prepare("INSERT INTO value VALUES (?, ?, ?, ?, ?, ?)")
            .execute(Int64.max, Int.min, 0.25, text, "", missing)

        let statement = try connection.prepare("SELECT i, n, r, t, e, z FROM value")
        #expect(try statement.step())
        #expect(statement.column(0) == Int64.max)
        #expect(statement.column(1) == Int.min)
        #expect(statement.column(2) == 0.25)
        #expect(statement.column(3) == text)
        #expect(statement.column(4) == "")
        #expect(statement.column(4) as String? == "")
        #expect(statement.column(5) as String? == nil)
        #expect(statement.column(5) as Int64? == nil)
        #expect(try !statement.step())
    }

    @Test func aStatementRunsAgainWithNewValues() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let connection = try Self.open(folder.path + "/test.sqlite")
        try connection.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)")
        let insert = try connection.prepare("INSERT INTO item VALUES (?, ?)")
        try insert.execute(1, "one")
        try insert.execute(2)  // a parameter left out is NULL, not the previous run's value
        let select = try connection.prepare("SELECT name FROM item ORDER BY id")
        var names: [String?] = []
        while try select.step() { names.append(select.column(0)) }
        #expect(names == ["one", nil])
    }

    @Test func aFailedTransactionKeepsNothingAndTheConnectionGoesOn() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let connection = try Self.open(folder.path + "/test.sqlite")
        try connection.execute("CREATE TABLE item (id INTEGER PRIMARY KEY)")

        let error = try #require(throws: SQLiteError.self) {
            try connection.transaction { connection throws(SQLiteError) in
                let insert = try connection.prepare("INSERT INTO item VALUES (?)")
                try insert.execute(1)
                try insert.execute(2)
                try insert.execute(1)
            }
        }
        #expect(error.message.contains("UNIQUE constraint failed: item.id"))
        #expect(try Self.count(connection, in: "item") == 0)

        try connection.transaction { connection throws(SQLiteError) in
            try connection.prepare("INSERT INTO item VALUES (?)").execute(3)
        }
        #expect(try Self.count(connection, in: "item") == 1)
    }

    @Test func readOnlyDoesNotCreateAMissingFileAndSaysWhy() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/missing.sqlite"
        let error = try #require(throws: SQLiteError.self) { _ = try Self.open(path, .readOnly) }
        #expect(error.message == "unable to open database file (No such file or directory)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func readOnlyRefusesWrites() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/test.sqlite"
        try Self.open(path).execute("CREATE TABLE item (id INTEGER PRIMARY KEY)")
        let before = contents(of: path)

        let readOnly = try Self.open(path, .readOnly)
        let error = try #require(throws: SQLiteError.self) { try readOnly.execute("INSERT INTO item VALUES (1)") }
        #expect(error.message == "attempt to write a readonly database")
        #expect(contents(of: path) == before)
    }

    @Test func invalidSQLNamesTheProblem() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let connection = try Self.open(folder.path + "/test.sqlite")
        let error = try #require(throws: SQLiteError.self) { _ = try connection.prepare("SELECT * FROM nowhere") }
        #expect(error.message == "no such table: nowhere")
        #expect(throws: SQLiteError.self) { _ = try connection.prepare("-- only a comment") }
    }

    @Test func waitsForAnotherConnectionsLockUpToTheBusyTimeout() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/test.sqlite"
        let holder = try Self.open(path)
        try holder.execute("CREATE TABLE item (id INTEGER PRIMARY KEY)")
        let waiter = try SQLiteConnection(path: path, access: .readWriteCreate, busyTimeout: .milliseconds(200))

        try holder.execute("BEGIN IMMEDIATE")
        let clock = ContinuousClock()
        let started = clock.now
        let error = try #require(throws: SQLiteError.self) { try waiter.transaction { _ throws(SQLiteError) in } }
        #expect(error.message == "database is locked")
        #expect(clock.now - started >= .milliseconds(200))

        try holder.execute("COMMIT")
        try waiter.transaction { connection throws(SQLiteError) in
            try connection.execute("INSERT INTO item VALUES (1)")
        }
    }

    @Test func setsTheJournalModeOrSaysWhichOneSQLiteKept() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/test.sqlite"
        let first = try Self.open(path)
        try first.setJournalMode("wal")
        #expect(try first.firstValue("PRAGMA journal_mode") == "wal")
        try first.execute("CREATE TABLE item (id INTEGER PRIMARY KEY)")

        // Leaving WAL needs the only connection; SQLite may refuse it or keep WAL, and either is reported.
        let second = try Self.open(path)
        #expect(throws: SQLiteError.self) { try second.setJournalMode("delete") }
    }
}
