import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Glibc
import Testing

@testable import ArchiverCore

/// Exit codes that differ where the admin's reaction differs, and the report and metrics that say why, from the
/// built binary: 75 when the lock is held, 3 with a stable error code for every other reason it could not run,
/// 2 for a bad configuration; the `--report` file is written on each of them.
@Suite struct ExitCodeTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    func json(atPath path: String) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    /// The report's `error.code`, and checks the members every report starts with.
    func errorCode(inReport path: String, exitCode: Int32) throws -> String? {
        let report = try json(atPath: path)
        #expect(report["schema_version"] as? Int == 1)
        #expect(report["tool_version"] as? String == ToolVersion.current)
        #expect(report["exit_code"] as? Int == Int(exitCode))
        return (report["error"] as? [String: Any])?["code"] as? String
    }

    /// Writes the live lease of a run on another machine, refreshed 30 s ago.
    func writeOtherMachinesLease(in root: String) throws {
        let folder = "\(root)/.getscreen-archiver"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let lease: [String: Any] = [
            "host": "nas-b", "pid": 4711, "started_at": "2026-12-05T22:00:00Z", "token": "0123456789abcdef",
            "refreshed_at": "2026-12-05T23:59:00Z",
            "refreshed_at_unix": Int(Date().timeIntervalSince1970) - 30, "lease_seconds": 600,
            "boot_id": "another-machine", "pid_namespace": "pid:[1]",
        ]
        try JSONSerialization.data(withJSONObject: lease).write(to: URL(fileURLWithPath: "\(folder)/lock"))
    }

    @Test func aHeldLockExits75AndSaysLockHeldInTheReportAndTheMetrics() async throws {
        try await withSimulator(dataset: .seeded(seed: 61, sessionCount: 2)) { fixture in
            let config = try fixture.writeConfig()
            try writeOtherMachinesLease(in: fixture.root)
            let report = "\(fixture.workspace.path)/last-run.json"
            let metrics = "\(fixture.workspace.path)/getscreen-archiver.prom"
            try Data("yesterday's report".utf8).write(to: URL(fileURLWithPath: report))

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config, "--report", report, "--metrics-file", metrics],
                environment: keyEnvironment,
                in: fixture.workspace.path)

            #expect(result.exitCode == 75, "\(result.stderr)")
            #expect(result.stderr.contains("another getscreen-archiver run is using this archive"), "\(result.stderr)")
            #expect(try errorCode(inReport: report, exitCode: 75) == "lock_held")
            let message = (try json(atPath: report)["error"] as? [String: Any])?["message"] as? String
            #expect(message?.contains("pid 4711 on nas-b") == true, "\(message ?? "")")
            let text = try String(contentsOfFile: metrics, encoding: .utf8)
            #expect(text.contains("\n\(RunMetrics.Name.lastRunError){code=\"lock_held\"} 1.0\n"), "\(text)")
            #expect(text.contains("\n\(RunMetrics.Name.lastRunExitCode) 75.0\n"), "\(text)")
        }
    }

    @Test func aRejectedKeyExits3WithKeyRejectedAndReplacesYesterdaysReport() async throws {
        var faults = SimulatorFaults()
        faults.apiStatusOverride = 401
        try await withSimulator(dataset: .seeded(seed: 62, sessionCount: 2), faults: faults) { fixture in
            let config = try fixture.writeConfig()
            let report = "\(fixture.workspace.path)/last-run.json"
            let metrics = "\(fixture.workspace.path)/getscreen-archiver.prom"
            try Data("yesterday's report".utf8).write(to: URL(fileURLWithPath: report))

            for command in [["sync"], ["fetch", "--session-id", "\(fixture.dataset.sessions[0].id)"]] {
                let result = try await ArchiverProcess.run(
                    command + ["--config", config, "--report", report]
                        + (command == ["sync"] ? ["--metrics-file", metrics] : []),
                    environment: keyEnvironment, in: fixture.workspace.path)
                #expect(result.exitCode == 3, "\(command): \(result.stderr)")
                #expect(try errorCode(inReport: report, exitCode: 3) == "key_rejected", "\(command)")
                #expect(try json(atPath: report)["command"] as? String == command[0])
                try FileManager.default.removeItem(atPath: report)
            }
            let text = try String(contentsOfFile: metrics, encoding: .utf8)
            #expect(text.contains("\(RunMetrics.Name.lastRunError){code=\"key_rejected\"} 1.0"), "\(text)")
        }
    }

    @Test func aBadConfigurationExits2AndStillWritesTheReport() async throws {
        let workspace = try TemporaryDirectory()
        defer { workspace.remove() }
        let config = "\(workspace.path)/config.yaml"
        try "archive:\n  rooot: /srv/rec\n".write(toFile: config, atomically: true, encoding: .utf8)
        let report = "\(workspace.path)/last-run.json"

        for command in [["sync"], ["verify"]] {
            let result = try await ArchiverProcess.run(
                command + ["--config", config, "--report", report], environment: keyEnvironment, in: workspace.path)
            #expect(result.exitCode == 2, "\(command): \(result.stderr)")
            #expect(try errorCode(inReport: report, exitCode: 2) == "configuration", "\(command)")
            try FileManager.default.removeItem(atPath: report)
        }
    }

    @Test func verifyOfAMissingRootExits3WithRootMissingInItsReportAndMetrics() async throws {
        let workspace = try TemporaryDirectory()
        defer { workspace.remove() }
        let report = "\(workspace.path)/verify.json"
        let metrics = "\(workspace.path)/verify.prom"

        let result = try await ArchiverProcess.run(
            ["verify", "--archive", "\(workspace.path)/absent", "--report", report, "--metrics-file", metrics],
            in: workspace.path)

        #expect(result.exitCode == 3, "\(result.stderr)")
        #expect(try errorCode(inReport: report, exitCode: 3) == "root_missing")
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(text.contains("\(VerifyMetrics.Name.error){code=\"root_missing\"} 1.0"), "\(text)")
        #expect(text.contains("\n\(VerifyMetrics.Name.exitCode) 3.0\n"), "\(text)")
    }

    @Test func aSuccessfulRunsReportCarriesTheHeaderWithANullError() async throws {
        try await withSimulator(dataset: .seeded(seed: 63, sessionCount: 2)) { fixture in
            let config = try fixture.writeConfig()
            let report = "\(fixture.workspace.path)/last-run.json"

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config, "--report", report], environment: keyEnvironment,
                in: fixture.workspace.path)

            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(try errorCode(inReport: report, exitCode: 0) == nil)
            #expect(try json(atPath: report)["error"] is NSNull)
            #expect(try json(atPath: report)["downloaded"] as? Int == 2)
        }
    }
}
