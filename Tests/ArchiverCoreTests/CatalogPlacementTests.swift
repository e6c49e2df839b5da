import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Logging
import Testing

@testable import ArchiverCore
@testable import SQLite

/// Where the catalog lives, what happens to one left on the archive, its modes, and what its errors say: real
/// SQLite files, real syncs against the simulator.
@Suite struct CatalogPlacementTests {
    let logger = Logger(label: "test")

    /// The mode bits of `path`; nil when it does not exist.
    static func mode(of path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
    }

    /// A catalog (rollback journal, as it was on the archive) holding sessions 1 to 3, copied in the middle of a
    /// later transaction that spilled into the file: the state a run killed there leaves, with a hot journal.
    static func catalogWithHotJournal(in folder: TemporaryDirectory) throws -> String {
        let live = try folder.subfolder("live") + "/" + Catalog.fileName
        do {
            let catalog = try Catalog.open(at: live, isOnShare: true)
            try catalog.record((1...3).map { CatalogTests.entry($0) })
        }
        let crashed = try folder.subfolder("crashed") + "/" + Catalog.fileName
        let writer = try SQLiteConnection(path: live, access: .readWrite, busyTimeout: .seconds(1))
        // A small page cache makes SQLite write changed pages into the file before the commit.
        try writer.execute("PRAGMA cache_size = 10")
        try writer.execute("BEGIN IMMEDIATE")
        try writer.execute("DELETE FROM recording")
        try writer.execute(
            """
            CREATE TABLE filler (b BLOB);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000)
            INSERT INTO filler SELECT randomblob(2000) FROM n;
            """)
        for suffix in ["", "-journal"] {
            try FileManager.default.copyItem(atPath: live + suffix, toPath: crashed + suffix)
        }
        try writer.execute("ROLLBACK")
        return crashed
    }

    @Test func aReadOnlyOpenRollsBackWhatACrashedRunLeftInsteadOfFailing() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = try Self.catalogWithHotJournal(in: folder)
        #expect(FileManager.default.fileExists(atPath: path + "-journal"))

