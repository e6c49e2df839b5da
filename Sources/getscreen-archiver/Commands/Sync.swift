import ArchiverCore
import ArgumentParser
import FoundationEssentials
import Logging

extension GetscreenArchiver {
    /// `sync`: archive every recording in the window that the archive lacks.
    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download every recording the archive lacks.",
            discussion: """
                Lists the sessions with a recording (history/list), skips those already archived with the \
                expected size, downloads the rest and files each as <agent>/<YYYY>/<MM>/<DD>/<HHMMSS>_<id>.mp4 \
                with a .json sidecar. A recording already at its path but missing from the catalog (a run \
                stopped between filing and cataloguing it) is re-read and catalogued when its SHA-256 matches its \
                sidecar's, and reported as failed otherwise. The API key comes from GETSCREEN_API_KEY or \
                api.key_file.

                Runs are incremental: without --from, a sync lists from the end of the last successful sync \
                minus sync.overlap (default 14 days: the API may filter on a session's start, and list it only \
                days after it ended) up to now. The first run, --full, and a run sync.full_every (default 7 days) \
                after the last full walk list all history, so a recording gone from the archive comes back.

                WHEN is an ISO 8601 date (2026-03-01) or date-time (2026-03-01T08:00:00+02:00; UTC unless an \
                offset is given), or unix seconds.

                --dry-run is a storage audit of all history (--incremental: of the next sync's window): per agent \
                and in total, the recordings listed, archived with the \
                right size, missing, present with a wrong size, archived but not catalogued, and archived but no \
                longer listed by the API, with the free space against what the run needs (archive.min_free included). It prints an aligned \
                table on stdout (--bytes for exact numbers, --format json for JSON), writes nothing under the \
                archive root and fetches no recording.

                On a terminal a progress line (files, bytes, rate, ETA, active transfers) is redrawn in place; not \
                with --quiet or when stderr is not a terminal. Logs go to stderr, one timestamped line per event \
                (--log-file appends them to a file too; --log-format json: one JSON object per line; on the systemd \
                journal, with its <N> priority and no timestamp); a summary with counts, bytes, duration, \
                throughput and each failure ends every run, except a --quiet one that succeeded, which prints \
                nothing.

                Examples:
                  getscreen-archiver sync --config /etc/getscreen-archiver/config.yaml
                  getscreen-archiver sync --config config.yaml --full
                  getscreen-archiver sync --archive /mnt/nas/rec --agent 1001 --agent 1002

                  # audits that change nothing
                  getscreen-archiver sync --config config.yaml --dry-run --incremental
                  getscreen-archiver sync --config config.yaml --dry-run --agent 1001 --bytes
                  getscreen-archiver sync --config config.yaml --dry-run --format json

                  # nightly from cron: quiet, a report, a log file, node_exporter metrics
                  getscreen-archiver sync --config config.yaml --quiet \\
                    --report /var/lib/getscreen-archiver/last-run.json \\
                    --log-file /var/log/getscreen-archiver.log \\
                    --metrics-file /var/lib/prometheus/node-exporter/getscreen-archiver.prom
                """
        )

        @OptionGroup var configurationOptions: ConfigurationOptions
        @OptionGroup var outputOptions: OutputOptions

        @Flag(help: "List and plan only: write nothing under the archive root and fetch no recording.")
        var dryRun = false

        @Option(help: ArgumentHelp("List from WHEN (history/list's date_from).", valueName: "when"))
        var from: String?

        @Option(
            help: ArgumentHelp(
                "List up to WHEN (history/list's date_to; default: the run's start).", valueName: "when"))
        var to: String?

        @Flag(
            help: """
                Walk all history instead of starting from the last successful sync minus sync.overlap \
                (--from still wins).
                """)
        var full = false

        @Flag(help: "With --dry-run: audit the window the next sync would list instead of all history.")
        var incremental = false

        @Option(
            name: .customLong("agent"),
            help: ArgumentHelp("Only this agent's sessions; repeat for several.", valueName: "id"))
        var agentIDs: [Int] = []

        @Option(
            help: ArgumentHelp(
                "After a real run, write Prometheus metrics to this file (atomically), for node_exporter's textfile "
                    + "collector. Not with --dry-run.",
                valueName: "file"))
        var metricsFile: String?

        func validate() throws {
            if incremental, !dryRun {
                throw ValidationError("--incremental previews a sync's window in the audit; use it with --dry-run")
            }
            if dryRun, metricsFile != nil {
                throw ValidationError(
                    "--metrics-file describes real runs; drop it with --dry-run (the audit goes to --report or stdout)")
            }
        }

        func run() async throws {
            let startedAt = Date()
            let (reportPath, metricsPath) = (outputOptions.report, metricsFile)
            FinalWords.register { error in
                // Without the archive's totals: reading them could block on the share that hangs.
                if let metricsPath {
                    try? Self.writeMetrics(
                        to: metricsPath, outcome: .failure(error), startedAt: startedAt, configuration: nil)
                }
                if let reportPath {
                    FailedRun.writeReport(of: error, command: "sync", startedAt: startedAt, to: reportPath)
                }
            }
            var configuration: ArchiverConfiguration?
            var ping: HealthPing?
            let outcome: Result<RunReport, any Error>
            do {
                let logger = try outputOptions.makeLogger()
                let loaded = try configurationOptions.load()
                configuration = loaded
                ping = dryRun ? nil : HealthPing(configuration: loaded, logger: logger)
                await ping?.send(.start)
                outcome = .success(try await sync(configuration: loaded, logger: logger))
            } catch {
                outcome = .failure(error)
            }
            let ending = Result {
                if let metricsFile {
                    try Self.writeMetrics(
                        to: metricsFile, outcome: outcome, startedAt: startedAt, configuration: configuration)
                }
                if case .failure(let error) = outcome {
                    outputOptions.reportFailure(error, command: "sync", startedAt: startedAt)
                }
                try outputOptions.finish(with: outcome.get())
            }
            let exitCode: Int32 =
                switch ending {
                case .success: 0
                case .failure(let error): RunOutcome(error).exitCode
                }
            await ping?.send(.finish(exitCode: exitCode))
            try ending.get()
        }

        /// The audit (`--dry-run`) or the real run, with the live progress line on a terminal.
        private func sync(configuration: ArchiverConfiguration, logger: Logger) async throws -> RunReport {
            let options = SyncOptions(
                from: try from.map { text throws(ConfigurationError) in try TimeBound.parse(text, option: "--from") },
                to: try to.map { text throws(ConfigurationError) in try TimeBound.parse(text, option: "--to") },
                agentIDs: agentIDs,
                isFullWalk: full,
                auditsIncrementalWindow: incremental
            )
            if let from = options.from, let to = options.to, from > to {
                throw ConfigurationError.invalidValue(
                    value: self.to ?? "",
                    source: .flag(name: "--to"),
                    expected: "a time at or after --from (\(self.from ?? ""))"
                )
            }
            if dryRun {
                return try await Archiver.audit(configuration: configuration, options: options, logger: logger)
            }
            let display = outputOptions.makeProgressDisplay()
            defer { display?.stop() }
            return try await Archiver.sync(
                configuration: configuration, options: options, progress: display ?? NoProgressObserver(),
                logger: logger)
        }

        /// Writes the metrics of the run, whatever its outcome; a run that failed keeps the previous file's
        /// success time.
        private static func writeMetrics(
            to path: String,
            outcome: Result<RunReport, any Error>,
            startedAt: Date,
            configuration: ArchiverConfiguration?
        ) throws {
            let report = try? outcome.get()
            let exitCode: Int32
            let errorCode: ArchiverError.Code?
            switch outcome {
            case .success(let report): (exitCode, errorCode) = (report.exitCode, report.runErrorCode)
            case .failure(let error): (exitCode, errorCode) = RunOutcome(error).codes
            }
            var metrics = RunMetrics(
                startedAt: report?.startedAt ?? startedAt,
                finishedAt: report?.finishedAt ?? Date(),
                exitCode: exitCode,
                report: report,
                previousSuccess: RunMetrics.previousSuccess(inFile: path),
                archive: configuration.flatMap { RunMetrics.archiveTotals(for: $0) }
            )
            metrics.errorCode = errorCode
            do {
                try metrics.write(toFile: path)
            } catch {
                // The run's own error matters more; a failed run still exits with its code.
                guard case .success = outcome else {
                    Console.standardError.writeLine("error: \(error)", level: .error)
                    return
                }
                throw error
            }
        }
    }
}
