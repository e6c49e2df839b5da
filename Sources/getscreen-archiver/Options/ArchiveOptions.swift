import ArchiverCore
import ArgumentParser
import FoundationEssentials
import Logging

/// The options of the commands that work on the archive alone and never call the API (`reindex`, `verify`):
/// where the configuration and the archive are, and how much to log.
///
/// A separate group from `ConfigurationOptions` because `--api-url` and `--transfers` mean nothing here, and
/// because the configuration is loaded without an API key (`requiresAPIKey: false`): these commands run fine
/// as a user who may read the archive but not the key file.
struct ArchiveOptions: ParsableArguments {
    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "The YAML configuration file (default: $GETSCREEN_ARCHIVER_CONFIG, else /etc/getscreen-archiver/config.yaml, "
                + "else $XDG_CONFIG_HOME/getscreen-archiver/config.yaml).", valueName: "file"))
    var configFile: String?

    @Option(
        help: ArgumentHelp(
            "The archive root: a folder, which must exist, or s3://BUCKET/PREFIX (overrides archive.root).",
            valueName: "root"))
    var archive: String?

    @Flag(
        name: .shortAndLong,
        help: "Log only warnings and errors, and draw no progress line; verify prints no summary when all is well.")
    var quiet = false

    @Option(
        help: ArgumentHelp(
            "How log lines are written: text (timestamp, level, message, key=value) or json (one object per line).",
            valueName: "format"))
    var logFormat: LogFormat = .text

    @Flag(name: .shortAndLong, help: "Log debug detail.")
    var verbose = false

    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose cannot be used together") }
    }

    /// The configuration from file, environment and `--archive`, without an API key; its warnings (such as a
    /// catalog folder on a network share) are logged at warning level, through the logging system the command
    /// bootstrapped before.
    /// - Parameter requiresBucketCredentials: `false` for commands that read only the local catalog (`failures`):
    ///   an archive in object storage then needs no S3 key pair either.
    /// - Throws: `ConfigurationError` (exit 2).
    func load(requiresBucketCredentials: Bool = true) throws(ConfigurationError) -> ArchiverConfiguration {
        let environment = ProcessInfo.processInfo.environment
        let configuration = try ConfigurationLoader.load(
            location: try ConfigurationDiscovery.locate(flag: configFile, environment: environment),
            overrides: ConfigurationOverrides(archiveRoot: archive),
            environment: environment,
            requiresAPIKey: false,
            requiresBucketCredentials: requiresBucketCredentials
        )
        let logger = Logger(label: "getscreen-archiver")
        for warning in configuration.warnings { logger.warning("\(warning)") }
        return configuration
    }

    /// Bootstraps logging to stderr at the level the flags choose and returns the logger.
    func makeLogger() throws -> Logger {
        try OutputOptions.makeLogger(
            level: quiet ? .warning : verbose ? .debug : .info, logFile: nil, format: logFormat)
    }
}
