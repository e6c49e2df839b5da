import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import InMemoryLogging
import Logging
import Testing

@testable import ArchiverCore

/// Failing sessions through `Archiver.sync` and `Archiver.fetch` in process, against the simulator.
@Suite struct FailingSessionSyncTests {
    let logger = Logger(label: "test")

    func failingSessions(_ fixture: SimulatorFixture) throws -> [FailingSession] {
        try Catalog.openReadOnly(at: fixture.configuration().catalogPath).failingSessions()
    }

    @Test func aListingCutShortKeepsTheFailuresWithoutRetryingThemOrMovingTheWatermark() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 250)) { fixture in
            let oldest = fixture.dataset.sessions[0]  // on the last page, newest first
            var faults = SimulatorFaults()
            faults.mediaStatusOverrides[oldest.id] = 404
            fixture.simulator.setFaults(faults)
            let first = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)
            #expect(first.failures.map(\.sessionID) == [oldest.id])
            let catalog = try Catalog.openReadOnly(at: fixture.configuration().catalogPath)
            let watermark = try catalog.lastSuccessfulSync()
            #expect(watermark != nil, "moved past the failing session")

            // A full walk whose second page keeps failing: the run stops there, retries nothing, keeps the row.
            fixture.simulator.resetCounters()
            faults.listFaults = Dictionary(uniqueKeysWithValues: (2...20).map { ($0, SimulatedFault.status(402)) })
            fixture.simulator.setFaults(faults)
            let cut = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(isFullWalk: true), logger: logger)
            #expect(cut.runError != nil)
            #expect(fixture.simulator.counters.infoRequests == 0)
            #expect(try failingSessions(fixture).map(\.attempts) == [1])
            #expect(cut.pendingFailures.map(\.sessionID) == [oldest.id])
            #expect(cut.incompleteReasons.contains { $0.contains("session \(oldest.id)") })
            #expect(try catalog.lastSuccessfulSync() == watermark)
        }
    }

    @Test func fetchingAFailingSessionEndsItsFailureAcknowledgedOrNot() async throws {
        try await withSimulator(dataset: SyncTests.smallDataset(count: 4)) { fixture in
            let (first, second) = (fixture.dataset.sessions[1], fixture.dataset.sessions[2])
            var faults = SimulatorFaults()
            faults.mediaStatusOverrides = [first.id: 404, second.id: 404]
            fixture.simulator.setFaults(faults)
            _ = try await Archiver.sync(configuration: fixture.configuration(), options: SyncOptions(), logger: logger)
            #expect(try failingSessions(fixture).map(\.sessionID).sorted() == [first.id, second.id].sorted())
            let (acknowledging, log) = recordingLogger()
            _ = try Archiver.acknowledgeFailures(
                configuration: fixture.configuration(), sessionIDs: [second.id], logger: acknowledging)
            // Said once, for the session acknowledged only, with what it failed with.
            let acknowledged = log.entries(withMessage: "acknowledged")
            #expect(acknowledged.map(\.level) == [.info])
            #expect(acknowledged.map(\.metadata) == [["session.id": "\(second.id)", "code": "http_404"]])

            fixture.simulator.setFaults(SimulatorFaults())
            for session in [first, second] {
                let report = try await Archiver.fetch(
                    configuration: fixture.configuration(), session: .id(session.id), logger: logger)
                #expect(report.downloaded == 1)
            }
            #expect(try failingSessions(fixture).isEmpty)

            // Already archived: a fetch finds it so and still ends a failure the catalog kept.
            let catalog = try Catalog.open(at: fixture.configuration().catalogPath, isOnShare: false)
            try catalog.updateFailingSessions(
                [
                    FailingSession(
                        sessionID: first.id, code: .http(status: 404), reason: "gone", itemJSON: nil, at: Date())
                ],
                resolving: [])
            let again = try await Archiver.fetch(
                configuration: fixture.configuration(), session: .id(first.id), logger: logger)
            #expect(again.skipped == 1)
            #expect(try failingSessions(fixture).isEmpty)
        }
    }
}
