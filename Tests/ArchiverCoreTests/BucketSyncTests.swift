import ArchiverTestSupport
import Crypto
import Foundation
import GetscreenSimulator
import InMemoryLogging
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

    @Test func slowDownIsRetriedWithBackoffAndTheRunArchivesEverything() async throws {
        try await withBucketArchive(dataset: Self.dataset(count: 6)) { fixture, archive in
            let relay = try LoopbackRelay(upstream: archive.store.endpoint, fault: .slowDown(count: 2))
            defer { relay.stop() }
            let (logger, logs) = recordingLogger()
            let configuration = try archive.configuration(of: fixture, transfers: 1, endpoint: relay.endpoint)
            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            #expect(relay.refusedCount == 2)
            #expect(report.downloaded == 6)
            #expect(report.failures.isEmpty)
            #expect(try await archive.objects().count == 12)
            let retries = logs.entries(withMessage: "retrying a storage request")
            #expect(retries.count == 2)
            #expect(retries.allSatisfy { $0.metadata["cause"]?.description == "SlowDown" })
        }
    }

    @Test func slowDownBeyondTheRetriesStopsTheRunWithAStorageError() async throws {
        try await withBucketArchive(dataset: Self.dataset(count: 2)) { fixture, archive in
            let relay = try LoopbackRelay(upstream: archive.store.endpoint, fault: .slowDown(count: 100))
            defer { relay.stop() }
            let configuration = try archive.configuration(of: fixture, transfers: 1, endpoint: relay.endpoint)
            let error = try await #require(throws: ArchiverError.self) {
                try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            }
            #expect(error.code == .storageError)
            #expect(error.exitCode == 3)
            #expect(error.description.contains("SlowDown (HTTP 503)"), "\(error)")
            #expect(error.description.contains("fewer transfers"), "\(error)")
            #expect(relay.refusedCount == configuration.retryAttempts)
            #expect(fixture.simulator.counters.mediaRequests == 0)
        }
    }

    @Test func twoRunsOnOneMachineNeverShareABucketArchive() async throws {
        try await withBucketArchive(dataset: Self.dataset(count: 2)) { fixture, archive in
            let configuration = try archive.configuration(of: fixture)
            // Another run holds the archive: the lock lives in the local state folder, as the catalog does.
            let held = try RunLock.acquire(try RunArchive.lockFolder(configuration), logger: logger)
            defer { held.release() }
            try held.claimLease(fileMode: 0o600, folderMode: 0o700)
            #expect(FileManager.default.fileExists(atPath: held.leasePath))
            #expect(held.leasePath.hasPrefix(configuration.stateDirectory + "/"))

            let error = try await #require(throws: ArchiverError.self) {
                try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            }
            #expect(error.code == .lockHeld)
            #expect(error.exitCode == 75)
            #expect(try await archive.objects().isEmpty)
            #expect(fixture.simulator.counters.listRequests == 0)
        }
    }
}
