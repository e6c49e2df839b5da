/// One recording the run could not archive; the rest of the run goes on, and the exit code becomes 1.
public struct RecordingFailure: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// The session, when known.
    var sessionID: Int?
    /// Why, as a stable short slug for reports and metrics, such as `size_mismatch` or `http_404`.
    var code: Code
    /// What happened, for people; never contains the API key.
    var reason: String

    /// Creates a failure.
    init(sessionID: Int?, code: Code, reason: String) {
        self.sessionID = sessionID
        self.code = code
        self.reason = reason
    }

    public var description: String {
        "session \(sessionID.map(String.init) ?? "?"): \(reason)"
    }

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id"
        case code
        case reason
    }
}
