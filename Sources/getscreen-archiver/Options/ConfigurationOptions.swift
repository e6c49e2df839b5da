import ArchiverCore
import ArgumentParser
import FoundationEssentials
import Logging

/// The options every command that talks to the API shares: where the configuration comes from and the
/// settings a flag may override.
struct ConfigurationOptions: ParsableArguments {
    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "The YAML configuration file (default: $GETSCREEN_ARCHIVER_CONFIG, else /etc/getscreen-archiver/config.yaml, "
                + "else $XDG_CONFIG_HOME/getscreen-archiver/config.yaml).", valueName: "file"))
    var configFile: String?

    @Option(
        name: .customLong("api-url"), help: ArgumentHelp("The API base URL (overrides api.base_url).", valueName: "url")
    )
    var apiURL: String?

    @Option(
        help: ArgumentHelp(
            "The archive root: a folder, which must exist, or s3://BUCKET/PREFIX (overrides archive.root).",
            valueName: "root"))
    var archive: String?

    @Option(help: ArgumentHelp("Concurrent downloads, 1 to 32 (overrides transfers; default 4).", valueName: "n"))
    var transfers: Int?

    @Option(
        help: ArgumentHelp(
            "The limit of all downloads together per second, such as 4MiB, or a timetable such as "
                + "\"08:00,2MiB 19:00,off\" (overrides bwlimit; default off).",
            valueName: "rate"))
    var bwlimit: String?

    /// The configuration from file, environment and these flags; its warnings (such as a key file readable by
    /// others) are logged at warning level, through the logging system the command bootstrapped before.
    /// - Throws: `ConfigurationError` (exit 2).
    func load() throws(ConfigurationError) -> ArchiverConfiguration {
        let environment = ProcessInfo.processInfo.environment
        let configuration = try ConfigurationLoader.load(
            location: try ConfigurationDiscovery.locate(flag: configFile, environment: environment),
            overrides: ConfigurationOverrides(
                apiBaseURL: apiURL, archiveRoot: archive, transfers: transfers, bandwidthLimit: bwlimit),
            environment: environment
        )
        let logger = Logger(label: "getscreen-archiver")
        for warning in configuration.warnings { logger.warning("\(warning)") }
        return configuration
    }
}
