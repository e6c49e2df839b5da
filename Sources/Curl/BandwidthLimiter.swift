import Synchronization

/// A token bucket shared by every limited transfer of a `CurlMulti`: together they receive at most the current
/// rate, whichever driver thread they run on.
///
/// A transfer whose write callback finds the bucket empty pauses itself (`CURL_WRITEFUNC_PAUSE`); its driver
/// thread resumes it (`curl_easy_pause(CURLPAUSE_CONT)`) once the bucket has refilled. libcurl keeps the refused
/// bytes and hands them over again on resume, and stops reading the socket meanwhile, so TCP slows the sender.
/// The rate is asked of `bytesPerSecond` at most once a second, so a timetable switch takes effect within a second.
public final class BandwidthLimiter: Sendable {
    private struct Bucket {
        /// Bytes per second; nil: unlimited.
        var rate: Int?
        /// Bytes that may be taken now; negative after a chunk larger than what was left (paid back by waiting).
        var tokens: Double = 0
        var refilledAt: ContinuousClock.Instant
        var rateAskedAt: ContinuousClock.Instant
    }

    /// The bucket holds at most this much of a second's rate: enough to cover a driver that wakes late, small
    /// enough that a paused run does not burst.
    private static let burstSeconds = 0.25
    private static let rateRefreshInterval = Duration.seconds(1)

    private let bytesPerSecond: @Sendable () -> Int?
    private let bucket: Mutex<Bucket>

    /// Creates a limiter whose rate is `bytesPerSecond()` (nil: unlimited), asked again every second.
    public init(bytesPerSecond: @escaping @Sendable () -> Int?) {
        self.bytesPerSecond = bytesPerSecond
        let now = ContinuousClock.now
        bucket = Mutex(Bucket(rate: bytesPerSecond(), refilledAt: now, rateAskedAt: now))
    }

    /// Takes `count` bytes from the bucket if it is not empty (it may go negative: libcurl hands over up to 16 KiB
    /// at a time, more than a low rate's burst).
    /// - Returns: false when the bytes must wait: pause the transfer.
    func take(_ count: Int) -> Bool {
        bucket.withLock { bucket in
            refill(&bucket)
            guard bucket.rate != nil else { return true }
            guard bucket.tokens >= 0 else { return false }
            bucket.tokens -= Double(count)
            return true
        }
    }

    /// How long until `take` can succeed: zero when it can now.
    func delayUntilAvailable() -> Duration {
        bucket.withLock { bucket in
            refill(&bucket)
            guard let rate = bucket.rate, bucket.tokens < 0 else { return .zero }
            return .microseconds(Int((-bucket.tokens / Double(rate) * 1_000_000).rounded(.up)))
        }
    }

    private func refill(_ bucket: inout Bucket) {
        let now = ContinuousClock.now
        if now - bucket.rateAskedAt >= Self.rateRefreshInterval {
            bucket.rate = bytesPerSecond()
            bucket.rateAskedAt = now
        }
        let elapsed = now - bucket.refilledAt
        bucket.refilledAt = now
        guard let rate = bucket.rate else {
            bucket.tokens = 0
            return
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(Double(rate) * Self.burstSeconds, bucket.tokens + Double(rate) * seconds)
    }
}
