import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Glibc
import Testing

/// The real binary against a lease file written by a run on another machine (which `flock` cannot see).
@Suite struct LeaseLockTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    /// Writes the lease of a run of pid 4711 on "nas-b", last refreshed `secondsAgo` with a ten-minute lease.
    func writeOtherMachinesLease(in root: String, refreshedSecondsAgo secondsAgo: Int) throws {
        let folder = "\(root)/.getscreen-archiver"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let lease: [String: Any] = [
            "host": "nas-b", "pid": 4711, "started_at": "2026-12-05T22:00:00Z", "token": "0123456789abcdef",
            "refreshed_at": "2026-12-05T23:59:00Z",
            "refreshed_at_unix": Int(Date().timeIntervalSince1970) - secondsAgo, "lease_seconds": 600,
            "boot_id": "another-machine", "pid_namespace": "pid:[1]",
        ]
        try JSONSerialization.data(withJSONObject: lease).write(to: URL(fileURLWithPath: "\(folder)/lock"))
    }

    @Test func aLiveLeaseOfAnotherMachineStopsSyncsAndDryRunsAndAnExpiredOneIsTakenOver() async throws {
        let dataset = SimulatorDataset.seeded(seed: 5, sessionCount: 2)
        try await withSimulator(dataset: dataset) { fixture in
            let config = try fixture.writeConfig()
            try writeOtherMachinesLease(in: fixture.root, refreshedSecondsAgo: 30)

            for arguments in [["sync", "--config", config], ["sync", "--config", config, "--dry-run"]] {
                let result = try await ArchiverProcess.run(
                    arguments, environment: keyEnvironment, in: fixture.workspace.path)
                #expect(result.exitCode == 75, "\(arguments): \(result.stderr)")
                #expect(
                    result.stderr.contains(
                        "another getscreen-archiver run is using this archive (pid 4711 on nas-b, started "
                            + "2026-12-05T22:00:00Z, last refreshed 2026-12-05T23:59:00Z (lease 600 s))"),
                    "\(result.stderr)")
            }
            #expect(fixture.simulator.counters.requests.isEmpty)
            #expect(files(under: fixture.root, withSuffix: ".mp4").isEmpty)

            try writeOtherMachinesLease(in: fixture.root, refreshedSecondsAgo: 601)
            let afterExpiry = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)
            #expect(afterExpiry.exitCode == 0, "\(afterExpiry.stderr)")
            #expect(afterExpiry.stderr.contains("taking over a stale lock"), "\(afterExpiry.stderr)")
            #expect(files(under: fixture.root, withSuffix: ".mp4").count == 2)
            #expect(!FileManager.default.fileExists(atPath: "\(fixture.root)/.getscreen-archiver/lock"))
        }
    }
}
