import FoundationEssentials
import JSON

/// A session whose recording could not be archived, as the catalog keeps it between runs: retried on later runs
/// and reported until it is archived, disappears from the API, or the admin acknowledges it.
///
/// Dates are kept to the whole second, as the catalog stores them.
public struct FailingSession: Sendable, Equatable, Codable {
    /// The Getscreen session id; the table's key.
    var sessionID: Int
    /// The session's item as `history/list` last listed it (its agent's name and its URL), when it was listed.
    var itemJSON: [UInt8]? = nil
    /// The last failure's stable short code (`http_404`, `invalid_item`).
    var code: RecordingFailure.Code
    /// The last failure, for people.
    var reason: String
    /// How many runs tried the session and failed, this failure included.
    var attempts: Int
    /// When the session first failed.
    var firstFailedAt: Date
    /// When it last failed.
    var lastFailedAt: Date
    /// Whether the admin acknowledged it (`getscreen-archiver failures acknowledge`): `sync` then leaves it alone.
    public var isAcknowledged = false

    /// A session that failed for the first time at `date`.
    init(sessionID: Int, code: RecordingFailure.Code, reason: String, itemJSON: [UInt8]?, at date: Date) {
        self.sessionID = sessionID
        self.itemJSON = itemJSON
        self.code = code
        self.reason = reason
        self.attempts = 1
        self.firstFailedAt = date.wholeSeconds
        self.lastFailedAt = date.wholeSeconds
    }

    /// Counts one more failed attempt at `date`; the reason becomes the new one, and the item the newly listed one
    /// when the session was listed (`itemJSON` nil keeps the last listed item).
    mutating func recordFailure(code: RecordingFailure.Code, reason: String, itemJSON: [UInt8]?, at date: Date) {
        self.code = code
        self.reason = reason
        if let itemJSON { self.itemJSON = itemJSON }
        attempts += 1
        lastFailedAt = max(lastFailedAt, date.wholeSeconds)
    }

    /// The last listed item, when there is one and it parses.
    var item: JSONValue? { itemJSON.flatMap { try? JSONValue(parsing: $0) } }

    /// The agent's name in the last listed item, when it had one.
    var agentName: String? { item?["agent"]?["name"]?.stringValue }

    /// One line for people: `session 123 (http_404, 3 attempts since 2026-11-30: the media server answered …)`.
    public var summary: String { "session \(sessionID) \(detail)" }

    /// `(http_404, 3 attempts since 2026-11-30: the media server answered …)`.
    var detail: String {
        let times = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        return "(\(code), \(times) since \(firstFailedAt.iso8601Day): \(reason))"
    }

    /// One line of `getscreen-archiver failures`: id, state, code, attempts, dates, agent and reason.
    public var listingLine: String {
        let state = isAcknowledged ? "acknowledged" : "failing"
        let times = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        let agent = agentName.map { "agent \"\($0)\": " } ?? ""
        return "\(sessionID)  \(state)  \(code)  \(times), first \(firstFailedAt.iso8601UTC), last "
            + "\(lastFailedAt.iso8601UTC)  \(agent)\(reason)"
    }

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id"
        case code, reason, attempts
        case firstFailedAt = "first_failed_at"
        case lastFailedAt = "last_failed_at"
        case isAcknowledged = "acknowledged"
    }
}

extension Date {
    /// The UTC day, `2026-11-30`.
    var iso8601Day: String { String(iso8601UTC.prefix(10)) }
}
