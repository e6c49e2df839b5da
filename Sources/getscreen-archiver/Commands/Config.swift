import ArchiverCore
import ArgumentParser
import Logging

extension GetscreenArchiver {
    /// `config`: the configuration as the other commands see it.
    struct Config: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the effective configuration.",
            subcommands: [Show.self]
        )
    }
}

extension GetscreenArchiver.Config {
    /// `config show`: every effective value and where it came from.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every effective setting and its origin; the API key and the S3 secret are never shown.",
            discussion: """
                One line per setting: the key, the value, and its origin in parentheses: a flag, an environment \
                variable, FILE:LINE of the configuration file, a key file (the API key's: named by \
                GETSCREEN_API_KEY_FILE, a systemd credential or api.key_file), or the default. The first line \
                names the configuration file and how it was found (--config, GETSCREEN_ARCHIVER_CONFIG, \
                /etc/getscreen-archiver/config.yaml, $XDG_CONFIG_HOME/getscreen-archiver/config.yaml). The key is \
                read, to check that it can be, and shown as <redacted>. For an s3:// archive root, the s3.* lines \
                show the endpoint, region, addressing and access key ID, and the secret access key as <redacted>. \
                Exits 2 when the configuration is invalid.

                Examples:
                  getscreen-archiver config show
                  sudo -u getscreen-archiver getscreen-archiver config show --config /etc/getscreen-archiver/config.yaml
                """
        )

        @OptionGroup var configurationOptions: ConfigurationOptions

        func run() throws {
            _ = try OutputOptions.makeLogger(level: .warning, logFile: nil)
            let configuration = try configurationOptions.load()
            Terminal.printOutput(ConfigurationListing(configuration).text)
        }
    }
}
