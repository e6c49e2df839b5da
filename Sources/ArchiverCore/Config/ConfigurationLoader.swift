import FoundationEssentials
import Glibc

/// Resolves the run configuration from command-line flags, the environment, a YAML file and defaults.
///
/// Precedence, for every value: command-line flag > environment variable > config file > default.
///
/// Only these environment variables are read (the environment is never scanned, so a stray `TRANSFERS=7` has no
/// effect):
/// - `GETSCREEN_API_KEY`: the API key itself; wins over `api.key_file`.
/// - `GETSCREEN_ARCHIVER_API_URL`: the API base URL (`api.base_url`, flag `--api-url`).
/// - `GETSCREEN_ARCHIVER_ARCHIVE`: the archive root (`archive.root`, flag `--archive`).
/// - `GETSCREEN_ARCHIVER_TRANSFERS`: parallel downloads, 1...32 (`transfers`, flag `--transfers`).
/// - `STATE_DIRECTORY`, `XDG_STATE_HOME`, `HOME`: only when `state_dir` is not set, for the default catalog
///   folder (`StateDirectory`).
///
/// A variable that is set but empty or invalid is an error naming it, not a silent fallback.
public enum ConfigurationLoader {
    /// The variable holding the API key.
    public static let apiKeyVariable = "GETSCREEN_API_KEY"
    /// The variable overriding `api.base_url`.
    public static let apiURLVariable = "GETSCREEN_ARCHIVER_API_URL"
    /// The variable overriding `archive.root`.
    public static let archiveVariable = "GETSCREEN_ARCHIVER_ARCHIVE"
    /// The variable overriding `transfers`.
    public static let transfersVariable = "GETSCREEN_ARCHIVER_TRANSFERS"

    /// Loads and validates the configuration.
    /// - Parameters:
    ///   - configFile: The YAML file to read, or `nil` for none; a relative path is taken from the current directory.
    ///   - overrides: The values given as command-line flags.
    ///   - environment: The process environment; only the variables listed on this type are looked up.
    ///   - requiresAPIKey: `false` for commands that never call the API (`reindex`, `verify`): the key is then
    ///     neither required nor read (`GETSCREEN_API_KEY` and `api.key_file` are ignored, so a key file the
    ///     user cannot read is no obstacle), and the configuration carries `APIKey.notLoaded`.
    /// - Throws: `ConfigurationError` for the first problem found; the executable exits with code 2.
    public static func load(
        configFile: String?,
        overrides: ConfigurationOverrides,
        environment: [String: String],
        requiresAPIKey: Bool = true
    ) throws(ConfigurationError) -> ArchiverConfiguration {
        try load(
            configFile: configFile,
            overrides: overrides,
            environment: environment,
            requiresAPIKey: requiresAPIKey,
            currentDirectory: FileManager.default.currentDirectoryPath,
            isRoot: geteuid() == 0
        )
    }

