import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Testing

/// `date_from`/`date_to` of `history/list` may filter on a session's start, its stop or its overlap with the period
/// (issue 12, case 3): under each, nightly runs archive long sessions and late recordings, `fetch` and `sync` file a
/// session once, and an audit of a window calls no archived session "no longer listed" that it could not see.
@Suite struct DateFilterWindowTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]
    static let day = 86_400
    /// The dataset's "now": every seeded session has stopped by then; the first night.
    static let now = 1_780_000_000

    /// Ten nights, one sync a night (`--to` and the simulator's clock at that night), with full walks out of the way:
    /// a session six days long whose recording is listed two hours after it ended, and a recording listed six days
    /// after its session ended, are archived by the incremental runs alone.
    @Test(arguments: SimulatedDateFilter.allCases)
    func nightlySyncsArchiveASixDaySessionAndARecordingThatAppearsSixDaysLate(filter: SimulatedDateFilter)
        async throws
    {
        let (day, now) = (Self.day, Self.now)
        let seeded = SimulatorDataset.seeded(seed: 31, sessionCount: 6, sizeRange: 20_000...40_000, endingAt: now)
        let agent = seeded.sessions[0].agent
        let long = SimulatedSession(
            id: 20_000_001, uid: "long", start: now + day / 2, stop: now + 6 * day + day / 2, agent: agent,
            videoSize: 30_000)
        let late = SimulatedSession(
            id: 20_000_002, uid: "late", start: now + day + day / 5, stop: now + day + day / 5 + 3_600, agent: agent,
            videoSize: 25_000)
        var faults = SimulatorFaults()
        faults.listDateFilter = filter
        faults.recordingDelays = [long.id: 7_200, late.id: 6 * day]
        try await withSimulator(
            dataset: SimulatorDataset(sessions: seeded.sessions + [long, late]), faults: faults
        ) { fixture in
            let config = try fixture.writeConfig(extra: "sync:\n  full_every: 365d")

            for night in 0...9 {
                let tonight = now + night * day
                faults.clock = tonight
                fixture.simulator.setFaults(faults)
                let run = try await ArchiverProcess.run(
                    ["sync", "--config", config, "--to", "\(tonight)"], environment: keyEnvironment,
                    in: fixture.workspace.path)
                #expect(run.exitCode == 0, "night \(night): \(run.stderr)")
            }
            for session in seeded.sessions + [long, late] {
                let path = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))"
                #expect(contents(of: path) == expectedBytes(of: session), "\(filter): \(session.uid) not archived")
            }
        }
    }

    /// `fetch` looks the session up in `history/list` for its agent's name; `sync` then finds it archived.
    @Test(arguments: SimulatedDateFilter.allCases)
    func fetchThenSyncLeaveOneFile(filter: SimulatedDateFilter) async throws {
        let dataset = SimulatorDataset.seeded(seed: 32, sessionCount: 4, endingAt: Self.now)
        var faults = SimulatorFaults()
        faults.listDateFilter = filter
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig()
            let session = dataset.sessions[1]

            let fetch = try await ArchiverProcess.run(
                ["fetch", "--config", config, "--session-id", "\(session.id)"], environment: keyEnvironment,
                in: fixture.workspace.path)
            #expect(fetch.exitCode == 0, "\(fetch.stderr)")
            let sync = try await ArchiverProcess.run(
                ["sync", "--config", config, "--to", "\(Self.now)"], environment: keyEnvironment,
                in: fixture.workspace.path)
            #expect(sync.exitCode == 0, "\(sync.stderr)")

            let copies = files(under: fixture.root, withSuffix: "_\(session.id).mp4")
            #expect(copies == [SimulatorFixture.expectedPath(of: session)], "\(filter)")
            #expect(files(under: fixture.root, withSuffix: ".mp4").count == dataset.sessions.count)
        }
    }

    /// A session fetched before `history/list` showed it (its recording not listed yet) is filed under
    /// `agent-<id>`; once it is listed, `sync` finds it archived there instead of filing a second copy.
    @Test func aSessionFetchedUnderTheAgentIDIsNotFiledAgainBySync() async throws {
        let dataset = SimulatorDataset.seeded(seed: 33, sessionCount: 3, endingAt: Self.now)
        let session = dataset.sessions[2]
        var faults = SimulatorFaults()
        faults.clock = Self.now
        faults.recordingDelays = [session.id: Self.now + Self.day - session.stop]  // listed from tomorrow
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig()

            let fetch = try await ArchiverProcess.run(
                ["fetch", "--config", config, "--session-id", "\(session.id)"], environment: keyEnvironment,
                in: fixture.workspace.path)
            #expect(fetch.exitCode == 0, "\(fetch.stderr)")
            let fetched = files(under: fixture.root, withSuffix: "_\(session.id).mp4")
            #expect(
                fetched.count == 1 && fetched.allSatisfy { $0.hasPrefix("agent-\(session.agent.id)/") },
                "\(fetched) \(fetch.stderr)")

            faults.clock = Self.now + 2 * Self.day
            fixture.simulator.setFaults(faults)
            let sync = try await ArchiverProcess.run(
                ["sync", "--config", config, "--to", "\(Self.now + 2 * Self.day)"], environment: keyEnvironment,
                in: fixture.workspace.path)
            #expect(sync.exitCode == 0, "\(sync.stderr)")
            #expect(files(under: fixture.root, withSuffix: "_\(session.id).mp4") == fetched)
            #expect(files(under: fixture.root, withSuffix: ".mp4").count == dataset.sessions.count)
        }
    }

    /// An audit of `--from`/`--to` cutting through sessions: those running across a bound may be listed or not,
    /// depending on the filter, and are not called "no longer listed"; one inside the window that the API dropped
    /// is.
    @Test(arguments: SimulatedDateFilter.allCases)
    func anAuditOfAWindowCallsOnlyWhatItCouldSeeNoLongerListed(filter: SimulatedDateFilter) async throws {
        let (from, to) = (Self.now - 3 * Self.day, Self.now - Self.day)
        let seeded = SimulatorDataset.seeded(seed: 34, sessionCount: 4, endingAt: Self.now)
        let agent = seeded.sessions[0].agent
        func session(_ id: Int, _ start: Int, _ stop: Int) -> SimulatedSession {
            SimulatedSession(id: id, uid: "s\(id)", start: start, stop: stop, agent: agent, videoSize: 20_000)
        }
        let acrossFrom = session(20_000_011, from - 3_600, from + 3_600)
        let inside = session(20_000_012, from + 7_200, from + 9_000)
        let dropped = session(20_000_013, from + 10_000, from + 12_000)
        let acrossTo = session(20_000_014, to - 3_600, to + 3_600)
        var faults = SimulatorFaults()
        faults.listDateFilter = filter
        try await withSimulator(
            dataset: SimulatorDataset(sessions: seeded.sessions + [acrossFrom, inside, dropped, acrossTo]),
            faults: faults
        ) { fixture in
            let config = try fixture.writeConfig()
            let sync = try await ArchiverProcess.run(
                ["sync", "--config", config, "--to", "\(Self.now)"], environment: keyEnvironment,
                in: fixture.workspace.path)
            #expect(sync.exitCode == 0, "\(sync.stderr)")
            fixture.simulator.remove(sessionIDs: [dropped.id])

            let reportPath = "\(fixture.workspace.path)/audit.json"
            let audit = try await ArchiverProcess.run(
                [
                    "sync", "--config", config, "--dry-run", "--from", "\(from)", "--to", "\(to)", "--report",
                    reportPath,
                ],
                environment: keyEnvironment, in: fixture.workspace.path)
            #expect(audit.exitCode == 0, "\(audit.stderr)")
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reportPath)))
                    as? [String: Any])
            let total = (report["audit"] as? [String: Any])?["total"] as? [String: Any]
            #expect(
                (total?["no_longer_listed"] as? [String: Any])?["count"] as? Int == 1,
                "\(filter): \(audit.stdout)")
            #expect((total?["missing"] as? [String: Any])?["count"] as? Int == 0, "\(filter): \(audit.stdout)")
        }
    }
}
