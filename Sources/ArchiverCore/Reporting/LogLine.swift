public import FoundationEssentials
import JSON
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
        timeZone: ArchiveTimeZone = .local
    ) -> String {
        timestamp(date, in: timeZone) + " " + format(level: level, message: message, metadata: metadata)
    }

    /// `info    planned bytes=2400 listed=12`: the line without a timestamp, for the systemd journal, which stamps
    /// each line itself.
    public static func format(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        let levelText = level.rawValue
        var line = levelText + String(repeating: " ", count: max(1, 8 - levelText.count)) + escaped(message)
        for key in metadata.keys.sorted() {
            line += " \(key)=\(quoted(metadata[key].map { "\($0)" } ?? ""))"
        }
        return line
    }

    /// `{"time":"2026-05-25T02:30:00.123+02:00","level":"info","message":"planned","bytes":"2400"}`: one JSON
    /// object per event (`--log-format json`), `time`, `level` and `message` first, then the metadata, keys
    /// sorted, values as strings. A metadata key named like one of the first three is written as `meta.<key>`.
    /// - Parameter timestamped: false on the journal, which stamps each line itself (no `time` member).
    public static func json(
        date: Date,
        level: Logger.Level,
        message: String,
        metadata: Logger.Metadata,
        timestamped: Bool = true,
        timeZone: ArchiveTimeZone = .local
    ) -> String {
        var members: [(String, String)] = timestamped ? [("time", timestamp(date, in: timeZone))] : []
        members += [("level", level.rawValue), ("message", message)]
        for key in metadata.keys.sorted() {
            let name = ["time", "level", "message"].contains(key) ? "meta." + key : key
            members.append((name, metadata[key].map { "\($0)" } ?? ""))
        }
        let text = members.map { name, value in jsonString(name) + ":" + jsonString(value) }
        return "{" + text.joined(separator: ",") + "}"
    }

    /// `text` as a JSON string literal.
    private static func jsonString(_ text: String) -> String {
        String(decoding: JSONValue.string(text).compactJSON(), as: UTF8.self)
    }

    /// `2026-05-25T02:30:00.123+02:00` (`Z` for offset 0), milliseconds truncated, as
    /// `Date.ISO8601FormatStyle(timeZoneSeparator: .colon, includingFractionalSeconds: true)` writes it.
    static func timestamp(_ date: Date, in timeZone: ArchiveTimeZone) -> String {
        let instant = date.timeIntervalSince1970.isFinite ? min(max(date.timeIntervalSince1970, -1e14), 1e14) : 0
        let whole = instant.rounded(.down)
        let seconds = Int(whole)
        let milliseconds = Int((instant - whole) * 1000)
        let offset = timeZone.secondsFromGMT(for: date)
        let days = (seconds + offset).floorDivided(by: 86_400)
        let second = seconds + offset - days * 86_400
        let (year, month, day) = TimeBound.civilFromDays(days)
        func two(_ value: Int) -> String { value.zeroPadded(width: 2) }
        var text = "\(year.zeroPadded(width: 4))-\(two(month))-\(two(day))T\(two(second / 3600)):"
        text += "\(two(second / 60 % 60)):\(two(second % 60)).\(milliseconds.zeroPadded(width: 3))"
        guard offset != 0 else { return text + "Z" }
        let minutes = abs(offset) / 60
        return text + (offset < 0 ? "-" : "+") + "\(two(minutes / 60)):\(two(minutes % 60))"
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
