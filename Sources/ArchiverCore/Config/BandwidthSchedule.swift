import Glibc

/// `bwlimit` / `--bwlimit`: how fast all downloads together may receive, constant or by time of day, in the form
/// of rclone's `--bwlimit` timetable: `"4MiB"`, `"off"`, or `"08:00,2MiB 19:00,off"`.
///
/// In a timetable each entry holds from its time (local time of the machine, `TZ` or `/etc/localtime`) until the
/// next entry's; before the first entry of the day, the last one still holds (from the day before).
struct BandwidthSchedule: Sendable, Equatable, CustomStringConvertible {
    /// One entry: from `minuteOfDay` (0...1439) on, at most `bytesPerSecond` (nil: unlimited).
    struct Entry: Sendable, Equatable {
        /// Minutes after local midnight.
        var minuteOfDay: Int
        /// The limit in bytes per second; nil: `off`.
        var bytesPerSecond: Int?
    }

    /// The smallest limit accepted: below it a single 16 KiB chunk from libcurl would stall a transfer for seconds.
    static let minimumBytesPerSecond = 1 << 10

    /// The entries in order of time; a constant limit is one entry at midnight.
    let entries: [Entry]
    /// The text as written, for messages.
    let description: String

    /// Parses `text`.
    /// - Throws: `ConfigurationError.invalidValue` naming `source`, the value and the expected form.
    init(parsing text: String, source: ConfigurationSource) throws(ConfigurationError) {
        func invalid(_ detail: String) -> ConfigurationError {
            .invalidValue(
                value: text, source: source,
                expected: "a rate per second such as \"4MiB\" or \"off\", or a timetable of HH:MM,RATE entries such "
                    + "as \"08:00,2MiB 19:00,off\" (rates in archive.min_free's units: \"512KiB\", \"2MiB\", \"1MB\", "
                    + "at least 1KiB); " + detail)
        }
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard !tokens.isEmpty else { throw invalid("it is empty") }
        var entries: [Entry] = []
        if tokens.count == 1, !tokens[0].contains(",") {
            guard let rate = Self.rate(tokens[0], source: source) else {
                throw invalid("\"\(tokens[0])\" is neither a rate nor HH:MM,RATE")
            }
            entries = [Entry(minuteOfDay: 0, bytesPerSecond: rate)]
        } else {
            for token in tokens {
                let parts = token.split(separator: ",", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw invalid("\"\(token)\" is not HH:MM,RATE") }
                guard let minute = Self.minuteOfDay(parts[0]) else {
                    throw invalid("\"\(parts[0])\" in \"\(token)\" is not a time from 00:00 to 23:59")
                }
                guard let rate = Self.rate(String(parts[1]), source: source) else {
                    throw invalid("\"\(parts[1])\" in \"\(token)\" is no rate")
                }
                guard !entries.contains(where: { $0.minuteOfDay == minute }) else {
                    throw invalid("\(parts[0]) appears twice")
                }
                entries.append(Entry(minuteOfDay: minute, bytesPerSecond: rate))
            }
        }
        self.entries = entries.sorted { $0.minuteOfDay < $1.minuteOfDay }
        description = text
    }

    /// The limit at `minuteOfDay` minutes after local midnight, in bytes per second; nil: unlimited.
    func bytesPerSecond(atMinuteOfDay minuteOfDay: Int) -> Int? {
        (entries.last { $0.minuteOfDay <= minuteOfDay } ?? entries.last)?.bytesPerSecond
    }

    /// The limit now, by the machine's local time.
    func bytesPerSecondNow() -> Int? {
        var now = time(nil)
        var local = tm()
        guard localtime_r(&now, &local) != nil else { return bytesPerSecond(atMinuteOfDay: 0) }
        return bytesPerSecond(atMinuteOfDay: Int(local.tm_hour) * 60 + Int(local.tm_min))
    }

    /// `HH:MM` (or `H:MM`) as minutes after midnight.
    private static func minuteOfDay(_ text: Substring) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), hour < 24, minute < 60
        else { return nil }
        return hour * 60 + minute
    }

    /// A size per second of at least `minimumBytesPerSecond`, or `.some(nil)` for `off`; nil when invalid.
    private static func rate(_ text: String, source: ConfigurationSource) -> Int?? {
        if text.lowercased() == "off" { return .some(nil) }
        guard let bytes = try? ConfigurationLoader.byteSize(from: text, source: source),
            bytes >= minimumBytesPerSecond
        else { return nil }
        return bytes
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
