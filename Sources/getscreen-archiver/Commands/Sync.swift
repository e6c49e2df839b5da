import ArchiverCore
import ArgumentParser

extension GetscreenArchiver {
    /// `sync`: archive every recording in the window that the archive lacks.
    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download every recording the archive lacks.",
            discussion: """
                Lists the sessions with a recording (history/list), skips those already archived with the \
                expected size, downloads the rest and files each as <agent>/<YYYY>/<MM>/<DD>/<HHMMSS>_<id>.mp4 \
                with a .json sidecar. The API key comes from GETSCREEN_API_KEY or api.key_file.

                WHEN is an ISO 8601 date (2026-03-01) or date-time (2026-03-01T08:00:00+02:00; UTC unless an \
                offset is given), or unix seconds.

                Examples:
                  getscreen-archiver sync --config /etc/getscreen-archiver/config.yaml
                  getscreen-archiver sync --config config.yaml --dry-run --from 2026-01-01
                  getscreen-archiver sync --archive /mnt/nas/rec --agent 1001 --agent 1002
                  getscreen-archiver sync --config config.yaml --report last-run.json --quiet
                """
        )

        @OptionGroup var configurationOptions: ConfigurationOptions
        @OptionGroup var outputOptions: OutputOptions

        @Flag(help: "List and plan only: write nothing under the archive root and fetch no recording.")
        var dryRun = false

        @Option(help: ArgumentHelp("Only sessions that started at or after WHEN.", valueName: "when"))
        var from: String?

        @Option(
            help: ArgumentHelp(
                "Only sessions that started at or before WHEN (default: the run's start).", valueName: "when"))
        var to: String?

        @Option(
            name: .customLong("agent"),
            help: ArgumentHelp("Only this agent's sessions; repeat for several.", valueName: "id"))
        var agentIDs: [Int] = []

        func run() async throws {
            let logger = outputOptions.makeLogger()
            let configuration = try configurationOptions.load()
            let options = SyncOptions(
                isDryRun: dryRun,
                from: try from.map { text throws(ConfigurationError) in try TimeBound.parse(text, option: "--from") },
                to: try to.map { text throws(ConfigurationError) in try TimeBound.parse(text, option: "--to") },
                agentIDs: agentIDs
            )
            if let from = options.from, let to = options.to, from > to {
                throw ConfigurationError.invalidValue(
                    value: self.to ?? "",
                    source: .flag(name: "--to"),
                    expected: "a time at or after --from (\(self.from ?? ""))"
                )
            }
            let report = try await Archiver.sync(configuration: configuration, options: options, logger: logger)
            try outputOptions.finish(with: report)
        }
    }
}
