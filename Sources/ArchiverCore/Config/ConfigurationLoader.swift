import FoundationEssentials
import Glibc

/// Resolves the run configuration from command-line flags, the environment, a YAML file and defaults.
///
/// Precedence, for every value: command-line flag > environment variable > config file > default. The file is the
/// one `--config` names, else the first `ConfigurationDiscovery` finds. Relative paths in the file (`api.key_file`,
/// `archive.root`, `state_dir`) are relative to the file's folder; relative flags and variables to the current one.
///
/// The API key, first found wins: `GETSCREEN_API_KEY` (the key itself); the file `GETSCREEN_API_KEY_FILE` names;
/// the systemd credential `$CREDENTIALS_DIRECTORY/api-key` (`LoadCredential=api-key:…`), when that file exists;
/// the file `api.key_file` names. The key is never a flag.
///
/// An `archive.root` of the form `s3://BUCKET/PREFIX` is an archive in object storage: the configuration then carries
/// its `BucketLocation` (endpoint and region from the `s3` section, the key pair from the environment, a systemd
/// credential or `s3.credentials_file`; see `ConfigurationLoader+S3`), and `archiveRoot` is its `uri`, not a path.
///
/// Only these environment variables are read (the environment is never scanned, so a stray `TRANSFERS=7` has no
/// effect):
/// - `GETSCREEN_API_KEY`: the API key itself.
/// - `GETSCREEN_API_KEY_FILE`: the file holding the API key.
/// - `CREDENTIALS_DIRECTORY`: systemd's folder of the unit's credentials (`api-key`, `s3-credentials`).
/// - `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`: the S3 key pair, only for an `s3://` archive root.
/// - `GETSCREEN_ARCHIVER_CONFIG`, `GETSCREEN_ARCHIVER_SYSTEM_CONFIG`, `XDG_CONFIG_HOME`, `HOME`: finding the file
///   (`ConfigurationDiscovery`), when `--config` is not given.
/// - `GETSCREEN_ARCHIVER_API_URL`: the API base URL (`api.base_url`, flag `--api-url`).
/// - `GETSCREEN_ARCHIVER_ARCHIVE`: the archive root, a folder or `s3://BUCKET/PREFIX` (`archive.root`, flag
///   `--archive`).
/// - `GETSCREEN_ARCHIVER_TRANSFERS`: parallel downloads, 1...32 (`transfers`, flag `--transfers`).
/// - `STATE_DIRECTORY`, `XDG_STATE_HOME`, `HOME`: only when `state_dir` is not set, for the default catalog
///   folder (`StateDirectory`).
///
/// A variable that is set but empty or invalid is an error naming it, not a silent fallback.
public enum ConfigurationLoader {
    /// The variable holding the API key.
    static let apiKeyVariable = "GETSCREEN_API_KEY"
    /// The variable naming the file that holds the API key.
    static let apiKeyFileVariable = "GETSCREEN_API_KEY_FILE"
    /// systemd's variable for the folder of the unit's credentials (`LoadCredential=`).
    static let credentialsVariable = "CREDENTIALS_DIRECTORY"
    /// The name of the systemd credential holding the API key (`LoadCredential=api-key:/etc/…/api-key`).
    static let apiKeyCredential = "api-key"
    /// The variable overriding `api.base_url`.
    static let apiURLVariable = "GETSCREEN_ARCHIVER_API_URL"
    /// The variable overriding `archive.root`.
    static let archiveVariable = "GETSCREEN_ARCHIVER_ARCHIVE"
    /// The variable overriding `transfers`.
    static let transfersVariable = "GETSCREEN_ARCHIVER_TRANSFERS"

    /// Loads and validates the configuration from the file `ConfigurationDiscovery.locate` chose.
    /// - Parameters:
    ///   - location: The file to read (and where else was looked, for the message when the archive root is missing).
    ///   - overrides: The values given as command-line flags.
    ///   - environment: The process environment; only the variables listed on this type are looked up.
    ///   - requiresAPIKey: `false` for commands that never call the API; see `load(configFile:…)`.
    ///   - requiresBucketCredentials: `false` for commands that never reach the archive's bucket; see
    ///     `load(configFile:…)`.
    /// - Throws: `ConfigurationError` for the first problem found; the executable exits with code 2.
    public static func load(
        location: ConfigurationLocation,
        overrides: ConfigurationOverrides,
        environment: [String: String],
        requiresAPIKey: Bool = true,
        requiresBucketCredentials: Bool = true
    ) throws(ConfigurationError) -> ArchiverConfiguration {
        try load(
            location: location,
            overrides: overrides,
            environment: environment,
            requiresAPIKey: requiresAPIKey,
            requiresBucketCredentials: requiresBucketCredentials,
            currentDirectory: FileManager.default.currentDirectoryPath,
            isRoot: geteuid() == 0
        )
    }

