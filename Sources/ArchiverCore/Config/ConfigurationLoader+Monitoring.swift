import FoundationEssentials

extension ConfigurationLoader {
    /// Parses `monitoring.ping_url`: an absolute http(s) URL with a host and no query or fragment (the pings append
    /// `/start` or `/<exit code>` to its path), without trailing slashes.
    /// - Throws: `ConfigurationError.invalidValue` naming `source`, the value (which is the admin's own) and the form.
    static func pingURL(from text: String, source: ConfigurationSource) throws(ConfigurationError) -> String {
        try httpURL(
            from: text, source: source,
            expected: "an absolute http(s) URL without query, such as https://hc-ping.com/<uuid> (the pings go to "
                + "<url>/start, <url> and <url>/<exit code>)"
        ).absoluteString
    }
}
