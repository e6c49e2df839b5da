import ArchiverCore
import FoundationEssentials
import Logging

/// Writes each log event as one timestamped line (`LogLine`) to stderr, through the `Console` so that the
/// progress line is cleared first, and appends it to the `--log-file` when there is one.
struct ConsoleLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    private let console: Console
    private let file: LogFile?

    /// Creates a handler logging at `level` and above.
    init(level: Logger.Level, console: Console, file: LogFile?) {
        logLevel = level
        self.console = console
        self.file = file
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let eventMetadata = event.metadata { merged.merge(eventMetadata) { $1 } }
        if let error = event.error { merged["error"] = "\(error)" }
        let line = LogLine.format(
            date: Date(), level: event.level, message: event.message.description, metadata: merged)
        console.writeLine(line)
        file?.append(line)
    }
}
