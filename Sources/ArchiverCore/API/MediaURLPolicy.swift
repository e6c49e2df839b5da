import FoundationEssentials

/// Decides whether a recording's URL, or the target of a redirect on its way, may receive the API key, and adds
/// the key to it.
struct MediaURLPolicy: Sendable {
    private let mediaHosts: [HostPattern]
    private let allowsInsecureHTTP: Bool

    /// Creates the policy from `media_hosts` and `allow_insecure_http`.
    init(mediaHosts: [HostPattern], allowsInsecureHTTP: Bool) {
        self.mediaHosts = mediaHosts
        self.allowsInsecureHTTP = allowsInsecureHTTP
    }

    /// Why a URL may not carry the key.
    private enum Refusal: Error {
        case invalid
        case insecure(scheme: String)
        case untrusted(host: String)
    }

    /// `url` with `apikey=<key>` added, when its scheme and host are trusted.
    /// - Throws: `RecordingFailure` (`untrusted_media_host` or `insecure_media_url`), and the key is not sent.
    func authorize(_ url: String, for sessionID: Int, key: APIKey) throws(RecordingFailure) -> String {
        switch check(url) {
        case .success:
            return URLRedaction.authorizing(url, with: key)
        case .failure(.invalid):
            throw RecordingFailure(
                sessionID: sessionID,
                code: .invalidMediaURL,
                reason: "the recording's URL is not a valid URL: \(URLRedaction.redacted(url))"
            )
        case .failure(.insecure(let scheme)):
            throw RecordingFailure(
                sessionID: sessionID,
                code: .insecureMediaURL,
                reason: "the recording's URL uses \(scheme)://, which may not carry the key "
                    + "(only https, or http with allow_insecure_http): \(URLRedaction.redacted(url))"
            )
        case .failure(.untrusted(let host)):
            throw RecordingFailure(
                sessionID: sessionID,
                code: .untrustedMediaHost,
                reason: "untrusted media host \(host): not in media_hosts (\(hostList))"
            )
        }
    }

    /// `target`, a redirect's resolved `Location`, with `apikey=<key>` added, when its scheme and host are trusted
    /// as the recording's own URL must be; and its host.
    /// - Throws: `RecordingFailure` (`untrusted_redirect_host`, `insecure_redirect` or `invalid_redirect_url`)
    ///   naming the host and the redacted target; nothing is requested from it.
    func authorizeRedirect(_ target: String, for sessionID: Int, key: APIKey) throws(RecordingFailure)
        -> (url: String, host: String)
    {
        switch check(target) {
        case .success(let host):
            return (URLRedaction.authorizing(target, with: key), host)
        case .failure(.invalid):
            throw RecordingFailure(
                sessionID: sessionID,
                code: .invalidRedirectURL,
                reason: "the media server redirected to something that is not a valid URL: "
                    + URLRedaction.redacted(target)
            )
        case .failure(.insecure(let scheme)):
            throw RecordingFailure(
                sessionID: sessionID,
                code: .insecureRedirect,
                reason: "the media server redirected to \(scheme):// (\(URLRedaction.redacted(target))), which may not "
                    + "carry the key (only https, or http with allow_insecure_http); the redirect was not followed"
            )
        case .failure(.untrusted(let host)):
            throw RecordingFailure(
                sessionID: sessionID,
                code: .untrustedRedirectHost,
                reason: "the media server redirected to \(host), which is not in media_hosts (\(hostList)); the "
                    + "redirect was not followed and the key was not sent there (\(URLRedaction.redacted(target))); "
                    + "if \(host) is trusted to serve recordings, add it to media_hosts"
            )
        }
    }

    /// The host of `url` when its scheme and host may carry the key.
    private func check(_ url: String) -> Result<String, Refusal> {
        // encodedHost (the host as written, Punycode stays Punycode), not host: the decoding getter runs the
        // IDNA transcoder, which maps ICU's UTS46 normalization data for every recording.
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.encodedHost, !host.isEmpty
        else { return .failure(.invalid) }
        guard scheme == "https" || (scheme == "http" && allowsInsecureHTTP) else {
            return .failure(.insecure(scheme: scheme))
        }
        guard mediaHosts.contains(where: { $0.matches(host: host) }) else { return .failure(.untrusted(host: host)) }
        return .success(host)
    }

    /// `media_hosts` as configured, for messages.
    private var hostList: String { mediaHosts.map(\.description).joined(separator: ", ") }
}
