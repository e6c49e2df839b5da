import ArchiverCore
import FoundationEssentials
import Logging

/// The report of a run that could not run, so that the `--report` file never keeps the previous run's news.
enum FailedRun {
    /// Writes the report of a `command` run that started at `startedAt` and threw `error` to `path`, unless the
    /// error is not one of a run that could not run (`ExitCode(1)`: its report is written already) or is the
    /// report's own write failing. A report that cannot be written is said on stderr: the run's error matters
    /// more, and its exit code stays.
    static func writeReport(of error: any Error, command: String, startedAt: Date, to path: String) {
        if case .outputUnwritable(let unwritable, _) = error as? ArchiverError, unwritable == path { return }
        let outcome = RunOutcome(error)
        guard outcome.error != nil else { return }
        let report = FailedRunReport(command: command, startedAt: startedAt, finishedAt: Date(), header: outcome.header)
        do {
            try report.write(toFile: path)
        } catch {
            Console.standardError.writeLine("error: \(error)", level: .error)
        }
    }
}
