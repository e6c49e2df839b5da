import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Testing

@testable import ArchiverCore

/// The Prometheus textfiles, from the built binary: the same bytes for runs with the same counts (but for times),
/// the `build_info` metric, and `verify`'s own metrics.
@Suite struct MetricsFileTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    /// `text` without the lines whose values are times or durations.
    static func timeless(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { line in
                line.hasPrefix("#") || !(line.contains("_timestamp_seconds") || line.contains("_duration_seconds"))
            }
            .joined(separator: "\n")
    }

    @Test func runsWithEqualCountsWriteTheSameBytesButForTheTimes() async throws {
        try await withSimulator(
            dataset: .seeded(seed: 81, sessionCount: 6, agentCount: 3, sizeRange: 1_000...2_000)
        ) { fixture in
            let config = try fixture.writeConfig()
            let metrics = "\(fixture.workspace.path)/getscreen-archiver.prom"
            var texts: [String] = []
            for _ in 0..<3 {
                let result = try await ArchiverProcess.run(
                    ["sync", "--config", config, "--metrics-file", metrics], environment: keyEnvironment,
                    in: fixture.workspace.path)
                #expect(result.exitCode == 0, "\(result.stderr)")
                texts.append(try String(contentsOfFile: metrics, encoding: .utf8))
            }
            // The first run downloaded; the second and third skipped the same six.
            #expect(Self.timeless(texts[1]) == Self.timeless(texts[2]), "\(texts[1])\n---\n\(texts[2])")
            let names = texts[2].split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
                String($0.split(separator: " ")[0])
            }
            #expect(names == names.sorted(), "\(names)")
            #expect(texts[2].contains("\n\(RunMetrics.Name.buildInfo){version=\"\(ToolVersion.current)\"} 1.0\n"))
            #expect(!texts[2].contains(RunMetrics.Name.lastRunError))
        }
    }

    @Test func verifyWritesItsCountsAndTime() async throws {
        try await withSimulator(dataset: .seeded(seed: 82, sessionCount: 4, sizeRange: 1_000...2_000)) { fixture in
            let config = try fixture.writeConfig()
            let synced = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)
            #expect(synced.exitCode == 0, "\(synced.stderr)")
            let sessions = fixture.dataset.sessions
            try Data(count: 5).write(
                to: URL(fileURLWithPath: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: sessions[0]))"))
            try FileManager.default.removeItem(
                atPath: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: sessions[1]))")
            let metrics = "\(fixture.workspace.path)/getscreen-archiver-verify.prom"

            let result = try await ArchiverProcess.run(
                ["verify", "--config", config, "--metrics-file", metrics], in: fixture.workspace.path)

            #expect(result.exitCode == 1, "\(result.stderr)")
            let values = OutputTests.parseMetrics(try String(contentsOfFile: metrics, encoding: .utf8))
            #expect(values[VerifyMetrics.Name.checked] == 4)
            #expect(values[VerifyMetrics.Name.ok] == 2)
            #expect(values[VerifyMetrics.Name.missing] == 1)
            #expect(values[VerifyMetrics.Name.truncated] == 1)
            #expect(values[VerifyMetrics.Name.corrupted] == 0)
            #expect(values[VerifyMetrics.Name.notCatalogued] == 0)
            #expect(values[VerifyMetrics.Name.exitCode] == 1)
            let verifiedAt = try #require(values[VerifyMetrics.Name.lastVerify])
            #expect(abs(verifiedAt - Date().timeIntervalSince1970) < 120)
            #expect(values.keys.allSatisfy { !$0.contains("build_info") })
        }
    }

    @Test func sidecarsCarryTheToolVersionAndReindexStillReadsOldOnes() async throws {
        try await withSimulator(dataset: .seeded(seed: 83, sessionCount: 3, sizeRange: 1_000...2_000)) { fixture in
            let config = try fixture.writeConfig()
            let synced = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)
            #expect(synced.exitCode == 0, "\(synced.stderr)")
            let sidecars = files(under: fixture.root, withSuffix: ".json").filter {
                !$0.hasPrefix(".getscreen-archiver")
            }
            #expect(sidecars.count == 3)
            for sidecar in sidecars {
                // Rewritten as a sidecar of a version before archiver_version existed.
                let url = URL(fileURLWithPath: "\(fixture.root)/\(sidecar)")
                var document = try #require(
                    try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
                var archive = try #require(document["archive"] as? [String: Any])
                #expect(archive["archiver_version"] as? String == ToolVersion.current)
                archive["archiver_version"] = nil
                document["archive"] = archive
                try JSONSerialization.data(withJSONObject: document).write(to: url)
            }

            let reindexed = try await ArchiverProcess.run(["reindex", "--config", config], in: fixture.workspace.path)

            #expect(reindexed.exitCode == 0, "\(reindexed.stderr)")
            #expect(reindexed.stderr.contains("reindexed 3 recordings, skipped 0"), "\(reindexed.stderr)")
            let verified = try await ArchiverProcess.run(["verify", "--config", config], in: fixture.workspace.path)
            #expect(verified.exitCode == 0, "\(verified.stderr)")
            #expect(verified.stderr.contains("3 ok"), "\(verified.stderr)")
        }
    }
}
