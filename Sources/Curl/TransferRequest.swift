/// One HTTP request for `CurlMulti` to perform: a GET unless `method` and `body` say otherwise.
public struct TransferRequest: Sendable {
    /// The request's HTTP method.
    public enum Method: String, Sendable {
        case get = "GET"
        /// Asks for the headers only (`CURLOPT_NOBODY`).
        case head = "HEAD"
        case put = "PUT"
        case post = "POST"
        case delete = "DELETE"
    }

    /// What the request sends after its headers.
    public enum Body: Sendable {
        /// These bytes, copied by libcurl (`CURLOPT_COPYPOSTFIELDS`): small documents such as S3's XML requests.
        case bytes([UInt8])
        /// `length` bytes of the open file `descriptor` from byte `offset` on, read with pread(2) while they are
        /// sent (`CURLOPT_UPLOAD` with a read callback), so memory stays flat and several requests may send
        /// ranges of one descriptor at once. The caller owns the descriptor and keeps it open until `perform`
        /// returns. A file shorter than `offset + length` fails the transfer.
        case file(descriptor: Int32, offset: Int, length: Int)
    }

    /// AWS Signature Version 4, computed by libcurl (`CURLOPT_AWS_SIGV4`, 7.75+) from the URL, the headers and
    /// the payload hash: libcurl 7.88 takes the payload hash from an `x-amz-content-sha256` request header when
    /// there is one, and otherwise hashes the `.bytes` body, or nothing for a file body.
    public struct AWSSignature: Sendable, CustomStringConvertible {
        /// `CURLOPT_AWS_SIGV4`'s parameter, such as `"aws:amz:us-east-1:s3"`.
        public var provider: String
        /// The access key ID (`CURLOPT_USERNAME`).
        public var accessKeyID: String
        /// The secret access key (`CURLOPT_PASSWORD`): never printed.
        public var secretAccessKey: String

        /// Creates a signature for `provider` with these credentials.
        public init(provider: String, accessKeyID: String, secretAccessKey: String) {
            self.provider = provider
            self.accessKeyID = accessKeyID
            self.secretAccessKey = secretAccessKey
        }

        public var description: String { "AWS SigV4 \(provider) as \(accessKeyID) (secret redacted)" }
    }

    /// Where the body of a successful (2xx) response goes.
    public enum Destination: Sendable {
        /// Collected in memory, failing the transfer when it grows past `limit` bytes.
        case memory(limit: Int)
        /// Written to this open file descriptor as it arrives; the caller owns and closes it. `observer`, when
        /// given, sees every byte written, in order (to hash the body while it streams).
        case file(descriptor: Int32, observer: (any TransferBodyObserver)? = nil)
        /// Handed to `observer` as it arrives and kept nowhere (to hash a body without storing it). A resume
        /// offset does not apply.
        case stream(to: any TransferBodyObserver)
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
    /// The HTTP method.
    public var method = Method.get
    /// What the request sends; nil for none.
    public var body: Body? = nil
    /// How libcurl signs the request; nil for no signature.
    public var signature: AWSSignature? = nil

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

/// Sees the body bytes of a file transfer as they are written, or of a stream transfer as they arrive.
///
/// Called on the transfer engine's thread, one call at a time for a given transfer, so an implementation
/// needs no lock as long as it is read only after `CurlMulti.perform` returns.
public protocol TransferBodyObserver: AnyObject, Sendable {
    /// Bytes are about to be written to the file: a write on a hung share may block here (for a watchdog).
    func transferWillWrite()
    /// `bytes` were just written to the file (or arrived, for a stream), after every byte of earlier calls.
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
    /// The in-memory body, or, for a file or stream destination, the first bytes of a non-2xx response's body.
    public var body: [UInt8]
    /// Body bytes written to the file destination, or handed to the stream destination's observer, by this
    /// transfer (only 2xx bodies go there).
    public var bytesWritten: Int
    /// Whether a resumed transfer got the whole body instead (200), so the file now holds only this body.
    public var restartedFromZero: Bool
    /// For a redirect (3xx with `Location`), its target resolved against the request's URL (libcurl's
    /// `CURLINFO_REDIRECT_URL`); nil otherwise. Never followed by this module. May carry what the URL carried.
    public var redirectURL: String? = nil

    /// Whether the status code is in 200...299.
    public var isSuccess: Bool { (200..<300).contains(statusCode) }
}
