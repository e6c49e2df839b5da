import ArchiverCore
import FoundationEssentials
import Logging

/// Writes each log event as one timestamped line (`LogLine`, text or JSON) to stderr, through the `Console` so
/// that the progress line is cleared first, and appends it to the `--log-file` when there is one. On the systemd
/// journal the stderr line carries its priority and no timestamp (`JournalStream`).
struct ConsoleLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    private let console: Console
    private let file: LogFile?

    private let format: LogFormat

    /// Creates a handler logging at `level` and above, in `format`.
    init(level: Logger.Level, console: Console, file: LogFile?, format: LogFormat = .text) {
        logLevel = level
        self.console = console
        self.file = file
        self.format = format
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
        let date = Date()
        let message = event.message.description
        func line(timestamped: Bool) -> String {
            switch format {
            case .text:
                timestamped
                    ? LogLine.format(date: date, level: event.level, message: message, metadata: merged)
                    : LogLine.format(level: event.level, message: message, metadata: merged)
            case .json:
                LogLine.json(
                    date: date, level: event.level, message: message, metadata: merged, timestamped: timestamped)
            }
        }
        // The journal stamps each line itself and stores its priority (the `<N>` that `Console` puts first).
        console.writeLine(line(timestamped: !console.isJournal), level: event.level)
        file?.append(line(timestamped: true))
    }
}
