/// The one-line live progress display of a run.
public enum ProgressLine {
    /// `snapshot` as one line of at most `width` characters, such as
    /// `5/12 files  1.2 MiB / 2.3 MiB  52%  650.3 KiB/s  ETA 0:02  4 active`.
    /// - Parameter rate: the current rate in bytes per second; nil while unknown.
    public static func render(_ snapshot: ProgressSnapshot, rate: Double?, width: Int = 80) -> String {
        let settled = snapshot.filesDone + snapshot.filesFailed
        var files = "\(settled)/\(snapshot.filesTotal) files"
        if snapshot.filesFailed > 0 { files += " (\(snapshot.filesFailed) failed)" }
        let percent = snapshot.bytesTotal > 0 ? min(100, snapshot.bytesDone * 100 / snapshot.bytesTotal) : 100
        var parts = [
            files,
            "\(ByteCount.format(snapshot.bytesDone)) / \(ByteCount.format(snapshot.bytesTotal))",
            "\(percent)%",
        ]
        if let rate {
            parts.append("\(ByteCount.format(Int(rate.rounded())))/s")
            let remaining = max(0, snapshot.bytesTotal - snapshot.bytesDone)
            parts.append("ETA " + (rate >= 1 ? clock(Double(remaining) / rate) : "--:--"))
        } else {
            parts.append("ETA --:--")
        }
        parts.append("\(snapshot.activeTransfers) active")
        let line = parts.joined(separator: "  ")
        return line.count <= width ? line : String(line.prefix(max(0, width - 1))) + "…"
    }

    /// `75` → `"1:15"`, `3725` → `"1:02:05"`.
    static func clock(_ seconds: Double) -> String {
        let whole = seconds.isFinite ? Int(min(seconds, 359_999).rounded()) : 359_999
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        if whole < 3600 { return "\(whole / 60):\(two(whole % 60))" }
        return "\(whole / 3600):\(two(whole % 3600 / 60)):\(two(whole % 60))"
    }
}
