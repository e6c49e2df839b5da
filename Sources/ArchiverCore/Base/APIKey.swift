/// The Getscreen API key.
///
/// Never printed: `description`, `debugDescription` and the reflection mirror (used by `dump` and by the default
/// description of structs that hold a key) all show `<redacted>`. Read `value` only to build a request header.
public struct APIKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The key itself, without surrounding whitespace.
    let value: String

    /// Wraps a raw key, trimming surrounding whitespace and newlines (key files usually end with a newline).
    /// - Returns: `nil` when nothing is left after trimming.
    public init?(_ raw: String) {
        let trimmed = raw.trimmingWhitespaceAndNewlines()
        guard !trimmed.isEmpty else { return nil }
        value = trimmed
    }

    /// The key of a configuration loaded with `requiresAPIKey: false`, for commands that never call the API
    /// (`reindex`, `verify`). Its value is empty, so an API client that were handed it by mistake would send an
    /// empty `X-Api-Key` and be rejected (HTTP 401) rather than leak anything; `isLoaded` tells it apart.
    static let notLoaded = APIKey(unchecked: "")

    /// Whether this is a real key rather than `notLoaded`.
    var isLoaded: Bool { !value.isEmpty }

    private init(unchecked value: String) { self.value = value }

    /// Always `<redacted>`.
    public var description: String { "<redacted>" }

    /// Always `<redacted>`.
    public var debugDescription: String { "<redacted>" }

    /// A mirror without children, so reflection never reaches `value`.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

extension String {
    /// The string without leading and trailing whitespace or newlines (Unicode `White_Space`).
    func trimmingWhitespaceAndNewlines() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
