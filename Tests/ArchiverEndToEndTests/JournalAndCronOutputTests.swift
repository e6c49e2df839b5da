import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Testing

@testable import ArchiverCore

/// Output that fits journald and cron, from the built binary: `<N>` priorities and no own timestamp when stderr
/// is the journal, nothing at all from a successful `--quiet` run, and JSON log lines on request.
@Suite struct JournalAndCronOutputTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    /// Runs `body` in `withSimulator` serving five sessions, the second of which answers 404 for its media.
    func withAFailingRecording(_ body: (SimulatorFixture) async throws -> Void) async throws {
        let dataset = SimulatorDataset.seeded(seed: 71, sessionCount: 5, sizeRange: 1_000...2_000)
        var faults = SimulatorFaults()
        faults.mediaStatusOverrides = [dataset.sessions[1].id: 404]
        try await withSimulator(dataset: dataset, faults: faults, body)
    }

    @Test func onTheJournalEachLineCarriesItsPriorityAndNoTimestamp() async throws {
        try await withAFailingRecording { fixture in
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path,
                stderrIsJournal: true)

            #expect(result.exitCode == 1, "\(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(!lines.isEmpty)
            for line in lines {
                #expect(line.range(of: #"^<[2-7]>"#, options: .regularExpression) != nil, "\(line)")
                #expect(
                    line.range(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"#, options: .regularExpression) == nil, "\(line)")
            }
            #expect(lines.contains { $0.hasPrefix("<6>info    listing") }, "\(result.stderr)")
            #expect(lines.contains { $0.hasPrefix("<4>warning recording failed") }, "\(result.stderr)")
            #expect(
                lines.contains { $0.hasPrefix("<3>failed: session \(fixture.dataset.sessions[1].id)") },
                "\(result.stderr)")
            #expect(lines.contains { $0.hasPrefix("<6>4 downloaded (") }, "\(result.stderr)")
        }
    }

    @Test func anInheritedJournalStreamForAnotherStreamChangesNothing() async throws {
        try await withSimulator(dataset: .seeded(seed: 72, sessionCount: 2)) { fixture in
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment.merging(["JOURNAL_STREAM": "8:12345"]) { $1 },
                in: fixture.workspace.path)

            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(!result.stderr.contains("<6>"), "\(result.stderr)")
            #expect(
                result.stderr.split(separator: "\n").first?.range(of: #"^\d{4}-"#, options: .regularExpression) != nil)
        }
    }

    @Test func anErrorThatStopsTheRunHasTheErrorPriorityOnTheJournal() async throws {
        let workspace = try TemporaryDirectory()
        defer { workspace.remove() }

        let result = try await ArchiverProcess.run(
            ["verify", "--archive", "\(workspace.path)/absent"], in: workspace.path, stderrIsJournal: true)

        #expect(result.exitCode == 3, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("<3>error: archive root"), "\(result.stderr)")
    }

    @Test func quietPrintsNothingOnSuccessAndTheFailuresOtherwise() async throws {
        try await withAFailingRecording { fixture in
            let config = try fixture.writeConfig()
            let failingID = fixture.dataset.sessions[1].id

            let failing = try await ArchiverProcess.run(
                ["sync", "--config", config, "--quiet"], environment: keyEnvironment, in: fixture.workspace.path)
            #expect(failing.exitCode == 1, "\(failing.stderr)")
            #expect(failing.stderr.contains("failed: session \(failingID)"), "\(failing.stderr)")
            #expect(failing.stderr.contains("4 downloaded ("), "\(failing.stderr)")

            // The retry archives it: a run with news nobody needs to read.
            fixture.simulator.setFaults(SimulatorFaults())
            let succeeding = try await ArchiverProcess.run(
                ["sync", "--config", config, "--quiet"], environment: keyEnvironment, in: fixture.workspace.path)
            #expect(succeeding.exitCode == 0, "\(succeeding.stderr)")
            #expect(succeeding.stdout.isEmpty, "\(succeeding.stdout)")
            #expect(succeeding.stderr.isEmpty, "\(succeeding.stderr)")
            #expect(
                contents(of: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: fixture.dataset.sessions[1]))") != nil
            )

            let verified = try await ArchiverProcess.run(
                ["verify", "--config", config, "--quiet"], in: fixture.workspace.path)
            #expect(verified.exitCode == 0, "\(verified.stderr)")
            #expect(verified.stdout.isEmpty && verified.stderr.isEmpty, "\(verified.stdout)\(verified.stderr)")
        }
    }

    @Test func jsonLogLinesAreOneObjectEach() async throws {
        try await withSimulator(dataset: .seeded(seed: 73, sessionCount: 3)) { fixture in
            let config = try fixture.writeConfig()
            let logFile = "\(fixture.workspace.path)/run.log"

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config, "--log-format", "json", "--log-file", logFile],
                environment: keyEnvironment,
                in: fixture.workspace.path)

            #expect(result.exitCode == 0, "\(result.stderr)")
            let logLines = result.stderr.split(separator: "\n").dropLast()  // the summary is not a log event
            #expect(logLines.count >= 3)
            for line in logLines + (try String(contentsOfFile: logFile, encoding: .utf8)).split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(
                    object?["level"] is String && object?["message"] is String && object?["time"] is String, "\(line)")
            }
            #expect(logLines.contains { $0.contains(#""message":"archived""#) && $0.contains(#""session.id":"#) })
        }
    }
}
