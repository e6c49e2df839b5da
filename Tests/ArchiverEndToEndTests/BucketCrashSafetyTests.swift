import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Glibc
import Testing

/// The built binary killed while it stores a recording in a real SeaweedFS bucket, then run again.
@Suite(.enabled(if: SeaweedFS.isAvailable, "\(SeaweedFS.unavailableReason ?? "")"))
struct BucketCrashSafetyTests {
    /// One recording above the 64 MiB from which the binary uploads in parts (16 MiB each, 5 parts).
    static let dataset = SimulatorDataset.seeded(
        seed: 31, sessionCount: 1, agentCount: 1, sizeRange: (68 << 20)...(70 << 20))

    @Test(.timeLimit(.minutes(3)))
    func killedWithSigkillMidMultipartUploadThenRerunTheObjectIsWholeAndNoUploadIsLeft() async throws {
        try await withBucketArchive(dataset: Self.dataset) { fixture, archive in
            // Through a relay that paces requests to 20 MiB/s: the upload lasts about 3.5 s, and the run is killed
            // in the middle of it, whatever the load of the machine.
            let relay = try LoopbackRelay(upstream: archive.store.endpoint, fault: .throttle(bytesPerSecond: 20 << 20))
            defer { relay.stop() }
            let config = try BucketCommandTests.writeConfig(fixture, archive, endpoint: relay.endpoint)
            // One transfer: the parts go up one after the other, so the run is killed between two of them.
            let file = try #require(FileHandle(forWritingAtPath: config))
            file.seekToEndOfFile()
            file.write(Data("\ntransfers: 1\n".utf8))
            file.closeFile()
            let environment = BucketCommandTests.environment(archive)
            let workspace = fixture.workspace.path
            let session = try #require(Self.dataset.sessions.first)
            let path = SimulatorFixture.expectedPath(of: session)

            let killed = try await ArchiverProcess.run(
                ["sync", "--config", config, "--verbose"], environment: environment, in: workspace
            ) { pid in
                let deadline = ContinuousClock.now + .seconds(60)
                while try await archive.unfinishedUploads()[path] == nil, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
                kill(pid, SIGKILL)
            }
            #expect(killed.exitCode == SIGKILL, "\(killed.stderr)")
            // The upload was left unfinished, and nothing is under the recording's key.
            #expect(try await archive.unfinishedUploads()[path]?.count == 1)
            #expect(try await archive.unfinishedUploads().count == 1)
            #expect(try await archive.objects()[path] == nil)

            let rerun = try await ArchiverProcess.run(
                ["sync", "--config", config, "--verbose"], environment: environment, in: workspace)
            #expect(rerun.exitCode == 0, "\(rerun.stderr)")
            // From the spool: the recording was complete there when the run was killed.
            #expect(fixture.simulator.counters.mediaRequests == 1)
            // The rerun aborted the upload it found for the key it stored again.
            #expect(try await archive.unfinishedUploads().isEmpty)
            #expect(try await archive.objects()[path] == session.videoSize)
            #expect(try await archive.bytes(at: path, in: workspace) == expectedBytes(of: session))

            let verify = try await ArchiverProcess.run(
                ["verify", "--config", config], environment: environment, in: workspace)
            #expect(verify.exitCode == 0, "\(verify.stderr)")
            #expect(verify.stderr.contains("1 ok"), "\(verify.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: "\(workspace)/state/spool").isEmpty)
        }
    }
}
