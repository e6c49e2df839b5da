import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Glibc
import Testing

/// The API key never appears in any output or file: every command of the built binary, `--verbose`, against a
/// simulator with faults on, then a search of stdout, stderr and every file the runs left.
@Suite struct KeySecrecyTests {
    /// A key with characters that URL encoding changes, so that its encoded form differs and is searched too.
    static let key = "Sk/9f=2c&e1+B7%x~q-4d8a0f"

    /// The key as it could appear in a URL or a log: raw, percent-encoded (RFC 3986 unreserved characters kept,
    /// hex in either case), form-encoded, and a distinctive piece of each.
    static var keyForms: [String] {
        let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let encoded = key.addingPercentEncoding(withAllowedCharacters: unreserved) ?? key
        return [
            key, encoded, encoded.lowercased(), encoded.replacingOccurrences(of: "%2B", with: "+"), "9f=2c&e1",
            "9f%3D2c%26e1", "9f%3d2c%26e1",
        ]
    }

    /// Every file below `folder`, hidden ones included, as text.
    static func everyFile(under folder: String) -> [(String, String)] {
        treeSnapshot(of: folder).filter { !$0.isFolder }.map { entry in
            (entry.relativePath, String(decoding: contents(of: "\(folder)/\(entry.relativePath)") ?? [], as: UTF8.self))
        }
    }

    @Test func noCommandLeaksTheKeyAnywhere() async throws {
        let dataset = SimulatorDataset.seeded(seed: 77, sessionCount: 14, agentCount: 3, sizeRange: 1_000...6_000)
        let sessions = dataset.sessions.sorted { $0.start > $1.start }
        var faults = SimulatorFaults()
        faults.maxPageLimit = 5
        faults.listFaults[1] = .status(500)
        faults.listFaults[3] = .status(503, retryAfter: "0")
        faults.mediaStatusOverrides[sessions[0].id] = 403
        faults.mediaFaults[sessions[1].id] = [.truncateBody(afterBytes: 100), .truncateBody(afterBytes: 100)]
        faults.servedSizeOverrides[sessions[2].id] = sessions[2].videoSize + 7
        faults.mediaStatusOverrides[sessions[3].id] = 404
        faults.listItemOverrides[sessions[4].id] =
            #"{"id": \#(sessions[4].id), "start": 1770000000, "agent": {"id": 9, "name": "x"}, "#
            + #""video": {"url": "https://evil.example.com/\#(sessions[4].id).mp4?apikey=old", "size": 10}}"#
        faults.listItemOverrides[sessions[5].id] =
            #"{"id": \#(sessions[5].id), "start": 1770000000, "agent": {"id": 9}, "video": {"url": "ftp://h/x"}}"#
        let simulator = GetscreenSimulator(dataset: dataset, apiKey: Self.key, faults: faults)
        try await simulator.start()
        let workspace = try TemporaryDirectory(prefix: "key-secrecy")
        // The key file lives outside the searched workspace (it is the one place the key may be) and is
        // readable by others, so the warning path runs too.
        let keyFolder = try TemporaryDirectory(prefix: "key-secrecy-key")
        defer {
            Task { try? await simulator.shutdown() }
            workspace.remove()
            keyFolder.remove()
        }
        let keyFile = "\(keyFolder.path)/api-key"
        try "\(Self.key)\n".write(toFile: keyFile, atomically: false, encoding: .utf8)
        chmod(keyFile, 0o644)
        let root = try workspace.subfolder("archive")
        let state = try workspace.subfolder("state")
        let config = "\(workspace.path)/config.yaml"
        try """
        api:
          base_url: \(simulator.baseURL)
          key_file: \(keyFile)
        archive:
          root: \(root)
        state_dir: \(state)
        media_hosts: ["127.0.0.1"]
        allow_insecure_http: true
        retry:
          attempts: 2
          max_delay: 1s
        """.write(toFile: config, atomically: false, encoding: .utf8)
        let out = workspace.path

        let runs: [(String, [String])] = [
            ("sync --dry-run", ["sync", "--config", config, "--verbose", "--dry-run", "--report", "\(out)/dry.json"]),
            (
                "sync",
                [
                    "sync", "--config", config, "--verbose", "--full", "--report", "\(out)/sync.json",
                    "--log-file", "\(out)/sync.log", "--metrics-file", "\(out)/metrics.prom",
                ]
            ),
            (
                "sync --format json",
                [
                    "sync", "--config", config, "--verbose", "--full", "--format", "json", "--log-file",
                    "\(out)/sync.log",
                ]
            ),
            (
                "fetch",
                [
                    "fetch", "--config", config, "--verbose", "--session-id", String(sessions[0].id), "--report",
                    "\(out)/fetch.json", "--log-file", "\(out)/fetch.log",
                ]
            ),
            ("fetch missing", ["fetch", "--config", config, "--verbose", "--session-id", "999999999"]),
            ("verify", ["verify", "--config", config, "--verbose", "--report", "\(out)/verify.json"]),
            ("reindex", ["reindex", "--config", config, "--verbose"]),
        ]
        var output = ""
        for (name, arguments) in runs {
            let result = try await ArchiverProcess.run(arguments, in: workspace.path)
            output += "\n== \(name) (exit \(result.exitCode))\n" + result.stdout + result.stderr
            #expect(result.exitCode != 2, "\(name): \(result.stderr)")
        }
        // The runs did meet the faults: the failures are there, by reason.
        #expect(output.contains("untrusted media host evil.example.com"))
        #expect(output.contains("size mismatch"))
        #expect(output.contains("HTTP 403"))
        #expect(output.contains("chmod 600 \(keyFile)"))
        #expect(files(under: root, withSuffix: ".mp4").count >= 8)

        for form in Self.keyForms {
            #expect(!output.contains(form), "the key (\(form)) in the output:\n\(output)")
            for (path, text) in Self.everyFile(under: workspace.path) {
                #expect(!text.contains(form), "the key (\(form)) in \(path)")
            }
        }
    }

