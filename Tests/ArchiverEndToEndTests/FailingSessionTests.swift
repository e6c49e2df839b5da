import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Testing

/// One bad item never holds back the rest (issue 12, case 4): the real binary archives the other recordings, moves
/// the watermark, keeps the failing session in the catalog, retries it alone on later runs and reports it (stderr,
/// report, metrics, exit 1) until it succeeds, disappears from the API, or the admin acknowledges it.
@Suite struct FailingSessionTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    /// How the one bad session is broken.
    enum Fault: String, CaseIterable, CustomTestStringConvertible {
        /// Listed (and looked up) with `video: null`.
        case videoNull
        /// Its media answers 404.
        case media404
        /// Listed without `agent` (and looked up without `agent_id`).
        case noAgent
        /// Listed (and looked up) with a video size of 0: an unusable item (never filed), kept like the others.
        case zeroSize

        var testDescription: String { rawValue }

        /// The simulator's faults that break `session`.
        func faults(for session: SimulatedSession, port: Int) -> SimulatorFaults {
            var faults = SimulatorFaults()
            let times = "\"id\": \(session.id), \"start\": \(session.start), \"stop\": \(session.stop)"
            let agent = "\"agent\": {\"id\": \(session.agent.id), \"name\": \"\(session.agent.name)\"}"
            let video =
                "\"video\": {\"url\": \"http://127.0.0.1:\(port)/video/\(session.agent.id)/\(session.id).mp4\", "
                + "\"size\": \(session.videoSize)}"
            switch self {
            case .videoNull:
                faults.listItemOverrides[session.id] = "{\(times), \(agent), \"video\": null}"
                faults.infoMemberOverrides[session.id] = ["video": "null", "video_size": "null"]
            case .media404:
                faults.mediaStatusOverrides[session.id] = 404
            case .noAgent:
                faults.listItemOverrides[session.id] = "{\(times), \(video)}"
                faults.infoMemberOverrides[session.id] = ["agent_id": "null"]
            case .zeroSize:
                faults.zeroVideoSizeSessions = [session.id]
            }
            return faults
        }
    }

    /// Runs `body` in `withSimulator` serving six old sessions (months before now: incremental runs no longer list
    /// them) with `fault` on the third, with its config and the third session.
    func withBrokenSession(
        _ fault: Fault, _ body: (SimulatorFixture, _ config: String, _ bad: SimulatedSession) async throws -> Void
    ) async throws {
        try await withSimulator(
            dataset: .seeded(seed: 412, sessionCount: 6, agentCount: 2, sizeRange: 1_000...4_000)
        ) { fixture in
            let bad = fixture.dataset.sessions[2]
            fixture.simulator.setFaults(fault.faults(for: bad, port: fixture.simulator.port))
            try await body(fixture, try fixture.writeConfig(), bad)
        }
    }

    func sync(_ fixture: SimulatorFixture, _ config: String, report: String? = nil, metrics: String? = nil)
        async throws -> CommandResult
    {
        var arguments = ["sync", "--config", config]
        if let report { arguments += ["--report", report] }
        if let metrics { arguments += ["--metrics-file", metrics] }
        return try await ArchiverProcess.run(arguments, environment: keyEnvironment, in: fixture.workspace.path)
    }

    func incompleteLines(_ result: CommandResult) -> [String] {
        result.stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("incomplete: ") }
    }

    func metrics(atPath path: String) throws -> [String: Double] {
        OutputTests.parseMetrics(try String(contentsOfFile: path, encoding: .utf8))
    }

    @Test(arguments: Fault.allCases)
    func aFailingSessionIsKeptRetriedAloneAndArchivedOnceFixed(_ fault: Fault) async throws {
        try await withBrokenSession(fault) { fixture, config, bad in
            let simulator = fixture.simulator
            let good = fixture.dataset.sessions.filter { $0.id != bad.id }
            let metricsPath = "\(fixture.workspace.path)/run.prom"
            let reportPath = "\(fixture.workspace.path)/run.json"

            // First run: the rest archived, exit 1, the session named as kept for later runs, the watermark moved.
            let first = try await sync(fixture, config, metrics: metricsPath)
            #expect(first.exitCode == 1, "\(first.stderr)")
            for session in good {
                #expect(
                    FileManager.default.fileExists(
                        atPath: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))"))
            }
            #expect(
                !FileManager.default.fileExists(atPath: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: bad))"))
            #expect(
                incompleteLines(first).contains {
                    $0.contains("session \(bad.id)") && $0.contains("failures acknowledge")
                },
                "\(first.stderr)")
            #expect(try metrics(atPath: metricsPath)["getscreen_archiver_failing_sessions"] == 1)

            // Second run: incremental (the watermark moved), the session retried alone, still failing.
            simulator.resetCounters()
            let second = try await sync(fixture, config, report: reportPath, metrics: metricsPath)
            #expect(second.exitCode == 1, "\(second.stderr)")
            let requests = simulator.counters.requests
            let lists = requests.filter { $0.path.hasSuffix("/history/list") }
            #expect(!lists.isEmpty && lists.allSatisfy { $0.query["date_from"] != nil }, "\(lists.map(\.rawQuery))")
            let infos = requests.filter { $0.path.hasSuffix("/history/info") }
            #expect(!infos.isEmpty && infos.allSatisfy { $0.query["session_id"] == "\(bad.id)" })
            let media = requests.filter { $0.path.hasPrefix("/video/") }
            #expect(media.allSatisfy { $0.path.hasSuffix("/\(bad.id).mp4") }, "\(media.map(\.path))")
            #expect(media.isEmpty == (fault != .media404))
            #expect(
                incompleteLines(second).contains { $0.contains("session \(bad.id)") && $0.contains("since") },
                "\(second.stderr)")
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reportPath)))
                    as? [String: Any])
            let pending = try #require(report["pending_failures"] as? [[String: Any]])
            #expect(pending.count == 1)
            #expect(pending.first?["session_id"] as? Int == bad.id)
            #expect(pending.first?["attempts"] as? Int == 2)
            #expect(report["failed"] as? Int == 1, "the retried session counts once")
            #expect(try metrics(atPath: metricsPath)["getscreen_archiver_failing_sessions"] == 1)

            // The cause fixed: the next run archives it and exits 0, and the one after has nothing left to retry.
            simulator.setFaults(SimulatorFaults())
            let fixed = try await sync(fixture, config, metrics: metricsPath)
            #expect(fixed.exitCode == 0, "\(fixed.stderr)")
            let path = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: bad))"
            #expect(contents(of: path) == expectedBytes(of: bad), "\(path)")
            #expect(incompleteLines(fixed).isEmpty, "\(fixed.stderr)")
            #expect(try metrics(atPath: metricsPath)["getscreen_archiver_failing_sessions"] == 0)
            simulator.resetCounters()
            let after = try await sync(fixture, config)
            #expect(after.exitCode == 0, "\(after.stderr)")
            #expect(simulator.counters.infoRequests == 0)
        }
    }

    @Test func aFailingSessionGoneFromTheAPIIsReportedOnceAsExpired() async throws {
        try await withBrokenSession(.media404) { fixture, config, bad in
            let first = try await sync(fixture, config)
            #expect(first.exitCode == 1, "\(first.stderr)")

            fixture.simulator.remove(sessionIDs: [bad.id])
            let expired = try await sync(fixture, config)
            #expect(expired.exitCode == 1, "\(expired.stderr)")
            #expect(
                incompleteLines(expired).contains {
                    $0.contains("session \(bad.id)") && $0.contains("expired at the source")
                },
                "\(expired.stderr)")

            fixture.simulator.resetCounters()
            let after = try await sync(fixture, config)
            #expect(after.exitCode == 0, "\(after.stderr)")
            #expect(!after.stderr.contains("\(bad.id)"), "\(after.stderr)")
            #expect(fixture.simulator.counters.infoRequests == 0)
        }
    }

    @Test func acknowledgedFailuresAreListedThenNoLongerRetriedOrReported() async throws {
        try await withBrokenSession(.videoNull) { fixture, config, bad in
            let first = try await sync(fixture, config)
            #expect(first.exitCode == 1, "\(first.stderr)")

            // The audit shows it and changes nothing.
            let catalogPath = try ArchiverProcess.catalogPath(ofArchive: fixture.root, in: fixture.workspace.path)
            let catalogBefore = contents(of: catalogPath)
            let audit = try await ArchiverProcess.run(
                ["sync", "--config", config, "--dry-run", "--format", "json"], environment: keyEnvironment,
                in: fixture.workspace.path)
            let auditJSON = try #require(
                try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any], "\(audit.stderr)")
            let shown = try #require(auditJSON["pending_failures"] as? [[String: Any]])
            #expect(shown.compactMap { $0["session_id"] as? Int } == [bad.id])
            #expect(fixture.simulator.counters.infoRequests == 0)
            #expect(contents(of: catalogPath) == catalogBefore)

            let listing = try await ArchiverProcess.run(
                ["failures", "--config", config], environment: [:], in: fixture.workspace.path)
            #expect(listing.exitCode == 0, "\(listing.stderr)")
            #expect(
                listing.stdout.contains("\(bad.id)") && listing.stdout.contains("invalid_item"), "\(listing.stdout)")

            let unknown = try await ArchiverProcess.run(
                ["failures", "acknowledge", "--config", config, "12345"], environment: [:], in: fixture.workspace.path)
            #expect(unknown.exitCode == 2, "\(unknown.stderr)")
            #expect(unknown.stderr.contains("12345"), "\(unknown.stderr)")

            let acknowledged = try await ArchiverProcess.run(
                ["failures", "acknowledge", "--config", config, "\(bad.id)"], environment: [:],
                in: fixture.workspace.path)
            #expect(acknowledged.exitCode == 0, "\(acknowledged.stderr)")
            #expect(acknowledged.stderr.contains("\(bad.id)"), "\(acknowledged.stderr)")

            fixture.simulator.resetCounters()
            let after = try await sync(fixture, config)
            #expect(after.exitCode == 0, "\(after.stderr)")
            #expect(incompleteLines(after).isEmpty, "\(after.stderr)")
            #expect(fixture.simulator.counters.infoRequests == 0)
            // Listed again (a full walk), it is left out, not failed again.
            let full = try await ArchiverProcess.run(
                ["sync", "--config", config, "--full"], environment: keyEnvironment, in: fixture.workspace.path)
            #expect(full.exitCode == 0, "\(full.stderr)")
            #expect(!full.stderr.contains("\(bad.id)"), "\(full.stderr)")
            let later = try await ArchiverProcess.run(
                ["failures", "--config", config], environment: [:], in: fixture.workspace.path)
            #expect(later.exitCode == 0, "\(later.stderr)")
            #expect(later.stdout.contains("\(bad.id)  acknowledged"), "\(later.stdout)")
            #expect(later.stderr.contains("0 failing, 1 acknowledged"), "\(later.stderr)")
        }
    }
}
