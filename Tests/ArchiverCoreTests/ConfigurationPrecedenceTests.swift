import ArchiverTestSupport
import Foundation
import Testing

@testable import ArchiverCore

/// Which source wins for the API key, what relative paths are relative to, and where `config show` says each value
/// came from.
struct ConfigurationPrecedenceTests {
    /// A folder with four different keys, one per place a key can come from, and a config file naming one.
    struct Keys {
        let folder: TemporaryDirectory
        let config: String

        init() throws {
            folder = try TemporaryDirectory()
            let etc = try folder.subfolder("etc")
            let credentials = try folder.subfolder("credentials")
            try Self.write("key-from-config-file\n", to: "\(etc)/api-key")
            try Self.write("key-from-variable-file\n", to: "\(folder.path)/variable-key")
            try Self.write("key-from-credential\n", to: "\(credentials)/api-key")
            config = "\(etc)/config.yaml"
            try Self.write("api:\n  key_file: api-key\narchive:\n  root: /srv/a\n", to: config)
        }

        static func write(_ text: String, to path: String) throws {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o600)
        }

        /// Each source of the key, from the first to the last in precedence.
        var sources: [(variable: String, value: String)] {
            [
                ("GETSCREEN_API_KEY", "key-from-variable"),
                ("GETSCREEN_API_KEY_FILE", "variable-key"),
                ("CREDENTIALS_DIRECTORY", "\(folder.path)/credentials"),
            ]
        }

