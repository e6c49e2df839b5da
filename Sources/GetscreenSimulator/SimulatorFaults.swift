/// Fault switches that make the simulator misbehave in controlled ways; change them with `setFaults(_:)`.
public struct SimulatorFaults: Sendable {
    /// The server answers at most this many items per page whatever `limit` asked (real API: 100).
    /// The effective cap is `min(100, maxPageLimit)`, and at least 1.
    public var maxPageLimit: Int = 100
    /// Session id -> number of body bytes actually served for that recording. `Content-Length` matches what is
    /// sent; `video.size` in listings keeps the dataset's size. Used to test size checks.
    public var servedSizeOverrides: [Int: Int] = [:]
    /// Session id -> HTTP status answered for that recording's media (e.g. 404, 500), with a small JSON body.
    public var mediaStatusOverrides: [Int: Int] = [:]
    /// When set, every `history/list` and `history/info` request is answered with this status (e.g. 402, 403, 500)
    /// and a JSON error body, before the API key is checked.
    public var apiStatusOverride: Int? = nil
    /// When set, media bodies are streamed in chunks paced to about this many bytes per second per transfer,
    /// so transfers overlap in time. `nil` means as fast as the connection takes them.
    public var mediaBytesPerSecond: Int? = nil
    /// Faults for `history/list` requests by their number (1 for the first request the server sees).
    public var listFaults: [Int: SimulatedFault] = [:]
    /// Session id -> faults for the next requests of that recording, one each, in order.
    public var mediaFaults: [Int: [SimulatedFault]] = [:]
    /// Whether media answers `Range: bytes=N-` with 206 and `Content-Range`; when false it always sends 200
    /// with the whole body.
    public var honorsRange = true
    /// The order of `history/list`.
    public var listOrder = SimulatedListOrder.newestFirst
    /// Dataset changes at each `history/list` request after the first.
    public var listDrift: SimulatedListDrift? = nil
    /// Session id -> the JSON text served in place of that session's item in `history/list` pages (any JSON
    /// value: an item with a missing field, a hostile URL, another session's id, a huge name). The media server
    /// still serves the session's recording.
    public var listItemOverrides: [Int: String] = [:]
    /// When set, every `history/list` page announces this `total` instead of the real count (a lying total).
    public var listTotalOverride: Int? = nil

    // MARK: redirects
    /// Session id -> the redirects its media requests answer with (after the key check) before the recording.
    public var mediaRedirects: [Int: SimulatedRedirect] = [:]
    /// Whether `history/info` gives `video` as an object `{url, size}` (the description's field table) instead of
    /// the URL string and `video_size` (its example).
    public var infoVideoAsObject = false
    /// Sessions listed (and answered by `history/info`) with a video size of 0; the media host still serves
    /// their real bytes.
    public var zeroVideoSizeSessions: Set<Int> = []

    // MARK: window
    /// What `date_from` and `date_to` of `history/list` filter on: the session's start (the default), its stop,
    /// or its overlap with the period.
    public var listDateFilter = SimulatedDateFilter.start
    /// The simulator's clock, unix seconds, for recordings that appear late: when set, a session is listed by
    /// `history/list` only once its recording exists, `recordingDelays[id]` (default 0) seconds after its stop,
    /// and sessions still running are not listed. `nil` lists every session of the dataset at once.
    /// `history/info` and the media server ignore the clock.
    public var clock: Int? = nil
    /// Session id -> seconds after the session's stop before its recording is listed, once `clock` is set.
    public var recordingDelays: [Int: Int] = [:]
    // MARK: failing
    /// Session id -> members of that session's `history/info` answer replaced by raw JSON text (`"null"` for a
    /// recording the API no longer has: `["video": "null"]`, `["agent_id": "null"]`), so that a session listed
    /// without a usable recording answers the same way when it is looked up alone.
    public var infoMemberOverrides: [Int: [String: String]] = [:]

    // MARK: paging
    /// What each `history/list` page says its `limit` was; the items served are capped by `maxPageLimit` either way.
    public var listLimitEcho = SimulatedLimitEcho.truthful
    /// When true, `history/list` ignores `offset` and always serves the first page.
    public var listIgnoresOffset = false
    /// When true, each `history/list` request sees the matching sessions in a different deterministic shuffle
    /// (seeded by the request's number): an order that changes between requests.
    public var listShufflesEveryRequest = false

    /// Creates the fault-free configuration.
    public init() {}
}
