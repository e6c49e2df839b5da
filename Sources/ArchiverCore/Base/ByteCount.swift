/// Human-readable byte counts (binary units).
public enum ByteCount {
    /// `1536` → `"1.5 KiB"`.
    public static func format(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes)
        var unit = 0
        while abs(value) >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : value.decimalText(fractionDigits: 1) + " " + units[unit]
    }
}
