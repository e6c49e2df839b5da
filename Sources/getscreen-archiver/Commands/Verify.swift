import ArchiverCore
import ArgumentParser
import FoundationEssentials
import Logging

extension GetscreenArchiver {
    /// `verify`: re-read archived recordings and check them against the catalog.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the archived recordings' sizes and SHA-256 against the catalog.",
            discussion: """
                Re-reads each recording in large sequential blocks and reports those that are missing, \
                truncated (size differs) or corrupted (SHA-256 differs), and every .mp4 file in the archive \
                that the catalog lacks (a run stopped between filing it and cataloguing it; a sync checks and \
                catalogues it). Writes nothing to the archive and needs no API key. Exits 1 when any recording \
                is damaged or not catalogued, 0 otherwise. With --quiet it prints nothing when all is well.

                Examples:
                  getscreen-archiver verify --config /etc/getscreen-archiver/config.yaml
                  getscreen-archiver verify --config config.yaml --sample 50 --report verify.json
                  getscreen-archiver verify --config config.yaml --quiet \\
                    --metrics-file /var/lib/prometheus/node-exporter/getscreen-archiver-verify.prom
                """
        )

        @OptionGroup var archiveOptions: ArchiveOptions

        @Option(help: ArgumentHelp("Check N random recordings instead of all.", valueName: "n"))
        var sample: Int?

        @Option(
            help: ArgumentHelp(
                "Write the result as JSON to this file: checked, ok, missing, truncated, corrupted, not_catalogued.",
                valueName: "file"))
        var report: String?

        func validate() throws {
            if let sample, sample < 1 { throw ValidationError("--sample must be at least 1 (got \(sample))") }
        }

        @Option(
            help: ArgumentHelp(
                "Write Prometheus metrics (checked, ok, missing, truncated, corrupted, not catalogued, time of this "
                    + "verify) to this file (atomically), for node_exporter's textfile collector; use a file of its "
                    + "own, not sync's --metrics-file.",
                valueName: "file"))
        var metricsFile: String?

        func run() async throws {
            let startedAt = Date()
            let result: VerifyReport
            do {
                result = try await verify()
            } catch {
                if let report { FailedRun.writeReport(of: error, command: "verify", startedAt: startedAt, to: report) }
                if let metricsFile {
                    let (exitCode, errorCode) = RunOutcome(error).codes
                    writeMetrics(
                        VerifyMetrics(finishedAt: Date(), exitCode: exitCode, report: nil, errorCode: errorCode),
                        to: metricsFile)
                }
                throw error
            }
            let console = Console.standardError
            if let report { try result.write(toFile: report) }
            if let metricsFile {
                try VerifyMetrics(finishedAt: Date(), exitCode: result.exitCode, report: result, errorCode: nil)
                    .write(toFile: metricsFile)
            }
            for problem in result.missing { console.writeLine("missing: \(problem)", level: .error) }
            for problem in result.truncated { console.writeLine("truncated: \(problem)", level: .error) }
            for problem in result.corrupted { console.writeLine("corrupted: \(problem)", level: .error) }
            for file in result.notCatalogued { console.writeLine("not catalogued: \(file)", level: .warning) }
            if !archiveOptions.quiet || result.exitCode != 0 { console.writeLine(result.summary) }
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
        }

        /// Checks the recordings, with a progress line on a terminal.
        private func verify() async throws -> VerifyReport {
            let logger = try archiveOptions.makeLogger()
            let configuration = try archiveOptions.load()
            let console = Console.standardError
            let showsProgress = console.isTerminal && !archiveOptions.quiet
            defer { console.clearStatus() }
            return try await Archiver.verify(
                configuration: configuration,
                sample: sample,
                progress: { progress in if showsProgress { console.showStatus(progress.line) } },
                logger: logger
            )
        }

        /// Writes the metrics of a verify that could not run; a file that cannot be written is said on stderr,
        /// as the run's own error matters more.
        private func writeMetrics(_ metrics: VerifyMetrics, to path: String) {
            do {
                try metrics.write(toFile: path)
            } catch {
                Console.standardError.writeLine("error: \(error)", level: .error)
            }
        }
    }
}
