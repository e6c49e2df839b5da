import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Testing

@testable import ArchiverCore

/// `config/getscreen-archiver.service` and `.timer`: checked by the real `systemd-analyze` (installed by
/// `scripts/install-dependencies --tests`), and the service's command run as the unit would run it.
///
/// The unit itself is not started: that needs systemd as PID 1 (for `systemctl start` or `systemd-run`), which
/// containers and CI runners usually lack. The last test runs its ExecStart= instead, in its environment.
@Suite struct SystemdUnitTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let service = "\(packageRoot)/config/getscreen-archiver.service"
    static let timer = "\(packageRoot)/config/getscreen-archiver.timer"
    /// The highest `systemd-analyze security` exposure accepted (0 best, 10 worst).
    static let maximumExposure = 2.0

    /// The values of `key` in the unit file, in order (comments and section headers skipped).
    static func values(of key: String, in unit: String = service) throws -> [String] {
        try String(contentsOfFile: unit, encoding: .utf8).split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), line.hasPrefix(key + "=") else { return nil }
            return String(line.dropFirst(key.count + 1))
        }
    }

    /// Runs `systemd-analyze` with `arguments`; fails with what to install when it is missing.
    func systemdAnalyze(_ arguments: [String], in folder: TemporaryDirectory) async throws -> CommandResult {
        let executable = try #require(
            ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first {
                FileManager.default.isExecutableFile(atPath: $0)
            }, "systemd-analyze is missing: run scripts/install-dependencies --tests (Debian package systemd)")
        return try await ArchiverProcess.run(arguments, in: folder.path, executable: executable)
    }

    @Test func securityExposureIsAtMostTwo() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }

        let result = try await systemdAnalyze(["security", "--offline=true", "--no-pager", Self.service], in: folder)

        // "→ Overall exposure level for getscreen-archiver.service: 1.1 OK :-)" (an emoji on a terminal)
        let line = try #require(
            result.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") },
            "\(result.stdout)\(result.stderr)")
        let after = try #require(line.range(of: ".service: "), "\(line)").upperBound
        let figure = try #require(line[after...].split(separator: " ").first)
        let exposure = try #require(Double(figure), "\(line)")
        #expect(exposure <= Self.maximumExposure, "\(result.stdout)")
        #expect(result.exitCode == 0, "\(result.stderr)")
    }

    @Test func verifyIsClean() async throws {
        // verify checks that ExecStart='s binary exists and loads the units the service and timer depend on: a
        // root with the system's units, these two, and a stand-in for the packaged binary.
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let systemUnits = try #require(
            ["/usr/lib/systemd/system", "/lib/systemd/system"].first { FileManager.default.fileExists(atPath: $0) },
            "no systemd units on this machine: run scripts/install-dependencies --tests")
        try FileManager.default.createDirectory(
            atPath: "\(root.path)/usr/lib/systemd", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: systemUnits, toPath: "\(root.path)/usr/lib/systemd/system")
        let units = try root.subfolder("etc/systemd/system")
        for unit in [Self.service, Self.timer] {
            try FileManager.default.copyItem(atPath: unit, toPath: "\(units)/\((unit as NSString).lastPathComponent)")
        }
        let binary = try #require(try Self.values(of: "ExecStart").first?.split(separator: " ").first.map(String.init))
        #expect(binary == "/usr/bin/getscreen-archiver")
        try FileManager.default.createDirectory(
            atPath: "\(root.path)/usr/bin", withIntermediateDirectories: true)
        try "#!/bin/sh\n".write(toFile: root.path + binary, atomically: true, encoding: .utf8)
        chmod(root.path + binary, 0o755)

        // --man=no: Documentation='s man page comes with the package, not with this checkout.
        let result = try await systemdAnalyze(
            ["verify", "--man=no", "--root=\(root.path)", "getscreen-archiver.service", "getscreen-archiver.timer"],
            in: root)

        #expect(result.exitCode == 0)
        #expect(result.stdout + result.stderr == "", "\(result.stdout)\(result.stderr)")
    }

    @Test func theServiceCommandRunsInTheUnitsEnvironment() async throws {
        try await withSimulator(dataset: .seeded(seed: 9, sessionCount: 5)) { fixture in
            let workspace = fixture.workspace.path
            // The packaged paths, moved into the workspace: /etc, /var/lib, /run/credentials.
            func moved(_ path: String) -> String {
                path.hasPrefix("/") && !path.hasPrefix("/usr/bin/") ? workspace + path : path
            }

            // /etc/getscreen-archiver/config.yaml, with the archive root relative to its folder (the current folder is
            // /), and api.key_file naming a key that does not work: the credential must win.
            let etc = try fixture.workspace.subfolder("etc/getscreen-archiver")
            let config = try String(contentsOfFile: try fixture.writeConfig(), encoding: .utf8)
                .replacingOccurrences(of: "root: \(fixture.root)", with: "root: ../../archive")
                .replacingOccurrences(of: "api:\n", with: "api:\n  key_file: api-key\n")
            try config.write(toFile: "\(etc)/config.yaml", atomically: true, encoding: .utf8)
            try "wrong-key\n".write(toFile: "\(etc)/api-key-wrong", atomically: true, encoding: .utf8)

            // LoadCredential=api-key:/etc/getscreen-archiver/api-key: systemd copies the file into the credentials folder.
            let credential = try #require(try Self.values(of: "LoadCredential").first)
            let (name, source) = try #require(credential.split(separator: ":", maxSplits: 1).map(String.init).pairs)
            try SimulatorFixture.apiKey.write(toFile: moved(source), atomically: true, encoding: .utf8)
            chmod(moved(source), 0o600)
            let credentials = try fixture.workspace.subfolder("run/credentials/getscreen-archiver.service")
            try FileManager.default.copyItem(atPath: moved(source), toPath: "\(credentials)/\(name)")
            chmod("\(credentials)/\(name)", 0o400)
            // The key file the config names is a wrong one from here on, so only the credential can work.
            try FileManager.default.removeItem(atPath: moved(source))
            try FileManager.default.moveItem(atPath: "\(etc)/api-key-wrong", toPath: moved(source))

            // StateDirectory=getscreen-archiver, and the metrics folder ReadWritePaths= allows.
            let stateName = try #require(try Self.values(of: "StateDirectory").first)
            let state = try fixture.workspace.subfolder("var/lib/\(stateName)")
            _ = try fixture.workspace.subfolder("var/lib/prometheus/node-exporter")
            let umask = try #require(try Self.values(of: "UMask").first)

            let command = try #require(try Self.values(of: "ExecStart").first).split(separator: " ").map {
                moved(String($0))
            }
            #expect(command.first == "/usr/bin/getscreen-archiver")
            let arguments = Array(command.dropFirst())
            #expect(!arguments.contains("--config"), "the unit relies on the config being found")

            // As systemd starts it: the current folder /, the unit's umask, a clean environment with the state and
            // credentials folders (and the system-wide config file moved into the workspace).
            let result = try await ArchiverProcess.run(
                ["-c", "umask \(umask) && cd / && exec \"$0\" \"$@\"", ArchiverProcess.executablePath] + arguments,
                environment: [
                    "STATE_DIRECTORY": state, "CREDENTIALS_DIRECTORY": credentials,
                    ConfigurationDiscovery.systemPathVariable: "\(etc)/config.yaml",
                    "INVOCATION_ID": UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased(),
                ],
                in: workspace, executable: "/bin/sh")

            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(files(under: fixture.root, withSuffix: ".mp4").count == 5)
            let report = moved("/var/lib/getscreen-archiver/last-run.json")
            #expect(FileManager.default.fileExists(atPath: report))
            let metrics = moved("/var/lib/prometheus/node-exporter/getscreen-archiver.prom")
            let mode = try #require(
                try FileManager.default.attributesOfItem(atPath: metrics)[.posixPermissions] as? Int)
            #expect(mode & 0o004 != 0, "the node exporter's user must be able to read the metrics (mode \(mode))")
            let catalog = "\(state)/\(StateDirectory.folderName(forArchive: fixture.root))/catalog.sqlite"
            #expect(FileManager.default.fileExists(atPath: catalog))
            var written = result.stdout + result.stderr
            for path in files(under: state, withSuffix: "") + [report, metrics].map({ $0 }) {
                let full = path.hasPrefix("/") ? path : "\(state)/\(path)"
                written += String(decoding: contents(of: full) ?? [], as: UTF8.self)
            }
            #expect(!written.contains(SimulatorFixture.apiKey))
        }
    }
}

extension Array where Element == String {
    /// The two elements of a two-element array.
    fileprivate var pairs: (String, String)? { count == 2 ? (self[0], self[1]) : nil }
}
