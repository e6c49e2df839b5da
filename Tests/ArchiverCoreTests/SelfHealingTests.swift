import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Logging
import Testing

@testable import ArchiverCore
@testable import SQLite

/// Recordings published at their final path whose catalog row was never written (a run killed, or a catalog write
/// that failed, between the rename and the catalog transaction): runs catalogue them after checking them, and
/// `verify` reports them.
@Suite struct SelfHealingTests {
    let logger = Logger(label: "test")

    /// Syncs `count` recordings, then removes the catalog rows of the first `uncatalogued` sessions and the
    /// sync's watermark, as a run stopped between its renames and its catalog write leaves them.
    /// - Returns: the sessions left uncatalogued.
    func syncThenForget(
        _ fixture: SimulatorFixture, count: Int, uncatalogued: Int
    ) async throws -> [SimulatedSession] {
        let configuration = try fixture.configuration()
        let first = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
        #expect(first.downloaded == count)
        let forgotten = Array(fixture.dataset.sessions.prefix(uncatalogued))
        let ids = forgotten.map { String($0.id) }.joined(separator: ", ")
        try SQLiteConnection(
            path: configuration.catalogPath, access: .readWriteCreate, busyTimeout: .seconds(10)
        ).execute("DELETE FROM recording WHERE session_id IN (\(ids)); DELETE FROM sync_run")
        fixture.simulator.resetCounters()
        return forgotten
    }

