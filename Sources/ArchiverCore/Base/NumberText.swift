extension Double {
    /// The value rounded half away from zero to `fractionDigits` decimals: `0.6644.decimalText(fractionDigits: 3)`
    /// is `"0.664"`. What `String(format: "%.3f")` prints (but for exact ties, which printf rounds to even),
    /// without Foundation; non-finite values print as Swift prints them.
    func decimalText(fractionDigits: Int) -> String {
        var scale: Int64 = 1
        for _ in 0..<fractionDigits { scale *= 10 }
        let scaled = (magnitude * Double(scale)).rounded()
        guard scaled.isFinite, scaled < 9.0e18 else { return "\(self)" }
        let units = Int64(scaled)
        var text = (self < 0 ? "-" : "") + String(units / scale)
        if fractionDigits > 0 { text += "." + (units % scale).zeroPadded(width: fractionDigits) }
        return text
    }
}

extension BinaryInteger {
    /// The decimal digits, with leading zeros up to `width` characters: `7.zeroPadded(width: 2)` is `"07"`, as
    /// `String(format: "%02d")` prints it.
    func zeroPadded(width: Int) -> String {
        let sign = self < 0 ? "-" : ""
        let digits = String(self.magnitude)
        return sign + String(repeating: "0", count: max(0, width - sign.count - digits.count)) + digits
    }
}

extension Int {
    /// The quotient rounded toward negative infinity, so that `-1.floorDivided(by: 86_400)` is day -1, not 0.
    func floorDivided(by divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

extension Duration {
    /// Whole hours, minutes and seconds as Go's `time.Duration` prints them, for messages: `"2m0s"`, `"1h0m0s"`,
    /// `"5s"`; a fraction of a second is dropped.
    var clockText: String {
        let total = Int(components.seconds)
        let (hours, minutes, seconds) = (total / 3600, total / 60 % 60, total % 60)
        if hours > 0 { return "\(hours)h\(minutes)m\(seconds)s" }
        return minutes > 0 ? "\(minutes)m\(seconds)s" : "\(seconds)s"
    }
}
