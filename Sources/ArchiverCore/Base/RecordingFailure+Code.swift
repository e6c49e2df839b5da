import Curl

extension RecordingFailure {
    /// Why a recording was not archived, as a stable short slug: the report's `failures[].code`, the metrics'
    /// `code` label and the catalog's `failing_session.code`. It carries no text, so that monitoring can match on
    /// it; HTTP statuses and unclassified libcurl errors carry their number (`http_404`, `curl_56`).
    ///
    /// Encoded as its `slug`. A slug this version does not know (written by another version into the catalog)
    /// decodes to `unrecognized` and keeps its text.
    enum Code: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The API listed an item the archiver cannot use (no `video.url`, a bad date, …).
        case invalidItem
        /// The recording's URL does not parse.
        case invalidMediaURL
        /// The recording's URL uses a scheme that may not carry the key.
        case insecureMediaURL
        /// The recording's host is not in `media_hosts`.
        case untrustedMediaHost
        /// A redirect's target does not parse.
        case invalidRedirectURL
        /// A redirect's target uses a scheme that may not carry the key.
        case insecureRedirect
        /// A redirect's target host is not in `media_hosts`.
        case untrustedRedirectHost
        /// The media server answered a redirect without a `Location`.
        case redirectWithoutLocation
        /// The media server sent more redirects in a row than `RedirectChain.maximumHops`.
        case tooManyRedirects
        /// The recording's path would leave the archive root or pass through a link.
        case unsafePath
        /// The media server answered with this HTTP status.
        case http(status: Int)
        /// The transfer ended with another number of bytes than the API announced, or a file on disk holds
        /// another number.
        case sizeMismatch
        /// The media host's name did not resolve.
        case curlResolve
        /// The connection to the media host could not be made.
        case curlConnect
        /// The transfer timed out or stalled.
        case curlTimeout
        /// The connection ended before the announced body was complete.
        case curlTruncated
        /// The connection broke during the transfer.
        case curlConnectionLost
        /// Writing the body failed.
        case writeFailed
        /// An in-memory body grew past its limit.
        case bodyTooLarge
        /// A resumed transfer got a range that does not continue the partial file.
        case rangeMismatch
        /// libcurl refused the URL or the protocol.
        case curlBadURL
        /// Any other libcurl error, with its `CURLcode`.
        case curl(code: Int)
        /// The storage reported an error when the recording was flushed.
        case storageFlushFailed
        /// The storage reported an error when the recording was closed.
        case storageCloseFailed
        /// The storage could not tell the recording's size.
        case storageSizeUnreadable
        /// The storage holds another number of bytes than were written.
        case storageSizeMismatch
        /// The object store did not take the recording (it kept failing, or refused its bytes), after every retry.
        case storageUploadFailed
        /// A recording on disk without a catalog row has no usable sidecar.
        case sidecarUnusable
        /// A recording on disk without a catalog row does not match its sidecar.
        case sidecarMismatch
        /// A recording on disk without a catalog row cannot be read.
        case unreadable
        /// A slug this version does not know, as it was read (from a catalog another version wrote).
        case unrecognized(String)

        /// Every code without a value, each with its own slug: the table `init(slug:)` reads.
        static let valueless: [Code] = [
            .invalidItem, .invalidMediaURL, .insecureMediaURL, .untrustedMediaHost, .invalidRedirectURL,
            .insecureRedirect, .untrustedRedirectHost, .redirectWithoutLocation, .tooManyRedirects, .unsafePath,
            .sizeMismatch, .curlResolve, .curlConnect, .curlTimeout, .curlTruncated, .curlConnectionLost,
            .writeFailed, .bodyTooLarge, .rangeMismatch, .curlBadURL, .storageFlushFailed, .storageCloseFailed,
            .storageSizeUnreadable, .storageSizeMismatch, .storageUploadFailed, .sidecarUnusable, .sidecarMismatch,
            .unreadable,
        ]

        private static let bySlug = Dictionary(uniqueKeysWithValues: valueless.map { ($0.slug, $0) })

