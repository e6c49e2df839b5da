internal import CCurl
import Glibc

/// A transfer that libcurl could not complete, with libcurl's own reason kept as data.
public struct CurlError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in the categories the archiver reacts to differently.
    public enum Kind: Sendable, Equatable {
        /// The host name did not resolve.
        case resolve
        /// The TCP (or TLS) connection could not be made.
        case connect
        /// The connect timeout, the total timeout or the low-speed limit fired.
        case timeout
        /// The connection ended before the body announced by `Content-Length` was complete.
        case truncated
        /// The connection broke while sending or receiving.
        case connectionLost
        /// Writing the body to its destination failed with this `errno` (for example `ENOSPC`).
        case write(errno: Int32)
        /// An in-memory body grew past its limit.
        case bodyTooLarge(limit: Int)
        /// A resumed transfer got a 206 whose `Content-Range` does not start where the file ends.
        case rangeMismatch
        /// libcurl refused the URL or the protocol.
        case badURL
        /// Anything else libcurl reports.
        case other
    }

    /// libcurl's `CURLcode` as a number (see `man libcurl-errors`).
    public let code: Int
    /// The category of the failure.
    public let kind: Kind
    /// libcurl's error buffer text, or `curl_easy_strerror` when the buffer was empty.
    public let message: String

    /// A stable short slug for reports and metrics, such as `curl_timeout`.
    public var slug: String {
        switch kind {
        case .resolve: "curl_resolve"
        case .connect: "curl_connect"
        case .timeout: "curl_timeout"
        case .truncated: "curl_truncated"
        case .connectionLost: "curl_connection_lost"
        case .write: "write_failed"
        case .bodyTooLarge: "body_too_large"
        case .rangeMismatch: "range_mismatch"
        case .badURL: "curl_bad_url"
        case .other: "curl_\(code)"
        }
    }

    public var description: String {
        switch kind {
        case .write(let errno):
            "could not write the download: \(String(cString: strerror(errno))) (errno \(errno))"
        case .bodyTooLarge(let limit):
            "the response was larger than \(limit) bytes"
        case .rangeMismatch:
            "the server answered a resumed download with a range that does not continue the partial file"
        default:
            "\(message) (curl error \(code))"
        }
    }

    init(code: CURLcode, detail: String?, writeErrno: Int32? = nil, bodyLimit: Int? = nil, rangeMismatch: Bool = false)
    {
        self.code = Int(code.rawValue)
        let text = detail.flatMap { $0.isEmpty ? nil : $0 } ?? String(cString: curl_easy_strerror(code))
        self.message = text.hasSuffix("\n") ? String(text.dropLast()) : text
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: kind = .resolve
        case CURLE_COULDNT_CONNECT, CURLE_SSL_CONNECT_ERROR: kind = .connect
        case CURLE_OPERATION_TIMEDOUT: kind = .timeout
        case CURLE_PARTIAL_FILE: kind = .truncated
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            kind = .connectionLost
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: kind = .badURL
        case CURLE_WRITE_ERROR where writeErrno != nil: kind = .write(errno: writeErrno!)
        case CURLE_WRITE_ERROR where rangeMismatch: kind = .rangeMismatch
        case CURLE_WRITE_ERROR where bodyLimit != nil: kind = .bodyTooLarge(limit: bodyLimit!)
        default: kind = .other
        }
    }
}
