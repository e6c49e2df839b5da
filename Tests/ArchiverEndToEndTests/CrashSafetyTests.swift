import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Glibc
import Testing

/// The real binary, killed and overlapped: what a nightly job on a NAS meets.
@Suite struct CrashSafetyTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    /// Every final recording present holds exactly the bytes the server serves for it.
    func expectNoWrongBytes(_ fixture: SimulatorFixture, _ sessions: [SimulatedSession]) {
        for session in sessions {
            let path = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))"
            guard let bytes = contents(of: path) else { continue }
            #expect(bytes == expectedBytes(of: session), "wrong bytes at a final path: \(path)")
        }
    }

    @Test func killedWithSigkillAtSeveralPointsThenRerunTheArchiveIsComplete() async throws {
        var faults = SimulatorFaults()
        faults.mediaBytesPerSecond = 400_000  // half a second a recording
        let dataset = SimulatorDataset.seeded(seed: 11, sessionCount: 9, sizeRange: 150_000...250_000)
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig(extra: "transfers: 3")
            let simulator = fixture.simulator

            // Kill points after the first transfer starts: at once, mid-transfer, and after some were filed.
            for delay in [20, 300, 700] {
                let result = try await ArchiverProcess.run(
                    ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path
                ) { pid in
                    await onOwnThread {
                        poll(timeout: 20) { simulator.counters.mediaRequests >= 1 }
                        usleep(useconds_t(delay * 1_000))
                        kill(pid, SIGKILL)
                    }
                }
                #expect(result.exitCode == SIGKILL || result.exitCode == 0, "\(result.stderr)")
                expectNoWrongBytes(fixture, dataset.sessions)
                simulator.resetCounters()
            }

            simulator.setFaults(SimulatorFaults())
            let final = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)
            #expect(final.exitCode == 0, "\(final.stderr)")
            for session in dataset.sessions {
                let path = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))"
                #expect(contents(of: path) == expectedBytes(of: session), "\(path)")
                let sidecar =
                    try JSONSerialization.jsonObject(
                        with: Data(contents(of: String(path.dropLast(4)) + ".json") ?? [])
                    ) as? [String: Any]
                let archive = sidecar?["archive"] as? [String: Any]
                #expect(archive?["sha256"] as? String == sha256Hex(expectedBytes(of: session)))
            }
            #expect(files(under: "\(fixture.root)/.getscreen-archiver/tmp", withSuffix: "").isEmpty)
        }
    }

    @Test func aSecondRunExitsAtOnceNamingTheHolderAndADeadHolderNeverBlocks() async throws {
        var faults = SimulatorFaults()
        // 20 s a recording: the first run must outlive the second run and the dry run, also when a loaded machine
        // starts them slowly; it is killed as soon as they are done.
        faults.mediaBytesPerSecond = 10_000
        let dataset = SimulatorDataset.seeded(seed: 12, sessionCount: 3, sizeRange: 200_000...200_000)
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig(extra: "transfers: 3")
            let simulator = fixture.simulator
            let workspace = fixture.workspace.path
            let environment = keyEnvironment

            let first = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: environment, in: workspace
            ) {
                pid in
                while simulator.counters.mediaRequests < 1 { try await Task.sleep(for: .milliseconds(10)) }
                let second = try await ArchiverProcess.run(
                    ["sync", "--config", config], environment: environment, in: workspace)
                #expect(second.exitCode == 75)
                #expect(
                    second.stderr.contains("another getscreen-archiver run is using this archive (pid \(pid)"),
                    "\(second.stderr)")
                let dryRun = try await ArchiverProcess.run(
                    ["sync", "--config", config, "--dry-run"], environment: environment, in: workspace)
                #expect(dryRun.exitCode == 75)
                kill(pid, SIGKILL)
            }
            #expect(first.exitCode == SIGKILL)

            simulator.setFaults(SimulatorFaults())
            let afterDeath = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: environment, in: workspace)
            #expect(afterDeath.exitCode == 0, "\(afterDeath.stderr)")
            #expect(files(under: fixture.root, withSuffix: ".mp4").count == 3)
            // The killed run's lease was taken over (same machine, dead pid), then removed with nothing beside it.
            let toolFolder = try FileManager.default.contentsOfDirectory(atPath: "\(fixture.root)/.getscreen-archiver")
            #expect(!toolFolder.contains { $0.hasPrefix("lock") || $0.hasPrefix(".dat") }, "\(toolFolder)")
        }
    }
}