    /// `load(configFile:overrides:environment:requiresAPIKey:)` with an explicit current directory and user, for
    /// tests.
    /// - Parameter isRoot: Whether the process runs as root (the default state folder is then under `/var/lib`).
    static func load(
        configFile: String?,
        overrides: ConfigurationOverrides,
        environment: [String: String],
        requiresAPIKey: Bool = true,
        currentDirectory: String,
        isRoot: Bool = false
    ) throws(ConfigurationError) -> ArchiverConfiguration {
        let file =
            if let configFile {
                try ConfigurationFile(contentsOf: configFile, currentDirectory: currentDirectory)
            } else {
                ConfigurationFile()
            }
        let allowInsecureHTTP = file.allowInsecureHTTP ?? false

        var apiBaseURL = ArchiverConfiguration.defaultAPIBaseURL
        if let (text, source) = pick(overrides.apiBaseURL, "--api-url", environment, apiURLVariable, file.baseURL) {
            apiBaseURL = try baseURL(from: text, source: source)
            if apiBaseURL.scheme?.lowercased() == "http", !allowInsecureHTTP {
                throw .insecureAPIURL(url: apiBaseURL.absoluteString, source: source)
            }
        }

        var transfers = file.transfers?.value ?? ArchiverConfiguration.defaultTransfers
        if let value = overrides.transfers {
            transfers = try checkedTransfers(value, source: .flag(name: "--transfers"))
        } else if let text = environment[transfersVariable] {
            transfers = try self.transfers(from: text, source: .environment(variable: transfersVariable))
        }

        guard
            let (root, rootSource) = pick(
                overrides.archiveRoot, "--archive", environment, archiveVariable,
                file.archiveRoot)
        else { throw .missingArchiveRoot }
        guard !root.trimmingWhitespaceAndNewlines().isEmpty else {
            throw .invalidValue(value: root, source: rootSource, expected: "the path of the archive folder")
        }

        let archiveRoot = absolutePath(root, currentDirectory: currentDirectory)
        let (stateDirectory, stateSource) = try stateDirectory(
            file.stateDirectory, archiveRoot: archiveRoot, environment: environment, isRoot: isRoot,
            currentDirectory: currentDirectory)
        let (key, keyWarnings) =
            requiresAPIKey ? try apiKey(environment: environment, keyFile: file.keyFile) : (.notLoaded, [])
        var configuration = ArchiverConfiguration(
            apiBaseURL: apiBaseURL,
            apiKey: key,
            archiveRoot: archiveRoot,
            layout: file.layout ?? .default,
            timeZone: file.timeZone ?? .utc,
            transfers: transfers,
            mediaHosts: file.mediaHosts ?? ArchiverConfiguration.defaultMediaHosts,
            allowInsecureHTTP: allowInsecureHTTP,
            stateDirectory: stateDirectory,
            syncOverlap: file.syncOverlap ?? ArchiverConfiguration.defaultSyncOverlap,
            mountRequirement: file.mountRequirement ?? MountRequirement.none,
            minimumFreeBytes: file.minimumFreeBytes ?? ArchiverConfiguration.defaultMinimumFreeBytes,
            retryAttempts: file.retryAttempts ?? ArchiverConfiguration.defaultRetryAttempts,
            retryMaxDelay: file.retryMaxDelay ?? ArchiverConfiguration.defaultRetryMaxDelay,
            connectTimeout: file.connectTimeout ?? ArchiverConfiguration.defaultConnectTimeout,
            stallTimeout: file.stallTimeout ?? ArchiverConfiguration.defaultStallTimeout
        )
        configuration.permissions = file.permissions ?? .default
        configuration.assumedFreeBytes = file.assumedFreeBytes
        configuration.storageTimeout = file.storageTimeout ?? ArchiverConfiguration.defaultStorageTimeout
        configuration.stateDirectorySource = stateSource
        configuration.syncFullEvery = file.syncFullEvery ?? ArchiverConfiguration.defaultSyncFullEvery
        configuration.bandwidthSchedule =
            try overrides.bandwidthLimit.map { text throws(ConfigurationError) in
                try BandwidthSchedule(parsing: text, source: .flag(name: "--bwlimit"))
            } ?? file.bandwidthSchedule
        configuration.pingURL = file.pingURL
        configuration.warnings = keyWarnings
        if let kind = StateDirectory.fileSystemKind(ofNearestExisting: stateDirectory),
            let warning = StateDirectory.sharedFileSystemWarning(
                folder: stateDirectory, source: stateSource, kind: kind)
        {
            configuration.warnings.append(warning)
        }
        return configuration
    }

    /// The catalog's folder: `state_dir` made absolute, or this archive's folder in the default state folder.
    /// - Throws: `ConfigurationError.noStateDirectory` when `state_dir` is not set and no default applies.
    private static func stateDirectory(
        _ configured: ConfigurationFile.Sourced<String>?,
        archiveRoot: String,
        environment: [String: String],
        isRoot: Bool,
        currentDirectory: String
    ) throws(ConfigurationError) -> (String, StateDirectory.Source) {
        if let configured {
            return (absolutePath(configured.value, currentDirectory: currentDirectory), .configured(configured.source))
        }
        guard let (base, reason) = StateDirectory.base(environment: environment, isRoot: isRoot) else {
            throw .noStateDirectory
        }
        return ("\(base)/\(StateDirectory.folderName(forArchive: archiveRoot))", .defaultFolder(reason: reason))
    }

    /// The first value given: the flag, then the environment variable, then the file.
    private static func pick(
        _ flagValue: String?,
        _ flag: String,
        _ environment: [String: String],
        _ variable: String,
        _ fileValue: ConfigurationFile.Sourced<String>?
    ) -> (String, ConfigurationSource)? {
        if let flagValue { return (flagValue, .flag(name: flag)) }
        if let value = environment[variable] { return (value, .environment(variable: variable)) }
        return fileValue.map { ($0.value, $0.source) }
    }

    /// The API key from `GETSCREEN_API_KEY`, else from the file named by `api.key_file`, with warnings about
    /// the key file.
    private static func apiKey(
        environment: [String: String],
        keyFile: ConfigurationFile.Sourced<String>?
    ) throws(ConfigurationError) -> (APIKey, [String]) {
        if let raw = environment[apiKeyVariable] {
            guard let key = APIKey(raw) else {
                throw .emptyAPIKey(source: .environment(variable: apiKeyVariable), keyFile: nil)
            }
            return (key, [])
        }
        guard let keyFile else { throw .missingAPIKey }
        return try readKey(from: keyFile.value, source: keyFile.source)
    }
}
