import JSON
/// The server's own words in an API answer, made safe to print: what an error body says, or how a body that is not
/// JSON starts, on one line, without control characters, without the API key, and short.
enum ServerMessage {
    /// The longest message kept, in characters (a longer one is cut there and ends with "…").
    static let maximumLength = 200

    /// The members that carry a message in the error bodies of common APIs, in the order they are preferred.
    private static let messageMembers = ["message", "error", "description", "error_description", "errors", "detail"]

    /// The message in `body`: a `message`, `error` or `description` member of a JSON object (a string, or an
    /// object or array holding one), or the start of a body that is not JSON; cleaned as `cleaned(_:hiding:)`
    /// does. Nil when there is none (an empty body, JSON without such a member).
    /// - Parameter key: removed from the text wherever it appears (a server may echo the request, key included).
    static func extract(from body: [UInt8], hiding key: APIKey) -> String? {
        let raw: String?
        if let json = try? JSONValue(parsing: body) {
            raw = text(in: json, depth: 0)
        } else {
            // A proxy's error page or a plain-text answer: its start is enough to recognise it.
            raw = String(decoding: body.prefix(4 * maximumLength), as: UTF8.self)
        }
        return raw.flatMap { cleaned($0, hiding: key) }
    }

    /// The first message member of `json`, looking into nested objects and arrays a little.
    private static func text(in json: JSONValue, depth: Int) -> String? {
        guard depth < 4 else { return nil }
        switch json {
        case .string(let text):
            return depth > 0 ? text : nil
        case .object:
            return messageMembers.lazy.compactMap { json[$0].flatMap { text(in: $0, depth: depth + 1) } }.first
        case .array(let elements):
            return depth > 0 ? elements.lazy.compactMap { text(in: $0, depth: depth + 1) }.first : nil
        default:
            return nil
        }
    }

    /// `raw` on one line (line breaks and tabs become spaces, runs of spaces one), without control or format
    /// characters, with the API key and any `apikey` URL parameter replaced by `REDACTED`, and at most
    /// `maximumLength` characters. The key is removed before shortening, so no part of it survives a cut.
    /// - Returns: nil when nothing is left.
    static func cleaned(_ raw: String, hiding key: APIKey) -> String? {
        var line = ""
        var pendingSpace = false
        for scalar in raw.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !line.isEmpty
                continue
            }
            switch scalar.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
                continue
            default:
                if pendingSpace { line.unicodeScalars.append(" ") }
                pendingSpace = false
                line.unicodeScalars.append(scalar)
            }
        }
        if !key.value.isEmpty {
            line = line.replacing(key.value, with: "REDACTED")
            let encoded = URLRedaction.percentEncoded(key.value)
            if encoded != key.value { line = line.replacing(encoded, with: "REDACTED") }
        }
        line = line.split(separator: " ").map { word in
            word.contains("?") ? URLRedaction.redacted(String(word)) : String(word)
        }.joined(separator: " ")
        guard !line.isEmpty else { return nil }
        return line.count > maximumLength ? line.prefix(maximumLength) + "…" : line
    }
}
