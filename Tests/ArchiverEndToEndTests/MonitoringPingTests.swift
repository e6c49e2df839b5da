import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Glibc
import Testing

/// `monitoring.ping_url` from the built binary: a healthchecks.io-style monitor (the simulator's `/ping/` route)
/// sees `/start` before the run's first request and `<url>` or `<url>/<exit code>` after its last; a monitor that
/// is down is a warning, never a failed run; no ping carries the API key.
@Suite struct MonitoringPingTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]
    static let check = "/ping/0d1e2f30-check"

    /// Runs `body` in `withSimulator` serving five small recordings with `faults`.
    func withMonitoredArchive(
        faults: SimulatorFaults = SimulatorFaults(), _ body: (SimulatorFixture) async throws -> Void
    ) async throws {
        try await withSimulator(
            dataset: .seeded(seed: 41, sessionCount: 5, agentCount: 2, sizeRange: 1_000...4_000), faults: faults,
            body)
    }

    func pingURL(_ fixture: SimulatorFixture) -> String { "http://127.0.0.1:\(fixture.simulator.port)\(Self.check)" }

    /// Syncs with the ping URL and returns the exit code, stderr, and every request in the order received.
    func sync(_ fixture: SimulatorFixture, pingURL: String) async throws -> (CommandResult, [RecordedRequest]) {
        let config = try fixture.writeConfig(extra: "monitoring:\n  ping_url: \(pingURL)\n")
        let result = try await ArchiverProcess.run(
            ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)
        return (result, fixture.simulator.counters.requests)
    }

    /// The pings in order, after checking that they frame the run's other requests and carry no key.
    func pings(_ requests: [RecordedRequest]) -> [String] {
        let pingIndices = requests.indices.filter { requests[$0].path.hasPrefix("/ping/") }
        let otherIndices = requests.indices.filter { !requests[$0].path.hasPrefix("/ping/") }
        if let firstPing = pingIndices.first, let lastPing = pingIndices.last, let first = otherIndices.first,
            let last = otherIndices.last
        {
            #expect(firstPing < first, "the start ping must come first")
            #expect(pingIndices.count < 2 || lastPing > last, "the end ping must come last")
        }
        for index in pingIndices {
            let request = requests[index]
            #expect(request.method == "GET")
            #expect(request.headers["x-api-key"] == nil)
            #expect(!"\(request.path)?\(request.rawQuery)\(request.headers)".contains(SimulatorFixture.apiKey))
            #expect(request.headers["user-agent"]?.hasPrefix("getscreen-archiver/") == true)
        }
        return pingIndices.map { requests[$0].path }
    }

    @Test func aSuccessfulRunPingsStartThenTheURL() async throws {
        try await withMonitoredArchive { fixture in
            let (result, requests) = try await sync(fixture, pingURL: pingURL(fixture) + "/")

            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(pings(requests) == [Self.check + "/start", Self.check])
            #expect(!result.stderr.contains("monitoring ping failed"))
        }
    }

    @Test func aRunWithFailedRecordingsPingsItsExitCode() async throws {
        var faults = SimulatorFaults()
        try await withMonitoredArchive { fixture in
            faults.mediaStatusOverrides[fixture.dataset.sessions[0].id] = 404
            fixture.simulator.setFaults(faults)

            let (result, requests) = try await sync(fixture, pingURL: pingURL(fixture))

            #expect(result.exitCode == 1, "\(result.stderr)")
            #expect(pings(requests) == [Self.check + "/start", Self.check + "/1"])
        }
    }

    @Test func aRunThatCouldNotRunPingsItsExitCode() async throws {
        var faults = SimulatorFaults()
        faults.apiStatusOverride = 401
        try await withMonitoredArchive(faults: faults) { fixture in
            let (result, requests) = try await sync(fixture, pingURL: pingURL(fixture))

            #expect(result.exitCode == 3, "\(result.stderr)")
            #expect(pings(requests) == [Self.check + "/start", Self.check + "/3"])
        }
    }

    @Test func aMonitorThatIsDownIsAWarningNotAFailedRun() async throws {
        try await withMonitoredArchive { fixture in
            let down = try RefusingPort()
            defer { down.release() }

            let (result, requests) = try await sync(fixture, pingURL: "http://127.0.0.1:\(down.port)/ping/secret-uuid")

            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(pings(requests).isEmpty)
            let warnings = result.stderr.split(separator: "\n").filter { $0.contains("monitoring ping failed") }
            #expect(warnings.count == 2, "\(result.stderr)")
            #expect(warnings.allSatisfy { $0.contains("http://127.0.0.1:\(down.port)") && $0.contains("3 tries") })
            // The path identifies the check: it is not printed.
            #expect(!result.stderr.contains("secret-uuid"))
        }
    }

    @Test func anInterruptedRunSendsOnlyTheStart() async throws {
        var faults = SimulatorFaults()
        faults.mediaBytesPerSecond = 200  // seconds a recording (1 to 4 kB): the signal lands mid-transfer
        try await withMonitoredArchive(faults: faults) { fixture in
            let config = try fixture.writeConfig(extra: "monitoring:\n  ping_url: \(pingURL(fixture))\n")
            let simulator = fixture.simulator

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path
            ) { pid in
                await onOwnThread {
                    poll(timeout: 30) { simulator.counters.mediaRequests >= 1 }
                    kill(pid, SIGTERM)
                }
            }

            #expect(result.exitCode != 0, "\(result.stderr)")
            #expect(pings(fixture.simulator.counters.requests) == [Self.check + "/start"])
            #expect(result.stderr.contains("monitoring ping not sent: the run was interrupted"), "\(result.stderr)")
            #expect(!result.stderr.contains("monitoring ping failed"))
        }
    }
}
