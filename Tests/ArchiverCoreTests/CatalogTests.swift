import ArchiverTestSupport
import Foundation
import Testing

@testable import ArchiverCore
@testable import SQLite

/// The SQLite catalog on real files in temporary folders.
@Suite struct CatalogTests {
    static func entry(_ id: Int, start: TimeInterval = 1_780_000_000, sha: Character = "a") -> CatalogEntry {
        CatalogEntry(
            sessionID: id,
            uid: "uid-\(id)",
            agentID: 1000 + id % 3,
            agentName: "PC \(id % 3)",
            start: Date(timeIntervalSince1970: start),
            stop: id.isMultiple(of: 2) ? nil : Date(timeIntervalSince1970: start + 600),
            relativePath: "PC-\(id % 3)/2026/05/01/120000_\(id).mp4",
            sizeBytes: 1000 + id,
            sha256: String(repeating: sha, count: 64),
            archivedAt: Date(timeIntervalSince1970: 1_780_100_000.75)
        )
    }

    /// The SQLite file header's read version: 1 for a rollback journal, 2 for WAL.
    static func fileFormat(of path: String) -> UInt8? {
        guard let bytes = contents(of: path), bytes.count >= 20 else { return nil }
        return bytes[19]
    }

    @Test func roundTripsEntriesAndUpsertsBySessionID() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/catalog.sqlite"
        let catalog = try Catalog.open(at: path, isOnShare: true)
        let entries = [Self.entry(3, start: 300), Self.entry(1, start: 100), Self.entry(2, start: 200)]
        try catalog.record(entries)
        #expect(try catalog.entries() == entries.sorted { $0.start < $1.start })
        #expect(try catalog.entry(sessionID: 3) == entries[0])
        #expect(try catalog.entry(sessionID: 3)?.archivedAt == Date(timeIntervalSince1970: 1_780_100_000))
        #expect(try catalog.entry(sessionID: 4) == nil)

        var changed = Self.entry(2, start: 200, sha: "b")
        changed.sizeBytes = 77
        changed.uid = nil
        try catalog.record([changed])
        #expect(try catalog.entries().count == 3)
        #expect(try catalog.entry(sessionID: 2) == changed)