    /// Loads and validates the configuration.
    /// - Parameters:
    ///   - configFile: The YAML file to read, or `nil` for none (nothing is searched); a relative path is taken from
    ///     the current directory.
    ///   - overrides: The values given as command-line flags.
    ///   - environment: The process environment; only the variables listed on this type are looked up.
    ///   - requiresAPIKey: `false` for commands that never call the API (`reindex`, `verify`): the key is then
    ///     neither required nor read (`GETSCREEN_API_KEY` and `api.key_file` are ignored, so a key file the
    ///     user cannot read is no obstacle), and the configuration carries `APIKey.notLoaded`.
    ///   - requiresBucketCredentials: `false` for commands that never reach the archive's bucket (`failures`,
    ///     which reads only the local catalog): for an `s3://` root the key pair is then neither required nor read,
    ///     and `bucket` carries `S3Credentials.notLoaded`. No effect for a folder archive.
    /// - Throws: `ConfigurationError` for the first problem found; the executable exits with code 2.
    public static func load(
        configFile: String?,
        overrides: ConfigurationOverrides,
        environment: [String: String],
        requiresAPIKey: Bool = true,
        requiresBucketCredentials: Bool = true
    ) throws(ConfigurationError) -> ArchiverConfiguration {
        try load(
            configFile: configFile,
            overrides: overrides,
            environment: environment,
            requiresAPIKey: requiresAPIKey,
            requiresBucketCredentials: requiresBucketCredentials,
            currentDirectory: FileManager.default.currentDirectoryPath,
            isRoot: geteuid() == 0
        )
    }

    /// `load(configFile:overrides:environment:requiresAPIKey:requiresBucketCredentials:)` with an explicit current
    /// directory and user, for tests.
    /// - Parameter isRoot: Whether the process runs as root (the default state folder is then under `/var/lib`).
    static func load(
        configFile: String?,
        overrides: ConfigurationOverrides,
        environment: [String: String],
        requiresAPIKey: Bool = true,
        requiresBucketCredentials: Bool = true,
        currentDirectory: String,
        isRoot: Bool = false
    ) throws(ConfigurationError) -> ArchiverConfiguration {
        try load(
            location: configFile.map { ConfigurationLocation(path: $0, origin: .program) } ?? .none,
            overrides: overrides, environment: environment, requiresAPIKey: requiresAPIKey,
            requiresBucketCredentials: requiresBucketCredentials, currentDirectory: currentDirectory, isRoot: isRoot)
    }

