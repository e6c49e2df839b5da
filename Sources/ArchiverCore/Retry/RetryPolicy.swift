import Curl
import FoundationEssentials

/// How often and how patiently a request is tried again after a transient failure.
///
/// Exponential backoff with jitter: the wait after attempt n is a random duration between half and all of
/// `baseDelay × 2^(n-1)`, capped at `maxDelay`; a server's `Retry-After` replaces it (also capped).
struct RetryPolicy: Sendable {
    /// Tries in all, including the first.
    var attempts: Int
    var baseDelay: Duration
    var maxDelay: Duration

    init(attempts: Int, baseDelay: Duration, maxDelay: Duration) {
        self.attempts = max(1, attempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The wait after the failed attempt number `attempt` (1-based).
    func delay(afterAttempt attempt: Int, retryAfter: Duration? = nil) -> Duration {
        if let retryAfter { return min(max(retryAfter, .zero), maxDelay) }
        let exponential = baseDelay * Double(1 << min(max(attempt - 1, 0), 30))
        return min(exponential, maxDelay) * Double.random(in: 0.5...1.0)
    }

    /// Whether an HTTP status is worth trying again: rate limiting, timeouts and server-side failures
    /// (`RecordingFailure.Code.isTransient`).
    static func isTransient(status: Int) -> Bool {
        RecordingFailure.Code.http(status: status).isTransient
    }

    /// Whether a transfer failure below HTTP is worth trying again (`RecordingFailure.Code.isTransient`).
    static func isTransient(_ error: CurlError) -> Bool {
        RecordingFailure.Code(error).isTransient
    }

    /// The `Retry-After` header as a duration: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
    static func retryAfter(in headers: [String: String], now: Date = Date()) -> Duration? {
        guard let value = headers["retry-after"]?.trimmingWhitespaceAndNewlines(), !value.isEmpty else {
            return nil
        }
        if let seconds = Int(value) { return .seconds(max(0, seconds)) }
        guard let date = HTTPDate.parse(value) else { return nil }
        return .milliseconds(max(0, Int(date.timeIntervalSince(now) * 1000)))
    }
}

extension Duration {
    /// Seconds with millisecond precision, for logs: `"0.664"`.
    var secondsText: String {
        let (seconds, attoseconds) = components
        return (Double(seconds) + Double(attoseconds) / 1e18).decimalText(fractionDigits: 3)
    }
}
