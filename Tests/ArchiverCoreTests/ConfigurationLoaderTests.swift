import Foundation
import Testing

@testable import ArchiverCore

/// A fresh directory per test, removed when the test's reference goes away.
private final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("config-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` inside the directory and returns the full path.
    @discardableResult
    func write(_ text: String, to name: String = "config.yaml") throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }
}

struct ConfigurationLoaderTests {
    static let secret = "s3cr3t-KEY-value"
    static let keyEnvironment = ["GETSCREEN_API_KEY": secret]

    private func load(
        _ yaml: String?,
        in directory: TemporaryDirectory,
        overrides: ConfigurationOverrides = ConfigurationOverrides(archiveRoot: "/srv/archive"),
        environment: [String: String] = keyEnvironment
    ) throws(ConfigurationError) -> ArchiverConfiguration {
        let file: String?
        do {
            file = try yaml.map { try directory.write($0) }
        } catch {
            fatalError("cannot write the test configuration: \(error)")
        }
        return try ConfigurationLoader.load(
            configFile: file,
            overrides: overrides,
            environment: environment,
            currentDirectory: directory.path
        )
    }

    private func loadError(
        _ yaml: String?,
        in directory: TemporaryDirectory,
        overrides: ConfigurationOverrides = ConfigurationOverrides(archiveRoot: "/srv/archive"),
        environment: [String: String] = keyEnvironment,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> ConfigurationError {
        let error = try #require(throws: ConfigurationError.self, sourceLocation: sourceLocation) {
            _ = try load(yaml, in: directory, overrides: overrides, environment: environment)
        }
        #expect(!error.description.contains(Self.secret), sourceLocation: sourceLocation)
        return error
    }

    // MARK: - Values and defaults

    @Test func readsEveryKeyOfTheFile() throws {
        let directory = try TemporaryDirectory()
        try directory.write("  \(Self.secret)\n", to: "secrets/api-key")
        let configuration = try load(
            """
            api:
              base_url: https://api.example.test/v1/
              key_file: secrets/api-key
            archive:
              root: /mnt/nas/getscreen
              layout: "{agent_id}/{date}/{session_id}"
              timezone: Europe/Berlin
            transfers: 8
            media_hosts: ["*.getscreen.me", "127.0.0.1"]
            allow_insecure_http: true
            """,
            in: directory,
            overrides: ConfigurationOverrides(),
            environment: [:]
        )
        #expect(configuration.apiBaseURL.absoluteString == "https://api.example.test/v1")
        #expect(configuration.apiKey.value == Self.secret)
        #expect(configuration.archiveRoot == "/mnt/nas/getscreen")
        #expect(configuration.layout.template == "{agent_id}/{date}/{session_id}")
        #expect(configuration.timeZone.identifier == "Europe/Berlin")
        #expect(configuration.transfers == 8)
        #expect(configuration.mediaHosts.map(\.description) == ["*.getscreen.me", "127.0.0.1"])
        #expect(configuration.allowInsecureHTTP)
    }

