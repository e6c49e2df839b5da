import FoundationEssentials

/// The values a layout template may use, for one recording.
struct LayoutFields: Sendable {
    /// `{agent_id}`.
    var agentID: Int
    /// `{agent_name}`, sanitized before use.
    var agentName: String
    /// `{agent_group}`; `nil` or blank renders as `no-group`.
    var agentGroup: String?
    /// `{session_id}`.
    var sessionID: Int
    /// `{support_id}`; `nil` renders as `none`.
    var supportID: Int?
    /// The session start; the source of the date and time placeholders.
    var start: Date

    /// Collects the fields of one recording.
    init(
        agentID: Int,
        agentName: String,
        agentGroup: String? = nil,
        sessionID: Int,
        supportID: Int? = nil,
        start: Date
    ) {
        self.agentID = agentID
        self.agentName = agentName
        self.agentGroup = agentGroup
        self.sessionID = sessionID
        self.supportID = supportID
        self.start = start
    }
}
