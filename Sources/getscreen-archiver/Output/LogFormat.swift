import ArgumentParser

/// How each log event is written (`--log-format`).
enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// One line: timestamp, level, message, `key=value` metadata (`LogLine.format`).
    case text
    /// One JSON object per line (`LogLine.json`).
    case json
}
