import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Testing

/// `history/info` with `video` as an object, and sessions without a usable recording, through the real binary
/// (issue 12, case 7).
@Suite struct VideoShapeTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    @Test func fetchAcceptsVideoAsAnObject() async throws {
        let dataset = SimulatorDataset.seeded(seed: 71, sessionCount: 3, sizeRange: 40_000...90_000)
        var faults = SimulatorFaults()
        faults.infoVideoAsObject = true
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig()
            let session = dataset.sessions[1]

            let result = try await ArchiverProcess.run(
                ["fetch", "--config", config, "--session-id", "\(session.id)"], environment: keyEnvironment,
                in: fixture.workspace.path)

            #expect(result.exitCode == 0, "\(result.stderr)")
            let path = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))"
            #expect(contents(of: path) == expectedBytes(of: session), "\(path)")
        }
    }

    @Test func aHistoryInfoErrorObjectIsToldInTheServersWords() async throws {
        let dataset = SimulatorDataset.seeded(seed: 74, sessionCount: 2, sizeRange: 40_000...90_000)
        let session = dataset.sessions[0]
        var faults = SimulatorFaults()
        faults.infoMemberOverrides = [session.id: ["id": "null", "message": "\"no access to this session\""]]
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                ["fetch", "--config", config, "--session-id", "\(session.id)"], environment: keyEnvironment,
                in: fixture.workspace.path)

            #expect(result.exitCode == 3, "\(result.stderr)")
            #expect(
                result.stderr.contains(
                    "history/info is not the documented JSON: the server answered with an error instead of a session: "
                        + "no access to this session"), "\(result.stderr)")
            #expect(
                !FileManager.default.fileExists(atPath: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))")
            )
        }
    }

    @Test func aListedSessionWithVideoSizeZeroIsReportedAndNeverFiled() async throws {
        let dataset = SimulatorDataset.seeded(seed: 72, sessionCount: 3, sizeRange: 40_000...90_000)
        let empty = dataset.sessions[2]
        var faults = SimulatorFaults()
        faults.zeroVideoSizeSessions = [empty.id]
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)

            #expect(result.exitCode == 1, "\(result.stderr)")
            #expect(result.stderr.contains("failed: session \(empty.id)"), "\(result.stderr)")
            #expect(result.stderr.contains("no usable recording"), "\(result.stderr)")
            #expect(
                !FileManager.default.fileExists(atPath: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: empty))"))
            for session in dataset.sessions where session.id != empty.id {
                let path = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))"
                #expect(contents(of: path) == expectedBytes(of: session), "\(path)")
            }
        }
    }

    @Test func fetchOfASessionWithVideoSizeZeroInTheObjectShapeIsReportedAndNeverFiled() async throws {
        let dataset = SimulatorDataset.seeded(seed: 73, sessionCount: 2, sizeRange: 40_000...90_000)
        let empty = dataset.sessions[0]
        var faults = SimulatorFaults()
        faults.infoVideoAsObject = true
        faults.zeroVideoSizeSessions = [empty.id]
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                ["fetch", "--config", config, "--session-id", "\(empty.id)"], environment: keyEnvironment,
                in: fixture.workspace.path)

            #expect(result.exitCode == 1, "\(result.stderr)")
            #expect(result.stderr.contains("failed: session \(empty.id)"), "\(result.stderr)")
            #expect(result.stderr.contains("no usable recording"), "\(result.stderr)")
            #expect(
                !FileManager.default.fileExists(atPath: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: empty))"))
        }
    }

    @Test func anExpiredMediaURLIsRefreshedFromTheObjectShape() async throws {
        let dataset = SimulatorDataset.seeded(seed: 74, sessionCount: 2, sizeRange: 40_000...90_000)
        let expired = dataset.sessions[0]
        var faults = SimulatorFaults()
        faults.infoVideoAsObject = true
        faults.mediaFaults[expired.id] = [.status(403)]
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)

            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(fixture.simulator.counters.infoRequests == 1)
            let path = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: expired))"
            #expect(contents(of: path) == expectedBytes(of: expired), "\(path)")
        }
    }
}