        // A second connection (another process) sees the same rows.
        let reopened = try Catalog.openReadOnly(at: path)
        #expect(try reopened.entries().map(\.sessionID) == [1, 2, 3])
        #expect(
            try reopened.entries(startingFrom: Date(timeIntervalSince1970: 150), to: nil).map(\.sessionID) == [2, 3])
        #expect(
            try reopened.entries(startingFrom: nil, to: Date(timeIntervalSince1970: 200)).map(\.sessionID) == [1, 2])
        #expect(
            try reopened.entries(
                startingFrom: Date(timeIntervalSince1970: 200), to: Date(timeIntervalSince1970: 200)
            ).map(\.sessionID) == [2])
    }

    @Test func aFailedBatchRecordsNothing() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/catalog.sqlite"
        let catalog = try Catalog.open(at: path, isOnShare: true)
        try catalog.record([Self.entry(1)])
        let readOnly = try Catalog.openReadOnly(at: path)
        let error = try #require(throws: ArchiverError.self) { try readOnly.record([Self.entry(2)]) }
        guard case .catalogUnavailable(let reportedPath, _) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(reportedPath == path)
        #expect(error.exitCode == 3)
        #expect(try catalog.entries().map(\.sessionID) == [1])
    }

    @Test func aBatchThatFailsHalfwayRecordsNothing() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/catalog.sqlite"
        let catalog = try Catalog.open(at: path, isOnShare: true)
        try catalog.record([Self.entry(1)])
        // Another process's trigger makes the third insert of the batch fail, after two succeeded.
        try SQLiteConnection(path: path, access: .readWriteCreate, busyTimeout: .seconds(10)).execute(
            """
            CREATE TRIGGER refuse_five BEFORE INSERT ON recording WHEN NEW.session_id = 5
            BEGIN SELECT RAISE(ABORT, 'session 5 refused'); END
            """
        )
        let error = try #require(throws: ArchiverError.self) {
            try catalog.record([Self.entry(3), Self.entry(4), Self.entry(5), Self.entry(6)])
        }
        guard case .catalogUnavailable(let reportedPath, let reason) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(reportedPath == path)
        #expect(reason.hasPrefix("session 5 refused; "))
        #expect(try catalog.entries().map(\.sessionID) == [1])
        try catalog.record([Self.entry(6)])
        #expect(try catalog.entries().map(\.sessionID) == [1, 6])
    }

    @Test func anUnopenableCatalogNamesItsPathAndTheReason() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/no-such-folder/catalog.sqlite"
        let error = try #require(throws: ArchiverError.self) { _ = try Catalog.open(at: path, isOnShare: true) }
        guard case .catalogUnavailable(let reportedPath, let reason) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(reportedPath == path)
        #expect(reason.hasPrefix("cannot create it: No such file or directory; check that this user may write "))
        #expect(error.description.hasPrefix("cannot use the catalog \(path): cannot create it"))
    }

    @Test func recordsFromManyTasksAtOnce() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let catalog = try Catalog.open(at: folder.path + "/catalog.sqlite", isOnShare: false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in 1...40 {
                group.addTask { try catalog.record([Self.entry(id, start: TimeInterval(id))]) }
            }
            try await group.waitForAll()
        }
        #expect(try catalog.entries().map(\.sessionID) == Array(1...40))
    }

    @Test func usesARollbackJournalOnASharedFileSystemAndWALOnLocalDisk() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/catalog.sqlite"

        do {
            // Closed at the end of this block: SQLite leaves WAL only when no other connection is open.
            let local = try Catalog.open(at: path, isOnShare: false)
            try local.record([Self.entry(1)])
            #expect(try local.journalMode() == "wal")
            #expect(Self.fileFormat(of: path) == 2)
        }

        let onShare = try Catalog.open(at: path, isOnShare: true)
        #expect(try onShare.journalMode() == "delete")
        try onShare.record([Self.entry(2)])
        #expect(Self.fileFormat(of: path) == 1)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        #expect(try onShare.entries().map(\.sessionID) == [1, 2])
    }

    @Test func readsALocalWALCatalogReadOnly() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/catalog.sqlite"
        do {
            let local = try Catalog.open(at: path, isOnShare: false)
            try local.record([Self.entry(1)])
            try local.recordSuccessfulSync(upTo: Date(timeIntervalSince1970: 77), at: Date(timeIntervalSince1970: 78))
        }
        let before = contents(of: path)
        let readOnly = try Catalog.openReadOnly(at: path)
        #expect(try readOnly.entries().map(\.sessionID) == [1])
        #expect(try readOnly.lastSuccessfulSync() == Date(timeIntervalSince1970: 77))
        // SQLite may leave empty -wal/-shm files beside a local WAL catalog; the catalog itself is untouched.
        #expect(contents(of: path) == before)
    }

    @Test func keepsTheLastSuccessfulSyncAsTheWatermark() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let catalog = try Catalog.open(at: folder.path + "/catalog.sqlite", isOnShare: true)
        #expect(try catalog.lastSuccessfulSync() == nil)
        try catalog.recordSuccessfulSync(upTo: Date(timeIntervalSince1970: 5000), at: Date(timeIntervalSince1970: 5010))
        try catalog.recordSuccessfulSync(
            upTo: Date(timeIntervalSince1970: 4000.9), at: Date(timeIntervalSince1970: 6010))
        #expect(try catalog.lastSuccessfulSync() == Date(timeIntervalSince1970: 4000))
        try catalog.replaceEntries(with: [Self.entry(9)])
        #expect(try catalog.lastSuccessfulSync() == Date(timeIntervalSince1970: 4000))
    }

    @Test func keepsTheFullWalkThatCoveredTheMostHistory() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let catalog = try Catalog.open(at: folder.path + "/catalog.sqlite", isOnShare: true)
        #expect(try catalog.lastFullWalk() == nil)
        try catalog.recordFullWalk(upTo: Date(timeIntervalSince1970: 5000), at: Date(timeIntervalSince1970: 5010))
        // A --full --to in the past covers less history: the next full walk stays due from 5000.
        try catalog.recordFullWalk(upTo: Date(timeIntervalSince1970: 4000), at: Date(timeIntervalSince1970: 6010))
        #expect(
            try catalog.lastFullWalk()
                == Catalog.FullWalk(
                    dateTo: Date(timeIntervalSince1970: 5000), finishedAt: Date(timeIntervalSince1970: 5010)))
        try catalog.replaceEntries(with: [Self.entry(9)])
        #expect(try catalog.lastFullWalk()?.dateTo == Date(timeIntervalSince1970: 5000))
    }

    /// The sessions a listing of a period may hold whatever the API's date filter means: those overlapping it.
    @Test func findsTheEntriesOverlappingAPeriod() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let catalog = try Catalog.open(at: folder.path + "/catalog.sqlite", isOnShare: true)
        // Odd ids stop 600 s after their start; even ids have no stop.
        try catalog.record([Self.entry(1, start: 100), Self.entry(2, start: 1000), Self.entry(3, start: 2000)])
        func overlapping(_ from: TimeInterval?, _ to: TimeInterval?) throws -> [Int] {
            try catalog.entries(
                overlapping: from.map(Date.init(timeIntervalSince1970:)), to: to.map(Date.init(timeIntervalSince1970:))
            ).map(\.sessionID)
        }
        #expect(try overlapping(nil, nil) == [1, 2, 3])
        #expect(try overlapping(650, 1000) == [1, 2])
        #expect(try overlapping(701, 1999) == [2])
        #expect(try overlapping(1001, 2000) == [3])
        let paths = try catalog.recordingPaths(overlapping: Date(timeIntervalSince1970: 650), to: nil)
        #expect(paths == [1: Self.entry(1).relativePath, 2: Self.entry(2).relativePath, 3: Self.entry(3).relativePath])
        #expect(try catalog.recordingPaths(overlapping: nil, to: Date(timeIntervalSince1970: 99)).isEmpty)
    }

    @Test func readOnlyOpenOfAMissingCatalogCreatesNothing() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/catalog.sqlite"
        #expect(throws: ArchiverError.self) { try Catalog.openReadOnly(at: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