        // What read-only opens did before: SQLite may not roll the journal back, and says so in its own words.
        let error = try #require(throws: SQLiteError.self) {
            let readOnly = try SQLiteConnection(path: path, access: .readOnly, busyTimeout: .seconds(1))
            let _: Int? = try readOnly.firstValue("SELECT count(*) FROM recording")
        }
        #expect(error.code == SQLiteError.readOnlyRollback)
        #expect(error.message == "attempt to write a readonly database")
        let explanation = error.explanation(forCatalogAt: path, fileSystem: .local, busyTimeout: .seconds(1))
        #expect(explanation.contains("\(path)-journal"))
        #expect(explanation.contains("run getscreen-archiver sync or reindex as the user that owns the catalog"))

        let catalog = try Catalog.openReadOnly(at: path)
        #expect(try catalog.entries().map(\.sessionID) == [1, 2, 3])
        #expect(!FileManager.default.fileExists(atPath: path + "-journal"))
        #expect(throws: ArchiverError.self) { try catalog.record([CatalogTests.entry(4)]) }
    }

    @Test func aSyncCarriesAnOldCatalogOverFromTheArchiveOnceWithItsWatermark() async throws {
        try await withSimulator(dataset: CatalogSyncTests.recentDataset(count: 8)) { fixture in
            // The layout before this version: no state_dir, so the catalog was in the archive's tool folder.
            var before = try fixture.configuration()
            before.stateDirectory = "\(fixture.root)/\(ArchiveRoot.stateFolderName)"
            let formerPath = CatalogAccess.formerPath(ofArchive: fixture.root)
            _ = try await Archiver.sync(configuration: before, options: SyncOptions(), logger: logger)
            let (entries, watermark) = try {
                let former = try Catalog.openReadOnly(at: formerPath)
                return (try former.entries(), try #require(try former.lastSuccessfulSync()))
            }()
            fixture.simulator.resetCounters()

            let configuration = try fixture.configuration()
            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            #expect(report.downloaded == 0)
            // Incremental: the watermark came along.
            let from = Set(CatalogSyncTests.listWindows(fixture).map(\.from))
            #expect(from == ["\(Int(watermark.timeIntervalSince1970) - 14 * 86_400)"])
            let catalog = try Catalog.openReadOnly(at: configuration.catalogPath)
            #expect(try catalog.entries() == entries)
            #expect(try catalog.lastSuccessfulSync()! >= watermark)
            #expect(!FileManager.default.fileExists(atPath: formerPath))
            #expect(FileManager.default.fileExists(atPath: formerPath + CatalogAccess.carriedOverSuffix))
            #expect(!FileManager.default.fileExists(atPath: configuration.catalogPath + ".carry-over"))
        }
    }

    @Test func aDryRunReadsAnOldCatalogWhereItIsAndMovesNothing() async throws {
        try await withSimulator(dataset: CatalogSyncTests.recentDataset(count: 5)) { fixture in
            var before = try fixture.configuration()
            before.stateDirectory = "\(fixture.root)/\(ArchiveRoot.stateFolderName)"
            _ = try await Archiver.sync(configuration: before, options: SyncOptions(), logger: logger)
            fixture.simulator.resetCounters()

            let report = try await Archiver.audit(
                configuration: fixture.configuration(), options: SyncOptions(auditsIncrementalWindow: true),
                logger: logger)

            #expect(report.wouldDownload == 0)
            #expect(CatalogSyncTests.listWindows(fixture).allSatisfy { $0.from != nil })
            #expect(FileManager.default.fileExists(atPath: CatalogAccess.formerPath(ofArchive: fixture.root)))
            #expect(!FileManager.default.fileExists(atPath: fixture.stateDirectory))
        }
    }

    @Test func theCatalogAndItsFoldersFollowTheFileMode() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 3)) { fixture in
            var configuration = try fixture.configuration()
            configuration.permissions = try #require(ArchivePermissions(octal: "0600"))
            configuration.stateDirectory = fixture.workspace.path + "/state/getscreen-archiver/archive-1a2b3c4d"
            let previousMask = umask(0o022)
            defer { umask(previousMask) }

            _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            for folder in ["/state", "/state/getscreen-archiver", "/state/getscreen-archiver/archive-1a2b3c4d"] {
                #expect(Self.mode(of: fixture.workspace.path + folder) == 0o700, "\(folder)")
            }
            let path = configuration.catalogPath
            #expect(Self.mode(of: path) == 0o600)
            #expect(Self.mode(of: "\(fixture.root)/\(ArchiveRoot.stateFolderName)") == 0o700)
            #expect(Self.mode(of: "\(fixture.root)/\(ArchiveRoot.stateFolderName)/tmp") == 0o700)
            // While a run has it open, SQLite's own files beside it have its mode too.
            let open = try await CatalogAccess.openForWriting(
                configuration, archive: .folder(ArchiveRoot(path: fixture.root)), logger: logger)
            try open.record([CatalogTests.entry(99)])
            for suffix in ["-wal", "-shm"] {
                #expect(Self.mode(of: path + suffix) == 0o600, "\(suffix)")
            }
        }
    }

    @Test func anExistingCatalogWithAnotherModeIsGivenTheFileMode() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/" + Catalog.fileName
        _ = try Catalog.open(at: path, isOnShare: false)
        chmod(path, 0o644)
        _ = try Catalog.open(at: path, isOnShare: false, fileMode: 0o600)
        #expect(Self.mode(of: path) == 0o600)
    }

    @Test func aDamagedCatalogSaysToMoveItAsideAndReindex() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/" + Catalog.fileName
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: ArchiverError.self) { try Catalog.openReadOnly(at: path) }
        #expect(error.description.contains("the file is damaged or is not a catalog (file is not a database)"))
        #expect(error.description.contains("mv \(path) \(path).damaged"))
        #expect(error.description.contains("getscreen-archiver reindex"))
    }

    @Test func aMissingCatalogFolderSaysWhichFolderToCheck() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let path = folder.path + "/gone/" + Catalog.fileName
        let error = try #require(throws: ArchiverError.self) { try Catalog.openReadOnly(at: path) }
        #expect(error.description.contains("SQLite cannot open it (unable to open database file"))
        #expect(error.description.contains("check that \(folder.path)/gone exists"))
        #expect(!error.description.contains("<root>"))
    }

    /// (SQLite code: 10 IOERR, 10 | 15 << 8 IOERR_LOCK, 5 BUSY, 8 READONLY, 13 FULL, 11 CORRUPT; file system;
    /// what the message must say)
    @Test(arguments: [
        (
            10, FileSystemKind.smb,
            "on an SMB/CIFS share, where SQLite's file locks are unreliable; "
                + "set state_dir to a folder on a local disk"
        ),
        (10 | (15 << 8), .fuse, "on a FUSE file system (sshfs, smbnetfs, ...), where SQLite's file"),
        (10, .local, "check the disk holding /srv/state (dmesg, free space)"),
        (5, .local, "another process kept it locked for more than 10 seconds (boom); wait for the other"),
        (5, .nfs, "on an NFS share a lock can stay behind after a crash"),
        (8, .local, "give this user write access to /srv/state/catalog.sqlite and to /srv/state"),
        (13, .local, "the file system holding /srv/state is full (boom); free some space there"),
        (11, .local, "move it aside (mv /srv/state/catalog.sqlite /srv/state/catalog.sqlite.damaged)"),
    ])
    func explainsSQLiteErrors(code: Int32, fileSystem: FileSystemKind, expected: String) {
        let error = SQLiteError(code: code, message: "boom")
        let text = error.explanation(
            forCatalogAt: "/srv/state/catalog.sqlite", fileSystem: fileSystem, busyTimeout: .seconds(10))
        #expect(text.contains(expected), "\(text)")
    }
}
