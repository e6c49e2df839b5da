import ArchiverTestSupport
import Foundation
import Testing

@testable import ArchiverCore

/// Where the configuration file is found when `--config` is not given; existence is decided by a set of paths, so
/// the machine's own `/etc` and home folder are never looked at.
struct ConfigurationDiscoveryTests {
    static let system = "/etc/getscreen-archiver/config.yaml"

    func locate(
        flag: String? = nil, _ environment: [String: String] = ["HOME": "/home/ann"], existing: Set<String>
    ) throws -> ConfigurationLocation {
        try ConfigurationDiscovery.locate(
            flag: flag, environment: environment, accountHome: "/home/from-passwd", exists: existing.contains)
    }

    @Test func theFlagWinsOverEverything() throws {
        let location = try locate(
            flag: "my.yaml", ["GETSCREEN_ARCHIVER_CONFIG": "/env.yaml", "HOME": "/home/ann"], existing: [Self.system])
        #expect(location == ConfigurationLocation(path: "my.yaml", origin: .flag))
    }

    @Test func theVariableWinsOverTheSearchedFilesEvenWhenItsFileIsMissing() throws {
        // A named file is used as named: reading it then fails with its path, rather than silently using another.
        let location = try locate(["GETSCREEN_ARCHIVER_CONFIG": "/env.yaml"], existing: [Self.system])
        #expect(
            location
                == ConfigurationLocation(path: "/env.yaml", origin: .environment(variable: "GETSCREEN_ARCHIVER_CONFIG"))
        )
    }

    @Test func anEmptyVariableIsAnErrorNamingIt() throws {
        let error = try #require(throws: ConfigurationError.self) {
            try locate(["GETSCREEN_ARCHIVER_CONFIG": " "], existing: [])
        }
        #expect(error.key == "GETSCREEN_ARCHIVER_CONFIG")
    }

    @Test func theSystemFileComesBeforeTheUserFile() throws {
        let user = "/home/ann/.config/getscreen-archiver/config.yaml"
        let location = try locate(existing: [Self.system, user])
        #expect(location.path == Self.system)
        #expect(location.origin == .systemFile)
        #expect(location.searched == [Self.system, user])
    }

    @Test func theUserFileIsInXDGConfigHome() throws {
        let user = "/cfg/getscreen-archiver/config.yaml"
        let location = try locate(["XDG_CONFIG_HOME": "/cfg/", "HOME": "/home/ann"], existing: [user])
        #expect(location.path == user)
        #expect(location.origin == .userFile(folder: "$XDG_CONFIG_HOME"))
    }

    @Test(arguments: [
        (["HOME": "/home/ann"], "/home/ann/.config/getscreen-archiver/config.yaml"),
        // A relative XDG_CONFIG_HOME is ignored, as the XDG base directory specification asks.
        (["HOME": "/home/ann", "XDG_CONFIG_HOME": "cfg"], "/home/ann/.config/getscreen-archiver/config.yaml"),
        ([:], "/home/from-passwd/.config/getscreen-archiver/config.yaml"),
    ])
    func withoutXDGConfigHomeTheUserFileIsInDotConfig(environment: [String: String], expected: String) throws {
        let location = try locate(environment, existing: [expected])
        #expect(location.path == expected)
        #expect(location.origin == .userFile(folder: "~/.config"))
    }

    @Test func nothingFoundListsThePlacesSearched() throws {
        let location = try locate(existing: [])
        #expect(location.path == nil)
        #expect(location.searched == [Self.system, "/home/ann/.config/getscreen-archiver/config.yaml"])
    }

    @Test func theSystemPathCanBeMovedForTests() throws {
        let location = try locate(
            ["GETSCREEN_ARCHIVER_SYSTEM_CONFIG": "/tmp/etc.yaml", "HOME": "/home/ann"],
            existing: [Self.system, "/tmp/etc.yaml"])
        #expect(location.path == "/tmp/etc.yaml")
        #expect(location.origin == .systemFile)
        #expect(!location.searched.contains(Self.system))
    }

    @Test func aFileThatCannotBeLookedAtCountsAsPresent() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        #expect(!ConfigurationDiscovery.isPresent(folder.path + "/missing.yaml"))
        #expect(!ConfigurationDiscovery.isPresent(folder.path + "/missing/config.yaml"))
        #expect(FileManager.default.createFile(atPath: folder.path + "/config.yaml", contents: Data()))
        #expect(ConfigurationDiscovery.isPresent(folder.path + "/config.yaml"))
        // A regular file used as a folder: ENOTDIR, so not there.
        #expect(!ConfigurationDiscovery.isPresent(folder.path + "/config.yaml/x"))
    }

    @Test func theMissingRootErrorNamesConfigAndTheSearchedPlaces() throws {
        let location = try locate(existing: [])
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(
                location: location, overrides: .init(), environment: ["GETSCREEN_API_KEY": "k"],
                currentDirectory: "/")
        }
        #expect(error.code == "archive_root_missing")
        let message = error.description
        #expect(message.contains("--config"))
        #expect(message.contains("GETSCREEN_ARCHIVER_CONFIG"))
        #expect(message.contains(Self.system))
        #expect(message.contains("/home/ann/.config/getscreen-archiver/config.yaml"))
        #expect(message.contains("--archive"))
    }
}
