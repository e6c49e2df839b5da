import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Logging
import Testing

@testable import ArchiverCore
@testable import JSON

/// The catalog as real syncs, fetches, reindexes and verifications use it, against the simulator.
@Suite struct CatalogSyncTests {
    let logger = Logger(label: "test")

    /// Sessions over the month before now, so that an incremental rerun's window holds some of them.
    static func recentDataset(count: Int, seed: UInt64 = 11) -> SimulatorDataset {
        .seeded(
            seed: seed, sessionCount: count, agentCount: 3, sizeRange: 1_000...12_000,
            endingAt: Int(Date().timeIntervalSince1970) - 60)
    }

    /// Where the fixture's configuration keeps the catalog.
    static func catalogPath(_ fixture: SimulatorFixture) throws -> String {
        try fixture.configuration().catalogPath
    }

    /// The `date_from` and `date_to` of every `history/list` request, as sent.
    static func listWindows(_ fixture: SimulatorFixture) -> [(from: String?, to: String?)] {
        fixture.simulator.counters.requests.filter { $0.path.hasSuffix("/history/list") }.map {
            ($0.query["date_from"], $0.query["date_to"])
        }
    }

    @Test func syncRecordsEveryRecordingWithItsDigestAndTheWatermark() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 9)) { fixture in
            let before = Date()

            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.downloaded == 9)
            let catalog = try Catalog.openReadOnly(at: try Self.catalogPath(fixture))
            let entries = try catalog.entries()
            #expect(entries.map(\.sessionID) == fixture.dataset.sessions.sorted { $0.start < $1.start }.map(\.id))
            for session in fixture.dataset.sessions {
                let entry = try #require(try catalog.entry(sessionID: session.id))
                let path = SimulatorFixture.expectedPath(of: session)
                #expect(entry.relativePath == path)
                #expect(entry.sizeBytes == session.videoSize)
                #expect(entry.agentID == session.agent.id)
                #expect(entry.agentName == session.agent.name)
                #expect(entry.uid == nil)  // history/list items carry no uid
                #expect(entry.start == Date(timeIntervalSince1970: TimeInterval(session.start)))
                #expect(entry.stop == Date(timeIntervalSince1970: TimeInterval(session.stop)))
                #expect(contents(of: "\(fixture.root)/\(path)") == expectedBytes(of: session))
                #expect(try FileDigest.sha256(ofFileAt: "\(fixture.root)/\(path)").hex == entry.sha256)
                let sidecar = try JSONValue(parsing: contents(of: "\(fixture.root)/\(path.dropLast(4)).json") ?? [])
                #expect(sidecar["archive"]?["sha256"]?.stringValue == entry.sha256)
            }
            let watermark = try #require(try catalog.lastSuccessfulSync())
            #expect(watermark >= before.addingTimeInterval(-1) && watermark <= Date())
            #expect(
                Self.listWindows(fixture).allSatisfy {
                    $0.from == nil && $0.to == "\(Int(watermark.timeIntervalSince1970))"
                })
        }
    }

    @Test func incrementalSyncListsFromTheWatermarkMinusTheOverlap() async throws {
        try await withSimulator(dataset: Self.recentDataset(count: 40)) { fixture in
            var configuration = try fixture.configuration()
            configuration.syncOverlap = .seconds(5 * 86_400)
            _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            let catalog = try Catalog.openReadOnly(at: try Self.catalogPath(fixture))
            let watermark = try #require(try catalog.lastSuccessfulSync())
            fixture.simulator.resetCounters()

            let second = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            let expectedFrom = Int(watermark.timeIntervalSince1970) - 5 * 86_400
            // Every page of the listing (the last one shows its end) from the same date_from.
            #expect(Set(Self.listWindows(fixture).map(\.from)) == ["\(expectedFrom)"])
            let recent = fixture.dataset.sessions.filter { $0.start >= expectedFrom }
            #expect(!recent.isEmpty && recent.count < 40)
            #expect(second.listed == recent.count)
            #expect(second.skipped == recent.count)
            #expect(second.downloaded == 0)
            #expect(try #require(try catalog.lastSuccessfulSync()) >= watermark)
        }
    }

    @Test func fullWalkListsWithoutDateFrom() async throws {
        try await withSimulator(dataset: Self.recentDataset(count: 10)) { fixture in
            let configuration = try fixture.configuration()
            _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            fixture.simulator.resetCounters()

            let report = try await Archiver.sync(
                configuration: configuration, options: SyncOptions(isFullWalk: true), logger: logger)

            #expect(Set(Self.listWindows(fixture).map(\.from)) == [nil])
            #expect(report.listed == 10)
            #expect(report.skipped == 10)
        }
    }

    @Test func aSyncLimitedToSomeAgentsKeepsTheWatermark() async throws {
        try await withSimulator(dataset: Self.recentDataset(count: 10)) { fixture in
            let configuration = try fixture.configuration()
            _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            let catalog = try Catalog.openReadOnly(at: try Self.catalogPath(fixture))
            let watermark = try catalog.lastSuccessfulSync()

            _ = try await Archiver.sync(
                configuration: configuration,
                options: SyncOptions(
                    to: Date().addingTimeInterval(3600), agentIDs: [fixture.dataset.sessions[0].agent.id]),
                logger: logger)

            #expect(try catalog.lastSuccessfulSync() == watermark)
        }
    }

    @Test func reindexRebuildsTheEntriesTheSyncRecorded() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 14)) { fixture in
            let configuration = try fixture.configuration()
            _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            let recorded = try Catalog.openReadOnly(at: try Self.catalogPath(fixture)).entries()
            try FileManager.default.removeItem(atPath: try Self.catalogPath(fixture))

            let report = try await Archiver.reindex(configuration: configuration, logger: logger)

            #expect(report.indexed == 14)
            #expect(report.skipped.isEmpty)
            #expect(recorded.count == 14)
            #expect(try Catalog.openReadOnly(at: try Self.catalogPath(fixture)).entries() == recorded)
        }
    }

    @Test func reindexSkipsUnusableSidecarsAndTheStateFolder() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 3)) { fixture in
            let configuration = try fixture.configuration()
            _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            let sessions = fixture.dataset.sessions
            let paths = sessions.map { "\(fixture.root)/\(SimulatorFixture.expectedPath(of: $0).dropLast(4))" }
            // No SHA-256 (an older sidecar), not JSON, and a sidecar whose recording is gone.
            var document = try JSONValue(parsing: contents(of: paths[0] + ".json") ?? [])
            if case .object(var members) = document, case .object(var archive)? = members["archive"] {
                archive["sha256"] = nil
                members["archive"] = .object(archive)
                document = .object(members)
            }
            try Data(document.prettyJSON()).write(to: URL(fileURLWithPath: paths[0] + ".json"))
            try Data("{not json".utf8).write(to: URL(fileURLWithPath: paths[1] + ".json"))
            try FileManager.default.removeItem(atPath: paths[2] + ".mp4")
            try Data("{}".utf8).write(to: URL(fileURLWithPath: "\(fixture.root)/.getscreen-archiver/stray.json"))
            try Data("{}".utf8).write(to: URL(fileURLWithPath: "\(fixture.root)/stray.json.mp4"))

            let report = try await Archiver.reindex(configuration: configuration, logger: logger)

            #expect(report.indexed == 0)
            #expect(report.withoutRecording == 1)
            #expect(
                report.skipped.map(\.path).sorted()
                    == paths[0...1].map { "\($0.dropFirst(fixture.root.count + 1)).json" }.sorted())
            #expect(report.skipped.contains { $0.reason.contains("SHA-256") })
            #expect(try Catalog.openReadOnly(at: try Self.catalogPath(fixture)).entries().isEmpty)
        }
    }

    @Test func syncRebuildsAMissingCatalogFromTheSidecars() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 8)) { fixture in
            let configuration = try fixture.configuration()
            _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            let recorded = try Catalog.openReadOnly(at: try Self.catalogPath(fixture)).entries()
            try FileManager.default.removeItem(atPath: try Self.catalogPath(fixture))
            fixture.simulator.resetCounters()

            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            // Nothing was downloaded, so every entry comes from the sidecars; with the watermark gone, all history
            // was listed again.
            #expect(report.downloaded == 0)
            #expect(report.skipped == 8)
            #expect(Set(Self.listWindows(fixture).map(\.from)) == [nil])
            #expect(try Catalog.openReadOnly(at: try Self.catalogPath(fixture)).entries() == recorded)
        }
    }

    @Test func dryRunWithoutACatalogCreatesNone() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 4)) { fixture in
            var configuration = try fixture.configuration()
            configuration.stateDirectory = fixture.workspace.path + "/var/state"

            let report = try await Archiver.audit(configuration: configuration, options: SyncOptions(), logger: logger)
            let onRoot = try await Archiver.audit(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.wouldDownload == 4)
            #expect(onRoot.wouldDownload == 4)
            #expect(treeSnapshot(of: fixture.root).isEmpty)
            #expect(!FileManager.default.fileExists(atPath: fixture.workspace.path + "/var/state"))
            #expect(!FileManager.default.fileExists(atPath: fixture.stateDirectory))
        }
    }

    @Test func dryRunReadsTheWatermarkAndChangesNothing() async throws {
        try await withSimulator(dataset: Self.recentDataset(count: 12)) { fixture in
            let configuration = try fixture.configuration()
            _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            let watermark = try #require(
                try Catalog.openReadOnly(at: try Self.catalogPath(fixture)).lastSuccessfulSync())
            let before = treeSnapshot(of: fixture.root)
            let catalogBytes = contents(of: try Self.catalogPath(fixture))
            fixture.simulator.resetCounters()

            _ = try await Archiver.audit(
                configuration: configuration, options: SyncOptions(auditsIncrementalWindow: true), logger: logger)

            #expect(
                Set(Self.listWindows(fixture).map(\.from)) == ["\(Int(watermark.timeIntervalSince1970) - 14 * 86_400)"])
            #expect(treeSnapshot(of: fixture.root) == before)
            #expect(contents(of: try Self.catalogPath(fixture)) == catalogBytes)
        }
    }

    @Test func aLocalStateDirectoryHoldsTheCatalog() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 3)) { fixture in
            var configuration = try fixture.configuration()
            configuration.stateDirectory = fixture.workspace.path + "/var/state"

            _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            let catalog = try Catalog.open(at: fixture.workspace.path + "/var/state/catalog.sqlite", isOnShare: false)
            #expect(try catalog.entries().count == 3)
            #expect(try catalog.journalMode() == "wal")
            #expect(!FileManager.default.fileExists(atPath: CatalogAccess.formerPath(ofArchive: fixture.root)))
        }
    }

    @Test func fetchRecordsItsRecording() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 4)) { fixture in
            let session = fixture.dataset.sessions[2]

            _ = try await Archiver.fetch(
                configuration: fixture.configuration(), session: .id(session.id), logger: logger)

            let catalog = try Catalog.openReadOnly(at: try Self.catalogPath(fixture))
            #expect(try catalog.entries().map(\.sessionID) == [session.id])
            #expect(
                try catalog.entry(sessionID: session.id)?.relativePath == SimulatorFixture.expectedPath(of: session))
            #expect(try catalog.entry(sessionID: session.id)?.uid == session.uid)
            #expect(try catalog.lastSuccessfulSync() == nil)
        }
    }

    // MARK: - Verify

    @Test func verifyFindsMissingTruncatedAndCorruptedRecordings() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 6)) { fixture in
            let configuration = try fixture.configuration()
            _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            let clean = try await Archiver.verify(configuration: configuration, sample: nil, logger: logger)
            #expect(clean.checked == 6 && clean.ok == 6 && clean.exitCode == 0)
            #expect(clean.bytesChecked == fixture.dataset.sessions.reduce(0) { $0 + $1.videoSize })

            let damaged = try damage(fixture)
            var updates: [Verifier.Progress] = []
            let report = try await Archiver.verify(
                configuration: configuration, sample: nil, progress: { updates.append($0) }, logger: logger)

            #expect(report.checked == 6)
            #expect(report.ok == 3)
            #expect(report.missing.map(\.sessionID) == [damaged.missing])
            #expect(report.truncated.map(\.sessionID) == [damaged.truncated])
            #expect(report.corrupted.map(\.sessionID) == [damaged.corrupted])
            #expect(report.missing.first?.reason == "no such file")
            #expect(report.truncated.first?.reason.contains("expected") == true)
            #expect(report.corrupted.first?.reason.hasPrefix("SHA-256 ") == true)
            #expect(report.exitCode == 1)
            #expect(updates.last?.filesChecked == 6)
            #expect(updates.last?.totalFiles == 6)
        }
    }

    @Test func verifySamplesRandomRecordings() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 7)) { fixture in
            let configuration = try fixture.configuration()
            _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            let report = try await Archiver.verify(configuration: configuration, sample: 3, logger: logger)

            #expect(report.checked == 3)
            #expect(report.ok == 3)
            #expect(report.catalogEntries == 7)
            #expect(report.summary.contains("a sample of 7"))
        }
    }

    @Test func verifyWithoutACatalogSaysHowToBuildOne() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 1)) { fixture in
            let error = try await #require(throws: ArchiverError.self) {
                try await Archiver.verify(configuration: fixture.configuration(), sample: nil, logger: logger)
            }
            #expect(error.description.contains("getscreen-archiver reindex"))
            #expect(treeSnapshot(of: fixture.root).isEmpty)
        }
    }

    /// Deletes the first recording, cuts the second short by one byte, and flips one byte of the third.
    func damage(_ fixture: SimulatorFixture) throws -> (missing: Int, truncated: Int, corrupted: Int) {
        let sessions = fixture.dataset.sessions
        let path = { (index: Int) in "\(fixture.root)/\(SimulatorFixture.expectedPath(of: sessions[index]))" }
        try FileManager.default.removeItem(atPath: path(0))
        let truncated = try FileHandle(forWritingTo: URL(fileURLWithPath: path(1)))
        try truncated.truncate(atOffset: UInt64(sessions[1].videoSize - 1))
        try truncated.close()
        var bytes = try #require(contents(of: path(2)))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path(2)))
        return (sessions[0].id, sessions[1].id, sessions[2].id)
    }
}
