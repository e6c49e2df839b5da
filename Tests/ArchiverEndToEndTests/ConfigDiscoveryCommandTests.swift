import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Testing

@testable import ArchiverCore

/// The built binary finding its configuration and key without flags, and `config show`.
///
/// `ArchiverProcess` points the system-wide file (`GETSCREEN_ARCHIVER_SYSTEM_CONFIG`) and `XDG_CONFIG_HOME` into
/// each test's folder, so the machine's `/etc` and `~/.config` are never read, let alone written.
@Suite struct ConfigDiscoveryCommandTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    /// Copies the fixture's configuration to `path`, creating its folders.
    func place(_ config: String, at path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: config, toPath: path)
    }

    @Test func syncFindsTheFileNamedByTheVariable() async throws {
        try await withSimulator(dataset: .seeded(seed: 5, sessionCount: 4)) { fixture in
            let config = try fixture.writeConfig()

            let result = try await ArchiverProcess.run(
                ["sync"], environment: keyEnvironment.merging(["GETSCREEN_ARCHIVER_CONFIG": config]) { $1 },
                in: fixture.workspace.path)

            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(files(under: fixture.root, withSuffix: ".mp4").count == 4)
        }
    }

    @Test func syncFindsTheUserFileAndTheSystemFileWinsOverIt() async throws {
        try await withSimulator(dataset: .seeded(seed: 6, sessionCount: 3)) { fixture in
            let config = try fixture.writeConfig()
            let xdg = "\(fixture.workspace.path)/xdg"
            let user = "\(xdg)/getscreen-archiver/config.yaml"
            try place(config, at: user)
            let environment = keyEnvironment.merging(["XDG_CONFIG_HOME": xdg]) { $1 }

            let fromUser = try await ArchiverProcess.run(["sync"], environment: environment, in: fixture.workspace.path)
            #expect(fromUser.exitCode == 0, "\(fromUser.stderr)")
            #expect(files(under: fixture.root, withSuffix: ".mp4").count == 3)
            let shownUser = try await ArchiverProcess.run(
                ["config", "show"], environment: environment, in: fixture.workspace.path)
            #expect(shownUser.stdout.hasPrefix("config file"), "\(shownUser.stdout)")
            #expect(shownUser.stdout.contains("\(user)  (the user's file ($XDG_CONFIG_HOME))"), "\(shownUser.stdout)")

            // The system-wide file, moved into the test's folder: found first.
            let system = "\(fixture.workspace.path)/etc/getscreen-archiver/config.yaml"
            try "archive:\n  root: elsewhere\n".write(toFile: user, atomically: true, encoding: .utf8)
            try place(config, at: system)
            let shownSystem = try await ArchiverProcess.run(
                ["config", "show"],
                environment: environment.merging(["GETSCREEN_ARCHIVER_SYSTEM_CONFIG": system]) { $1 },
                in: fixture.workspace.path)
            #expect(shownSystem.exitCode == 0, "\(shownSystem.stderr)")
            #expect(shownSystem.stdout.contains("\(system)  (the system-wide file)"), "\(shownSystem.stdout)")
            #expect(shownSystem.stdout.contains("\(fixture.root)"), "\(shownSystem.stdout)")
        }
    }

    @Test func withoutAnyConfigurationSyncNamesConfigAndThePlacesSearched() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }

        let result = try await ArchiverProcess.run(["sync"], environment: keyEnvironment, in: folder.path)

        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("no archive root: no config file was found"), "\(result.stderr)")
        #expect(result.stderr.contains("--config"))
        #expect(result.stderr.contains("GETSCREEN_ARCHIVER_CONFIG"))
        #expect(result.stderr.contains("\(folder.path)/.etc/getscreen-archiver/config.yaml"))
        #expect(result.stderr.contains("\(folder.path)/.xdg-config/getscreen-archiver/config.yaml"))
    }

    @Test func syncReadsTheKeyFromTheSystemdCredential() async throws {
        try await withSimulator(dataset: .seeded(seed: 7, sessionCount: 2)) { fixture in
            // api.key_file names a wrong key: the credential must win over it.
            try "wrong-key\n".write(toFile: "\(fixture.workspace.path)/api-key", atomically: true, encoding: .utf8)
            chmod("\(fixture.workspace.path)/api-key", 0o600)
            let config = try fixture.writeConfig()
            try String(contentsOfFile: config, encoding: .utf8)
                .replacingOccurrences(of: "api:\n", with: "api:\n  key_file: api-key\n")
                .write(toFile: config, atomically: true, encoding: .utf8)
            let credentials = try fixture.workspace.subfolder("credentials")
            try "\(SimulatorFixture.apiKey)\n".write(
                toFile: "\(credentials)/api-key", atomically: true, encoding: .utf8)
            chmod("\(credentials)/api-key", 0o400)
            let environment = ["CREDENTIALS_DIRECTORY": credentials]

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: environment, in: fixture.workspace.path)
            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(files(under: fixture.root, withSuffix: ".mp4").count == 2)

            let shown = try await ArchiverProcess.run(
                ["config", "show", "--config", config], environment: environment, in: fixture.workspace.path)
            #expect(shown.exitCode == 0, "\(shown.stderr)")
            let keyLine = try #require(shown.stdout.split(separator: "\n").first { $0.hasPrefix("api.key ") })
            #expect(keyLine.contains("<redacted>"))
            #expect(keyLine.contains("(file \(credentials)/api-key (systemd credential api-key))"), "\(keyLine)")
        }
    }

    @Test(arguments: ["environment", "key file variable", "credential"])
    func configShowNeverShowsTheKey(keySource: String) async throws {
        try await withSimulator(dataset: .seeded(seed: 8, sessionCount: 1)) { fixture in
            let config = try fixture.writeConfig()
            let keyFile = "\(try fixture.workspace.subfolder("credentials"))/api-key"
            try SimulatorFixture.apiKey.write(toFile: keyFile, atomically: true, encoding: .utf8)
            chmod(keyFile, 0o600)
            let environment =
                switch keySource {
                case "environment": keyEnvironment
                case "key file variable": ["GETSCREEN_API_KEY_FILE": keyFile]
                default: ["CREDENTIALS_DIRECTORY": (keyFile as NSString).deletingLastPathComponent]
                }

            let result = try await ArchiverProcess.run(
                ["config", "show", "--transfers", "2"],
                environment: environment.merging(["GETSCREEN_ARCHIVER_CONFIG": config]) { $1 },
                in: fixture.workspace.path)

            #expect(result.exitCode == 0, "\(result.stderr)")
            let output = result.stdout + result.stderr
            // Not the key, nor any 6 characters of it in a row.
            let key = Array(SimulatorFixture.apiKey)
            for start in 0...(key.count - 6) {
                #expect(!output.contains(String(key[start..<start + 6])), "\(output)")
            }
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("config file") == true)
            #expect(lines.contains { $0.hasPrefix("transfers ") && $0.hasSuffix("(--transfers)") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("archive.root ") && $0.hasSuffix("(\(config):4)") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("sync.overlap ") && $0.hasSuffix("(default)") }, "\(lines)")
            #expect(lines.contains { $0.hasPrefix("api.key ") && $0.contains("<redacted>") }, "\(lines)")
            #expect(fixture.simulator.counters.requests.isEmpty)
        }
    }
}