    @Test(arguments: [nil, "", "# only a comment\n", "~\n", "api:\narchive:\n  root:\n"])
    func usesDefaultsForAnEmptyOrMissingFile(yaml: String?) throws {
        let directory = try TemporaryDirectory()
        let configuration = try load(yaml, in: directory)
        #expect(configuration.apiBaseURL.absoluteString == "https://api.getscreen.me/v1")
        #expect(configuration.apiKey.value == Self.secret)
        #expect(configuration.archiveRoot == "/srv/archive")
        #expect(configuration.layout == .default)
        #expect(configuration.timeZone == .utc)
        #expect(configuration.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: 0)) == 0)
        #expect(configuration.transfers == 4)
        #expect(configuration.mediaHosts.map(\.description) == ["*.getscreen.me"])
        #expect(!configuration.allowInsecureHTTP)
        #expect(!configuration.stateDirectorySource.isConfigured)
        #expect(
            configuration.stateDirectory.hasSuffix(
                "/getscreen-archiver/srv-archive-"
                    + configuration.stateDirectory.suffix(8)))
        #expect(configuration.syncOverlap == .seconds(14 * 86_400))
        #expect(configuration.syncFullEvery == .seconds(7 * 86_400))
        #expect(configuration.mountRequirement == .none)
        #expect(configuration.assumedFreeBytes == nil)
        #expect(configuration.minimumFreeBytes == 1 << 30)
        #expect(configuration.retryAttempts == 5)
        #expect(configuration.retryMaxDelay == .seconds(60))
        #expect(configuration.connectTimeout == .seconds(30))
        #expect(configuration.stallTimeout == .seconds(60))
        #expect(configuration.storageTimeout == .seconds(120))
    }

    @Test func readsTheReliabilityKeys() throws {
        let directory = try TemporaryDirectory()
        let configuration = try load(
            """
            state_dir: state/here
            archive:
              require_mount: true
              min_free: 10GiB
            sync:
              overlap: 3d
              full_every: 0
            retry:
              attempts: 7
              max_delay: 5m
            timeouts:
              connect: 10s
              stall: 90
              storage: 30s
            """,
            in: directory
        )
        #expect(configuration.stateDirectory == directory.path + "/state/here")
        #expect(configuration.mountRequirement == .rootIsMountPoint)
        #expect(configuration.minimumFreeBytes == 10 << 30)
        #expect(configuration.syncOverlap == .seconds(3 * 86_400))
        #expect(configuration.syncFullEvery == .zero)
        #expect(configuration.retryAttempts == 7)
        #expect(configuration.retryMaxDelay == .seconds(300))
        #expect(configuration.connectTimeout == .seconds(10))
        #expect(configuration.stallTimeout == .seconds(90))
        #expect(configuration.storageTimeout == .seconds(30))
    }

    @Test func requireMountTakesABooleanOrTheMountPointAboveTheRoot() throws {
        let directory = try TemporaryDirectory()
        #expect(try load("archive:\n  require_mount: false\n", in: directory).mountRequirement == .none)
        #expect(try load("archive:\n  require_mount: yes\n", in: directory).mountRequirement == .rootIsMountPoint)
        #expect(
            try load("archive:\n  require_mount: /mnt/smb/\n", in: directory).mountRequirement
                == .mountPoint("/mnt/smb"))
        let error = try loadError("archive:\n  require_mount: mnt/smb\n", in: directory)
        #expect(error.description.contains("the absolute path of the mount point"))
        #expect(error.description.contains("archive.require_mount"))
    }

    @Test func assumeFreeIsASize() throws {
        let directory = try TemporaryDirectory()
        #expect(try load("archive:\n  assume_free: 2TiB\n", in: directory).assumedFreeBytes == 2 << 40)
        let error = try loadError("archive:\n  assume_free: lots\n", in: directory)
        #expect(error.description.contains("archive.assume_free"))
    }

    @Test(arguments: [
        ("0", 0), ("45", 45), ("30s", 30), ("5m", 300), ("2h", 7200), ("2d", 172_800), (" 7d ", 604_800),
        ("365d", 31_536_000),
    ])
    func parsesDurations(text: String, seconds: Int) throws {
        let directory = try TemporaryDirectory()
        let configuration = try load("sync:\n  overlap: \"\(text)\"\n", in: directory)
        #expect(configuration.syncOverlap == .seconds(seconds))
    }

    @Test(arguments: [
        ("0", 0), ("1234", 1234), ("500MiB", 500 << 20), ("10GiB", 10 << 30), ("1TiB", 1 << 40), ("2GB", 2_000_000_000),
        ("3 MB", 3_000_000), ("4KiB", 4096), ("5kB", 5000), ("6B", 6),
    ])
    func parsesSizes(text: String, bytes: Int) throws {
        let directory = try TemporaryDirectory()
        let configuration = try load("archive:\n  min_free: \(text)\n", in: directory)
        #expect(configuration.minimumFreeBytes == bytes)
    }

    @Test func loadsTheExampleFile() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../config/getscreen-archiver.example.yaml"
        ).standardizedFileURL.path
        let configuration = try ConfigurationLoader.load(
            configFile: example, overrides: ConfigurationOverrides(), environment: [:], requiresAPIKey: false)
        #expect(configuration.archiveRoot == "/mnt/nas/getscreen")
        #expect(configuration.syncOverlap == ArchiverConfiguration.defaultSyncOverlap)
        #expect(configuration.minimumFreeBytes == ArchiverConfiguration.defaultMinimumFreeBytes)
        #expect(configuration.stallTimeout == ArchiverConfiguration.defaultStallTimeout)
        #expect(configuration.storageTimeout == ArchiverConfiguration.defaultStorageTimeout)
    }

    @Test func readsAStateDirectoryAsGiven() throws {
        let directory = try TemporaryDirectory()
        let configuration = try load("state_dir: /var/lib/getscreen-archiver/\n", in: directory)
        #expect(configuration.stateDirectory == "/var/lib/getscreen-archiver")
    }

    @Test func skipsTheAPIKeyWhenNotRequired() throws {
        let directory = try TemporaryDirectory()
        let configuration = try ConfigurationLoader.load(
            configFile: try directory.write("api:\n  key_file: /nonexistent/key\n"),
            overrides: ConfigurationOverrides(archiveRoot: "/srv/archive"),
            environment: ["GETSCREEN_API_KEY": ""],
            requiresAPIKey: false,
            currentDirectory: directory.path
        )
        #expect(!configuration.apiKey.isLoaded)
        #expect(configuration.apiKey.value.isEmpty)
        #expect(configuration.archiveRoot == "/srv/archive")
        let required = try loadError("api:\n  key_file: /nonexistent/key\n", in: directory, environment: [:])
        #expect(required.code == "api_key_file_unreadable")
    }

    @Test(arguments: [
        ("archive", "archive"), ("./a/../archive/", "archive"), ("/abs/root/", "/abs/root"), ("/", "/"),
    ])
    func resolvesArchiveRootAgainstCurrentDirectory(root: String, expected: String) throws {
        let directory = try TemporaryDirectory()
        let configuration = try load(nil, in: directory, overrides: ConfigurationOverrides(archiveRoot: root))
        let absolute =
            expected.hasPrefix("/")
            ? expected : URL(fileURLWithPath: directory.path).appendingPathComponent(expected).path
        #expect(configuration.archiveRoot == absolute)
    }

    // MARK: - Precedence: flag > environment > file > default

    /// (flag given, environment given, file given, expected winner)
    @Test(arguments: [
        (true, true, true, "flag"), (false, true, true, "env"), (false, false, true, "file"),
        (false, false, false, "default"), (true, false, true, "flag"), (true, true, false, "flag"),
    ])
    func appliesPrecedence(flag: Bool, env: Bool, file: Bool, winner: String) throws {
        let directory = try TemporaryDirectory()
        let urls = [
            "flag": "https://flag.test", "env": "https://env.test", "file": "https://file.test",
            "default": "https://api.getscreen.me/v1",
        ]
        let roots = ["flag": "/flag", "env": "/env", "file": "/file"]
        let transfers = ["flag": 2, "env": 3, "file": 5, "default": 4]
        var environment = Self.keyEnvironment
        if env {
            environment["GETSCREEN_ARCHIVER_API_URL"] = urls["env"]
            environment["GETSCREEN_ARCHIVER_ARCHIVE"] = roots["env"]
            environment["GETSCREEN_ARCHIVER_TRANSFERS"] = "3"
        }
        let yaml = file ? "api:\n  base_url: https://file.test\narchive:\n  root: /file\ntransfers: 5\n" : ""
        let overrides =
            flag
            ? ConfigurationOverrides(apiBaseURL: urls["flag"], archiveRoot: roots["flag"], transfers: 2)
            : ConfigurationOverrides(archiveRoot: winner == "default" ? "/default" : nil)
        let configuration = try load(yaml, in: directory, overrides: overrides, environment: environment)
        #expect(configuration.apiBaseURL.absoluteString == urls[winner])
        #expect(configuration.archiveRoot == roots[winner] ?? "/default")
        #expect(configuration.transfers == transfers[winner])
    }

    @Test func readsOnlyTheDocumentedVariables() throws {
        let directory = try TemporaryDirectory()
        var environment = Self.keyEnvironment
        environment["TRANSFERS"] = "7"
        environment["ARCHIVE_ROOT"] = "/elsewhere"
        environment["GETSCREEN_ARCHIVER_TIMEZONE"] = "Asia/Tokyo"
        let configuration = try load("transfers: 6\n", in: directory, environment: environment)
        #expect(configuration.transfers == 6)
        #expect(configuration.archiveRoot == "/srv/archive")
        #expect(configuration.timeZone == .utc)
        #expect(configuration.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: 0)) == 0)
    }

    // MARK: - File errors

    @Test func reportsAMissingConfigFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/nope.yaml"
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(configFile: path, overrides: .init(), environment: Self.keyEnvironment)
        }
        #expect(error == .fileUnreadable(path: path, reason: "no such file"))
        #expect(error.description.contains(path))
        #expect(error.description.contains("config/getscreen-archiver.example.yaml"))
    }

    @Test func reportsADirectoryAsConfigFile() throws {
        let directory = try TemporaryDirectory()
        let error = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(configFile: directory.path, overrides: .init(), environment: [:])
        }
        #expect(error == .fileUnreadable(path: directory.path, reason: "it is a directory"))
    }

    /// Found by FuzzConfigurationFile: `FileManager.contents(atPath:)` leaked its buffer on an empty file. The file is
    /// now read through a descriptor, at most `maximumFileBytes` of it, so an empty file, one at the limit and a byte
    /// order mark read as before, and a larger file is refused; a device or FIFO is refused before any read, so that
    /// neither fills memory nor blocks.
    @Test func readsTheFileWithinItsSizeLimit() throws {
        let directory = try TemporaryDirectory()
        #expect(try load("", in: directory).transfers == ArchiverConfiguration.defaultTransfers)
        #expect(try load("\u{FEFF}transfers: 6\n", in: directory).transfers == 6)
        let limit = ConfigurationFile.maximumFileBytes
        let comment = "#" + String(repeating: "x", count: limit - 2) + "\n"
        #expect(try load(comment, in: directory).transfers == ArchiverConfiguration.defaultTransfers)
        let reason = "it is larger than 1 MiB, not a configuration file"
        let error = try loadError(comment + "\n", in: directory)
        #expect(error == .fileUnreadable(path: directory.path + "/config.yaml", reason: reason))
        let device = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(configFile: "/dev/zero", overrides: .init(), environment: Self.keyEnvironment)
        }
        #expect(device == .fileUnreadable(path: "/dev/zero", reason: "it is not a regular file"))
        let fifo = directory.path + "/fifo.yaml"
        #expect(mkfifo(fifo, 0o600) == 0)
        let pipe = try #require(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(configFile: fifo, overrides: .init(), environment: Self.keyEnvironment)
        }
        #expect(pipe == .fileUnreadable(path: fifo, reason: "it is not a regular file"))
    }

    @Test(arguments: [
        ("archive:\n  rot: /x\n", "archive.rot", 2, "root, layout, timezone", "archive.root"),
        ("transfer: 3\n", "transfer", 1, "api, archive, transfers, media_hosts, allow_insecure_http", "transfers"),
        ("root: /x\n", "root", 1, "api, archive, transfers", "archive.root"),
        ("api:\n  base_url: https://x.test\n  key: abc123\n", "api.key", 3, "base_url, key_file", nil),
        ("archive:\n  TimeZone: UTC\n", "archive.TimeZone", 2, "root, layout, timezone", "archive.timezone"),
        ("media-hosts: []\n", "media-hosts", 1, "media_hosts", "media_hosts"),
        ("colour: blue\n", "colour", 1, "allow_insecure_http, state_dir, sync, retry, timeouts", nil),
        ("sync:\n  overlaps: 1d\n", "sync.overlaps", 2, "overlap", "sync.overlap"),
        ("retry:\n  max_delays: 1m\n", "retry.max_delays", 2, "attempts, max_delay", "retry.max_delay"),
        ("timeouts:\n  stal: 1m\n", "timeouts.stal", 2, "connect, stall", "timeouts.stall"),
        ("overlap: 1d\n", "overlap", 1, "sync, retry, timeouts", "sync.overlap"),
        ("archive:\n  min-free: 1GiB\n", "archive.min-free", 2, "require_mount, min_free", "archive.min_free"),
    ])
    func rejectsUnknownKeys(yaml: String, key: String, line: Int, allowed: String, suggestion: String?) throws {
        let directory = try TemporaryDirectory()
        let error = try loadError(yaml, in: directory)
        guard case .unknownKey(let reportedKey, let path, let reportedLine, _, let reportedSuggestion) = error else {
            Issue.record("unexpected error \(error)")
            return
        }
        #expect(reportedKey == key)
        #expect(error.key == key)
        #expect(path == directory.path + "/config.yaml")
        #expect(reportedLine == line)
        #expect(reportedSuggestion == suggestion)
        #expect(error.description.hasPrefix("unknown key \(key) in \(path), line \(line); allowed "))
        #expect(error.description.contains(allowed))
        #expect(!error.description.contains("abc123"))
        if let suggestion { #expect(error.description.hasSuffix("did you mean \(suggestion)?")) }
    }

    /// (yaml, key at fault, line, text the message must show)
    @Test(arguments: [
        ("transfers: four\n", "transfers", 1, "(got \"four\")"),
        ("transfers: 0\n", "transfers", 1, "a whole number from 1 to 32 (got \"0\")"),
        ("\ntransfers: 500\n", "transfers", 2, "(got \"500\")"),
        ("transfers: 2.5\n", "transfers", 1, "(got \"2.5\")"),
        ("archive:\n  timezone: Mars/Base\n", "archive.timezone", 2, "time zone identifier such as UTC"),
        ("api:\n  base_url: ftp://files.test\n", "api.base_url", 2, "(got \"ftp://files.test\")"),
        ("api:\n  base_url: not a url\n", "api.base_url", 2, "absolute http(s) URL"),
        ("api:\n  base_url: https://x.test/v1?x=1\n", "api.base_url", 2, "without query"),
        ("archive:\n  layout: \"{agent}/{session_id}\"\n", "archive.layout", 2, "unknown placeholder {agent}"),
        ("archive:\n  layout: /abs/{session_id}\n", "archive.layout", 2, "absolute path"),
        ("media_hosts: \"*.getscreen.me\"\n", "media_hosts", 1, "a list of host patterns"),
        ("media_hosts: []\n", "media_hosts", 1, "(got an empty list)"),
        ("media_hosts:\n  - st.getscreen.me\n  - [a]\n", "media_hosts[1]", 3, "a host pattern string (got a list)"),
        ("media_hosts:\n  - https://st.getscreen.me\n", "media_hosts[0]", 2, "(got \"https://st.getscreen.me\")"),
        ("allow_insecure_http: maybe\n", "allow_insecure_http", 1, "true or false (got \"maybe\")"),
        ("allow_insecure_http: \"true\"\n", "allow_insecure_http", 1, "true or false"),
        ("api: 3\n", "api", 1, "a mapping with the keys base_url, key_file (got \"3\")"),
        ("archive:\n  root: [a, b]\n", "archive.root", 2, "a single value (got a list)"),
        ("sync:\n  overlap: 2 days\n", "sync.overlap", 2, "a duration from 0s to 365d, written as a whole number"),
        ("sync:\n  overlap: 400d\n", "sync.overlap", 2, "(got \"400d\")"),
        ("sync:\n  overlap: -1d\n", "sync.overlap", 2, "(got \"-1d\")"),
        ("sync:\n  overlap: 1.5h\n", "sync.overlap", 2, "\"30s\", \"5m\", \"2h\", \"2d\""),
        ("sync:\n  full_every: 400d\n", "sync.full_every", 2, "a duration from 0s to 365d"),
        ("sync:\n  full_every: weekly\n", "sync.full_every", 2, "(got \"weekly\")"),
        ("sync: 2d\n", "sync", 1, "a mapping with the keys overlap, full_every"),
        ("retry:\n  attempts: 0\n", "retry.attempts", 2, "a whole number from 1 to 20 (got \"0\")"),
        ("retry:\n  attempts: 21\n", "retry.attempts", 2, "(got \"21\")"),
        ("retry:\n  attempts: many\n", "retry.attempts", 2, "(got \"many\")"),
        ("retry:\n  max_delay: 0s\n", "retry.max_delay", 2, "a duration from 1s to 1h"),
        ("retry:\n  max_delay: 2h\n", "retry.max_delay", 2, "(got \"2h\")"),
        ("timeouts:\n  connect: 0\n", "timeouts.connect", 2, "a duration from 1s to 10m"),
        ("timeouts:\n  stall: soon\n", "timeouts.stall", 2, "(got \"soon\")"),
        ("timeouts:\n  storage: 1s\n", "timeouts.storage", 2, "a duration from 5s to 1h"),
        ("timeouts:\n  storage: 2h\n", "timeouts.storage", 2, "(got \"2h\")"),
        ("archive:\n  min_free: 10 GiBs\n", "archive.min_free", 2, "a size written as a whole number with a unit"),
        ("archive:\n  min_free: 1.5GiB\n", "archive.min_free", 2, "(got \"1.5GiB\")"),
        ("archive:\n  min_free: 99999999999TiB\n", "archive.min_free", 2, "(got \"99999999999TiB\")"),
        ("archive:\n  require_mount: yes please\n", "archive.require_mount", 2, "true, false, or the absolute path"),
        ("state_dir: \"\"\n", "state_dir", 1, "the path of a folder for the catalog"),
        ("state_dir: [a]\n", "state_dir", 1, "a single value (got a list)"),
    ])
    func rejectsBadValues(yaml: String, key: String, line: Int, shows: String) throws {
        let directory = try TemporaryDirectory()
        let error = try loadError(yaml, in: directory)
        #expect(error.key == key)
        #expect(error.description.hasPrefix("\(key) (in \(directory.path)/config.yaml, line \(line)) "))
        #expect(error.description.contains(shows), "\(error)")
    }

    /// Paths in the file and flags: relative to a folder, `.` and `..` resolved, `~` a home folder (as documented in
    /// config/getscreen-archiver.example.yaml).
    @Test(arguments: [
        ("key", "/etc/conf/key"), ("../key", "/etc/key"), ("/a/./b//c/", "/a/b/c"), ("../../..", "/"),
        ("~/key", NSHomeDirectory() + "/key"), ("~root/key", "/root/key"), ("x y/z%20", "/etc/conf/x y/z%20"),
    ])
    func pathsAreMadeAbsolute(path: String, expected: String) {
        #expect(ConfigurationLoader.absolutePath(path, currentDirectory: "/etc/conf") == expected)
    }

    /// Found by FuzzConfigurationFile: a NUL in a quoted value became `%00` in the archive root's path.
    @Test(arguments: [
        ("archive:\n  root: \"/mnt/a\\0b\"\n", "archive.root"), ("api:\n  key_file: \"k\\0\"\n", "api.key_file"),
        ("state_dir: \"/var/\\0\"\n", "state_dir"),
    ])
    func aNULInAValueIsRefusedNamingTheKey(yaml: String, key: String) throws {
        let directory = try TemporaryDirectory()
        let error = try loadError(yaml, in: directory, overrides: ConfigurationOverrides())
        guard case .invalidValue(let value, let source, let expected) = error else {
            Issue.record("expected invalidValue, got \(error)")
            return
        }
        #expect(value.contains("\\0") && !value.utf8.contains(0))
        #expect(source.description.contains(key), "\(source)")
        #expect(expected == "text without NUL")
    }

    @Test(arguments: ["- a\n- b\n", "just a string\n", "42\n"])
    func rejectsANonMappingTopLevel(yaml: String) throws {
        let directory = try TemporaryDirectory()
        let error = try loadError(yaml, in: directory)
        #expect(error == .topLevelNotMapping(path: directory.path + "/config.yaml", line: 1))
        #expect(error.description.contains("must be a mapping of keys at the top level"))
    }

    @Test(arguments: [
        ("archive: [\n", 2),
        ("transfers: 4\ntransfers: 5\n", 1),
        ("api:\n  base_url: x\n bad indent: 1\n", 3),
    ])
    func reportsMalformedYAML(yaml: String, line: Int) throws {
        let directory = try TemporaryDirectory()
        let error = try loadError(yaml, in: directory)
        guard case .malformedFile(let path, let reportedLine, _) = error else {
            Issue.record("unexpected error \(error)")
            return
        }
        #expect(path == directory.path + "/config.yaml")
        #expect(reportedLine == line)
        #expect(error.description.contains("is not valid YAML, line \(line)"))
    }

    // MARK: - Environment and flag errors

    @Test(arguments: [
        ("GETSCREEN_ARCHIVER_TRANSFERS", "many", "(got \"many\")"),
        ("GETSCREEN_ARCHIVER_TRANSFERS", "33", "from 1 to 32"),
        ("GETSCREEN_ARCHIVER_TRANSFERS", "", "(got \"\")"),
        ("GETSCREEN_ARCHIVER_API_URL", "api.getscreen.me", "absolute http(s) URL"),
        ("GETSCREEN_ARCHIVER_ARCHIVE", "  ", "the path of the archive folder"),
    ])
    func namesTheBadEnvironmentVariable(variable: String, value: String, shows: String) throws {
        let directory = try TemporaryDirectory()
        var environment = Self.keyEnvironment
        environment[variable] = value
        let error = try loadError(nil, in: directory, overrides: .init(), environment: environment)
        #expect(error.key == variable)
        #expect(error.description.hasPrefix("environment variable \(variable) must be"))
        #expect(error.description.contains(shows))
    }

    @Test(arguments: [0, -1, 33])
    func namesTheTransfersFlag(transfers: Int) throws {
        let directory = try TemporaryDirectory()
        let overrides = ConfigurationOverrides(archiveRoot: "/a", transfers: transfers)
        let error = try loadError("transfers: 4\n", in: directory, overrides: overrides)
        #expect(
            error
                == .invalidValue(
                    value: String(transfers), source: .flag(name: "--transfers"),
                    expected: "a whole number from 1 to 32"))
        #expect(error.description == "--transfers must be a whole number from 1 to 32 (got \"\(transfers)\")")
    }

    @Test func namesTheAPIURLFlag() throws {
        let directory = try TemporaryDirectory()
        let error = try loadError(nil, in: directory, overrides: .init(apiBaseURL: "mailto:x", archiveRoot: "/a"))
        #expect(error.key == "--api-url")
    }

    // MARK: - Insecure HTTP

    @Test(
        arguments: [
            ("api:\n  base_url: http://127.0.0.1:8080/v1\n", nil, [:], "api.base_url"),
            ("", "http://127.0.0.1:8080/v1", [:], "--api-url"),
            ("", nil, ["GETSCREEN_ARCHIVER_API_URL": "http://127.0.0.1:8080/v1"], "GETSCREEN_ARCHIVER_API_URL"),
        ] as [(String, String?, [String: String], String)])
    func rejectsPlainHTTPUnlessAllowed(yaml: String, flag: String?, environment: [String: String], key: String) throws {
        let directory = try TemporaryDirectory()
        let overrides = ConfigurationOverrides(apiBaseURL: flag, archiveRoot: "/a")
        let environment = environment.merging(Self.keyEnvironment) { $1 }
        let error = try loadError(yaml, in: directory, overrides: overrides, environment: environment)
        #expect(error.key == key)
        #expect(error.code == "api_url_insecure")
        #expect(error.description.contains("http://127.0.0.1:8080/v1"))
        #expect(error.description.contains("use https, or set allow_insecure_http: true"))

        let allowed = try load(
            yaml + "allow_insecure_http: true\n", in: directory, overrides: overrides,
            environment: environment)
        #expect(allowed.apiBaseURL.absoluteString == "http://127.0.0.1:8080/v1")
        #expect(allowed.allowInsecureHTTP)
    }

    // MARK: - Archive root

    @Test func requiresAnArchiveRoot() throws {
        let directory = try TemporaryDirectory()
        let error = try loadError("transfers: 2\n", in: directory, overrides: .init())
        let file = directory.path + "/config.yaml"
        #expect(error == .missingArchiveRoot(searched: [], file: file))
        #expect(
            error.description.hasPrefix(
                "no archive root: set archive.root in the config file \(file), pass --archive "
                    + "(or set GETSCREEN_ARCHIVER_ARCHIVE), or pass --config with another file"))
    }

    @Test func rejectsAnEmptyArchiveFlag() throws {
        let directory = try TemporaryDirectory()
        let error = try loadError(nil, in: directory, overrides: .init(archiveRoot: ""))
        #expect(error.key == "--archive")
    }

    // MARK: - API key

    @Test func prefersTheEnvironmentKeyOverTheKeyFile() throws {
        let directory = try TemporaryDirectory()
        let configuration = try load("api:\n  key_file: /does/not/exist\n", in: directory)
        #expect(configuration.apiKey.value == Self.secret)
    }

    @Test func readsTheKeyFileRelativeToTheConfigFolder() throws {
        let directory = try TemporaryDirectory()
        try directory.write("\(Self.secret)\r\n", to: "etc/key")
        let file = try directory.write("api:\n  key_file: key\narchive:\n  root: /a\n", to: "etc/archiver.yaml")
        let configuration = try ConfigurationLoader.load(configFile: file, overrides: .init(), environment: [:])
        #expect(configuration.apiKey.value == Self.secret)
    }

    @Test func resolvesARelativeConfigPathAgainstTheCurrentDirectoryAndPathsInItAgainstItsFolder() throws {
        let directory = try TemporaryDirectory()
        try directory.write(Self.secret, to: "etc/key")
        try directory.write("api:\n  key_file: key\narchive:\n  root: data\n", to: "etc/archiver.yaml")
        let configuration = try ConfigurationLoader.load(
            configFile: "etc/archiver.yaml",
            overrides: .init(),
            environment: [:],
            currentDirectory: directory.path
        )
        #expect(configuration.apiKey.value == Self.secret)
        // archive.root is relative to the config file's folder, as api.key_file is.
        #expect(configuration.archiveRoot == directory.path + "/etc/data")
    }

    @Test func reportsAMissingKeyFileByPath() throws {
        let directory = try TemporaryDirectory()
        let error = try loadError("api:\n  key_file: missing-key\n", in: directory, environment: [:])
        let keyPath = directory.path + "/missing-key"
        #expect(
            error
                == .keyFileUnreadable(
                    path: keyPath,
                    source: .file(key: "api.key_file", path: directory.path + "/config.yaml", line: 2),
                    reason: "no such file"
                ))
        #expect(error.description.hasPrefix("cannot read API key file \(keyPath) (from api.key_file (in "))
    }

    @Test(arguments: ["", "\n", "  \t\n  "])
    func rejectsAnEmptyKeyFile(contents: String) throws {
        let directory = try TemporaryDirectory()
        let keyPath = try directory.write(contents, to: "key")
        let error = try loadError("api:\n  key_file: key\n", in: directory, environment: [:])
        #expect(error.code == "api_key_empty")
        #expect(error.key == "api.key_file")
        #expect(error.description.hasPrefix("API key file \(keyPath) (from api.key_file"))
    }

    @Test(arguments: ["", "  \n"])
    func rejectsAnEmptyEnvironmentKey(value: String) throws {
        let directory = try TemporaryDirectory()
        try directory.write(Self.secret, to: "key")
        let error = try loadError("api:\n  key_file: key\n", in: directory, environment: ["GETSCREEN_API_KEY": value])
        #expect(error == .emptyAPIKey(source: .environment(variable: "GETSCREEN_API_KEY"), keyFile: nil))
        #expect(error.description.hasPrefix("environment variable GETSCREEN_API_KEY is empty"))
    }

    @Test func requiresAKey() throws {
        let directory = try TemporaryDirectory()
        let error = try loadError(nil, in: directory, environment: [:])
        #expect(error == .missingAPIKey)
        #expect(
            error.description.hasPrefix("no API key: set api.key_file in the config file (or GETSCREEN_API_KEY_FILE"))
    }

    @Test func neverShowsTheKey() throws {
        let directory = try TemporaryDirectory()
        let configuration = try load(nil, in: directory)
        #expect(configuration.apiKey.description == "<redacted>")
        #expect(String(reflecting: configuration.apiKey) == "<redacted>")
        #expect(!String(describing: configuration).contains(Self.secret))
        #expect(!String(reflecting: configuration).contains(Self.secret))
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!dumped.contains(Self.secret))
        #expect(APIKey(" \n\t") == nil)
        #expect(APIKey("  abc \n")?.value == "abc")
    }
}
