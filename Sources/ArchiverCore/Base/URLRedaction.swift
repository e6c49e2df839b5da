/// The one routine that renders URLs which may carry the API key: every URL the tool prints or stores
/// goes through it.
enum URLRedaction {
    /// The name of the query parameter that carries the key on media URLs.
    static let keyParameter = "apikey"

    /// `url` with the value of every `apikey` parameter replaced by `REDACTED`, for logs and messages.
    static func redacted(_ url: String) -> String {
        rewritingKeyParameters(of: url) { _ in "\(keyParameter)=REDACTED" }
    }

    /// `url` without any `apikey` parameter, for sidecars and the catalog.
    static func strippingKey(from url: String) -> String {
        rewritingKeyParameters(of: url) { _ in nil }
    }

    /// `url` with `apikey=<key>` as its only key parameter, added with `?` or `&` as the URL needs.
    static func authorizing(_ url: String, with key: APIKey) -> String {
        let (base, fragment) = splitFragment(strippingKey(from: url))
        let separator = base.contains("?") ? (base.hasSuffix("?") || base.hasSuffix("&") ? "" : "&") : "?"
        return base + separator + "\(keyParameter)=" + percentEncoded(key.value) + fragment
    }

    private static func rewritingKeyParameters(of url: String, _ rewrite: (Substring) -> String?) -> String {
        let (withoutFragment, fragment) = splitFragment(url)
        guard let questionMark = withoutFragment.firstIndex(of: "?") else { return url }
        let path = withoutFragment[..<questionMark]
        let query = withoutFragment[withoutFragment.index(after: questionMark)...]
        let parameters = query.split(separator: "&", omittingEmptySubsequences: false).compactMap { parameter in
            let name = parameter.split(separator: "=", maxSplits: 1).first ?? ""
            return name.lowercased() == keyParameter ? rewrite(parameter) : String(parameter)
        }
        let rebuiltQuery = parameters.filter { !$0.isEmpty }.joined(separator: "&")
        return path + (rebuiltQuery.isEmpty ? "" : "?" + rebuiltQuery) + fragment
    }

    private static func splitFragment(_ url: String) -> (String, String) {
        guard let hash = url.firstIndex(of: "#") else { return (url, "") }
        return (String(url[..<hash]), String(url[hash...]))
    }

    /// `value` percent-encoded as a query parameter value (RFC 3986 unreserved characters kept).
    static func percentEncoded(_ value: String) -> String {
        var encoded = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.append(Character(UnicodeScalar(byte)))
            default:
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
