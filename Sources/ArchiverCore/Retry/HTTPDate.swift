import FoundationEssentials

/// The HTTP-date of RFC 9110 §5.6.7, as a `Retry-After` header may carry it.
enum HTTPDate {
    /// The instant `text` names, in any of the three forms a recipient must accept: IMF-fixdate
    /// (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`, years 70–99 are 19xx) and
    /// asctime (`Sun Nov  6 08:49:37 1994`); nil for anything else, or an impossible date or time.
    static func parse(_ text: String) -> Date? {
        let fields = text.split(separator: " ")
        switch fields.count {
        case 6 where fields[0].hasSuffix(",") && fields[5] == "GMT":
            return date(day: fields[1], month: fields[2], year: fields[3], time: fields[4])
        case 4 where fields[0].hasSuffix(",") && fields[3] == "GMT":
            let parts = fields[1].split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[2].count == 2, let shortYear = Int(parts[2]) else { return nil }
            let year = String(shortYear + (shortYear < 70 ? 2000 : 1900))
            return date(day: parts[0], month: parts[1], year: Substring(year), time: fields[2])
        case 5 where !fields[0].hasSuffix(","):
            return date(day: fields[2], month: fields[1], year: fields[4], time: fields[3])
        default:
            return nil
        }
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func date(day: Substring, month: Substring, year: Substring, time: Substring) -> Date? {
        let clock = time.split(separator: ":", omittingEmptySubsequences: false)
        guard let monthIndex = months.firstIndex(where: { $0 == month }), year.count == 4, let year = Int(year),
            day.count <= 2, let day = Int(day), clock.count == 3, clock.allSatisfy({ $0.count == 2 }),
            let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        let month = monthIndex + 1
        let days = TimeBound.daysFromCivil(year: year, month: month, day: day)
        // A day past the month's end (31 Feb) comes back as another date: refuse it.
        guard day >= 1, TimeBound.civilFromDays(days) == (year, month, day) else { return nil }
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}