    /// `load(location:overrides:environment:requiresAPIKey:requiresBucketCredentials:)` with an explicit current
    /// directory and user, for tests.
    static func load(
        location: ConfigurationLocation,
        overrides: ConfigurationOverrides,
        environment: [String: String],
        requiresAPIKey: Bool = true,
        requiresBucketCredentials: Bool = true,
        currentDirectory: String,
        isRoot: Bool = false
    ) throws(ConfigurationError) -> ArchiverConfiguration {
        let file =
            if let configFile = location.path {
                try ConfigurationFile(contentsOf: configFile, currentDirectory: currentDirectory)
            } else {
                ConfigurationFile()
            }
        var origins: [String: ConfigurationOrigin] = [:]
        let allowInsecureHTTP = file.allowInsecureHTTP ?? false

        var apiBaseURL = ArchiverConfiguration.defaultAPIBaseURL
        if let (text, source) = pick(overrides.apiBaseURL, "--api-url", environment, apiURLVariable, file.baseURL) {
            apiBaseURL = try baseURL(from: text, source: source)
            origins["api.base_url"] = .source(source)
            if apiBaseURL.scheme?.lowercased() == "http", !allowInsecureHTTP {
                throw .insecureAPIURL(url: apiBaseURL.absoluteString, source: source)
            }
        }

        var transfers = file.transfers?.value ?? ArchiverConfiguration.defaultTransfers
        if let value = overrides.transfers {
            transfers = try checkedTransfers(value, source: .flag(name: "--transfers"))
            origins["transfers"] = .source(.flag(name: "--transfers"))
        } else if let text = environment[transfersVariable] {
            transfers = try self.transfers(from: text, source: .environment(variable: transfersVariable))
            origins["transfers"] = .source(.environment(variable: transfersVariable))
        }

        guard
            let (root, rootSource) = pick(
                overrides.archiveRoot, "--archive", environment, archiveVariable,
                file.archiveRoot)
        else { throw .missingArchiveRoot(searched: location.searched, file: location.path) }
        guard !root.trimmingWhitespaceAndNewlines().isEmpty else {
            throw .invalidValue(
                value: root, source: rootSource,
                expected: "the path of the archive folder, or an s3://BUCKET/PREFIX location")
        }
        origins["archive.root"] = .source(rootSource)

        var bucket: BucketLocation?
        var bucketWarnings: [String] = []
        let archiveRoot: String
        if let address = try bucketAddress(from: root, source: rootSource) {
            if let requirement = file.mountRequirement, requirement.value != MountRequirement.none {
                throw .invalidValue(
                    value: ConfigurationListing.describe(requirement.value), source: requirement.source,
                    expected: "false (or left out) when archive.root is an s3:// location, which nothing mounts")
            }
            let found = try bucketLocation(
                address, file: file, allowInsecureHTTP: allowInsecureHTTP, environment: environment,
                requiresCredentials: requiresBucketCredentials)
            (bucket, bucketWarnings, archiveRoot) = (found.location, found.warnings, found.location.uri)
            origins.merge(found.origins) { $1 }
        } else {
            // A path in the file is relative to the file's folder: under systemd the current folder is /.
            let rootBase = if case .file = rootSource { file.folder } else { currentDirectory }
            archiveRoot = absolutePath(root, currentDirectory: rootBase)
            if let section = file.s3Section {
                throw .s3SectionWithoutBucket(section: section, root: archiveRoot, rootSource: rootSource)
            }
        }
        let (stateDirectory, stateSource) = try stateDirectory(
            file.stateDirectory, archiveRoot: archiveRoot, environment: environment, isRoot: isRoot,
            currentDirectory: file.folder)
        if case .defaultFolder(let reason) = stateSource { origins["state_dir"] = .defaultValue(reason: reason) }
        var keyWarnings: [String] = []
        var key = APIKey.notLoaded
        if requiresAPIKey {
            let found = try apiKey(environment: environment, keyFile: file.keyFile, currentDirectory: currentDirectory)
            (key, keyWarnings) = (found.key, found.warnings)
            origins["api.key"] = found.origin
        }
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
            mountRequirement: file.mountRequirement?.value ?? MountRequirement.none,
            minimumFreeBytes: file.minimumFreeBytes ?? ArchiverConfiguration.defaultMinimumFreeBytes,
            retryAttempts: file.retryAttempts ?? ArchiverConfiguration.defaultRetryAttempts,
            retryMaxDelay: file.retryMaxDelay ?? ArchiverConfiguration.defaultRetryMaxDelay,
            connectTimeout: file.connectTimeout ?? ArchiverConfiguration.defaultConnectTimeout,
            stallTimeout: file.stallTimeout ?? ArchiverConfiguration.defaultStallTimeout
        )
        configuration.bucket = bucket
        configuration.permissions = file.permissions ?? .default
        configuration.assumedFreeBytes = file.assumedFreeBytes
        configuration.storageTimeout = file.storageTimeout ?? ArchiverConfiguration.defaultStorageTimeout
        configuration.stateDirectorySource = stateSource
        configuration.syncFullEvery = file.syncFullEvery ?? ArchiverConfiguration.defaultSyncFullEvery
        configuration.bandwidthSchedule =
            try overrides.bandwidthLimit.map { text throws(ConfigurationError) in
                try BandwidthSchedule(parsing: text, source: .flag(name: "--bwlimit"))
            } ?? file.bandwidthSchedule
        if overrides.bandwidthLimit != nil { origins["bwlimit"] = .source(.flag(name: "--bwlimit")) }
        configuration.pingURL = file.pingURL
        configuration.warnings = keyWarnings + bucketWarnings
        configuration.provenance = ConfigurationProvenance(
            location: location, fileLines: file.keyLines, recorded: origins)
        if let kind = StateDirectory.fileSystemKind(ofNearestExisting: stateDirectory),
            let warning = StateDirectory.sharedFileSystemWarning(
                folder: stateDirectory, source: stateSource, kind: kind)
        {
            configuration.warnings.append(warning)
        }
        return configuration
    }

    /// The catalog's folder: `state_dir` made absolute against `currentDirectory` (the configuration file's folder),
    /// or this archive's folder in the default state folder.
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

    /// The API key, the warnings about its file, and where it came from: the first of `GETSCREEN_API_KEY`, the
    /// file `GETSCREEN_API_KEY_FILE` names (relative to `currentDirectory`), the systemd credential `api-key` when
    /// `$CREDENTIALS_DIRECTORY` holds it, and the file `api.key_file` names.
    private static func apiKey(
        environment: [String: String],
        keyFile: ConfigurationFile.Sourced<String>?,
        currentDirectory: String
    ) throws(ConfigurationError) -> (key: APIKey, warnings: [String], origin: ConfigurationOrigin) {
        if let raw = environment[apiKeyVariable] {
            guard let key = APIKey(raw) else {
                throw .emptyAPIKey(source: .environment(variable: apiKeyVariable), keyFile: nil)
            }
            return (key, [], .source(.environment(variable: apiKeyVariable)))
        }
        var named: (path: String, source: ConfigurationSource)? = keyFile.map { ($0.value, $0.source) }
        if let path = environment[apiKeyFileVariable] {
            let source = ConfigurationSource.environment(variable: apiKeyFileVariable)
            guard !path.trimmingWhitespaceAndNewlines().isEmpty else {
                throw .invalidValue(
                    value: path, source: source, expected: "the path of the file holding the API key")
            }
            named = (absolutePath(path, currentDirectory: currentDirectory), source)
        } else if let folder = environment[credentialsVariable], folder.hasPrefix("/"),
            ConfigurationDiscovery.isPresent("\(folder.withoutTrailingSlashes)/\(apiKeyCredential)")
        {
            named = ("\(folder.withoutTrailingSlashes)/\(apiKeyCredential)", .credential(name: apiKeyCredential))
        }
        guard let named else { throw .missingAPIKey }
        let (key, warnings) = try readKey(from: named.path, source: named.source)
        return (key, warnings, .file(path: named.path, namedBy: named.source))
    }
}
