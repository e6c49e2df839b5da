import Curl
import Logging

/// Performs a media request and follows its redirects itself, up to `RedirectChain.maximumHops`: each target is
/// checked by `MediaURLPolicy` (scheme and host) and given the key only then, before it is requested, so that the
/// key never travels to a host outside `media_hosts` (which libcurl's own FOLLOWLOCATION could not promise).
///
/// A redirect's body never reaches a file destination (`Transfer` writes only 2xx bodies there), and each hop
/// asks for the same range, so a resumed download continues where its partial file ends.
struct RedirectFollower: Sendable {
    /// The final answer and where it came from.
    struct Followed: Sendable {
        /// The answer of the last hop, which is not a redirect.
        var response: TransferResponse
        /// The URL that gave it, carrying the key.
        var url: String
        /// The redirects followed on the way.
        var chain: RedirectChain
    }

    let transport: CurlMulti
    let policy: MediaURLPolicy
    let key: APIKey
    let logger: Logger

    /// Performs `request`, whose URL is already authorized, and the redirects it answers with.
    /// - Throws: `RecordingFailure` for a redirect that is refused (a host outside `media_hosts`, a scheme that
    ///   may not carry the key, no `Location`) or one too many; `CurlError`; `CancellationError`.
    func perform(_ request: TransferRequest, sessionID: Int) async throws -> Followed {
        var request = request
        var chain = RedirectChain()
        while true {
            let response = try await transport.perform(request)
            guard RedirectChain.isRedirect(response.statusCode) else {
                return Followed(response: response, url: request.url, chain: chain)
            }
            guard let target = response.redirectURL else {
                throw RecordingFailure(
                    sessionID: sessionID,
                    code: .redirectWithoutLocation,
                    reason: "the media server answered HTTP \(response.statusCode) without a Location for "
                        + URLRedaction.redacted(request.url)
                )
            }
            let (url, host) = try policy.authorizeRedirect(target, for: sessionID, key: key)
            guard chain.follow(to: host) else {
                throw RecordingFailure(
                    sessionID: sessionID,
                    code: .tooManyRedirects,
                    reason: "the media server sent more than \(RedirectChain.maximumHops) redirects in a row (via "
                        + "\(chain.hostList)); the next target \(URLRedaction.redacted(target)) was not followed"
                )
            }
            logger.debug(
                "following a media redirect",
                metadata: [
                    "session.id": "\(sessionID)", "status": "\(response.statusCode)",
                    "to": "\(URLRedaction.redacted(url))",
                ])
            request.url = url
        }
    }
}
