import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Logging
import Testing

@testable import ArchiverCore

/// `Archiver.audit` (`sync --dry-run`) against the simulator, on an archive made by a real sync and then damaged.
@Suite struct AuditTests {
    let logger = Logger(label: "test")

    /// An archive with every category: synced, then one recording deleted (missing), one truncated (wrong size),
    /// one sidecar deleted, and two sessions removed from the API (expired at the source).
    struct PreparedArchive {
        var fixture: SimulatorFixture
        var missing: SimulatedSession
        var wrongSize: SimulatedSession
        var withoutSidecar: SimulatedSession
        var expired: [SimulatedSession]
        var listed: [SimulatedSession]
    }

    /// Runs `body` with a prepared archive, in `withSimulator`.
    static func withPreparedArchive(_ body: (PreparedArchive) async throws -> Void) async throws {
        try await withSimulator(
            dataset: .seeded(seed: 11, sessionCount: 10, agentCount: 3, sizeRange: 1_000...9_000)
        ) { fixture in
            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: Logger(label: "test"))
            #expect(report.downloaded == 10)
            let sessions = fixture.dataset.sessions
            let (missing, wrongSize, withoutSidecar) = (sessions[0], sessions[1], sessions[2])
            let expired = [sessions[3], sessions[4]]
            func path(_ session: SimulatedSession) -> String {
                "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))"
            }
            try FileManager.default.removeItem(atPath: path(missing))
            try Data(repeating: 7, count: 10).write(to: URL(fileURLWithPath: path(wrongSize)))
            try FileManager.default.removeItem(atPath: String(path(withoutSidecar).dropLast(4)) + ".json")
            fixture.simulator.remove(sessionIDs: Set(expired.map(\.id)))
            let expiredIDs = Set(expired.map(\.id))
            try await body(
                PreparedArchive(
                    fixture: fixture, missing: missing, wrongSize: wrongSize, withoutSidecar: withoutSidecar,
                    expired: expired, listed: sessions.filter { !expiredIDs.contains($0.id) }))
        }
    }

    static func bytes(_ sessions: [SimulatedSession]) -> Int { sessions.reduce(0) { $0 + $1.videoSize } }

    @Test func countsEveryCategoryAndChangesNothing() async throws {
        try await Self.withPreparedArchive { archive in
            let fixture = archive.fixture
            let before = treeSnapshot(of: fixture.root)
            fixture.simulator.resetCounters()

            let report = try await Archiver.audit(
                configuration: fixture.configuration(), options: SyncOptions(isFullWalk: true),
                logger: logger)

            let audit = try #require(report.audit)
            let total = audit.total
            #expect(total.listed == .init(count: 8, bytes: Self.bytes(archive.listed)))
            #expect(total.missing == .init(count: 1, bytes: archive.missing.videoSize))
            #expect(total.wrongSize == .init(count: 1, bytes: archive.wrongSize.videoSize))
            #expect(total.wrongSizeFoundBytes == 10)
            let sound = archive.listed.filter { $0.id != archive.missing.id && $0.id != archive.wrongSize.id }
            #expect(total.archived == .init(count: 6, bytes: Self.bytes(sound)))
            #expect(total.missingSidecars == 1)
            #expect(total.noLongerListed == .init(count: 2, bytes: Self.bytes(archive.expired)))
            #expect(total.wouldDownload.bytes == archive.missing.videoSize + archive.wrongSize.videoSize)
            // Per agent, the rows add up to the total and follow the dataset's agents.
            #expect(audit.agents.reduce(0) { $0 + $1.listed.count } == 8)
            for agent in Set(fixture.dataset.sessions.map(\.agent)) {
                let row = try #require(audit.agents.first { $0.agentID == agent.id })
                #expect(row.agentName == agent.name)
                #expect(row.listed.count == archive.listed.filter { $0.agent.id == agent.id }.count)
                #expect(row.noLongerListed.count == archive.expired.filter { $0.agent.id == agent.id }.count)
            }
            let space = try #require(audit.space)
            #expect(space.freeBytes > 0)
            #expect(space.neededBytes == total.wouldDownload.bytes)
            #expect(audit.archiveRoot == fixture.root)
            // The existing report fields agree with the audit.
            #expect(report.isDryRun)
            #expect(report.listed == 8)
            #expect(report.skipped == 6)
            #expect(report.wouldDownload == 2)
            #expect(report.wouldDownloadBytes == total.wouldDownload.bytes)
            #expect(report.agents.reduce(0) { $0 + ($1.wouldDownload ?? 0) } == 2)

            #expect(treeSnapshot(of: fixture.root) == before)
            #expect(fixture.simulator.counters.mediaRequests == 0)
        }
    }

    @Test func agentFilterLimitsTheListingAndTheCatalogue() async throws {
        try await Self.withPreparedArchive { archive in
            let fixture = archive.fixture
            let agent = archive.expired[0].agent

            let report = try await Archiver.audit(
                configuration: fixture.configuration(),
                options: SyncOptions(agentIDs: [agent.id], isFullWalk: true), logger: logger)

            let audit = try #require(report.audit)
            #expect(audit.agents.map(\.agentID) == [agent.id])
            #expect(audit.total.noLongerListed.count == archive.expired.filter { $0.agent.id == agent.id }.count)
            #expect(audit.total.listed.count == archive.listed.filter { $0.agent.id == agent.id }.count)
        }
    }

    @Test func auditOfAnEmptyRootCreatesNothing() async throws {
        try await withSimulator(dataset: .seeded(seed: 12, sessionCount: 5, sizeRange: 1_000...2_000)) { fixture in
            let report = try await Archiver.audit(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.audit?.total.missing.count == 5)
            #expect(report.audit?.total.noLongerListed.count == 0)
            #expect(treeSnapshot(of: fixture.root).isEmpty)
            #expect(fixture.simulator.counters.mediaRequests == 0)
        }
    }
}
