/// One HTTP GET for `CurlMulti` to perform.
public struct TransferRequest: Sendable {
    /// Where the body of a successful (2xx) response goes.
    public enum Destination: Sendable {
        /// Collected in memory, failing the transfer when it grows past `limit` bytes.
        case memory(limit: Int)
        /// Written to this open file descriptor as it arrives; the caller owns and closes it. `observer`, when
        /// given, sees every byte written, in order (to hash the body while it streams).
        case file(descriptor: Int32, observer: (any TransferBodyObserver)? = nil)
    }

    /// The URL to fetch. It may carry a secret: the Curl module never logs or stores it.
    public var url: String
    /// Extra request header lines, such as `"X-Api-Key: …"`.
    public var headers: [String]
    /// Where the body goes.
    public var destination: Destination
    /// How long connecting may take (`CURLOPT_CONNECTTIMEOUT_MS`).
    public var connectTimeout: Duration
    /// Abort when the transfer stays below `bytesPerSecond` for `duration` (`CURLOPT_LOW_SPEED_LIMIT`/`_TIME`).
    public var lowSpeedLimit: (bytesPerSecond: Int, duration: Duration)?
    /// The whole transfer's time limit (`CURLOPT_TIMEOUT_MS`); nil for none, as for large media.
    public var timeout: Duration?
    /// The `User-Agent` header.
    public var userAgent: String
    /// For a file destination: ask for the body from this byte on (`Range: bytes=N-`), to resume a partial
    /// file whose write position is at N. A 206 answer must start at N (or the transfer fails with
    /// `CurlError.Kind.rangeMismatch`); a 200 answer (the server ignores ranges) truncates the file and
    /// writes the whole body from byte 0, telling the observer to restart.
    public var resumeOffset: Int
    /// Whether the body counts against the `CurlMulti`'s shared `BandwidthLimiter` (downloads do; small API
    /// answers and monitoring pings need not wait behind them).
    public var isBandwidthLimited = false

    /// Creates a GET request.
    public init(
        url: String,
        headers: [String] = [],
        destination: Destination,
        connectTimeout: Duration = .seconds(30),
        lowSpeedLimit: (bytesPerSecond: Int, duration: Duration)? = (1, .seconds(120)),
        timeout: Duration? = nil,
        userAgent: String = "getscreen-archiver",
        resumeOffset: Int = 0
    ) {
        self.resumeOffset = resumeOffset
        self.url = url
        self.headers = headers
        self.destination = destination
        self.connectTimeout = connectTimeout
        self.lowSpeedLimit = lowSpeedLimit
        self.timeout = timeout
        self.userAgent = userAgent
    }
}

/// Sees the body bytes of a file transfer as they are written.
///
/// Called on the transfer engine's thread, one call at a time for a given transfer, so an implementation
/// needs no lock as long as it is read only after `CurlMulti.perform` returns.
public protocol TransferBodyObserver: AnyObject, Sendable {
    /// Bytes are about to be written to the file: a write on a hung share may block here (for a watchdog).
    func transferWillWrite()
    /// `bytes` were just written to the file, after every byte of earlier calls.
    func transferDidWrite(_ bytes: UnsafeRawBufferPointer)
    /// The server ignored the requested range: the file was truncated and the body starts again at byte 0.
    func transferDidRestartFromZero()
}

extension TransferBodyObserver {
    /// Does nothing: most observers only look at the bytes written.
    public func transferWillWrite() {}
}

/// The outcome of a transfer that completed at the HTTP level, whatever its status code.
public struct TransferResponse: Sendable {
    /// The HTTP status code of the final response.
    public var statusCode: Int
    /// Response headers of the final response, names lowercased; a repeated header keeps its last value.
    public var headers: [String: String]
    /// The in-memory body, or, for a file destination, the first bytes of a non-2xx response's body.
    public var body: [UInt8]
    /// Body bytes written to the file destination by this transfer (only 2xx bodies are written there).
    public var bytesWritten: Int
    /// Whether a resumed transfer got the whole body instead (200), so the file now holds only this body.
    public var restartedFromZero: Bool
    /// For a redirect (3xx with `Location`), its target resolved against the request's URL (libcurl's
    /// `CURLINFO_REDIRECT_URL`); nil otherwise. Never followed by this module. May carry what the URL carried.
    public var redirectURL: String? = nil

    /// Whether the status code is in 200...299.
    public var isSuccess: Bool { (200..<300).contains(statusCode) }
}
