import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Testing

/// `--bwlimit` / `bwlimit` from the built binary: four transfers together keep to the limit, measured over a run
/// long enough to tell (about 3 MB at 512 KiB/s, six seconds), and `off` lifts it.
@Suite(.serialized) struct BandwidthLimitTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]
    static let limit = 512 * 1024

    /// Twelve recordings of about 256 KB, about 3 MB in all.
    func fixture() async throws -> SimulatorFixture {
        try await SimulatorFixture(
            dataset: .seeded(seed: 5, sessionCount: 12, agentCount: 3, sizeRange: 240_000...280_000))
    }

    /// Syncs everything with `arguments` added; returns the bytes downloaded per second of the whole run.
    func measuredRate(_ fixture: SimulatorFixture, extra: String, arguments: [String]) async throws -> Double {
        let config = try fixture.writeConfig(extra: extra)
        let started = ContinuousClock.now
        let result = try await ArchiverProcess.run(
            ["sync", "--config", config, "--transfers", "4"] + arguments, environment: keyEnvironment,
            in: fixture.workspace.path)
        let elapsed = ContinuousClock.now - started
        #expect(result.exitCode == 0, "\(result.stderr)")
        let bytes = fixture.dataset.sessions.reduce(0) { $0 + $1.videoSize }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(bytes) / seconds
    }

    @Test func fourTransfersTogetherKeepToTheLimit() async throws {
        let fixture = try await fixture()
        defer { Task { await fixture.tearDown() } }

        let rate = try await measuredRate(fixture, extra: "", arguments: ["--bwlimit", "512KiB"])

        let ratio = rate / Double(Self.limit)
        print("bandwidth limit 512 KiB/s, 4 transfers: measured \(Int(rate / 1024)) KiB/s (\(ratio) of the limit)")
        #expect((0.85...1.15).contains(ratio), "measured \(Int(rate)) B/s against a limit of \(Self.limit) B/s")
    }

    @Test func offLiftsTheConfiguredLimit() async throws {
        let fixture = try await fixture()
        defer { Task { await fixture.tearDown() } }

        let rate = try await measuredRate(fixture, extra: "bwlimit: 512KiB\n", arguments: ["--bwlimit", "off"])

        print("bandwidth limit off: measured \(Int(rate / 1024)) KiB/s")
        #expect(rate > 2.0 * Double(Self.limit), "measured \(Int(rate)) B/s with --bwlimit off")
    }
}