        func load(_ environment: [String: String]) throws -> ArchiverConfiguration {
            try ConfigurationLoader.load(
                configFile: config, overrides: .init(), environment: environment, currentDirectory: folder.path)
        }
    }

    @Test(arguments: 0...3)
    func theKeyComesFromTheFirstSourceSet(firstSet: Int) throws {
        let keys = try Keys()
        defer { keys.folder.remove() }
        let environment = Dictionary(
            uniqueKeysWithValues: keys.sources.dropFirst(firstSet).map { ($0.variable, $0.value) })
        let configuration = try keys.load(environment)
        let expected = ["key-from-variable", "key-from-variable-file", "key-from-credential", "key-from-config-file"]
        #expect(configuration.apiKey.value == expected[firstSet])
        let origin = configuration.provenance.origin(of: "api.key").description
        let expectedOrigin = [
            "environment variable GETSCREEN_API_KEY",
            "file \(keys.folder.path)/variable-key (environment variable GETSCREEN_API_KEY_FILE)",
            "file \(keys.folder.path)/credentials/api-key (systemd credential api-key)",
            "file \(keys.folder.path)/etc/api-key (api.key_file (in \(keys.config), line 2))",
        ]
        #expect(origin == expectedOrigin[firstSet])
    }

    @Test func aCredentialsFolderWithoutTheKeyFallsBackToTheKeyFile() throws {
        let keys = try Keys()
        defer { keys.folder.remove() }
        let other = try keys.folder.subfolder("other-credentials")
        let configuration = try keys.load(["CREDENTIALS_DIRECTORY": other])
        #expect(configuration.apiKey.value == "key-from-config-file")
    }

    @Test func anUnreadableCredentialIsAnErrorNamingIt() throws {
        let keys = try Keys()
        defer { keys.folder.remove() }
        let folder = try keys.folder.subfolder("broken-credentials")
        try FileManager.default.createDirectory(atPath: "\(folder)/api-key", withIntermediateDirectories: false)
        let error = try #require(throws: ConfigurationError.self) {
            try keys.load(["CREDENTIALS_DIRECTORY": folder])
        }
        #expect(error.code == "api_key_file_unreadable")
        #expect(error.description.contains("\(folder)/api-key (from systemd credential api-key)"))
    }

    @Test func noKeyAnywhereNamesEverySource() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(
                configFile: nil, overrides: .init(archiveRoot: "/srv/a"), environment: [:], currentDirectory: "/")
        }
        for name in ["api.key_file", "GETSCREEN_API_KEY_FILE", "GETSCREEN_API_KEY", "LoadCredential=api-key"] {
            #expect(error.description.contains(name))
        }
    }

    @Test func pathsInTheFileAreRelativeToItsFolderAndFlagsToTheCurrentFolder() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let etc = try folder.subfolder("etc")
        let config = "\(etc)/config.yaml"
        try "archive:\n  root: ../archive\nstate_dir: state\n".write(toFile: config, atomically: true, encoding: .utf8)
        let environment = ["GETSCREEN_API_KEY": "k"]
        // Under systemd the current folder is /: nothing in the file may depend on it.
        let fromFile = try ConfigurationLoader.load(
            configFile: config, overrides: .init(), environment: environment, currentDirectory: "/")
        #expect(fromFile.archiveRoot == "\(folder.path)/archive")
        #expect(fromFile.stateDirectory == "\(etc)/state")
        let fromFlag = try ConfigurationLoader.load(
            configFile: config, overrides: .init(archiveRoot: "here"), environment: environment,
            currentDirectory: "/work")
        #expect(fromFlag.archiveRoot == "/work/here")
        let fromVariable = try ConfigurationLoader.load(
            configFile: config, overrides: .init(),
            environment: environment.merging(["GETSCREEN_ARCHIVER_ARCHIVE": "there"]) { $1 }, currentDirectory: "/work")
        #expect(fromVariable.archiveRoot == "/work/there")
    }

    @Test func everyValueSaysWhereItCameFrom() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let config = "\(folder.path)/config.yaml"
        let yaml = """
            api:
              base_url: https://api.example.com/v1
            archive:
              root: /srv/a
              min_free: 2GiB
            transfers: 3
            retry:
              attempts:
            """
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        let location = ConfigurationLocation(path: config, origin: .environment(variable: "GETSCREEN_ARCHIVER_CONFIG"))
        let configuration = try ConfigurationLoader.load(
            location: location, overrides: .init(transfers: 5),
            environment: [
                "GETSCREEN_API_KEY": "s3cr3t-KEY", "GETSCREEN_ARCHIVER_API_URL": "https://other.example/v1",
                "XDG_STATE_HOME": "/xdg",
            ],
            currentDirectory: "/")
        let listing = ConfigurationListing(configuration)
        let byKey = Dictionary(uniqueKeysWithValues: listing.entries.map { ($0.key, $0) })
        #expect(byKey["config file"]?.value == config)
        #expect(byKey["config file"]?.origin == "environment variable GETSCREEN_ARCHIVER_CONFIG")
        #expect(byKey["api.base_url"]?.origin == "environment variable GETSCREEN_ARCHIVER_API_URL")
        #expect(byKey["api.base_url"]?.value == "https://other.example/v1")
        #expect(byKey["api.key"]?.value == "<redacted>")
        #expect(byKey["api.key"]?.origin == "environment variable GETSCREEN_API_KEY")
        #expect(byKey["archive.root"]?.origin == "\(config):4")
        #expect(byKey["archive.min_free"]?.value == "2GiB")
        #expect(byKey["archive.min_free"]?.origin == "\(config):5")
        #expect(byKey["transfers"]?.value == "5")
        #expect(byKey["transfers"]?.origin == "--transfers")
        // Written but empty: not set, so the default.
        #expect(byKey["retry.attempts"]?.origin == "default")
        #expect(byKey["sync.overlap"]?.value == "14d")
        #expect(byKey["state_dir"]?.origin == "default ($XDG_STATE_HOME)")
        #expect(!listing.text.contains("s3cr3t"))
        #expect(!listing.text.contains("cr3t-K"))
    }

    @Test func withoutAFileTheListingSaysWhereItLooked() throws {
        let location = ConfigurationLocation(path: nil, origin: nil, searched: ["/etc/a.yaml", "/home/b.yaml"])
        let configuration = try ConfigurationLoader.load(
            location: location, overrides: .init(archiveRoot: "/srv/a"),
            environment: ["GETSCREEN_API_KEY": "k", "XDG_STATE_HOME": "/xdg"], currentDirectory: "/")
        let first = try #require(ConfigurationListing(configuration).entries.first)
        #expect(
            first == .init(key: "config file", value: "none", origin: "none found; searched /etc/a.yaml, /home/b.yaml"))
    }
}
