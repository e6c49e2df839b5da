/// The server's own words in an answer's body, for messages: a JSON `message`, `error` or `description` member,
/// or else the start of a body that is not JSON; shortened, on one line, and without the API key.
enum ServerMessage {
    /// The longest message kept, in characters.
    static let maximumLength = 200

    /// The message in `body`; nil when the body is empty or JSON without such a member.
    /// - Parameter key: removed from the text wherever it appears (an echoed request, a proxy's page).
    static func extract(from body: [UInt8], hiding key: APIKey) -> String? {
        let text: String
        if let json = try? JSONValue(parsing: body) {
            guard let member = ["message", "error", "description"].lazy.compactMap({ json[$0]?.stringValue }).first
            else { return nil }
            text = member
        } else {
            text = String(decoding: body.prefix(4 * maximumLength), as: UTF8.self)
        }
        var line = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingWhitespaceAndNewlines()
        if !key.value.isEmpty { line = line.replacing(key.value, with: "REDACTED") }
        guard !line.isEmpty else { return nil }
        return line.count > maximumLength ? String(line.prefix(maximumLength)) + "…" : line
    }
}
