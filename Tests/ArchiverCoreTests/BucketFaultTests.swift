import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Logging
import ObjectStorage
import Testing

@testable import ArchiverCore

/// An archive in a bucket of a real SeaweedFS when things go wrong or are looked at: the audit, `verify` after the
/// objects were damaged through the S3 API, `reindex` after the catalog was lost, multipart uploads (finished,
/// left behind, stale), a volume server of a replicated cluster gone mid-run, and wrong credentials, bucket or
/// endpoint.
@Suite(.enabled(if: SeaweedFS.isAvailable, "\(SeaweedFS.unavailableReason ?? "")"))
struct BucketFaultTests {
    let logger = Logger(label: "test")

    static func dataset(count: Int, seed: UInt64 = 23, sizeRange: ClosedRange<Int> = 1_000...40_000)
        -> SimulatorDataset
    {
        .seeded(seed: seed, sessionCount: count, agentCount: 3, sizeRange: sizeRange)
    }

    static func bytes(_ sessions: [SimulatedSession]) -> Int { sessions.reduce(0) { $0 + $1.videoSize } }

    static func path(of session: SimulatedSession) -> String { SimulatorFixture.expectedPath(of: session) }

    static func sidecarPath(of session: SimulatedSession) -> String { String(path(of: session).dropLast(4)) + ".json" }

    // MARK: - Audit

