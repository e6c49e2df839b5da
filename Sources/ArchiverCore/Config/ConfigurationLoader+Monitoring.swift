import FoundationEssentials

extension ConfigurationLoader {
    /// Parses `monitoring.ping_url`: an absolute http(s) URL with a host and no query or fragment (the pings append
    /// `/start` or `/<exit code>` to its path), without trailing slashes.
    /// - Throws: `ConfigurationError.invalidValue` naming `source`, the value (which is the admin's own) and the form.
    static func pingURL(from text: String, source: ConfigurationSource) throws(ConfigurationError) -> String {
        var trimmed = text.trimmingWhitespaceAndNewlines()
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(),
            ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty, url.query == nil, url.fragment == nil
        else {
            throw .invalidValue(
                value: text, source: source,
                expected: "an absolute http(s) URL without query, such as https://hc-ping.com/<uuid> (the pings go to "
                    + "<url>/start, <url> and <url>/<exit code>)")
        }
        return trimmed
    }
}
