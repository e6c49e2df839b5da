/// One connection in the simulated Connection History, always with a video recording.
public struct SimulatedSession: Sendable, Hashable {
    /// Internal connection id (`id`); also the media file name (`<id>.mp4`).
    public var id: Int
    /// Unique session identifier, as answered by `history/info` and accepted as `session_uid`.
    public var uid: String
    /// Connection start, unix seconds. Listings are ordered on this, and date-filtered on it unless
    /// `SimulatorFaults.listDateFilter` says otherwise.
    public var start: Int
    /// Connection end, unix seconds.
    public var stop: Int
    /// Invitation connection id (`support_id`), or `nil` (encoded as JSON `null`).
    public var supportID: Int?
    /// The agent the connection was made to.
    public var agent: SimulatedAgent
    /// Recording size in bytes as listed (`video.size`, `video_size`); the served size can be overridden by faults.
    public var videoSize: Int

    /// Creates a session.
    public init(
        id: Int,
        uid: String,
        start: Int,
        stop: Int,
        supportID: Int? = nil,
        agent: SimulatedAgent,
        videoSize: Int
    ) {
        self.id = id
        self.uid = uid
        self.start = start
        self.stop = stop
        self.supportID = supportID
        self.agent = agent
        self.videoSize = videoSize
    }
}