    @Test func auditCountsWhatASyncWouldStoreThenWhatIsStoredThenObjectsDeleted() async throws {
        try await withBucketArchive(dataset: Self.dataset(count: 8)) { fixture, archive in
            let configuration = try archive.configuration(of: fixture)
            let sessions = fixture.dataset.sessions
            let total = Self.bytes(sessions)

            let before = try await Archiver.audit(configuration: configuration, options: SyncOptions(), logger: logger)
            let first = try #require(before.audit)
            #expect(first.archiveRoot == archive.uri)
            #expect(first.total.listed == .init(count: 8, bytes: total))
            #expect(first.total.missing == .init(count: 8, bytes: total))
            #expect(first.total.archived == .init(count: 0, bytes: 0))
            #expect(first.total.wouldDownload == .init(count: 8, bytes: total))
            #expect(first.space == nil)
            #expect(before.wouldDownload == 8)
            #expect(before.wouldDownloadBytes == total)
            #expect(fixture.simulator.counters.mediaRequests == 0)
            #expect(try await archive.objects().isEmpty)

            let sync = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            #expect(sync.downloaded == 8)

            let after = try #require(
                try await Archiver.audit(configuration: configuration, options: SyncOptions(), logger: logger).audit)
            #expect(after.archiveRoot == archive.uri)
            #expect(after.total.archived == .init(count: 8, bytes: total))
            #expect(after.total.missing == .init(count: 0, bytes: 0))
            #expect(after.total.wrongSize == .init(count: 0, bytes: 0))
            #expect(after.total.missingSidecars == 0)
            #expect(after.total.wouldDownload == .init(count: 0, bytes: 0))

            let deleted = sessions[2]
            try await archive.client.deleteObject(bucket: archive.bucket, key: archive.prefix + Self.path(of: deleted))
            try await archive.client.deleteObject(
                bucket: archive.bucket, key: archive.prefix + Self.sidecarPath(of: sessions[3]))
            let damaged = try await Archiver.audit(configuration: configuration, options: SyncOptions(), logger: logger)
            let third = try #require(damaged.audit)
            #expect(third.total.missing == .init(count: 1, bytes: deleted.videoSize))
            #expect(third.total.archived == .init(count: 7, bytes: total - deleted.videoSize))
            #expect(third.total.wouldDownload == .init(count: 1, bytes: deleted.videoSize))
            #expect(third.total.missingSidecars == 1)
            #expect(damaged.wouldDownload == 1)
            // The audits fetched nothing.
            #expect(fixture.simulator.counters.mediaRequests == 8)
        }
    }

    // MARK: - Verify

    @Test func verifyFindsObjectsCorruptedTruncatedMissingAndNotCatalogued() async throws {
        try await withBucketArchive(dataset: Self.dataset(count: 6)) { fixture, archive in
            let configuration = try archive.configuration(of: fixture)
            let sessions = fixture.dataset.sessions
            let sync = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            #expect(sync.downloaded == 6)

            let clean = try await Archiver.verify(configuration: configuration, sample: nil, logger: logger)
            #expect(clean.checked == 6)
            #expect(clean.ok == 6)
            #expect(clean.bytesChecked == Self.bytes(sessions))
            #expect(clean.exitCode == 0)

            let (corrupted, truncated, missing) = (sessions[0], sessions[1], sessions[2])
            let workspace = fixture.workspace.path
            // Same size, other bytes: only the SHA-256 tells.
            let flipped = expectedBytes(of: corrupted).map { $0 ^ 0xFF }
            try await archive.overwrite(Self.path(of: corrupted), with: flipped, in: workspace)
            try await archive.overwrite(
                Self.path(of: truncated), with: Array(expectedBytes(of: truncated).prefix(500)), in: workspace)
            try await archive.client.deleteObject(bucket: archive.bucket, key: archive.prefix + Self.path(of: missing))
            try await archive.overwrite("Stray/2026/clip.mp4", with: Array(repeating: 1, count: 100), in: workspace)

            let report = try await Archiver.verify(configuration: configuration, sample: nil, logger: logger)
            #expect(report.exitCode == 1)
            #expect(report.checked == 6)
            #expect(report.ok == 3)
            #expect(report.corrupted.map(\.sessionID) == [corrupted.id])
            #expect(report.corrupted.first?.path == Self.path(of: corrupted))
            #expect(report.corrupted.first?.reason.hasPrefix("SHA-256 ") == true)
            #expect(report.truncated.map(\.sessionID) == [truncated.id])
            #expect(report.truncated.first?.reason == "size 500 bytes, expected \(truncated.videoSize)")
            #expect(report.missing.map(\.sessionID) == [missing.id])
            #expect(report.missing.first?.reason == "no such object")
            #expect(report.notCatalogued == [.init(path: "Stray/2026/clip.mp4", hasSidecar: false)])
        }
    }

    // MARK: - Reindex

    @Test func reindexRebuildsALostCatalogFromTheSidecarObjectsAndASyncWithoutOneDoesItself() async throws {
        try await withBucketArchive(dataset: Self.dataset(count: 7)) { fixture, archive in
            let configuration = try archive.configuration(of: fixture)
            let sync = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            #expect(sync.downloaded == 7)
            func deleteCatalog() throws {
                for suffix in ["", "-wal", "-shm"]
                where FileManager.default.fileExists(
                    atPath: configuration.catalogPath + suffix)
                {
                    try FileManager.default.removeItem(atPath: configuration.catalogPath + suffix)
                }
                #expect(!FileManager.default.fileExists(atPath: configuration.catalogPath))
            }

            try deleteCatalog()
            let reindexed = try await Archiver.reindex(configuration: configuration, logger: logger)
            #expect(reindexed.indexed == 7)
            #expect(reindexed.skipped.isEmpty)
            #expect(reindexed.withoutRecording == 0)
            let verified = try await Archiver.verify(configuration: configuration, sample: nil, logger: logger)
            #expect(verified.ok == 7)
            #expect(verified.exitCode == 0)

            let rerun = try await Archiver.sync(
                configuration: configuration, options: SyncOptions(isFullWalk: true), logger: logger)
            #expect(rerun.listed == 7)
            #expect(rerun.downloaded == 0)
            #expect(rerun.skipped == 7)

            // A sync that finds no catalog rebuilds it from the sidecars before it plans: it downloads nothing.
            try deleteCatalog()
            let withoutCatalog = try await Archiver.sync(
                configuration: configuration, options: SyncOptions(), logger: logger)
            #expect(withoutCatalog.listed == 7)
            #expect(withoutCatalog.downloaded == 0)
            #expect(withoutCatalog.failures.isEmpty)
            #expect(fixture.simulator.counters.mediaRequests == 7)
            let catalog = try #require(try CatalogAccess.openExisting(configuration, readOnly: true, logger: logger))
            #expect(try catalog.entries().count == 7)
        }
    }

    /// Two state folders on one bucket, as after a lost state folder restored from an old backup: one catalogues
    /// agent A's recordings, the other stores the rest. The first then finds recordings it lacks, and one sidecar
    /// object deleted.
    @Test func aSyncRestoresADeletedSidecarObjectAndCataloguesRecordingsAnotherRunStoredOnceChecked() async throws {
        try await withBucketArchive(dataset: Self.dataset(count: 6)) { fixture, archive in
            let sessions = fixture.dataset.sessions
            let agent = sessions[0].agent.id
            let own = sessions.filter { $0.agent.id == agent }
            let others = sessions.filter { $0.agent.id != agent }
            try #require(others.count >= 2)
            var first = try archive.configuration(of: fixture)
            first.stateDirectory = try fixture.workspace.subfolder("first-state")
            let second = try archive.configuration(of: fixture)

            let ownSync = try await Archiver.sync(
                configuration: first, options: SyncOptions(agentIDs: [agent]), logger: logger)
            #expect(ownSync.downloaded == own.count)
            let rest = try await Archiver.sync(configuration: second, options: SyncOptions(), logger: logger)
            #expect(rest.downloaded == others.count)
            #expect(rest.skipped == own.count)

            let damaged = others[0]
            try await archive.overwrite(
                Self.path(of: damaged), with: expectedBytes(of: damaged).map { $0 ^ 0x5A },
                in: fixture.workspace.path)
            let withoutSidecar = own[0]
            try await archive.client.deleteObject(
                bucket: archive.bucket, key: archive.prefix + Self.sidecarPath(of: withoutSidecar))

            let healing = try await Archiver.sync(
                configuration: first, options: SyncOptions(isFullWalk: true), logger: logger)
            #expect(healing.downloaded == 0)
            #expect(healing.failures.map(\.sessionID) == [damaged.id])
            #expect(healing.failures.first?.code == .sidecarMismatch)
            #expect(healing.failures.first?.reason.contains("differs from") == true)
            #expect(healing.exitCode == 1)
            #expect(fixture.simulator.counters.mediaRequests == sessions.count)
            // The sidecar object is back, with the recording's SHA-256.
            let sidecar = try await archive.bytes(at: Self.sidecarPath(of: withoutSidecar), in: fixture.workspace.path)
            let record = try JSONSerialization.jsonObject(with: Data(sidecar)) as? [String: Any]
            let recorded = (record?["archive"] as? [String: Any])?["sha256"] as? String
            #expect(recorded == sha256Hex(expectedBytes(of: withoutSidecar)))
            // Every recording but the damaged one is catalogued.
            let catalog = try #require(try CatalogAccess.openExisting(first, readOnly: true, logger: logger))
            #expect(Set(try catalog.entries().map(\.sessionID)) == Set(sessions.map(\.id)).subtracting([damaged.id]))
        }
    }

    // MARK: - Multipart uploads

    /// SeaweedFS refuses parts below S3's 5 MiB (`EntityTooSmall` at CompleteMultipartUpload), so the parts are
    /// 5 MiB and the recordings up to 14 MiB.
    @Test func recordingsAboveTheThresholdGoUpInPartsAndReadBackWhole() async throws {
        let threshold = 10 << 20
        let partSize = 5 << 20
        try await withBucketArchive(dataset: Self.dataset(count: 4, sizeRange: (6 << 20)...(14 << 20))) {
            fixture, archive in
            var configuration = try archive.configuration(of: fixture)
            configuration.partSizing = .init(multipartThreshold: threshold, partSize: partSize, concurrentParts: 3)
            let sessions = fixture.dataset.sessions
            let large = sessions.filter { $0.videoSize >= threshold }
            #expect(!large.isEmpty && large.count < sessions.count)

            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            #expect(report.downloaded == 4)
            #expect(report.failures.isEmpty)
            for session in sessions {
                let path = Self.path(of: session)
                let bytes = try await archive.bytes(at: path, in: fixture.workspace.path)
                #expect(bytes == expectedBytes(of: session), "\(path)")
                // A multipart object's ETag ends with its number of parts.
                let info = try #require(
                    try await archive.client.headObject(bucket: archive.bucket, key: archive.prefix + path))
                let parts = (session.videoSize + partSize - 1) / partSize
                let etag = info.etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                if session.videoSize >= threshold {
                    #expect(etag.hasSuffix("-\(parts)"), "\(path): \(info.etag)")
                } else {
                    #expect(!etag.contains("-"), "\(path): \(info.etag)")
                }
            }
            #expect(try await archive.unfinishedUploads().isEmpty)
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: "\(configuration.stateDirectory)/spool").isEmpty)
        }
    }

    @Test func aSyncAbortsTheUnfinishedUploadOfAKeyItStoresAndLeavesAYoungOneOfAnotherKey() async throws {
        try await withBucketArchive(dataset: Self.dataset(count: 3)) { fixture, archive in
            let configuration = try archive.configuration(of: fixture)
            let resent = try #require(fixture.dataset.sessions.first)
            let resentKey = archive.prefix + Self.path(of: resent)
            let other = "Elsewhere/2026/12/06/running.mp4"
            let otherKey = archive.prefix + other
            _ = try await archive.client.createMultipartUpload(bucket: archive.bucket, key: resentKey)
            let otherID = try await archive.client.createMultipartUpload(bucket: archive.bucket, key: otherKey)
            #expect(try await archive.unfinishedUploads().count == 2)

            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            #expect(report.downloaded == 3)
            // The upload of a key the run stored is gone; a young one of another key may belong to a run elsewhere.
            #expect(try await archive.unfinishedUploads() == [other: [otherID]])
            let bytes = try await archive.bytes(at: Self.path(of: resent), in: fixture.workspace.path)
            #expect(bytes == expectedBytes(of: resent))

            // Two days later it is stale, and aborted.
            let uploads = BucketUploads(
                store: BucketStore(
                    location: try #require(configuration.bucket), client: archive.client,
                    retryPolicy: configuration.retryPolicy, logger: logger),
                sizing: configuration.partSizing)
            let unfinished = try await uploads.unfinished()
            #expect(unfinished[otherKey]?.first?.initiated != nil)
            let keptToday = await uploads.abortStale(unfinished, olderThan: RunArchive.staleUploadAge)
            #expect(keptToday.mapValues { $0.map(\.uploadID) } == [otherKey: [otherID]])
            #expect(try await archive.unfinishedUploads().count == 1)
            let left = await uploads.abortStale(
                unfinished, olderThan: RunArchive.staleUploadAge, now: Date().addingTimeInterval(2 * 86_400))
            #expect(left.isEmpty)
            #expect(try await archive.unfinishedUploads().isEmpty)
        }
    }

    // MARK: - A volume server stopped

    /// The cluster keeps every object on both volume servers (`-defaultReplication=001`); a first run stores one
    /// agent's recordings, and one volume server is killed in the middle of the next run, once it has started
    /// downloading the others. With one server down, SeaweedFS answers each write with InternalError (HTTP 500)
    /// after 30 s of its own; the uploads run side by side, so with a single try the run takes about that long.
    @Test(.timeLimit(.minutes(3)))
    func aVolumeServerStoppedFailsRecordingsCleanlyAndARerunStoresThem() async throws {
        try await withBucketArchive(.cluster, dataset: Self.dataset(count: 6)) { fixture, archive in
            var configuration = try archive.configuration(of: fixture)
            configuration.retryAttempts = 1
            let sessions = fixture.dataset.sessions
            let firstAgent = try #require(sessions.first?.agent.id)
            let first = try await Archiver.sync(
                configuration: configuration, options: SyncOptions(agentIDs: [firstAgent]), logger: logger)
            let firstCount = sessions.filter { $0.agent.id == firstAgent }.count
            #expect(first.downloaded == firstCount)

            // Paced downloads (at least 20 ms each), so that the volume server is gone before the first upload.
            var paced = SimulatorFaults()
            paced.mediaBytesPerSecond = 50_000
            fixture.simulator.setFaults(paced)
            let simulator = fixture.simulator
            let store = archive.store
            let stopper = Task {
                while simulator.counters.mediaRequests == firstCount { try await Task.sleep(for: .milliseconds(5)) }
                store.stopVolumeServer()
            }
            let started = ContinuousClock.now
            let report = try await Archiver.sync(
                configuration: configuration, options: SyncOptions(isFullWalk: true), logger: logger)
            try await stopper.value
            // Each write fails after SeaweedFS's 30 s; nothing waits longer.
            #expect(ContinuousClock.now - started < .seconds(100))

            #expect(report.skipped == firstCount)
            // SeaweedFS 4.48 fails every write with a replica down.
            #expect(report.downloaded == 0)
            #expect(report.failed == sessions.count - firstCount)
            #expect(report.failures.allSatisfy { $0.code == .storageUploadFailed })
            #expect(report.exitCode == 1)
            // Whatever is under a recording's key is whole.
            let objects = try await archive.objects()
            for session in sessions {
                if let size = objects[Self.path(of: session)] { #expect(size == session.videoSize) }
            }

            // The recordings not stored wait in the spool, for the next run to store without downloading them.
            let spool = "\(configuration.stateDirectory)/spool"
            let spooled = try FileManager.default.contentsOfDirectory(atPath: spool)
            #expect(spooled.filter { $0.hasSuffix(".part") }.count == report.failed)
            #expect(fixture.simulator.counters.mediaRequests == sessions.count)

            try archive.store.startVolumeServer()
            try await archive.store.waitForVolumeServers(2)
            let rerun = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            #expect(rerun.failures.isEmpty)
            #expect(rerun.exitCode == 0)
            #expect(rerun.downloaded == report.failed)
            #expect(fixture.simulator.counters.mediaRequests == sessions.count)
            #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
            let stored = try await archive.objects()
            for session in sessions {
                #expect(stored[Self.path(of: session)] == session.videoSize)
                #expect(stored[Self.sidecarPath(of: session)] != nil)
                let bytes = try await archive.bytes(at: Self.path(of: session), in: fixture.workspace.path)
                #expect(bytes == expectedBytes(of: session))
            }
        }
    }

    // MARK: - Wrong credentials, bucket or endpoint

    @Test func aWrongSecretStopsTheRunBeforeAnyDownloadAndNeverShowsASecret() async throws {
        try await withBucketArchive(dataset: Self.dataset(count: 3)) { fixture, archive in
            let wrongSecret = "wrong-secret-\(UUID().uuidString)"
            let configuration = try archive.configuration(of: fixture, secret: wrongSecret)
            let error = try await #require(throws: ArchiverError.self) {
                try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)
            }
            #expect(error.code == .storageKeyRejected)
            let description = "\(error)"
            #expect(description.contains("SignatureDoesNotMatch"))
            #expect(description.contains("check the secret key"))
            #expect(description.contains(archive.store.accessKeyID))
            #expect(!description.contains(wrongSecret))
            #expect(!description.contains(archive.store.secretAccessKey))
            #expect(fixture.simulator.counters.mediaRequests == 0)
            #expect(try await archive.objects().isEmpty)
        }
    }

    @Test func aMissingBucketIsAMissingRootAndAnUnreachableEndpointIsSaidSo() async throws {
        try await withBucketArchive(dataset: Self.dataset(count: 3)) { fixture, archive in
            let credentials = S3Credentials(
                accessKeyID: archive.store.accessKeyID, secretAccessKey: archive.store.secretAccessKey)
            let stateDirectory = try fixture.workspace.subfolder("other-state")

            let absent = try fixture.configuration().archiving(
                into: BucketLocation(
                    bucket: "absent-bucket", prefix: archive.prefix, endpoint: archive.endpoint,
                    credentials: credentials),
                stateDirectory: stateDirectory)
            let missing = try await #require(throws: ArchiverError.self) {
                try await Archiver.sync(configuration: absent, options: SyncOptions(), logger: logger)
            }
            #expect(missing.code == .rootMissing)
            #expect("\(missing)".contains("NoSuchBucket"))
            #expect("\(missing)".contains("absent-bucket"))

            let port = try RefusingPort()
            defer { port.release() }
            var unreachable = try fixture.configuration().archiving(
                into: BucketLocation(
                    bucket: archive.bucket, prefix: archive.prefix,
                    endpoint: S3Endpoint(
                        url: "http://127.0.0.1:\(port.port)", region: "us-east-1", addressing: .pathStyle),
                    credentials: credentials),
                stateDirectory: stateDirectory)
            unreachable.retryAttempts = 2
            let started = ContinuousClock.now
            let refused = try await #require(throws: ArchiverError.self) {
                try await Archiver.sync(configuration: unreachable, options: SyncOptions(), logger: logger)
            }
            #expect(refused.code == .storageUnreachable)
            #expect("\(refused)".contains("127.0.0.1:\(port.port)"))
            #expect("\(refused)".contains("s3.endpoint"))
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(!"\(refused)".contains(archive.store.secretAccessKey))
            #expect(fixture.simulator.counters.mediaRequests == 0)
            #expect(try await archive.objects().isEmpty)
        }
    }
}
