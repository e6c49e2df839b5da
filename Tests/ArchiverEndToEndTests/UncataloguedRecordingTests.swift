import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Glibc
import Testing

/// The real binary killed after it published recordings and before it catalogued them (issue 11, case 3).
@Suite struct UncataloguedRecordingTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    @Test func killedBetweenPublishingAndCataloguingVerifyComplainsAndTheRerunCataloguesWithoutDownloading()
        async throws
    {
        var faults = SimulatorFaults()
        faults.mediaBytesPerSecond = 400_000  // half a second a recording
        let dataset = SimulatorDataset.seeded(seed: 21, sessionCount: 9, sizeRange: 150_000...250_000)
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let state = "\(fixture.workspace.path)/state"
            let config = try fixture.writeConfig(extra: "transfers: 3\nstate_dir: \(state)")
            let simulator = fixture.simulator
            let root = fixture.root

            let stopped = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path
            ) { pid in
                try await Self.catchBetweenPublishingAndCataloguing(
                    pid, leasePath: "\(root)/.getscreen-archiver/lock", catalogPath: "\(state)/catalog.sqlite",
                    root: root)
            }
            // Killed at the catalog write, or, should the kill come later on a loaded machine, ended by itself there
            // after SQLite's busy timeout, with the catalog error: the same state on disk either way.
            #expect(
                stopped.exitCode == SIGKILL || (stopped.exitCode == 3 && stopped.stderr.contains("catalog")),
                "\(stopped.exitCode): \(stopped.stderr)")
            let published = files(under: root, withSuffix: ".mp4")
            try #require(!published.isEmpty && published.count < 9)

            let verifyReport = "\(fixture.workspace.path)/verify.json"
            let before = try await ArchiverProcess.run(
                ["verify", "--config", config, "--report", verifyReport], environment: [:], in: fixture.workspace.path)
            #expect(before.exitCode == 1, "\(before.stderr)")
            for path in published { #expect(before.stderr.contains(path), "\(before.stderr)") }
            #expect(before.stderr.contains("\(published.count) not in the catalog"), "\(before.stderr)")
            #expect(before.stderr.contains("reindex"), "\(before.stderr)")
            let verifyJSON =
                try JSONSerialization.jsonObject(with: Data(contents(of: verifyReport) ?? [])) as? [String: Any]
            let listed = verifyJSON?["not_catalogued"] as? [[String: Any]]
            #expect(listed?.compactMap { $0["path"] as? String } == published)
            #expect(listed?.allSatisfy { $0["has_sidecar"] as? Bool == true } == true)

            simulator.setFaults(SimulatorFaults())
            simulator.resetCounters()
            let runReport = "\(fixture.workspace.path)/run.json"
            let rerun = try await ArchiverProcess.run(
                ["sync", "--config", config, "--report", runReport], environment: keyEnvironment,
                in: fixture.workspace.path)
            #expect(rerun.exitCode == 0, "\(rerun.stderr)")
            let runJSON = try JSONSerialization.jsonObject(with: Data(contents(of: runReport) ?? [])) as? [String: Any]
            #expect(runJSON?["recatalogued"] as? Int == published.count)
            // None of the published recordings is fetched again; the others are (or, when a complete download was
            // caught before its rename, only published).
            let requested = simulator.counters.requests.filter { $0.path.hasPrefix("/video/") }.map(\.path)
            #expect(requested.count <= 9 - published.count)
            for session in dataset.sessions
            where published.contains(SimulatorFixture.expectedPath(of: session)) {
                #expect(!requested.contains { $0.hasSuffix("/\(session.id).mp4") }, "\(session.id) fetched again")
            }

            let after = try await ArchiverProcess.run(
                ["verify", "--config", config], environment: [:], in: fixture.workspace.path)
            #expect(after.exitCode == 0, "\(after.stderr)")
            #expect(after.stderr.contains("verified 9 recordings"), "\(after.stderr)")
            for session in dataset.sessions {
                let path = "\(root)/\(SimulatorFixture.expectedPath(of: session))"
                #expect(contents(of: path) == expectedBytes(of: session), "\(path)")
            }
        }
    }

    /// Once the run holds its lease (its catalog is open by then, and no recording is published yet), takes the
    /// catalog's write lock; once a recording reached its final path, kills the run, which is then waiting to
    /// catalogue it. Watches from a thread of its own: on a loaded machine the test's cooperative threads may
    /// not run for seconds, long enough for the run to catalogue its first groups.
    static func catchBetweenPublishingAndCataloguing(
        _ pid: Int32, leasePath: String, catalogPath: String, root: String
    ) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                let deadline = Date().addingTimeInterval(30)
                while !FileManager.default.fileExists(atPath: leasePath) && Date() < deadline { usleep(1_000) }
                let blocker: CatalogWriteBlocker
                do {
                    blocker = try CatalogWriteBlocker(catalogAt: catalogPath)
                } catch {
                    kill(pid, SIGKILL)
                    continuation.resume(throwing: error)
                    return
                }
                while files(under: root, withSuffix: ".mp4").isEmpty && Date() < deadline { usleep(1_000) }
                kill(pid, SIGKILL)
                blocker.release()
                continuation.resume()
            }
        }
    }
}
