extension ConfigurationLoader {
    /// The duration units of the configuration file and their length in seconds.
    private static let durationUnits: [(suffix: String, seconds: Int)] = [
        ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400),
    ]

    /// The size units of the configuration file and their length in bytes; binary (`KiB`) and decimal (`kB`).
    private static let sizeUnits: [(suffix: String, bytes: Int)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
        ("kB", 1000), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000), ("B", 1),
    ]

    /// Parses a duration such as `30s`, `5m`, `2h`, `2d` or a whole number of seconds, and checks its range.
    /// - Throws: `ConfigurationError.invalidValue` naming `source`, the value and the allowed forms and range.
    static func duration(
        from text: String,
        source: ConfigurationSource,
        allowed: ClosedRange<Duration>
    ) throws(ConfigurationError) -> Duration {
        let expected =
            "a duration from \(describe(allowed.lowerBound)) to \(describe(allowed.upperBound)), "
            + "written as a whole number with s, m, h or d (\"30s\", \"5m\", \"2h\", \"2d\") or a number of seconds"
        let trimmed = text.trimmingWhitespaceAndNewlines()
        let unit = durationUnits.first { trimmed.hasSuffix($0.suffix) }
        let digits = unit.map { String(trimmed.dropLast($0.suffix.count)) } ?? trimmed
        guard let count = wholeNumber(digits) else {
            throw .invalidValue(value: text, source: source, expected: expected)
        }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: unit?.seconds ?? 1)
        guard !overflow, allowed.contains(.seconds(seconds)) else {
            throw .invalidValue(value: text, source: source, expected: expected)
        }
        return .seconds(seconds)
    }

    /// Parses a size such as `10GiB`, `500MiB`, `2GB`, `1TiB` or a whole number of bytes.
    /// - Throws: `ConfigurationError.invalidValue` naming `source`, the value and the allowed forms.
    static func byteSize(from text: String, source: ConfigurationSource) throws(ConfigurationError) -> Int {
        let expected =
            "a size written as a whole number with a unit (\"500MiB\", \"10GiB\", \"1TiB\"; decimal kB, MB, GB, TB "
            + "also work) or a number of bytes"
        let trimmed = text.trimmingWhitespaceAndNewlines()
        let unit = sizeUnits.first { trimmed.hasSuffix($0.suffix) }
        let digits = unit.map { String(trimmed.dropLast($0.suffix.count)).trimmingWhitespaceAndNewlines() } ?? trimmed
        guard let count = wholeNumber(digits) else {
            throw .invalidValue(value: text, source: source, expected: expected)
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: unit?.bytes ?? 1)
        guard !overflow else { throw .invalidValue(value: text, source: source, expected: expected) }
        return bytes
    }

    /// Parses a whole number within `allowed`.
    /// - Throws: `ConfigurationError.invalidValue` naming `source`, the value and the range.
    static func wholeNumber(
        from text: String,
        source: ConfigurationSource,
        allowed: ClosedRange<Int>
    ) throws(ConfigurationError) -> Int {
        guard let value = wholeNumber(text.trimmingWhitespaceAndNewlines()), allowed.contains(value) else {
            throw .invalidValue(
                value: text, source: source,
                expected: "a whole number from \(allowed.lowerBound) to \(allowed.upperBound)")
        }
        return value
    }

    /// `duration` in the largest unit that divides it (`2d`, `90s`), as the configuration file writes it.
    static func describe(_ duration: Duration) -> String {
        let seconds = Int(duration.components.seconds)
        guard seconds != 0 else { return "0s" }
        let unit = durationUnits.last { seconds % $0.seconds == 0 } ?? durationUnits[0]
        return "\(seconds / unit.seconds)\(unit.suffix)"
    }

    /// A non-empty run of ASCII digits that fits in an `Int`; no sign, no fraction, no separators.
    private static func wholeNumber(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return Int(text)
    }
}
