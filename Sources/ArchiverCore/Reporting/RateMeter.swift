/// The recent transfer rate, from samples of a growing byte count over a sliding window.
public struct RateMeter: Sendable {
    private var samples: [(seconds: Double, bytes: Int)] = []
    private let window: Double

    /// Creates a meter averaging over the last `window` seconds.
    public init(window: Double = 5) {
        self.window = window
    }

    /// Records that `bytes` had been transferred at `seconds` (any monotonic clock).
    public mutating func record(bytes: Int, at seconds: Double) {
        samples.append((seconds, bytes))
        while let first = samples.first, seconds - first.seconds > window, samples.count > 2 {
            samples.removeFirst()
        }
    }

    /// Bytes per second over the window; nil until two samples span some time.
    public var bytesPerSecond: Double? {
        guard let first = samples.first, let last = samples.last, last.seconds > first.seconds else { return nil }
        return max(0, Double(last.bytes - first.bytes) / (last.seconds - first.seconds))
    }
}
