public import FoundationEssentials

/// Parses the `--from` / `--to` style bounds of a time window.
///
/// Accepted forms:
/// - an ISO 8601 date, `2026-03-01` (midnight UTC);
/// - an ISO 8601 date-time, `2026-03-01T12:30:00`, with optional seconds and fractional seconds, a space allowed
///   instead of `T`, UTC unless `Z` or an offset (`+02:00`, `+0200`, `+02`) is given;
/// - unix seconds, all digits, `1772368200`.
///
/// Parsed by hand on the proleptic Gregorian calendar, so the result never depends on locale or time zone settings.
public enum TimeBound {
    /// The accepted forms, for messages and `--help`.
    static let acceptedForms =
        "a date (2026-03-01), a date-time (2026-03-01T12:30:00, 2026-03-01 12:30:00Z, 2026-03-01T12:30:00+02:00; "
        + "UTC unless Z or an offset is given) or unix seconds (1772368200)"

    /// Parses `text` as a point in time.
    /// - Parameters:
    ///   - text: The value as given.
    ///   - option: The flag it came from, such as `--from`, named in the error.
    /// - Throws: `ConfigurationError.invalidValue` naming `option` and listing the accepted forms.
    public static func parse(_ text: String, option: String) throws(ConfigurationError) -> Date {
        guard let date = date(from: text.trimmingWhitespaceAndNewlines()) else {
            throw .invalidValue(value: text, source: .flag(name: option), expected: acceptedForms)
        }
        return date
    }

    private static func date(from text: String) -> Date? {
        var scanner = DigitScanner(text)
        if !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            guard text.utf8.count <= 12, let seconds = Int(text) else { return nil }
            return Date(timeIntervalSince1970: TimeInterval(seconds))
        }
        guard let year = scanner.number(digits: 4), scanner.skip("-"),
            let month = scanner.number(digits: 2), scanner.skip("-"),
            let day = scanner.number(digits: 2),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day)
        else { return nil }
        var seconds = Double(daysFromCivil(year: year, month: month, day: day) * 86_400)
        if scanner.isAtEnd { return Date(timeIntervalSince1970: seconds) }

        guard scanner.skip("T") || scanner.skip("t") || scanner.skip(" "),
            let hour = scanner.number(digits: 2), hour < 24, scanner.skip(":"),
            let minute = scanner.number(digits: 2), minute < 60
        else { return nil }
        seconds += Double(hour * 3600 + minute * 60)
        if scanner.skip(":") {
            guard let second = scanner.number(digits: 2), second < 60 else { return nil }
            seconds += Double(second)
            if scanner.skip(".") || scanner.skip(",") {
                guard let fraction = scanner.fraction() else { return nil }
                seconds += fraction
            }
        }
        guard let offset = scanner.offsetSeconds(), scanner.isAtEnd else { return nil }
        return Date(timeIntervalSince1970: seconds - Double(offset))
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`), the
    /// inverse of `daysFromCivil`.
    static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// Reads fixed-width ASCII numbers and separators from the front of a string.
private struct DigitScanner {
    private var bytes: Substring.UTF8View

    init(_ text: String) { bytes = Substring(text).utf8 }

    var isAtEnd: Bool { bytes.isEmpty }

    /// Consumes `character` if it is next.
    mutating func skip(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue, bytes.first == ascii else { return false }
        bytes.removeFirst()
        return true
    }

    /// Consumes exactly `digits` ASCII digits.
    mutating func number(digits: Int) -> Int? {
        var value = 0
        for _ in 0..<digits {
            guard let digit = nextDigit() else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    /// Consumes one or more digits after a decimal point, as a fraction of a second.
    mutating func fraction() -> Double? {
        var text = "0."
        while let digit = nextDigit() { text += String(digit) }
        return text.count > 2 ? Double(text) : nil
    }

    /// Consumes `Z`, `±HH:MM`, `±HHMM` or `±HH` and returns the offset east of UTC; 0 when nothing is left.
    mutating func offsetSeconds() -> Int? {
        if isAtEnd { return 0 }
        if skip("Z") || skip("z") { return 0 }
        let sign: Int
        if skip("+") {
            sign = 1
        } else if skip("-") {
            sign = -1
        } else {
            return nil
        }
        guard let hours = number(digits: 2), hours <= 18 else { return nil }
        var minutes = 0
        if !isAtEnd {
            _ = skip(":")
            guard let value = number(digits: 2), value < 60 else { return nil }
            minutes = value
        }
        return sign * (hours * 3600 + minutes * 60)
    }

    private mutating func nextDigit() -> Int? {
        guard let byte = bytes.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
        bytes.removeFirst()
        return Int(byte - UInt8(ascii: "0"))
    }
}
