import ArchiverTestSupport
import Curl
import Foundation
import GetscreenSimulator
import Glibc
import Logging
import Testing

@testable import ArchiverCore

/// Publishing on a real FUSE share: `sshfs` mounted from an `sshd` of the test's own on loopback, whose SFTP server
/// logs every request (issue 11, cases 1 and 6).
@Suite(.enabled(if: NetworkShareSupport.isAvailable, "\(NetworkShareSupport.unavailableReason ?? "")"))
struct SSHFSPublishingTests {
    let logger = Logger(label: "test")

    static func dataset(count: Int) -> SimulatorDataset {
        .seeded(seed: 11, sessionCount: count, agentCount: 2, sizeRange: 500...2_000)
    }

    /// Case 6: `syncfs` does not reach an sshfs server; each recording's own fsync does. Before: the server saw no
    /// fsync for any recording.
    @Test func everyRecordingAndSidecarIsFsyncedOnTheServer() async throws {
        let share = try SSHFSShare()
        defer { share.tearDown() }
        let mountPoint = try share.mount()
        try await withSimulator(dataset: Self.dataset(count: 6)) { fixture in
            var configuration = try fixture.configuration()
            configuration.archiveRoot = mountPoint
            configuration.stateDirectory = try fixture.workspace.subfolder("state")

            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            #expect(report.downloaded == 6)
            #expect(report.failures.isEmpty)
            let fsynced = share.sftpRequestLog.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("fsync \"") }
            let temporaryFolder = "\(share.export)/\(ArchiveRoot.stateFolderName)/tmp"
            for session in fixture.dataset.sessions {
                let partial = "fsync \"\(temporaryFolder)/\(session.id)-\(session.videoSize).part\""
                #expect(fsynced.contains { $0 == partial }, "no fsync of session \(session.id)'s recording")
                #expect(
                    fsynced.contains { $0.hasPrefix("fsync \"\(temporaryFolder)/sidecar-\(session.id)-") },
                    "no fsync of session \(session.id)'s sidecar")
                let path = "\(share.export)/\(SimulatorFixture.expectedPath(of: session))"
                #expect(contents(of: path) == expectedBytes(of: session), "\(path)")
            }
        }
    }

    /// Case 1: a share that loses the written bytes and says so only when the file is flushed or closed (sshfs
    /// writes asynchronously; here the server refuses every write). Before: `close` failed with EIO unchecked and
    /// the empty files were moved to their final paths as archived. The downloader and the filer are driven
    /// directly: a whole sync stops earlier, at the lock holder file, which that share cannot store either.
    @Test func aShareThatLosesTheWritesGetsNoRecordingFiled() async throws {
        let share = try SSHFSShare(refusing: ["write"])
        defer { share.tearDown() }
        let mountPoint = try share.mount()
        try await withSimulator(dataset: Self.dataset(count: 3)) { fixture in
            var configuration = try fixture.configuration(transfers: 1)
            configuration.archiveRoot = mountPoint
            let root = try ArchiveRoot(path: mountPoint)
            try root.createFolders("\(ArchiveRoot.stateFolderName)/tmp")
            let transport = try CurlMulti()
            let client = APIClient(
                baseURL: URL(string: fixture.simulator.baseURL)!, key: APIKey(SimulatorFixture.apiKey)!,
                transport: transport, logger: logger)
            let modeCheck = ModeCheck(logger: logger)
            let filer = Filer(root: root, modeCheck: modeCheck)
            let downloader = Downloader(
                transport: transport, settings: configuration.downloaderSettings, partialFolder: root.temporaryFolder,
                flushesEachFile: !filer.flushesWithSyncfs,
                storage: StorageGuard(path: root.path, minimumFreeBytes: 0, assumedFreeBytes: nil),
                modeCheck: modeCheck, logger: logger)
            let planner = DownloadPlanner(layout: configuration.layout, timeZone: configuration.timeZone)

            var completed: [CompletedDownload] = []
            var failures: [RecordingFailure] = []
            for simulated in fixture.dataset.sessions {
                let info = try await client.sessionInfo(.id(simulated.id))
                let session = try Session(infoResponse: info, agentName: simulated.agent.name, agentGroup: nil)
                let item = try #require(planner.plan([session], fileSize: root.fileSizeReader()).downloads.first)
                do {
                    completed.append(try filer.draft(await downloader.download(item)))
                } catch let failure as RecordingFailure {
                    failures.append(failure)
                }
            }
            let published = try filer.publish(completed)
            await transport.shutdown()

            #expect(published.isEmpty)
            #expect(failures.count == 3)
            // Which check catches the loss depends on when sshfs hears back about its asynchronous writes: the fsync
            // (EIO), or the size on the descriptor. Either way the recording is a storage failure, fetched again.
            for failure in failures {
                #expect(failure.code.slug.hasPrefix("storage_"), "\(failure.code): \(failure.reason)")
                #expect(failure.reason.contains("will be fetched again next run"), "\(failure.reason)")
            }
            // The server holds no recording at a final path, and no partial file to resume from.
            let files = FileManager.default.enumerator(atPath: share.export)?.compactMap { $0 as? String } ?? []
            #expect(files.filter { $0.hasSuffix(".mp4") || $0.hasSuffix(".part") }.isEmpty, "\(files)")
        }
    }
}
