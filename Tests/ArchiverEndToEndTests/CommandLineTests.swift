import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Testing

@testable import ArchiverCore

/// The built binary, run as a process: exit codes, messages, the report file, and the key's secrecy.
@Suite struct CommandLineTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    /// Every byte the run left in its output and under `folder`, to search for the key.
    func everythingWritten(_ result: CommandResult, under folder: String) -> String {
        var text = result.stdout + result.stderr
        for path in files(under: folder, withSuffix: "") {
            text += String(decoding: contents(of: "\(folder)/\(path)") ?? [], as: UTF8.self)
        }
        return text
    }

    @Test func versionPrintsTheToolVersionAndExitsZero() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let result = try await ArchiverProcess.run(["--version"], in: folder.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout == ToolVersion.current + "\n")
    }

    @Test func syncArchivesEverythingAndExitsZeroThenRerunsAsANoOp() async throws {
        try await withSimulator(dataset: .seeded(seed: 3, sessionCount: 25, sizeRange: 1_000...9_000)) { fixture in
            let config = try fixture.writeConfig()
            let report = "\(fixture.workspace.path)/report.json"

            let first = try await ArchiverProcess.run(
                ["sync", "--config", config, "--report", report, "--verbose"], environment: keyEnvironment,
                in: fixture.workspace.path
            )
            #expect(first.exitCode == 0, "\(first.stderr)")
            #expect(files(under: fixture.root, withSuffix: ".mp4").count == 25)
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
            )
            #expect(json["listed"] as? Int == 25)
            #expect(json["downloaded"] as? Int == 25)
            #expect(json["skipped"] as? Int == 0)
            #expect(json["failed"] as? Int == 0)
            #expect(json["bytes_downloaded"] as? Int == fixture.dataset.sessions.reduce(0) { $0 + $1.videoSize })
            #expect(json["dry_run"] as? Bool == false)
            #expect((json["failures"] as? [Any])?.isEmpty == true)
            #expect(json["would_download"] == nil)
            #expect(first.stderr.contains("25 downloaded"))
            #expect(!everythingWritten(first, under: fixture.workspace.path).contains(SimulatorFixture.apiKey))

            // --full: the dataset lies months before the first run's watermark, which an incremental run skips.
            let second = try await ArchiverProcess.run(
                ["sync", "--config", config, "--full"], environment: keyEnvironment, in: fixture.workspace.path)
            #expect(second.exitCode == 0)
            #expect(second.stderr.contains("0 downloaded"))
            #expect(second.stderr.contains("25 already archived"))
        }
    }

    /// The binary has no ICU: a named zone is read from the system's tz database, half-hour-and-a-quarter offsets
    /// included, and the layout's date parts follow it.
    @Test func layoutDatePartsFollowTheConfiguredTimeZone() async throws {
        try await withSimulator(dataset: .seeded(seed: 5, sessionCount: 6, sizeRange: 1_000...2_000)) { fixture in
            let config = "\(fixture.workspace.path)/zoned.yaml"
            try """
            api:
              base_url: \(fixture.simulator.baseURL)
            archive:
              root: \(fixture.root)
              min_free: 0
              timezone: Asia/Kathmandu
              layout: "{date}/{time}_{session_id}"
            media_hosts: ["127.0.0.1"]
            allow_insecure_http: true
            """.write(toFile: config, atomically: true, encoding: .utf8)

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)

            #expect(result.exitCode == 0, "\(result.stderr)")
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = try #require(TimeZone(identifier: "Asia/Kathmandu"))
            let expected = fixture.dataset.sessions.map { session in
                let parts = calendar.dateComponents(
                    [.year, .month, .day, .hour, .minute, .second],
                    from: Date(timeIntervalSince1970: TimeInterval(session.start)))
                return String(
                    format: "%04d-%02d-%02d/%02d%02d%02d_%d.mp4", parts.year!, parts.month!, parts.day!, parts.hour!,
                    parts.minute!, parts.second!, session.id)
            }
            #expect(files(under: fixture.root, withSuffix: ".mp4").sorted() == expected.sorted())
        }
    }

    @Test func dryRunReportsWhatItWouldDownloadAndWritesNothing() async throws {
        try await withSimulator(dataset: .seeded(seed: 4, sessionCount: 7, sizeRange: 1_000...2_000)) { fixture in
            let config = try fixture.writeConfig()
            let report = "\(fixture.workspace.path)/dry.json"

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config, "--dry-run", "--report", report], environment: keyEnvironment,
                in: fixture.workspace.path
            )

            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(treeSnapshot(of: fixture.root).isEmpty)
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
            )
            #expect(json["dry_run"] as? Bool == true)
            #expect(json["would_download"] as? Int == 7)
            #expect(json["would_download_bytes"] as? Int == fixture.dataset.sessions.reduce(0) { $0 + $1.videoSize })
            #expect(fixture.simulator.counters.mediaRequests == 0)
        }
    }

    @Test func sizeMismatchExitsOneWithTheReasonInTheReport() async throws {
        let dataset = SimulatorDataset.seeded(seed: 5, sessionCount: 4, sizeRange: 1_000...2_000)
        let broken = dataset.sessions[1]
        var faults = SimulatorFaults()
        faults.servedSizeOverrides = [broken.id: broken.videoSize + 10]
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig()
            let report = "\(fixture.workspace.path)/report.json"

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config, "--report", report, "--verbose"], environment: keyEnvironment,
                in: fixture.workspace.path
            )

            #expect(result.exitCode == 1)
            #expect(result.stderr.contains("size mismatch: got \(broken.videoSize + 10), expected \(broken.videoSize)"))
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
            )
            let failures = try #require(json["failures"] as? [[String: Any]])
            #expect(failures.count == 1)
            #expect(failures.first?["session_id"] as? Int == broken.id)
            #expect(
                failures.first?["reason"] as? String
                    == "size mismatch: got \(broken.videoSize + 10), expected \(broken.videoSize)")
            #expect(json["downloaded"] as? Int == 3)
            #expect(!everythingWritten(result, under: fixture.workspace.path).contains(SimulatorFixture.apiKey))
        }
    }

    @Test func fetchArchivesOneSession() async throws {
        try await withSimulator(dataset: .seeded(seed: 6, sessionCount: 5, sizeRange: 1_000...2_000)) { fixture in
            let config = try fixture.writeConfig()
            let target = fixture.dataset.sessions[2]

            let result = try await ArchiverProcess.run(
                ["fetch", "--config", config, "--session-id", String(target.id)], environment: keyEnvironment,
                in: fixture.workspace.path
            )

            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(files(under: fixture.root, withSuffix: ".mp4") == [SimulatorFixture.expectedPath(of: target)])
        }
    }

    @Test func rejectedKeyExitsThreeAndWritesNothing() async throws {
        var faults = SimulatorFaults()
        faults.apiStatusOverride = 403
        try await withSimulator(dataset: .seeded(seed: 1, sessionCount: 3), faults: faults) { fixture in
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)

            #expect(result.exitCode == 3)
            #expect(result.stderr.contains(#"rejected the key (HTTP 403, "access denied")"#))
            #expect(treeSnapshot(of: fixture.root).isEmpty)
        }
    }

    @Test func missingArchiveRootExitsThreeAndIsNotCreated() async throws {
        try await withSimulator(dataset: .seeded(seed: 1, sessionCount: 3)) { fixture in
            let config = try fixture.writeConfig()
            let missing = "\(fixture.workspace.path)/nas-not-mounted"

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config, "--archive", missing], environment: keyEnvironment,
                in: fixture.workspace.path
            )

            #expect(result.exitCode == 3)
            #expect(result.stderr.contains(missing))
            #expect(!FileManager.default.fileExists(atPath: missing))
        }
    }

    @Test(arguments: [
        (["sync", "--bogus"], "--bogus"),
        (["sync", "--transfers", "0"], "--transfers"),
        (["sync", "--transfers", "many"], "--transfers"),
        (["sync", "--from", "yesterday"], "--from"),
        (["fetch"], "--session-id"),
        (["sync", "--quiet", "--verbose"], "--quiet"),
    ])
    func usageErrorsExitTwoNamingTheOption(arguments: [String], named: String) async throws {
        try await withSimulator(dataset: .seeded(seed: 1, sessionCount: 1)) { fixture in
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                arguments + ["--config", config], environment: keyEnvironment, in: fixture.workspace.path)

            #expect(result.exitCode == 2, "\(result.stderr)")
            #expect(result.stderr.contains(named), "\(result.stderr)")
        }
    }

    @Test(arguments: [
        ("archive:\n  rot: /x", "archive.rot"),
        ("transfers: 0", "transfers"),
        ("transfers: four", "transfers"),
        ("archive_root: /x", "archive_root"),
        ("allow_insecure_http: maybe", "allow_insecure_http"),
    ])
    func configErrorsExitTwoNamingTheKey(yaml: String, key: String) async throws {
        try await withSimulator(dataset: .seeded(seed: 1, sessionCount: 1)) { fixture in
            let config = "\(fixture.workspace.path)/bad.yaml"
            try "api:\n  base_url: \(fixture.simulator.baseURL)\n\(yaml)\n".write(
                toFile: config, atomically: true, encoding: .utf8)

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config, "--archive", fixture.root], environment: keyEnvironment,
                in: fixture.workspace.path
            )

            #expect(result.exitCode == 2, "\(result.stderr)")
            #expect(result.stderr.contains(key), "\(result.stderr)")
            #expect(fixture.simulator.counters.requests.isEmpty)
        }
    }

    @Test func missingKeyMissingConfigAndPlainHTTPExitTwo() async throws {
        try await withSimulator(dataset: .seeded(seed: 1, sessionCount: 1)) { fixture in
            let config = try fixture.writeConfig()
            let plain = "\(fixture.workspace.path)/plain.yaml"
            try "archive:\n  root: \(fixture.root)\n".write(toFile: plain, atomically: true, encoding: .utf8)

            let noKey = try await ArchiverProcess.run(["sync", "--config", config], in: fixture.workspace.path)
            #expect(noKey.exitCode == 2)
            #expect(noKey.stderr.contains("GETSCREEN_API_KEY"))

            let noFile = try await ArchiverProcess.run(
                ["sync", "--config", "\(fixture.workspace.path)/nope.yaml"], environment: keyEnvironment,
                in: fixture.workspace.path
            )
            #expect(noFile.exitCode == 2)
            #expect(noFile.stderr.contains("nope.yaml"))

            let http = try await ArchiverProcess.run(
                ["sync", "--config", plain, "--api-url", fixture.simulator.baseURL], environment: keyEnvironment,
                in: fixture.workspace.path
            )
            #expect(http.exitCode == 2)
            #expect(http.stderr.contains("--api-url"))
            #expect(http.stderr.contains("allow_insecure_http"))
            #expect(fixture.simulator.counters.requests.isEmpty)
        }
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func signalStopsTheRunKeepingPartialDownloadsForTheNextRun(signalNumber: Int32) async throws {
        var faults = SimulatorFaults()
        faults.mediaBytesPerSecond = 40_000  // five seconds a recording: the signal lands mid-transfer
        let dataset = SimulatorDataset.seeded(seed: 8, sessionCount: 6, sizeRange: 200_000...200_000)
        try await withSimulator(dataset: dataset, faults: faults) { fixture in
            let config = try fixture.writeConfig(extra: "transfers: 2")
            let simulator = fixture.simulator

            let reportPath = "\(fixture.workspace.path)/last-run.json"
            let result = try await ArchiverProcess.run(
                ["sync", "--config", config, "--report", reportPath], environment: keyEnvironment,
                in: fixture.workspace.path
            ) { pid in
                // From a thread of its own: a loaded machine can hold the test's cooperative threads for seconds, long
                // enough for the first recordings to finish (it did in a clean-clone CI run beside four builds).
                await onOwnThread {
                    poll(timeout: 30) { simulator.counters.mediaRequests >= 2 }
                    kill(pid, signalNumber)
                }
            }

            #expect(result.exitCode == 128 + signalNumber, "\(result.stderr)")
            let name = signalNumber == SIGINT ? "SIGINT" : "SIGTERM"
            #expect(
                result.stderr.contains(
                    "interrupted by \(name) after archiving 0 recordings; partial downloads were kept"),
                "\(result.stderr)")
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reportPath)))
                    as? [String: Any]
            )
            #expect(report["exit_code"] as? Int == Int(128 + signalNumber))
            #expect((report["error"] as? [String: Any])?["code"] as? String == "interrupted")
            #expect(files(under: fixture.root, withSuffix: ".mp4").isEmpty)
            // Only partial downloads stay, named for resuming; the next run continues them with Range requests.
            let partials = files(under: "\(fixture.root)/.getscreen-archiver/tmp", withSuffix: "")
            #expect(!partials.isEmpty && partials.allSatisfy { $0.hasSuffix("-200000.part") }, "\(partials)")

            fixture.simulator.setFaults(SimulatorFaults())
            let rerun = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)
            #expect(rerun.exitCode == 0, "\(rerun.stderr)")
            #expect(fixture.simulator.counters.requests.contains { $0.headers["range"] != nil })
            for session in dataset.sessions {
                #expect(
                    contents(of: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))")
                        == expectedBytes(of: session))
            }
            #expect(files(under: "\(fixture.root)/.getscreen-archiver/tmp", withSuffix: "").isEmpty)
        }
    }

    @Test func fromAfterToIsAUsageError() async throws {
        try await withSimulator(dataset: .seeded(seed: 1, sessionCount: 1)) { fixture in
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config, "--from", "2026-03-02", "--to", "2026-03-01T23:59:59Z"],
                environment: keyEnvironment,
                in: fixture.workspace.path
            )

            #expect(result.exitCode == 2)
            #expect(result.stderr.contains("--to must be a time at or after --from"), "\(result.stderr)")
            #expect(fixture.simulator.counters.requests.isEmpty)
        }
    }

    @Test func demoPrintsATreeOfRealFiles() async throws {
        let workspace = try TemporaryDirectory()
        defer { workspace.remove() }

        let result = try await ArchiverProcess.run(["demo", "--dir", "\(workspace.path)/demo"], in: workspace.path)

        #expect(result.exitCode == 0, "\(result.stderr)")
        let archived = files(under: "\(workspace.path)/demo", withSuffix: ".mp4")
        #expect(archived.count == 12)
        for path in archived.prefix(3) {
            let size = try #require(
                try FileManager.default.attributesOfItem(atPath: "\(workspace.path)/demo/\(path)")[.size] as? Int)
            #expect(size > 0)
            let line = "\((path as NSString).lastPathComponent)  (\(ByteCount.format(size)))"
            #expect(result.stdout.contains(line), "\(result.stdout)")
        }
        #expect(result.stdout.contains("12 downloaded"))
        #expect(result.stdout.contains("12 already archived"))
    }

    @Test func demoWithoutTheSimulatorBesideItSaysWhatToBuild() async throws {
        let workspace = try TemporaryDirectory()
        defer { workspace.remove() }
        let lonely = "\(workspace.path)/getscreen-archiver"
        try FileManager.default.copyItem(atPath: ArchiverProcess.executablePath, toPath: lonely)

        let result = try await ArchiverProcess.run(
            ["demo", "--dir", "\(workspace.path)/demo"], in: workspace.path, executable: lonely)

        #expect(result.exitCode == 3)
        #expect(
            result.stderr.contains(
                "at \(workspace.path)/getscreen-simulator or \(workspace.path)/../lib/getscreen-archiver/getscreen-simulator"
            ), "\(result.stderr)")
        #expect(result.stderr.contains("--product getscreen-simulator"))
        #expect(files(under: "\(workspace.path)/demo", withSuffix: ".mp4").isEmpty)
    }

    /// The Debian package's layout: the binary in `bin/`, the simulator off `PATH` in `lib/getscreen-archiver/`.
    @Test func demoFindsTheSimulatorWhereThePackageInstallsIt() async throws {
        let workspace = try TemporaryDirectory()
        defer { workspace.remove() }
        let built = (ArchiverProcess.executablePath as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(
            atPath: "\(workspace.path)/lib/getscreen-archiver", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(workspace.path)/bin", withIntermediateDirectories: true)
        let installed = "\(workspace.path)/bin/getscreen-archiver"
        try FileManager.default.copyItem(atPath: ArchiverProcess.executablePath, toPath: installed)
        try FileManager.default.copyItem(
            atPath: "\(built)/getscreen-simulator",
            toPath: "\(workspace.path)/lib/getscreen-archiver/getscreen-simulator")

        let result = try await ArchiverProcess.run(
            ["demo", "--dir", "\(workspace.path)/demo"], in: workspace.path, executable: installed)

        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(files(under: "\(workspace.path)/demo", withSuffix: ".mp4").count == 12)
    }
}
