import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Testing

/// `--bwlimit` / `bwlimit` from the built binary: four transfers together keep to the limit, measured over a run
/// long enough to tell (about 3 MB at 512 KiB/s, six seconds), and `off` lifts it.
@Suite(.serialized) struct BandwidthLimitTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]
    static let limit = 512 * 1024

    /// Runs `body` in `withSimulator` serving twelve recordings of about 256 KB, about 3 MB in all.
    func withTwelveRecordings(_ body: (SimulatorFixture) async throws -> Void) async throws {
        try await withSimulator(
            dataset: .seeded(seed: 5, sessionCount: 12, agentCount: 3, sizeRange: 240_000...280_000), body)
    }

    /// Syncs everything with `arguments` added; returns the bytes downloaded per second of the transfers: from the
    /// run's "planned" log line to its last "archived" one, so that the process's start and the listing (slow on a
    /// loaded machine) do not count.
    func measuredRate(_ fixture: SimulatorFixture, extra: String, arguments: [String]) async throws -> Double {
        let config = try fixture.writeConfig(extra: extra)
        let result = try await ArchiverProcess.run(
            ["sync", "--config", config, "--transfers", "4"] + arguments, environment: keyEnvironment,
            in: fixture.workspace.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        func time(of line: Substring?) throws -> Date {
            let stamp = try #require(line?.split(separator: " ").first, "\(result.stderr)")
            return try #require(formatter.date(from: String(stamp)), "\(stamp)")
        }
        let planned = try time(of: lines.first { $0.contains(" planned ") })
        let lastArchived = try time(of: lines.last { $0.contains(" archived ") })
        let bytes = fixture.dataset.sessions.reduce(0) { $0 + $1.videoSize }
        return Double(bytes) / lastArchived.timeIntervalSince(planned)
    }

    @Test func fourTransfersTogetherKeepToTheLimit() async throws {
        try await withTwelveRecordings { fixture in
            let rate = try await measuredRate(fixture, extra: "", arguments: ["--bwlimit", "512KiB"])

            let ratio = rate / Double(Self.limit)
            print("bandwidth limit 512 KiB/s, 4 transfers: measured \(Int(rate / 1024)) KiB/s (\(ratio) of the limit)")
            #expect((0.85...1.15).contains(ratio), "measured \(Int(rate)) B/s against a limit of \(Self.limit) B/s")
        }
    }

    @Test func offLiftsTheConfiguredLimit() async throws {
        try await withTwelveRecordings { fixture in
            let rate = try await measuredRate(fixture, extra: "bwlimit: 512KiB\n", arguments: ["--bwlimit", "off"])

            print("bandwidth limit off: measured \(Int(rate / 1024)) KiB/s")
            #expect(rate > 2.0 * Double(Self.limit), "measured \(Int(rate)) B/s with --bwlimit off")
        }
    }
}
