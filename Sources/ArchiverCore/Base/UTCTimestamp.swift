import FoundationEssentials

extension Date {
    /// ISO 8601 in UTC to the second, `2026-03-01T08:00:00Z`, as `formatted(.iso8601)` writes it.
    ///
    /// Computed with civil-date arithmetic: `Date.ISO8601FormatStyle` builds a Gregorian calendar in the
    /// current time zone, and looking that zone up maps ICU's time zone data (about 1 MiB of RSS).
    var iso8601UTC: String {
        let seconds = Int(timeIntervalSince1970.rounded(.down))
        let days = seconds.floorDivided(by: 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = TimeBound.civilFromDays(days)
        func two(_ value: Int) -> String { value.zeroPadded(width: 2) }
        return "\(year.zeroPadded(width: 4))-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):"
            + "\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
    }
}
