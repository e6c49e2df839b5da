import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Logging
import Testing

@testable import ArchiverCore

/// What an admin sees, from the built binary: the audit table and JSON, the live progress line on a terminal (and
/// not on a pipe), the log file, the metrics file, shell completions and help.
@Suite struct OutputTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    func json(atPath path: String) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    /// Runs `body` in `withSimulator` on an archive synced, then one recording deleted, one truncated, and two
    /// sessions removed from the API.
    func withPreparedArchive(_ body: (SimulatorFixture) async throws -> Void) async throws {
        try await withSimulator(
            dataset: .seeded(seed: 21, sessionCount: 9, agentCount: 3, sizeRange: 1_000...9_000)
        ) { fixture in
            _ = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: Logger(label: "test"))
            let sessions = fixture.dataset.sessions
            try FileManager.default.removeItem(
                atPath: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: sessions[0]))")
            try Data(count: 5).write(
                to: URL(fileURLWithPath: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: sessions[1]))"))
            fixture.simulator.remove(sessionIDs: [sessions[2].id, sessions[3].id])
            try await body(fixture)
        }
    }

    @Test func dryRunPrintsTheAuditTableWritesTheSameNumbersAsJSONAndChangesNothing() async throws {
        try await withPreparedArchive { fixture in
            let config = try fixture.writeConfig()
            let reportPath = "\(fixture.workspace.path)/audit.json"
            let before = treeSnapshot(of: fixture.root)
            fixture.simulator.resetCounters()

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config, "--dry-run", "--full", "--report", reportPath],
                environment: keyEnvironment,
                in: fixture.workspace.path)

            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(treeSnapshot(of: fixture.root) == before)
            #expect(fixture.simulator.counters.mediaRequests == 0)
            let lines = result.stdout.split(separator: "\n").map(String.init)
            let header = try #require(lines.first { $0.hasPrefix("agent ") })
            #expect(header.hasSuffix("no longer listed"))
            let totalLine = try #require(lines.first { $0.hasPrefix("total ") })
            #expect(totalLine.count == header.count)
            #expect(result.stdout.contains("would download 2 recordings"))
            #expect(result.stdout.contains("2 archived recordings"))
            #expect(result.stdout.contains("free space: fits, "))
            #expect(result.stderr.contains("dry run: 7 listed, 5 already archived, would download 2"))

            let report = try json(atPath: reportPath)
            #expect(report["dry_run"] as? Bool == true)
            #expect(report["listed"] as? Int == 7)
            #expect(report["would_download"] as? Int == 2)
            let audit = try #require(report["audit"] as? [String: Any])
            let total = try #require(audit["total"] as? [String: Any])
            #expect((total["archived"] as? [String: Any])?["count"] as? Int == 5)
            #expect((total["missing"] as? [String: Any])?["count"] as? Int == 1)
            #expect((total["wrong_size"] as? [String: Any])?["count"] as? Int == 1)
            #expect((total["wrong_size"] as? [String: Any])?["bytes"] as? Int == fixture.dataset.sessions[1].videoSize)
            #expect((total["no_longer_listed"] as? [String: Any])?["count"] as? Int == 2)
            #expect(
                (total["would_download"] as? [String: Any])?["bytes"] as? Int == report["would_download_bytes"] as? Int)
            #expect((audit["agents"] as? [[String: Any]])?.count == 3)
            #expect((audit["space"] as? [String: Any])?["fits"] as? Bool == true)
            #expect(audit["archive_root"] as? String == fixture.root)
        }
    }

    @Test func formatJSONPrintsTheReportOnStdoutAndBytesPrintsExactNumbers() async throws {
        try await withPreparedArchive { fixture in
            let config = try fixture.writeConfig()

            let asJSON = try await ArchiverProcess.run(
                ["sync", "--config", config, "--dry-run", "--full", "--format", "json"], environment: keyEnvironment,
                in: fixture.workspace.path)
            #expect(asJSON.exitCode == 0, "\(asJSON.stderr)")
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(asJSON.stdout.utf8)) as? [String: Any])
            #expect(((report["audit"] as? [String: Any])?["total"] as? [String: Any])?["listed"] != nil)

            let exact = try await ArchiverProcess.run(
                ["sync", "--config", config, "--dry-run", "--full", "--bytes"], environment: keyEnvironment,
                in: fixture.workspace.path)
            #expect(exact.exitCode == 0)
            #expect(!exact.stdout.contains("KiB"))
            #expect(exact.stdout.contains(" bytes free after"))
        }
    }

    /// Runs `body` in `withSimulator` set for a run that takes about two seconds: 6 recordings of ~48 KiB, each
    /// served at 48 KiB/s, 3 at a time.
    func withThrottledMedia(_ body: (SimulatorFixture) async throws -> Void) async throws {
        var faults = SimulatorFaults()
        faults.mediaBytesPerSecond = 48_000
        try await withSimulator(
            dataset: .seeded(seed: 31, sessionCount: 6, agentCount: 2, sizeRange: 46_000...50_000), faults: faults,
            body)
    }

    @Test func progressRedrawsInPlaceOnATerminalAndEndsWithTheSummary() async throws {
        try await withThrottledMedia { fixture in
            let config = try fixture.writeConfig(extra: "transfers: 3")

            let result = try await ArchiverProcess.runUnderTerminal(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)

            #expect(result.exitCode == 0, "\(result.stdout)")
            let output = result.stdout
            let redraws = output.components(separatedBy: "\r").filter {
                $0.range(of: #"^\d+/6 files"#, options: .regularExpression) != nil
            }
            #expect(redraws.count >= 3, "\(output.debugDescription)")
            #expect(output.contains("\u{1B}[K"))
            #expect(redraws.contains { $0.contains("active") && $0.contains("ETA") })
            // What the terminal shows on the last line: the text after its last carriage return.
            let lastLine =
                (output.components(separatedBy: "\r\n").last { !$0.isEmpty } ?? "")
                .components(separatedBy: "\r").last?.replacingOccurrences(of: "\u{1B}[K", with: "") ?? ""
            #expect(lastLine.hasPrefix("6 downloaded ("), "\(output.debugDescription)")
            // Nothing of the progress line is left after the summary: it was cleared before the last lines.
            let afterSummary = try #require(output.range(of: "6 downloaded (")).upperBound
            #expect(!output[afterSummary...].contains("files"))
            #expect(!output[afterSummary...].contains("\u{1B}"))
            #expect(!output.contains(SimulatorFixture.apiKey))
        }
    }

    @Test func noRedrawsOnAPipeOrWithQuiet() async throws {
        try await withThrottledMedia { fixture in
            let config = try fixture.writeConfig(extra: "transfers: 3")

            let piped = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)
            #expect(piped.exitCode == 0, "\(piped.stderr)")
            #expect(!piped.stderr.contains("\r"))
            #expect(!piped.stderr.contains("\u{1B}"))
            #expect(piped.stderr.split(separator: "\n").last?.hasPrefix("6 downloaded (") == true)

            let quiet = try await ArchiverProcess.runUnderTerminal(
                ["sync", "--config", config, "--quiet", "--full"], environment: keyEnvironment,
                in: fixture.workspace.path)
            #expect(quiet.exitCode == 0, "\(quiet.stdout)")
            #expect(!quiet.stdout.contains("\u{1B}[K"))
            #expect(quiet.stdout.isEmpty, "a successful --quiet run prints nothing: \(quiet.stdout.debugDescription)")
        }
    }

    @Test func logLinesHaveTimestampAndLevelAndAreAppendedToTheLogFile() async throws {
        try await withSimulator(dataset: .seeded(seed: 41, sessionCount: 4, sizeRange: 1_000...2_000)) { fixture in
            let config = try fixture.writeConfig()
            let logFile = "\(fixture.workspace.path)/run.log"

            let first = try await ArchiverProcess.run(
                ["sync", "--config", config, "--log-file", logFile, "--verbose"], environment: keyEnvironment,
                in: fixture.workspace.path)
            let second = try await ArchiverProcess.run(
                ["sync", "--config", config, "--log-file", logFile], environment: keyEnvironment,
                in: fixture.workspace.path)

            #expect(first.exitCode == 0 && second.exitCode == 0, "\(first.stderr)\(second.stderr)")
            let pattern =
                #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d) (trace|debug|info|notice|warning|error|critical) +\S"#
            let stderrLogLines = first.stderr.split(separator: "\n").dropLast()
            #expect(!stderrLogLines.isEmpty)
            for line in stderrLogLines {
                #expect(line.range(of: pattern, options: .regularExpression) != nil, "\(line)")
            }
            #expect(first.stderr.contains(" debug "))
            let logged = try String(contentsOfFile: logFile, encoding: .utf8)
            let loggedLines = logged.split(separator: "\n")
            #expect(loggedLines.count == stderrLogLines.count + second.stderr.split(separator: "\n").dropLast().count)
            #expect(loggedLines.allSatisfy { $0.range(of: pattern, options: .regularExpression) != nil })
            #expect(!logged.contains(SimulatorFixture.apiKey))
            let attributes = try FileManager.default.attributesOfItem(atPath: logFile)
            #expect((attributes[.posixPermissions] as? Int) == 0o640)
        }
    }

    @Test func runReportCarriesDurationThroughputAndAgents() async throws {
        try await withSimulator(
            dataset: .seeded(seed: 42, sessionCount: 6, agentCount: 2, sizeRange: 1_000...2_000)
        ) { fixture in
            let config = try fixture.writeConfig()
            let reportPath = "\(fixture.workspace.path)/report.json"

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config, "--report", reportPath], environment: keyEnvironment,
                in: fixture.workspace.path)

            #expect(result.exitCode == 0, "\(result.stderr)")
            let report = try json(atPath: reportPath)
            let duration = try #require(report["duration_seconds"] as? Double)
            #expect(duration >= 0)
            #expect(report["throughput_bytes_per_second"] as? Double != nil)
            #expect(report["started_at"] as? String != nil)
            #expect(report["finished_at"] as? String != nil)
            let agents = try #require(report["agents"] as? [[String: Any]])
            #expect(agents.count == 2)
            #expect(agents.reduce(0) { $0 + ($1["downloaded"] as? Int ?? 0) } == 6)
            #expect(
                agents.reduce(0) { $0 + ($1["bytes_downloaded"] as? Int ?? 0) } == report["bytes_downloaded"] as? Int)
            let names = Set(fixture.dataset.sessions.map(\.agent.name))
            #expect(Set(agents.compactMap { $0["agent_name"] as? String }) == names)
        }
    }

    @Test func metricsFileIsParsableAndKeepsTheLastSuccessAfterAFailedRun() async throws {
        try await withSimulator(
            dataset: .seeded(seed: 43, sessionCount: 5, agentCount: 2, sizeRange: 1_000...2_000)
        ) { fixture in
            let config = try fixture.writeConfig()
            let metricsPath = "\(fixture.workspace.path)/getscreen-archiver.prom"

            let success = try await ArchiverProcess.run(
                ["sync", "--config", config, "--metrics-file", metricsPath], environment: keyEnvironment,
                in: fixture.workspace.path)
            #expect(success.exitCode == 0, "\(success.stderr)")
            let first = Self.parseMetrics(try String(contentsOfFile: metricsPath, encoding: .utf8))
            let bytes = fixture.dataset.sessions.reduce(0) { $0 + $1.videoSize }
            #expect(first[RunMetrics.Name.recordingsListed] == 5)
            #expect(first[RunMetrics.Name.recordingsDownloaded] == 5)
            #expect(first[RunMetrics.Name.recordingsSkipped] == 0)
            #expect(first[RunMetrics.Name.recordingsFailed] == 0)
            #expect(first[RunMetrics.Name.bytesDownloaded] == Double(bytes))
            #expect(first[RunMetrics.Name.archiveRecordings] == 5)
            #expect(first[RunMetrics.Name.archiveSize] == Double(bytes))
            #expect(first[RunMetrics.Name.lastRunExitCode] == 0)
            let start = try #require(first[RunMetrics.Name.lastRunStart])
            let end = try #require(first[RunMetrics.Name.lastRunEnd])
            #expect(abs(start - Date().timeIntervalSince1970) < 120)
            #expect(end >= start)
            #expect(first[RunMetrics.Name.lastSuccess] == end)

            var faults = SimulatorFaults()
            faults.apiStatusOverride = 403
            fixture.simulator.setFaults(faults)
            let failed = try await ArchiverProcess.run(
                ["sync", "--config", config, "--metrics-file", metricsPath], environment: keyEnvironment,
                in: fixture.workspace.path)
            #expect(failed.exitCode == 3)
            let second = Self.parseMetrics(try String(contentsOfFile: metricsPath, encoding: .utf8))
            #expect(second[RunMetrics.Name.lastRunExitCode] == 3)
            #expect(second[RunMetrics.Name.lastSuccess] == end)
            #expect(try #require(second[RunMetrics.Name.lastRunEnd]) >= end)
            #expect(second[RunMetrics.Name.recordingsListed] == nil)
            #expect(second[RunMetrics.Name.archiveRecordings] == 5)
            #expect(files(under: fixture.workspace.path, withSuffix: ".prom") == ["getscreen-archiver.prom"])
            #expect(files(under: fixture.workspace.path, withSuffix: "").allSatisfy { !$0.contains(".prom.tmp") })
        }
    }

    /// Parses Prometheus text exposition format into `name{labels}` → value, checking each metric's TYPE line.
    static func parseMetrics(_ text: String) -> [String: Double] {
        var values: [String: Double] = [:]
        var types: Set<String> = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                types.insert(String(line.split(separator: " ")[2]))
                continue
            }
            if line.hasPrefix("#") { continue }
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]) else {
                Issue.record("not a sample line: \(line)")
                continue
            }
            let name = String(parts[0])
            #expect(types.contains(String(name.prefix { $0 != "{" })), "no TYPE for \(name)")
            values[name] = value
        }
        return values
    }

    @Test(arguments: [
        ("bash", "-F _getscreen-archiver getscreen-archiver"), ("zsh", "#compdef getscreen-archiver"),
        ("fish", "complete -c"),
    ])
    func completionScripts(shell: String, marker: String) async throws {
        let workspace = try TemporaryDirectory()
        defer { workspace.remove() }
        let result = try await ArchiverProcess.run(["completions", "--shell", shell], in: workspace.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains(marker))
        #expect(result.stdout.contains("--dry-run"))
    }

    @Test(arguments: ["sync", "fetch", "demo", "completions"])
    func everyCommandsHelpHasExamples(command: String) async throws {
        let workspace = try TemporaryDirectory()
        defer { workspace.remove() }
        let result = try await ArchiverProcess.run([command, "--help"], in: workspace.path)
        #expect(result.exitCode == 0)
        #expect(result.stdout.contains("Example"), "\(result.stdout)")
        #expect(result.stdout.contains("getscreen-archiver \(command)"))
    }
}