    /// The S3 secret access key, from a credentials file (readable by others, for the warning) or the environment,
    /// appears nowhere `config show` and the configuration errors write: the access key ID does.
    @Test func configShowLeaksNotTheS3Secret() async throws {
        let workspace = try TemporaryDirectory(prefix: "s3-secrecy")
        let secretFolder = try TemporaryDirectory(prefix: "s3-secrecy-credentials")
        defer {
            workspace.remove()
            secretFolder.remove()
        }
        let credentials = "\(secretFolder.path)/s3-credentials"
        func writeCredentials(_ text: String) throws {
            try text.write(toFile: credentials, atomically: false, encoding: .utf8)
            chmod(credentials, 0o644)
        }
        try writeCredentials("[default]\naws_access_key_id = AKIASECRECYTEST\naws_secret_access_key = \(Self.key)\n")
        let config = "\(workspace.path)/config.yaml"
        try """
        archive:
          root: s3://secrecy-bucket/getscreen
        s3:
          endpoint: https://127.0.0.1:1
          path_style: true
          credentials_file: \(credentials)
        state_dir: \(workspace.path)/state
        """.write(toFile: config, atomically: false, encoding: .utf8)
        let apiKey = ["GETSCREEN_API_KEY": "api-key-of-the-s3-test"]
        var output = ""
        func run(_ name: String, environment: [String: String], expectedExit: Int32) async throws {
            let result = try await ArchiverProcess.run(
                ["config", "show", "--config", config], environment: apiKey.merging(environment) { $1 },
                in: workspace.path)
            output += "\n== \(name) (exit \(result.exitCode))\n" + result.stdout + result.stderr
            #expect(result.exitCode == expectedExit, "\(name): \(result.stderr)")
        }
        try await run("from the file", environment: [:], expectedExit: 0)
        try await run(
            "from the environment",
            environment: ["AWS_ACCESS_KEY_ID": "AKIAENVIRONMENT", "AWS_SECRET_ACCESS_KEY": Self.key], expectedExit: 0)
        try await run("half a pair", environment: ["AWS_SECRET_ACCESS_KEY": Self.key], expectedExit: 2)
        try writeCredentials("[default]\naws_access_key_id = AKIASECRECYTEST\n[\(Self.key)\n")
        try await run("a broken file", environment: [:], expectedExit: 2)
        #expect(output.contains("s3.access_key_id"))
        #expect(output.contains("AKIASECRECYTEST") && output.contains("AKIAENVIRONMENT"))
        #expect(output.contains("<redacted>"))
        #expect(output.contains("chmod 600 \(credentials)"))
        #expect(output.contains("is set but AWS_ACCESS_KEY_ID is unset or empty"))
        #expect(output.contains("line 3 is neither a comment"))
        for form in Self.keyForms {
            #expect(!output.contains(form), "the secret (\(form)) in the output:\n\(output)")
            for (path, text) in Self.everyFile(under: workspace.path) {
                #expect(!text.contains(form), "the secret (\(form)) in \(path)")
            }
        }
    }

    @Test func theDemoLeaksNotItsKeyEither() async throws {
        let workspace = try TemporaryDirectory(prefix: "key-secrecy-showcase")
        defer { workspace.remove() }
        let result = try await ArchiverProcess.run(
            ["demo", "--dir", "\(workspace.path)/tree", "--verbose"], in: workspace.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        // The demo makes up its key, "demo-<UUID>"; no such text may appear anywhere.
        let pattern = try Regex("demo-[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}")
        #expect(!(result.stdout + result.stderr).contains(pattern))
        for (path, text) in Self.everyFile(under: workspace.path) {
            #expect(!text.contains(pattern), "the demo key in \(path)")
        }
    }
}
