import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Testing

/// Nightly syncs walk all history every `sync.full_every`, and the audit covers all history unless asked for the
/// incremental preview (issue 12, case 8).
@Suite struct FullWalkTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]
    static let day = 86_400
    /// The dataset's "now": the first night.
    static let now = 1_780_000_000

    /// A dataset whose oldest session started 25 days before `now`, far outside any incremental window.
    static func dataset() -> (SimulatorDataset, old: SimulatedSession) {
        let seeded = SimulatorDataset.seeded(seed: 41, sessionCount: 6, sizeRange: 20_000...40_000, endingAt: now)
        let old = SimulatedSession(
            id: 9_000_001, uid: "old", start: now - 25 * day, stop: now - 25 * day + 600,
            agent: seeded.sessions[0].agent,
            videoSize: 22_000)
        return (SimulatorDataset(sessions: seeded.sessions + [old]), old)
    }

    func json(atPath path: String) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    @Test func aRecordingGoneFromTheArchiveComesBackWithinAWeekOfNightlySyncs() async throws {
        let (dataset, old) = Self.dataset()
        try await withSimulator(dataset: dataset) { fixture in
            let config = try fixture.writeConfig()
            let oldPath = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: old))"
            func night(_ number: Int) async throws -> (CommandResult, report: [String: Any], metrics: String) {
                let reportPath = "\(fixture.workspace.path)/night-\(number).json"
                let metricsPath = "\(fixture.workspace.path)/night-\(number).prom"
                let run = try await ArchiverProcess.run(
                    [
                        "sync", "--config", config, "--to", "\(Self.now + number * Self.day)", "--report", reportPath,
                        "--metrics-file", metricsPath,
                    ],
                    environment: keyEnvironment, in: fixture.workspace.path)
                #expect(run.exitCode == 0, "night \(number): \(run.stderr)")
                return (
                    run, try json(atPath: reportPath), (try? String(contentsOfFile: metricsPath, encoding: .utf8)) ?? ""
                )
            }

            let first = try await night(0)
            #expect(contents(of: oldPath) == expectedBytes(of: old))
            let firstWalk = first.report["last_full_walk"] as? String
            #expect(firstWalk != nil, "\(first.report)")
            #expect(first.metrics.contains("getscreen_archiver_last_full_walk_timestamp_seconds "), "\(first.metrics)")
            try FileManager.default.removeItem(atPath: oldPath)

            // Incremental nights do not look 25 days back, and report the first night's full walk.
            let second = try await night(1)
            #expect(contents(of: oldPath) == nil)
            #expect(second.report["last_full_walk"] as? String == firstWalk)

            // Eight days after the last full walk, the nightly run walks all history again.
            let ninth = try await night(8)
            #expect(contents(of: oldPath) == expectedBytes(of: old), "\(ninth.0.stderr)")
            #expect(ninth.report["downloaded"] as? Int == 1)
            let ninthWalk = ninth.report["last_full_walk"] as? String
            #expect(ninthWalk != nil && ninthWalk! >= firstWalk ?? "")
            #expect(ninth.metrics.contains("getscreen_archiver_last_full_walk_timestamp_seconds "))
        }
    }

    @Test func theAuditCoversAllHistoryUnlessAskedForTheIncrementalPreview() async throws {
        let (dataset, old) = Self.dataset()
        try await withSimulator(dataset: dataset) { fixture in
            let config = try fixture.writeConfig()
            let sync = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)
            #expect(sync.exitCode == 0, "\(sync.stderr)")
            try FileManager.default.removeItem(atPath: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: old))")

            func missing(_ flags: [String]) async throws -> Int? {
                let reportPath = "\(fixture.workspace.path)/audit.json"
                let audit = try await ArchiverProcess.run(
                    ["sync", "--config", config, "--dry-run", "--report", reportPath] + flags,
                    environment: keyEnvironment,
                    in: fixture.workspace.path)
                #expect(audit.exitCode == 0, "\(flags): \(audit.stderr)")
                let total = (try json(atPath: reportPath)["audit"] as? [String: Any])?["total"] as? [String: Any]
                return (total?["missing"] as? [String: Any])?["count"] as? Int
            }
            #expect(try await missing([]) == 1)
            #expect(try await missing(["--incremental"]) == 0)
        }
    }
}
