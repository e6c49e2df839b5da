/// A host allowed to serve recordings: `*.getscreen.me` (any subdomain, not the apex) or an exact host
/// (`st.getscreen.me`, `127.0.0.1`, `::1`). Matching is case-insensitive and ignores a trailing dot.
public struct HostPattern: Sendable, Hashable, CustomStringConvertible {
    /// The lowercased host, or for a wildcard the suffix after `*.`.
    private let host: String
    /// Whether this is a `*.` pattern.
    private let isWildcard: Bool

    /// Parses a pattern.
    /// - Throws: `ConfigurationError.invalidValue` for key `media_hosts` when `text` is not a host name, an IP
    ///   address or `*.` followed by a host name.
    public init(_ text: String) throws(ConfigurationError) {
        var normalized = Self.normalize(text.trimmingWhitespaceAndNewlines())
        isWildcard = normalized.hasPrefix("*.")
        if isWildcard { normalized.removeFirst(2) }
        guard Self.isHostName(normalized) || (!isWildcard && Self.isIPv6Literal(normalized)) else {
            throw .invalidValue(
                value: text,
                source: .file(key: "media_hosts", path: nil, line: nil),
                expected: "a host name such as st.getscreen.me, an IP address such as 127.0.0.1, "
                    + "or *.getscreen.me for any subdomain (no scheme, port or path)"
            )
        }
        host = normalized
    }

    /// Whether `host` (as found in a URL, brackets allowed around IPv6) is allowed by this pattern.
    func matches(host candidate: String) -> Bool {
        let candidate = Self.normalize(candidate)
        guard isWildcard else { return candidate == host }
        return candidate.hasSuffix("." + host) && candidate.count > host.count + 1
    }

    /// The pattern as written in the configuration, lowercased.
    public var description: String { isWildcard ? "*." + host : host }

    /// Lowercases and drops IPv6 brackets and one trailing dot.
    private static func normalize(_ text: String) -> String {
        var result = text.lowercased()
        if result.hasPrefix("["), result.hasSuffix("]"), result.count > 2 {
            result = String(result.dropFirst().dropLast())
        }
        if result.hasSuffix("."), result.count > 1 { result.removeLast() }
        return result
    }

    /// Dot-separated labels of ASCII letters, digits and inner hyphens (also covers IPv4 addresses).
    private static func isHostName(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy(isLabelScalar)
        }
    }

    /// Hex digits, colons and dots with at least two colons, such as `::1` or `fe80::1`.
    private static func isIPv6Literal(_ text: String) -> Bool {
        text.filter { $0 == ":" }.count >= 2
            && text.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." }
    }

    private static func isLabelScalar(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
    }
}