        /// The stable slug: `size_mismatch`, `http_404`, `curl_56`.
        var slug: String {
            switch self {
            case .invalidItem: "invalid_item"
            case .invalidMediaURL: "invalid_media_url"
            case .insecureMediaURL: "insecure_media_url"
            case .untrustedMediaHost: "untrusted_media_host"
            case .invalidRedirectURL: "invalid_redirect_url"
            case .insecureRedirect: "insecure_redirect"
            case .untrustedRedirectHost: "untrusted_redirect_host"
            case .redirectWithoutLocation: "redirect_without_location"
            case .tooManyRedirects: "too_many_redirects"
            case .unsafePath: "unsafe_path"
            case .http(let status): "http_\(status)"
            case .sizeMismatch: "size_mismatch"
            case .curlResolve: "curl_resolve"
            case .curlConnect: "curl_connect"
            case .curlTimeout: "curl_timeout"
            case .curlTruncated: "curl_truncated"
            case .curlConnectionLost: "curl_connection_lost"
            case .writeFailed: "write_failed"
            case .bodyTooLarge: "body_too_large"
            case .rangeMismatch: "range_mismatch"
            case .curlBadURL: "curl_bad_url"
            case .curl(let code): "curl_\(code)"
            case .storageFlushFailed: "storage_flush_failed"
            case .storageCloseFailed: "storage_close_failed"
            case .storageSizeUnreadable: "storage_size_unreadable"
            case .storageSizeMismatch: "storage_size_mismatch"
            case .storageUploadFailed: "storage_upload_failed"
            case .sidecarUnusable: "sidecar_unusable"
            case .sidecarMismatch: "sidecar_mismatch"
            case .unreadable: "unreadable"
            case .unrecognized(let slug): slug
            }
        }

        /// The code whose `slug` is `slug`; `unrecognized(slug)` when no other has it. Numbers are read only in the
        /// form `slug` writes them (`http_404`, not `http_0404`), so that the slug round-trips byte for byte.
        init(slug: String) {
            if let code = Self.bySlug[slug] {
                self = code
            } else if let status = Self.number(in: slug, after: "http_") {
                self = .http(status: status)
            } else if let code = Self.number(in: slug, after: "curl_") {
                self = .curl(code: code)
            } else {
                self = .unrecognized(slug)
            }
        }

        /// The number after `prefix` in `slug`, when `slug` is exactly `prefix` followed by the number's own text.
        private static func number(in slug: String, after prefix: String) -> Int? {
            guard slug.hasPrefix(prefix), let number = Int(slug.dropFirst(prefix.count)),
                slug == "\(prefix)\(number)"
            else { return nil }
            return number
        }

        /// The code of a transfer that libcurl could not complete; its slug is `error.slug`.
        init(_ error: CurlError) {
            switch error.kind {
            case .resolve: self = .curlResolve
            case .connect: self = .curlConnect
            case .timeout: self = .curlTimeout
            case .truncated: self = .curlTruncated
            case .connectionLost: self = .curlConnectionLost
            case .write: self = .writeFailed
            case .bodyTooLarge: self = .bodyTooLarge
            case .rangeMismatch: self = .rangeMismatch
            case .badURL: self = .curlBadURL
            case .other: self = .curl(code: error.code)
            }
        }

        /// Whether trying the same request again may succeed: rate limiting, timeouts and server-side HTTP
        /// statuses, a network that failed, a body that came out short or long. The one table of what is retried,
        /// for recordings (`TransferAttempts`) and API requests (`RetryPolicy`) alike.
        var isTransient: Bool {
            switch self {
            case .http(let status): [408, 425, 429, 500, 502, 503, 504].contains(status)
            case .sizeMismatch, .curlResolve, .curlConnect, .curlTimeout, .curlTruncated, .curlConnectionLost,
                .rangeMismatch, .curl, .storageUploadFailed:
                true
            case .invalidItem, .invalidMediaURL, .insecureMediaURL, .untrustedMediaHost, .invalidRedirectURL,
                .insecureRedirect, .untrustedRedirectHost, .redirectWithoutLocation, .tooManyRedirects, .unsafePath,
                .writeFailed, .bodyTooLarge, .curlBadURL, .storageFlushFailed, .storageCloseFailed,
                .storageSizeUnreadable, .storageSizeMismatch, .sidecarUnusable, .sidecarMismatch, .unreadable,
                .unrecognized:
                false
            }
        }

        /// The slug.
        var description: String { slug }

        /// Decodes the slug, as `init(slug:)` reads it.
        init(from decoder: any Decoder) throws {
            self.init(slug: try decoder.singleValueContainer().decode(String.self))
        }

        /// Encodes the slug.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(slug)
        }
    }
}
