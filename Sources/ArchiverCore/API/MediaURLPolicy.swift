import FoundationEssentials

/// Decides whether a recording's URL may receive the API key, and adds the key to it.
public struct MediaURLPolicy: Sendable {
    private let mediaHosts: [HostPattern]
    private let allowsInsecureHTTP: Bool

    /// Creates the policy from `media_hosts` and `allow_insecure_http`.
    public init(mediaHosts: [HostPattern], allowsInsecureHTTP: Bool) {
        self.mediaHosts = mediaHosts
        self.allowsInsecureHTTP = allowsInsecureHTTP
    }

    /// `url` with `apikey=<key>` added, when its scheme and host are trusted.
    /// - Throws: `RecordingFailure` (`untrusted_media_host` or `insecure_media_url`), and the key is not sent.
    public func authorize(_ url: String, for sessionID: Int, key: APIKey) throws(RecordingFailure) -> String {
        // encodedHost (the host as written, Punycode stays Punycode), not host: the decoding getter runs the
        // IDNA transcoder, which maps ICU's UTS46 normalization data for every recording.
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.encodedHost, !host.isEmpty
        else {
            throw RecordingFailure(
                sessionID: sessionID,
                code: "invalid_media_url",
                reason: "the recording's URL is not a valid URL: \(URLRedaction.redacted(url))"
            )
        }
        guard scheme == "https" || (scheme == "http" && allowsInsecureHTTP) else {
            throw RecordingFailure(
                sessionID: sessionID,
                code: "insecure_media_url",
                reason: "the recording's URL uses \(scheme)://, which may not carry the key "
                    + "(only https, or http with allow_insecure_http): \(URLRedaction.redacted(url))"
            )
        }
        guard mediaHosts.contains(where: { $0.matches(host: host) }) else {
            throw RecordingFailure(
                sessionID: sessionID,
                code: "untrusted_media_host",
                reason:
                    "untrusted media host \(host): not in media_hosts (\(mediaHosts.map(\.description).joined(separator: ", ")))"
            )
        }
        return URLRedaction.authorizing(url, with: key)
    }
}