    @Test func aPublishedButUncataloguedRecordingIsCataloguedByTheNextSyncWithoutDownloading() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 6)) { fixture in
            let forgotten = try await syncThenForget(fixture, count: 6, uncatalogued: 2)
            let configuration = try fixture.configuration()

            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            #expect(report.exitCode == 0, "\(report.failures)")
            #expect(report.downloaded == 0)
            #expect(fixture.simulator.counters.mediaRequests == 0)
            let catalog = try Catalog.openReadOnly(at: configuration.catalogPath)
            #expect(try catalog.entries().count == 6)
            for session in forgotten {
                let entry = try #require(try catalog.entry(sessionID: session.id))
                #expect(entry.relativePath == SimulatorFixture.expectedPath(of: session))
                #expect(entry.sizeBytes == session.videoSize)
                #expect(entry.sha256 == sha256Hex(expectedBytes(of: session)))
                #expect(entry.agentName == session.agent.name)
            }
            #expect(report.recatalogued == 2)
            #expect(report.summary.contains("2 catalogued from disk"))
        }
    }

    @Test func aRecordingWhoseHashDisagreesWithItsSidecarIsNotCatalogued() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 4)) { fixture in
            let session = try #require(try await syncThenForget(fixture, count: 4, uncatalogued: 1).first)
            // One byte flipped in place: the size still matches `video.size`, the content does not.
            let path = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))"
            var bytes = try #require(contents(of: path))
            bytes[bytes.count / 2] ^= 0xFF
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let configuration = try fixture.configuration()

            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            #expect(report.exitCode == 1)
            #expect(report.failures.map(\.sessionID) == [session.id])
            #expect(report.failures.first?.code == .sidecarMismatch)
            #expect(report.failures.first?.reason.contains(SimulatorFixture.expectedPath(of: session)) == true)
            let catalog = try Catalog.openReadOnly(at: configuration.catalogPath)
            #expect(try catalog.entry(sessionID: session.id) == nil)
            #expect(try catalog.entries().count == 3)
            #expect(contents(of: path) == bytes, "the file stays where it is, for the admin to look at")
        }
    }

    @Test(arguments: [
        ("not json", RecordingFailure.Code.sidecarUnusable, "is not a JSON object"),
        (#"{"session": {"id": 1}, "archive": {}}"#, .sidecarUnusable, "has no SHA-256"),
        (
            #"{"session": {"id": 1}, "archive": {"sha256": "\#(String(repeating: "ab", count: 32))"}}"#,
            .sidecarMismatch, "describes session 1"
        ),
    ])
    func aRecordingWhoseSidecarCannotVouchForItIsNotCatalogued(
        sidecar: String, code: RecordingFailure.Code, reason: String
    )
        async throws
    {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 2)) { fixture in
            let session = try #require(try await syncThenForget(fixture, count: 2, uncatalogued: 1).first)
            let sidecarPath = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session).dropLast(4)).json"
            try sidecar.write(toFile: sidecarPath, atomically: true, encoding: .utf8)
            let configuration = try fixture.configuration()

            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            #expect(report.failures.map(\.code) == [code])
            #expect(report.failures.first?.reason.contains(reason) == true, "\(report.failures)")
            #expect(fixture.simulator.counters.mediaRequests == 0)
            let catalog = try Catalog.openReadOnly(at: configuration.catalogPath)
            #expect(try catalog.entry(sessionID: session.id) == nil)
        }
    }

    @Test func aRecordingWithoutSidecarOrCatalogRowGetsBothFromItsOwnBytes() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 3)) { fixture in
            let session = try #require(try await syncThenForget(fixture, count: 3, uncatalogued: 1).first)
            let sidecar = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session).dropLast(4)).json"
            try FileManager.default.removeItem(atPath: sidecar)
            let configuration = try fixture.configuration()

            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            #expect(report.exitCode == 0, "\(report.failures)")
            #expect(fixture.simulator.counters.mediaRequests == 0)
            #expect(FileManager.default.fileExists(atPath: sidecar))
            let catalog = try Catalog.openReadOnly(at: configuration.catalogPath)
            #expect(try catalog.entry(sessionID: session.id)?.sha256 == sha256Hex(expectedBytes(of: session)))
        }
    }

    @Test func fetchCataloguesAPublishedButUncataloguedRecordingWithoutDownloading() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 3)) { fixture in
            let session = try #require(try await syncThenForget(fixture, count: 3, uncatalogued: 1).first)
            let configuration = try fixture.configuration()

            let report = try await Archiver.fetch(
                configuration: configuration, session: .id(session.id), logger: logger)

            #expect(report.exitCode == 0, "\(report.failures)")
            #expect(fixture.simulator.counters.mediaRequests == 0)
            let catalog = try Catalog.openReadOnly(at: configuration.catalogPath)
            #expect(try catalog.entry(sessionID: session.id)?.sha256 == sha256Hex(expectedBytes(of: session)))
        }
    }

    @Test func theAuditCountsUncataloguedRecordingsAndWritesNothing() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 5)) { fixture in
            let forgotten = try await syncThenForget(fixture, count: 5, uncatalogued: 2)
            let configuration = try fixture.configuration()
            let before = treeSnapshot(of: fixture.root)

            let report = try await Archiver.audit(configuration: configuration, options: SyncOptions(), logger: logger)

            let audit = try #require(report.audit)
            #expect(audit.table().contains("2 archived recordings on disk but not catalogued"))
            #expect(audit.total.notCatalogued == 2)
            #expect(audit.total.archived.count == 5)
            let byAgent = Dictionary(grouping: forgotten, by: \.agent.id).mapValues(\.count)
            for row in audit.agents {
                #expect(row.notCatalogued == byAgent[row.agentID ?? 0] ?? 0)
            }
            #expect(treeSnapshot(of: fixture.root) == before)
            let catalog = try Catalog.openReadOnly(at: configuration.catalogPath)
            #expect(try catalog.entries().count == 3)
        }
    }

    @Test func verifyReportsRecordingsOnDiskThatTheCatalogLacks() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 5)) { fixture in
            let forgotten = try await syncThenForget(fixture, count: 5, uncatalogued: 2)
            // A recording with no sidecar is reported too.
            let bare = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: forgotten[1]).dropLast(4)).json"
            try FileManager.default.removeItem(atPath: bare)
            let configuration = try fixture.configuration()
            let expected = forgotten.map {
                (path: SimulatorFixture.expectedPath(of: $0), hasSidecar: $0.id != forgotten[1].id)
            }.sorted { $0.path < $1.path }

            for sample in [nil, 1] {
                let report = try await Archiver.verify(configuration: configuration, sample: sample, logger: logger)

                #expect(report.exitCode == 1)
                #expect(report.summary.contains("2 not in the catalog"))
                #expect(report.checked == (sample ?? 3))
                #expect(report.ok == report.checked)
                #expect(report.notCatalogued.map(\.path) == expected.map(\.path))
                #expect(report.notCatalogued.map(\.hasSidecar) == expected.map(\.hasSidecar))
            }
        }
    }

    @Test func theCatalogGivesThePathsOfTheSessionsOverlappingAWindowInOneQuery() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 8)) { fixture in
            let configuration = try fixture.configuration()
            _ = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            let catalog = try Catalog.openReadOnly(at: configuration.catalogPath)
            let starts = fixture.dataset.sessions.map(\.start).sorted()
            let from = Date(timeIntervalSince1970: TimeInterval(starts[2]))
            let to = Date(timeIntervalSince1970: TimeInterval(starts[5]))

            let all = try catalog.recordingPaths(overlapping: nil, to: nil)
            #expect(Set(all.keys) == Set(fixture.dataset.sessions.map(\.id)))
            for session in fixture.dataset.sessions {
                #expect(all[session.id] == SimulatorFixture.expectedPath(of: session))
            }
            // Whether the API filters on start, stop or overlap, it lists no session outside these.
            #expect(
                Set(try catalog.recordingPaths(overlapping: from, to: to).keys)
                    == Set(fixture.dataset.sessions.filter { $0.stop >= starts[2] && $0.start <= starts[5] }.map(\.id)))
        }
    }
}
