extension ArchiveTimeZone {
    /// The POSIX TZ string of a TZif footer (RFC 8536 §3.3), such as `CET-1CEST,M3.5.0,M10.5.0/3`: standard time
    /// and, for zones that observe it, daylight time with the yearly dates on which it starts and ends.
    struct POSIXRule: Sendable {
        /// The offset of standard time from UTC in seconds, positive east (POSIX writes it positive west).
        let standardOffset: Int
        /// Daylight time, or nil where there is none.
        let daylight: Daylight?

        /// Daylight time: its offset and when it starts and ends each year.
        struct Daylight: Sendable {
            /// Seconds east of UTC; less than standard time's where daylight time is the winter one (Europe/Dublin).
            let offset: Int
            /// Its time is standard time.
            let start: Change
            /// Its time is daylight time.
            let end: Change
        }

        /// A yearly change of offset: a day and a local time on it, in seconds from midnight, which may be negative
        /// or more than 24 hours (from -167 to 167 hours, RFC 8536 §3.3.1).
        struct Change: Sendable {
            let day: Day
            let time: Int
        }

        /// The day of a change.
        enum Day: Sendable {
            /// `Jn`: day 1...365 of the year, February 29 never counted.
            case julian(Int)
            /// `n`: day 0...365 of the year, February 29 counted.
            case zeroBased(Int)
            /// `Mm.w.d`: weekday d (0 is Sunday) of week w (1...5, 5 being the last) of month m.
            case weekday(month: Int, week: Int, weekday: Int)
        }

        /// Parses a TZ string: `std offset [dst [offset] ,start[/time],end[/time]]`.
        ///
        /// Nil for anything else, including daylight time without a rule, whose default POSIX leaves to the
        /// implementation (zic always writes the rule).
        init?(_ text: String) {
            var scanner = RuleScanner(text)
            guard scanner.name(), let standardOffset = scanner.offset() else { return nil }
            self.standardOffset = standardOffset
            if scanner.isAtEnd {
                daylight = nil
                return
            }
            // The daylight offset defaults to one hour ahead of standard time.
            guard scanner.name(), let offset = scanner.isAt(",") ? standardOffset + 3600 : scanner.offset(),
                scanner.skip(","), let start = scanner.change(), scanner.skip(","), let end = scanner.change(),
                scanner.isAtEnd
            else { return nil }
            daylight = Daylight(offset: offset, start: start, end: end)
        }

        /// The offset from UTC in seconds at `unixTime`.
        func secondsFromGMT(at unixTime: Int64) -> Int {
            guard let daylight else { return standardOffset }
            let instant = Int(unixTime)
            let local = instant + standardOffset
            let year = TimeBound.civilFromDays(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400).year
            // The latest change at or before `instant` decides. Changes may fall up to a week outside their own
            // year, hence the neighbouring years. Of two changes at the same instant the later in the rule wins, so
            // that daylight time ending as it starts again (in effect all year, §3.3.1) stays in effect.
            var latest = (instant: Int.min, isDaylight: false)
            for candidateYear in year - 1...year + 1 {
                let start = daylight.start.instant(in: candidateYear, offsetBefore: standardOffset)
                let end = daylight.end.instant(in: candidateYear, offsetBefore: daylight.offset)
                if start <= instant, start >= latest.instant { latest = (start, true) }
                if end <= instant, end >= latest.instant { latest = (end, false) }
            }
            return latest.isDaylight ? daylight.offset : standardOffset
        }
    }
}

extension ArchiveTimeZone.POSIXRule.Change {
    /// The Unix time of this change in `year`, its local time read with `offsetBefore`, the offset it ends.
    func instant(in year: Int, offsetBefore: Int) -> Int {
        day.daysSince1970(in: year) * 86_400 + time - offsetBefore
    }
}

