import Curl
import FoundationEssentials
import Logging

/// Asks a recording's media host for its first byte (`Range: bytes=0-0`), through the redirects a download would
/// follow and under the same `MediaURLPolicy`, to learn the size it serves without downloading the recording.
///
/// A GET of one byte rather than a HEAD: a signed storage or CDN URL is often valid for GET only.
struct MediaProbe: Sendable {
    /// The most body bytes taken in: a host that ignores the range starts sending the whole recording, and is cut
    /// off here.
    static let bodyLimit = 64 * 1024

    /// What the media host answered.
    enum Answer: Equatable {
        /// A size: from `Content-Range` of a 206, or `Content-Length` of a 200 (a host that ignores ranges).
        case size(Int, honorsRange: Bool)
        /// A 2xx without a size it tells.
        case sizeUnknown(status: Int)
        /// The host ignores ranges and started sending more than `bodyLimit` bytes; the check stopped it.
        case ignoresRange
        /// Anything but 2xx, with the server's words when it gave some.
        case status(Int, message: String?)
    }

    /// The answer and the hosts it came through.
    struct Result: Equatable {
        /// The host of the recording's URL as listed.
        var host: String
        /// The hosts of the redirects followed, in order.
        var redirectHosts: [String]
        var answer: Answer
    }

    let transport: CurlMulti
    let policy: MediaURLPolicy
    let key: APIKey
    let connectTimeout: Duration
    let logger: Logger

    /// Probes `session`'s recording.
    /// - Throws: `RecordingFailure` when the policy refuses its URL or a redirect on the way; `CurlError` when the
    ///   host cannot be reached; `CancellationError`.
    func probe(_ session: Session) async throws -> Result {
        let url = try policy.authorize(session.video.url, for: session.id, key: key)
        let request = TransferRequest(
            url: url, headers: ["Range: bytes=0-0"], destination: .memory(limit: Self.bodyLimit),
            connectTimeout: connectTimeout, timeout: .seconds(120))
        let host = URLComponents(string: session.video.url)?.encodedHost ?? "?"
        let followed: RedirectFollower.Followed
        do {
            followed = try await RedirectFollower(transport: transport, policy: policy, key: key, logger: logger)
                .perform(request, sessionID: session.id)
        } catch let error as CurlError where error.kind == .bodyTooLarge(limit: Self.bodyLimit) {
            return Result(host: host, redirectHosts: [], answer: .ignoresRange)
        }
        return Result(
            host: host, redirectHosts: followed.chain.hosts, answer: Self.answer(followed.response, key: key))
    }

    /// Classifies the final answer.
    static func answer(_ response: TransferResponse, key: APIKey) -> Answer {
        switch response.statusCode {
        case 206:
            guard let size = response.headers["content-range"].flatMap(completeLength) else {
                return .sizeUnknown(status: 206)
            }
            return .size(size, honorsRange: true)
        case 200..<300:
            guard let size = response.headers["content-length"].flatMap({ Int($0) }) else {
                return .sizeUnknown(status: response.statusCode)
            }
            return .size(size, honorsRange: false)
        default:
            return .status(response.statusCode, message: ServerMessage.extract(from: response.body, hiding: key))
        }
    }

    /// T of `bytes A-B/T`; nil for `*` or anything else.
    static func completeLength(_ contentRange: String) -> Int? {
        guard contentRange.hasPrefix("bytes "), let slash = contentRange.lastIndex(of: "/") else { return nil }
        return Int(contentRange[contentRange.index(after: slash)...])
    }
}
