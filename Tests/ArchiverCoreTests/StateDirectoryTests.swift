import ArchiverTestSupport
import Foundation
import Testing

@testable import ArchiverCore

/// Where the catalog goes when `state_dir` is not set, and the warning for one on a shared file system.
@Suite struct StateDirectoryTests {
    static let key = ["GETSCREEN_API_KEY": "k"]

    /// Writes `yaml` to `config.yaml` in `directory` and returns its path.
    static func write(in directory: TemporaryDirectory, _ yaml: String) throws -> String {
        let path = directory.path + "/config.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// (environment, running as root, account home, expected base)
    @Test(arguments: [
        (
            ["STATE_DIRECTORY": "/var/lib/ga-unit", "XDG_STATE_HOME": "/x", "HOME": "/home/a"], true, "/h",
            "/var/lib/ga-unit"
        ),
        (["STATE_DIRECTORY": "/var/lib/one:/var/lib/two"], false, "/h", "/var/lib/one"),
        (["XDG_STATE_HOME": "/x/state/", "HOME": "/home/a"], true, "/h", "/x/state/getscreen-archiver"),
        (["XDG_STATE_HOME": "relative", "HOME": "/home/a"], false, "/h", "/home/a/.local/state/getscreen-archiver"),
        (["HOME": "/home/a"], true, "/h", "/var/lib/getscreen-archiver"),
        (["HOME": "/home/a"], false, "/h", "/home/a/.local/state/getscreen-archiver"),
        ([:], false, "/home/b", "/home/b/.local/state/getscreen-archiver"),
    ])
    func choosesTheBaseFolder(environment: [String: String], isRoot: Bool, accountHome: String, expected: String) {
        #expect(
            StateDirectory.base(environment: environment, isRoot: isRoot, accountHome: accountHome)?.path == expected)
    }

    @Test func hasNoBaseWithoutAnyHome() {
        #expect(StateDirectory.base(environment: [:], isRoot: false, accountHome: nil) == nil)
    }

    @Test func namesEachArchiveFolderReadablyAndDistinctly() throws {
        let name = StateDirectory.folderName(forArchive: "/mnt/nas/getscreen")
        let hash = try #require(name.split(separator: "-").last)
        #expect(name == "mnt-nas-getscreen-\(hash)")
        #expect(hash.count == 8 && hash.allSatisfy(\.isHexDigit))
        // The name must never change between versions (a new name is a new, empty catalog): the first 8 hex digits
        // of the path's SHA-256, as `printf /mnt/nas/getscreen | sha256sum` prints them.
        #expect(hash == "59028831")
        // Same readable part, another root: another folder. The same root written with a trailing slash: the same.
        #expect(StateDirectory.folderName(forArchive: "/mnt/nas-getscreen").hasPrefix("mnt-nas-getscreen-"))
        #expect(StateDirectory.folderName(forArchive: "/mnt/nas-getscreen") != name)
        #expect(StateDirectory.folderName(forArchive: "/mnt/nas/getscreen/") == name)
        #expect(StateDirectory.folderName(forArchive: "/srv/Büro archive").hasPrefix("srv-B_ro_archive-"))
        #expect(StateDirectory.folderName(forArchive: "/").hasPrefix("root-"))
        let long = StateDirectory.folderName(forArchive: "/" + String(repeating: "a/", count: 60) + "end")
        #expect(long.count <= 64 + 9 && long.hasSuffix(String(long.suffix(8))) && long.contains("a-end-"))
    }

    @Test func theLoaderPutsTheCatalogInTheArchivesOwnLocalFolderByDefault() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let overrides = ConfigurationOverrides(archiveRoot: "/mnt/nas/getscreen")
        let name = StateDirectory.folderName(forArchive: "/mnt/nas/getscreen")
        let environment = Self.key.merging(["XDG_STATE_HOME": directory.path + "/xdg", "HOME": "/home/a"]) { $1 }

        let byXDG = try ConfigurationLoader.load(
            configFile: nil, overrides: overrides, environment: environment, currentDirectory: "/")
        let asRoot = try ConfigurationLoader.load(
            configFile: nil, overrides: overrides, environment: Self.key, currentDirectory: "/", isRoot: true)
        let bySystemd = try ConfigurationLoader.load(
            configFile: nil, overrides: overrides,
            environment: environment.merging(["STATE_DIRECTORY": "/var/lib/ga-unit"]) { $1 }, currentDirectory: "/")

        #expect(byXDG.stateDirectory == "\(directory.path)/xdg/getscreen-archiver/\(name)")
        #expect(byXDG.stateDirectorySource == .defaultFolder(reason: "$XDG_STATE_HOME"))
        #expect(byXDG.catalogPath == "\(directory.path)/xdg/getscreen-archiver/\(name)/catalog.sqlite")
        #expect(asRoot.stateDirectory == "/var/lib/getscreen-archiver/\(name)")
        #expect(bySystemd.stateDirectory == "/var/lib/ga-unit/\(name)")
        // The loader only decides: nothing is created until a run writes the catalog.
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/xdg"))
    }

    @Test func anExplicitStateDirectoryHoldsTheCatalogItself() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try Self.write(in: directory, "archive:\n  root: /srv/a\nstate_dir: state\n")
        let configuration = try ConfigurationLoader.load(
            configFile: config, overrides: ConfigurationOverrides(),
            environment: Self.key.merging(["XDG_STATE_HOME": "/x"]) { $1 }, currentDirectory: directory.path)
        #expect(configuration.stateDirectory == directory.path + "/state")
        #expect(configuration.stateDirectorySource.isConfigured)
        #expect("\(configuration.stateDirectorySource)".hasPrefix("state_dir (in \(config), line 3)"))
    }

    @Test(arguments: [FileSystemKind.nfs, .smb, .fuse])
    func warnsOfACatalogOnASharedFileSystem(kind: FileSystemKind) throws {
        let configured = StateDirectory.Source.configured(.file(key: "state_dir", path: "/etc/ga.yaml", line: 4))
        let warning = try #require(
            StateDirectory.sharedFileSystemWarning(folder: "/mnt/nas/state", source: configured, kind: kind))
        #expect(warning.contains("/mnt/nas/state"))
        #expect(warning.contains("state_dir (in /etc/ga.yaml, line 4)"))
        #expect(warning.contains("\(kind)"))
        #expect(warning.contains("disk I/O error") && warning.contains("database is locked"))
        #expect(warning.contains("set state_dir to a folder on a local disk"))
    }

    @Test func doesNotWarnOnALocalDisk() throws {
        let configured = StateDirectory.Source.configured(.file(key: "state_dir", path: nil, line: nil))
        #expect(StateDirectory.sharedFileSystemWarning(folder: "/var/lib/x", source: configured, kind: .local) == nil)
        // /dev/shm (tmpfs) and a temporary folder are local: checked for real, through a folder not yet created.
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for folder in ["/dev/shm/getscreen-archiver-test/a/b", directory.path + "/not/yet"] {
            let kind = try #require(StateDirectory.fileSystemKind(ofNearestExisting: folder))
            #expect(kind == .local)
        }
        let loaded = try ConfigurationLoader.load(
            configFile: try Self.write(in: directory, "archive:\n  root: /srv/a\nstate_dir: \(directory.path)/state\n"),
            overrides: ConfigurationOverrides(), environment: Self.key, currentDirectory: "/")
        #expect(loaded.warnings.isEmpty)
    }
}
