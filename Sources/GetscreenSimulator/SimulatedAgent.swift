/// A remote-desktop agent (a device running the Getscreen agent) as the simulator reports it.
public struct SimulatedAgent: Sendable, Hashable {
    /// The agent's numeric id (`agent.id` in listings, `agent_id` in info and media URLs).
    public var id: Int
    /// The agent's display name; may be hostile (path separators, control characters, very long, unicode).
    public var name: String
    /// The agent's group, or `nil` (encoded as JSON `null`) when the agent is ungrouped.
    public var group: String?

    /// Creates an agent.
    public init(id: Int, name: String, group: String? = nil) {
        self.id = id
        self.name = name
        self.group = group
    }
}
