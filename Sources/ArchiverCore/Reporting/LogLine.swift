public import FoundationEssentials
public import Logging

/// The text of one log event: one line with a timestamp, the level, the message and its metadata.
public enum LogLine {
    /// `2026-05-25T02:30:00.123+02:00 info    planned bytes=2400 listed=12`, without a newline.
    ///
    /// Metadata follows the message as `key=value`, keys sorted; values with spaces, quotes or `=` are quoted.
    /// Line breaks in the message or values are escaped, so that one event is always one line.
    /// - Parameter timeZone: the time zone of the timestamp (the machine's, by default).
    public static func format(
        date: Date,
        level: Logger.Level,
        message: String,
        metadata: Logger.Metadata,
        timeZone: TimeZone = .current
    ) -> String {
        let style = Date.ISO8601FormatStyle(
            timeZoneSeparator: .colon, includingFractionalSeconds: true, timeZone: timeZone)
        let levelText = level.rawValue
        var line =
            date.formatted(style) + " " + levelText
            + String(repeating: " ", count: max(1, 8 - levelText.count)) + escaped(message)
        for key in metadata.keys.sorted() {
            line += " \(key)=\(quoted(metadata[key].map { "\($0)" } ?? ""))"
        }
        return line
    }

    private static func escaped(_ text: String) -> String {
        guard text.contains(where: \.isNewline) else { return text }
        return text.replacing("\r", with: "\\r").replacing("\n", with: "\\n")
    }

    private static func quoted(_ value: String) -> String {
        let text = escaped(value)
        guard text.isEmpty || text.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) else { return text }
        return "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
            + "\""
    }
}
