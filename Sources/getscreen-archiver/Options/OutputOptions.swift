import ArchiverCore
import ArgumentParser
import Foundation
import Logging

/// How a run reports: log verbosity and the JSON report file.
struct OutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Write the run's report as JSON to this file.", valueName: "file"))
    var report: String?

    @Flag(name: .shortAndLong, help: "Log only warnings and errors (the one-line summary is always printed).")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Log debug detail.")
    var verbose = false

    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose cannot be used together") }
    }

    /// Bootstraps logging to stderr at the chosen level and returns the run's logger.
    func makeLogger() -> Logger {
        let level: Logger.Level = quiet ? .warning : verbose ? .debug : .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "getscreen-archiver")
    }

    /// Writes the report file if asked, prints the summary to stderr, and exits 1 when recordings failed.
    /// - Throws: `ExitCode(1)` when some recordings failed; `ArchiverError` when the report cannot be written.
    func finish(with runReport: RunReport) throws {
        if let report { try runReport.write(toFile: report) }
        for failure in runReport.failures {
            Terminal.printError("failed: \(failure)")
        }
        Terminal.printError(runReport.summary)
        if runReport.exitCode != 0 { throw ExitCode(runReport.exitCode) }
    }
}
