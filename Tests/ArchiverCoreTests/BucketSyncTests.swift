import ArchiverTestSupport
import Crypto
import Foundation
import GetscreenSimulator
import Logging
import Testing

@testable import ArchiverCore

/// Sync, audit, verify and reindex of an archive in a bucket of a real SeaweedFS, against the simulator.
@Suite(.enabled(if: SeaweedFS.isAvailable, "\(SeaweedFS.unavailableReason ?? "")"))
struct BucketSyncTests {
    let logger = Logger(label: "test")

    static func dataset(count: Int, seed: UInt64 = 11) -> SimulatorDataset {
        .seeded(seed: seed, sessionCount: count, agentCount: 3, sizeRange: 1_000...40_000)
    }

    @Test func syncStoresEveryRecordingWithItsSidecarAndARerunStoresNothing() async throws {
        try await withBucketArchive(dataset: Self.dataset(count: 30)) { fixture, archive in
            let configuration = try archive.configuration(of: fixture)
            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            #expect(report.listed == 30)
            #expect(report.downloaded == 30)
            #expect(report.failures.isEmpty)
            let objects = try await archive.objects()
            #expect(objects.count == 60)
            for session in fixture.dataset.sessions {
                let path = SimulatorFixture.expectedPath(of: session)
                #expect(objects[path] == session.videoSize, "\(path)")
                #expect(objects[String(path.dropLast(4)) + ".json"] != nil, "\(path)")
            }
            let sample = try #require(fixture.dataset.sessions.first)
            let bytes = try await archive.bytes(
                at: SimulatorFixture.expectedPath(of: sample), in: fixture.workspace.path)
            #expect(bytes == expectedBytes(of: sample))
            // Nothing is left in the spool.
            let spool = "\(configuration.stateDirectory)/spool"
            #expect((try? FileManager.default.contentsOfDirectory(atPath: spool))?.isEmpty ?? true)

            var fullWalk = SyncOptions()
            fullWalk.isFullWalk = true
            let rerun = try await Archiver.sync(configuration: configuration, options: fullWalk, logger: logger)
            #expect(rerun.listed == 30)
            #expect(rerun.downloaded == 0)
            #expect(rerun.skipped == 30)
            #expect(fixture.simulator.counters.mediaRequests == 30)
        }
    }
}
