import ArchiverCore
import ArgumentParser
import FoundationEssentials
import Logging

/// How a run reports: log verbosity and file, the JSON report, and what goes to stdout.
struct OutputOptions: ParsableArguments {
    /// What stdout carries at the end of a run.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        /// The audit table of a dry run (nothing for other runs).
        case text
        /// The run's report as JSON, the same as `--report` writes.
        case json
    }

    @Option(help: ArgumentHelp("Write the run's report as JSON to this file (atomically).", valueName: "file"))
    var report: String?

    @Option(
        help: ArgumentHelp(
            "What to print on stdout: text (the dry run's audit table) or json (the report).", valueName: "format"))
    var format: Format = .text

    @Flag(help: "Print exact byte counts instead of KiB/MiB/GiB in the audit table.")
    var bytes = false

    @Option(help: ArgumentHelp("Append the log lines to this file too (created with mode 0640).", valueName: "file"))
    var logFile: String?

    @Flag(
        name: .shortAndLong,
        help: """
            Log only warnings and errors, draw no progress line, and print no summary when the run succeeds \
            (failures and incomplete: lines are always printed), so that cron mails only when there is news.
            """)
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

    /// The log level the flags choose.
    var logLevel: Logger.Level { quiet ? .warning : verbose ? .debug : .info }

    /// Bootstraps logging (one timestamped line per event to stderr, and to `--log-file`) and returns the run's
    /// logger.
    /// - Throws: `ValidationError` (exit 2) when the log file cannot be opened.
    func makeLogger() throws -> Logger {
        try Self.makeLogger(level: logLevel, logFile: logFile, format: logFormat)
    }

    /// Bootstraps logging at `level` in `format` to stderr and, when given, appending to `logFile`.
    /// - Throws: `ValidationError` (exit 2) when the log file cannot be opened.
    static func makeLogger(level: Logger.Level, logFile: String?, format: LogFormat = .text) throws -> Logger {
        let file: LogFile?
        do {
            file = try logFile.map { path throws(LogFileError) in try LogFile(path: path) }
        } catch {
            throw ValidationError(error.description)
        }
        LoggingSystem.bootstrap { _ in
            ConsoleLogHandler(level: level, console: .standardError, file: file, format: format)
        }
        return Logger(label: "getscreen-archiver")
    }

    /// The live progress line, when stderr is a terminal and the run is not `--quiet`; nil otherwise (cron,
    /// pipes, files), so that no carriage-return redraws end up in mail or logs.
    func makeProgressDisplay() -> TerminalProgressDisplay? {
        guard !quiet, Console.standardError.isTerminal else { return nil }
        return TerminalProgressDisplay(console: .standardError)
    }

    /// Writes the report file if asked, prints the audit table or the JSON on stdout, the failures and the
    /// summary on stderr (no summary with `--quiet` when the run succeeded), and exits 1 when recordings failed.
    /// - Parameter heading: a line printed above the audit table.
    /// - Throws: `ExitCode(1)` when some recordings failed; `ArchiverError` when the report cannot be written.
    func finish(with runReport: RunReport, heading: String? = nil) throws {
        if let report { try runReport.write(toFile: report) }
        switch format {
        case .json:
            Terminal.printOutput(String(decoding: try runReport.jsonData(), as: UTF8.self) + "\n")
        case .text:
            if let audit = runReport.audit {
                Terminal.printOutput((heading.map { $0 + "\n\n" } ?? "") + audit.table(exactBytes: bytes))
            }
        }
        for failure in runReport.failures {
            Console.standardError.writeLine("failed: \(failure)", level: .error)
        }
        if !quiet || runReport.exitCode != 0 { Console.standardError.writeLine(runReport.summary) }
        for line in runReport.incompleteLines {
            Console.standardError.writeLine("incomplete: \(line)", level: .warning)
        }
        if runReport.exitCode != 0 { throw ExitCode(runReport.exitCode) }
    }

    /// Writes the report of a `command` run that started at `startedAt` and could not run (`error`), when
    /// `--report` asks for one (`FailedRun`).
    func reportFailure(_ error: any Error, command: String, startedAt: Date) {
        guard let report else { return }
        FailedRun.writeReport(of: error, command: command, startedAt: startedAt, to: report)
    }
}
