public import Curl
import Glibc

/// An S3 request that failed: the store's own error code and HTTP status, or why no answer came.
///
/// Its `description` names the operation, the bucket and key, and what to do. It never holds the secret key:
/// nothing of the credentials but the access key ID reaches it.
public struct S3Error: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable {
        /// The store answered with this S3 error code (such as `SignatureDoesNotMatch`, `NoSuchBucket`,
        /// `AccessDenied`, `SlowDown`, `BadDigest`). An answer without a body (HEAD) gets the code AWS's SDKs
        /// use for its status: `BadRequest`, `Forbidden`, `NotFound`, or `HTTP<status>`.
        case service(code: String, httpStatus: Int)
        /// No HTTP answer: libcurl's failure (connect, timeout, broken connection).
        case transport(CurlError)
        /// An answer that S3 does not give: not the expected XML, or a field missing from it.
        case unexpectedAnswer(httpStatus: Int, detail: String)
        /// Opening, reading or writing the local file failed with this `errno`.
        case localFile(path: String, errno: Int32)
        /// The bytes read back do not match the SHA-256 checksum the store kept for the object (base64 values).
        case checksumMismatch(stored: String, received: String)
    }

    /// What went wrong.
    public let kind: Kind
    /// The S3 API operation, such as `PutObject` or `CompleteMultipartUpload`.
    public let operation: String
    /// The bucket the request named.
    public let bucket: String
    /// The object key the request named, if any.
    public let key: String?
    /// The store's base URL.
    public let endpoint: String
    /// The access key ID the request was signed with.
    public let accessKeyID: String
    /// The store's own message, when its answer had one.
    public let serverMessage: String?
    /// The store's request ID, for its operators.
    public let requestID: String?

    /// The S3 error code for a store's answer, else a stable slug (`curl_timeout`, `unexpected_answer`,
    /// `local_file`, `checksum_mismatch`).
    public var code: String {
        switch kind {
        case .service(let code, _): code
        case .transport(let error): error.slug
        case .unexpectedAnswer: "unexpected_answer"
        case .localFile: "local_file"
        case .checksumMismatch: "checksum_mismatch"
        }
    }

    /// The HTTP status of the store's answer, if one came.
    public var httpStatus: Int? {
        switch kind {
        case .service(_, let status), .unexpectedAnswer(let status, _): status
        case .transport, .localFile, .checksumMismatch: nil
        }
    }

    /// Whether the same request may succeed later: the store asked to slow down or failed inside (5xx,
    /// `SlowDown`, `InternalError`, `RequestTimeout`), the bytes were damaged on the way (`BadDigest`), or the
    /// connection failed. Wrong credentials, a missing bucket or a refused permission are not.
    public var isRetryable: Bool {
        switch kind {
        case .service(let code, let status):
            status >= 500
                || ["SlowDown", "RequestTimeout", "InternalError", "BadDigest", "ServiceUnavailable"]
                    .contains(code)
        case .transport(let error):
            [.connect, .timeout, .truncated, .connectionLost].contains(error.kind)
        case .checksumMismatch: true
        case .unexpectedAnswer, .localFile: false
        }
    }

    /// The object the request was about, as `s3://bucket/key`.
    private var location: String { "s3://\(bucket)" + (key.map { "/\($0)" } ?? "") }

    public var description: String {
        let what = "\(operation) \(location) at \(endpoint)"
        let reference = requestID.map { " (request ID \($0))" } ?? ""
        switch kind {
        case .service(let code, let status):
            let said = serverMessage.map { ": \($0)" } ?? ""
            return "\(what) failed with \(code) (HTTP \(status))\(said)\(reference); \(advice(for: code))"
        case .transport(let error):
            return "\(what) got no answer: \(error); check that the endpoint is right and "
                + "reachable (s3.endpoint), then retry"
        case .unexpectedAnswer(let status, let detail):
            return "\(what) got an answer S3 does not give (HTTP \(status)): \(detail)\(reference); check that the "
                + "endpoint is an S3-compatible store (s3.endpoint)"
        case .localFile(let path, let errno):
            return "\(what) could not use the local file \(path): \(String(cString: strerror(errno))) (errno \(errno))"
        case .checksumMismatch(let stored, let received):
            return "\(what) read bytes whose SHA-256 is \(received), but the store keeps \(stored) for the object: "
                + "damaged on the way or in the store; read it again, and restore it from its source if that repeats"
        }
    }

    /// What to do about a store's error code.
    private func advice(for code: String) -> String {
        switch code {
        case "SignatureDoesNotMatch":
            "the store rejects the signature made with access key \(accessKeyID): check the secret key "
                + "(AWS_SECRET_ACCESS_KEY or s3.credentials_file), the region (s3.region) and the endpoint"
        case "InvalidAccessKeyId":
            "the store does not know access key \(accessKeyID): check AWS_ACCESS_KEY_ID or s3.credentials_file"
        case "AccessDenied", "Forbidden":
            "access key \(accessKeyID) may not do \(operation) on \(location): grant it that permission on the "
                + "bucket (and check the key pair)"
        case "NoSuchBucket":
            "bucket \(bucket) does not exist at \(endpoint): create it, or fix the bucket in archive.root"
        case "NoSuchKey", "NotFound":
            "no such object"
        case "NoSuchUpload":
            "the multipart upload is gone (completed, aborted, or expired): start the upload again"
        case "SlowDown", "ServiceUnavailable":
            "the store asks for fewer requests: retry after a pause, with fewer transfers (--transfers)"
        case "BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch":
            "the bytes the store received do not match the checksum sent with them, so it refused them: retry, "
                + "and check the local disk and the network if that repeats"
        case "RequestTimeTooSkewed":
            "this machine's clock is too far from the store's: set the clock right (NTP)"
        case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
            "the bucket lives in another region or at another endpoint: check s3.region and s3.endpoint"
        case "InvalidBucketName":
            "\(bucket) is not a valid bucket name (3 to 63 lower-case letters, digits, dots and hyphens)"
        case "EntityTooLarge", "EntityTooSmall", "InvalidPart", "InvalidPartOrder":
            "the store refuses the upload's parts: this is a bug, please report it"
        default:
            if let status = httpStatus, status >= 500 {
                "the store failed inside: retry later, and ask its operators if that repeats"
            } else {
                "see the store's documentation of this code"
            }
        }
    }

    init(
        _ kind: Kind, operation: String, bucket: String, key: String?, endpoint: String, accessKeyID: String,
        serverMessage: String? = nil, requestID: String? = nil
    ) {
        self.kind = kind
        self.operation = operation
        self.bucket = bucket
        self.key = key
        self.endpoint = endpoint
        self.accessKeyID = accessKeyID
        self.serverMessage = serverMessage
        self.requestID = requestID
    }
}
