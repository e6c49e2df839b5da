import InMemoryLogging
import Logging

/// A logger whose entries the test reads, and the handler that keeps them.
/// - Parameter level: the lowest level kept (`.debug` for the lines of each transfer).
func recordingLogger(level: Logger.Level = .info) -> (Logger, InMemoryLogHandler) {
    let handler = InMemoryLogHandler()
    var logger = Logger(label: "test", factory: { _ in handler })
    logger.logLevel = level
    return (logger, handler)
}

extension InMemoryLogHandler {
    /// The entries logged with exactly `message`, in the order logged.
    func entries(withMessage message: String) -> [Entry] {
        entries.filter { "\($0.message)" == message }
    }
}
