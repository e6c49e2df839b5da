import ArchiverCore
import ArgumentParser

/// How a command ended, from what it threw: the one place where any error becomes the process's exit code and,
/// when the run could not run, the stable error code and message of its report and metrics.
struct RunOutcome {
    /// The process's exit code.
    var exitCode: Int32
    /// Why the run could not run; nil for an `ExitCode` a command threw on purpose (1: some recordings failed).
    var error: RunError?

    /// The outcome of a command that threw `error`. `ArchiverError.exitCode` is the table of exit codes;
    /// configuration and command-line errors exit 2, anything unclassified 3.
    init(_ error: any Error) {
        switch error {
        case let error as ArchiverError:
            self.init(exitCode: error.exitCode, error: RunError(error))
        case let error as ConfigurationError:
            self.init(ArchiverError.configuration(error))
        case let error as ExitCode:
            self.init(exitCode: error.rawValue, error: nil)
        case is CancellationError:
            self.init(ArchiverError.interrupted(archived: 0))
        default:
            let isUsage = GetscreenArchiver.exitCode(for: error) == .validationFailure
            let message = GetscreenArchiver.message(for: error)
            self.init(
                exitCode: isUsage ? 2 : 3,
                error: RunError(code: isUsage ? .configuration : .unexpected, message: message))
        }
    }

    private init(exitCode: Int32, error: RunError?) {
        self.exitCode = exitCode
        self.error = error
    }

    /// The exit code and the error's code, for the metrics.
    var codes: (exitCode: Int32, errorCode: ArchiverError.Code?) { (exitCode, error?.code) }

    /// The header of the report of a run that ended so.
    var header: ReportHeader { ReportHeader(exitCode: exitCode, error: error) }
}