extension ArchiveTimeZone.POSIXRule.Day {
    /// The day in `year`, as days since 1970-01-01.
    func daysSince1970(in year: Int) -> Int {
        switch self {
        case .julian(let day):
            let isLeapYear = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            return TimeBound.daysFromCivil(year: year, month: 1, day: 1) + day - 1 + (isLeapYear && day >= 60 ? 1 : 0)
        case .zeroBased(let day):
            return TimeBound.daysFromCivil(year: year, month: 1, day: 1) + day
        case .weekday(let month, let week, let weekday):
            let first = TimeBound.daysFromCivil(year: year, month: month, day: 1)
            let next = TimeBound.daysFromCivil(year: month == 12 ? year + 1 : year, month: month % 12 + 1, day: 1)
            // 1970-01-01 was a Thursday (weekday 4).
            let firstWeekday = ((first + 4) % 7 + 7) % 7
            let day = first + (weekday - firstWeekday + 7) % 7 + (week - 1) * 7
            // Only week 5 can run past the month's end; it then means the last such weekday.
            return day < next ? day : day - 7
        }
    }
}

/// Scans a POSIX TZ string byte by byte.
private struct RuleScanner {
    private let bytes: [UInt8]
    private var position = 0

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    var isAtEnd: Bool { position == bytes.count }

    func isAt(_ character: Unicode.Scalar) -> Bool {
        position < bytes.count && bytes[position] == UInt8(ascii: character)
    }

    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard isAt(character) else { return false }
        position += 1
        return true
    }

    /// A zone abbreviation: three or more letters, or three or more letters, digits, `+` or `-` between `<` and `>`.
    mutating func name() -> Bool {
        let isQuoted = skip("<")
        let start = position
        while position < bytes.count, Self.isNameByte(bytes[position], isQuoted: isQuoted) { position += 1 }
        return position - start >= 3 && (!isQuoted || skip(">"))
    }

    /// A UTC offset, `[+|-]hh[:mm[:ss]]` west of Greenwich, as seconds east.
    mutating func offset() -> Int? {
        duration(maximumHours: 24).map { -$0 }
    }

    /// `date[/time]`, the time 02:00 when not given.
    mutating func change() -> ArchiveTimeZone.POSIXRule.Change? {
        guard let day = day() else { return nil }
        guard skip("/") else { return .init(day: day, time: 7200) }
        return duration(maximumHours: 167).map { .init(day: day, time: $0) }
    }

    private mutating func day() -> ArchiveTimeZone.POSIXRule.Day? {
        if skip("J") { return number(digits: 3, in: 1...365).map { .julian($0) } }
        if skip("M") {
            guard let month = number(digits: 2, in: 1...12), skip("."), let week = number(digits: 1, in: 1...5),
                skip("."), let weekday = number(digits: 1, in: 0...6)
            else { return nil }
            return .weekday(month: month, week: week, weekday: weekday)
        }
        return number(digits: 3, in: 0...365).map { .zeroBased($0) }
    }

    /// `[+|-]h[h[h]][:mm[:ss]]` as signed seconds.
    private mutating func duration(maximumHours: Int) -> Int? {
        let sign = skip("-") ? -1 : 1
        if sign == 1 { _ = skip("+") }
        guard var seconds = number(digits: 3, in: 0...maximumHours).map({ $0 * 3600 }) else { return nil }
        for unit in [60, 1] {
            guard skip(":") else { break }
            guard let value = number(digits: 2, in: 0...59) else { return nil }
            seconds += value * unit
        }
        return sign * seconds
    }

    /// One to `digits` decimal digits, as many as there are, when their value lies in `range`.
    private mutating func number(digits: Int, in range: ClosedRange<Int>) -> Int? {
        let start = position
        var value = 0
        while position < bytes.count, position - start < digits,
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
        {
            value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
            position += 1
        }
        return position > start && range.contains(value) ? value : nil
    }

    private static func isNameByte(_ byte: UInt8, isQuoted: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"): true
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"): isQuoted
        default: false
        }
    }
}
