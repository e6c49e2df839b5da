import ArchiverCore
import ArgumentParser
import Logging

extension GetscreenArchiver {
    /// `check`: the first contact with an account, as a checklist.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the key, the API, a media host and the archive, downloading and writing nothing.",
            discussion: """
                Prints one line per check (ok, FAIL, warning), with what to do after each failure: config, \
                API key (one history/list request), list page (fields, limit, total), one recording's media host \
                (its first byte, redirects shown), archive root, mount, free space, lock, catalog. Run it before \
                the first sync. Exits 0 when no check failed, 1 otherwise.

                Example:
                  getscreen-archiver check --config /etc/getscreen-archiver/config.yaml
                """
        )

        @OptionGroup var configurationOptions: ConfigurationOptions

        @Flag(name: .shortAndLong, help: "Log debug detail (each request and redirect).")
        var verbose = false

        func run() async throws {
            let logger = try OutputOptions.makeLogger(level: verbose ? .debug : .warning, logFile: nil)
            let configuration: ArchiverConfiguration
            do {
                configuration = try configurationOptions.load()
            } catch {
                Terminal.printOutput(CheckItem(.failed, "config not loaded: \(error)").lines.joined() + "\n")
                throw error
            }
            let list = try await Archiver.check(
                configuration: configuration, configurationFile: configuration.provenance.location.path, logger: logger)
            Terminal.printOutput(list.text)
            if list.exitCode != 0 { throw ExitCode(list.exitCode) }
        }
    }
}
