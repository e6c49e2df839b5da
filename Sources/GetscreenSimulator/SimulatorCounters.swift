/// A snapshot of what the simulator has seen since it started or since `resetCounters()`.
public struct SimulatorCounters: Sendable {
    /// `history/list` requests received, including rejected ones.
    public var listRequests: Int = 0
    /// `history/info` requests received, including rejected ones.
    public var infoRequests: Int = 0
    /// Media (`/video/...`) requests received, including rejected ones.
    public var mediaRequests: Int = 0
    /// Requests refused with 403 for a bad or missing API key.
    public var rejectedRequests: Int = 0
    /// Peak number of media responses (200, body streaming) in flight at once.
    public var maxConcurrentMediaResponses: Int = 0
    /// TCP connections accepted.
    public var connectionsAccepted: Int = 0
    /// Every request, in arrival order.
    public var requests: [RecordedRequest] = []

    /// Creates zeroed counters.
    public init() {}
}
