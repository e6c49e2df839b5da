import FoundationEssentials
import JSON

/// A recorded connection session, as the archiver needs it.
struct Session: Sendable, Hashable {
    /// The agent (remote computer) the session connected to.
    struct Agent: Sendable, Hashable {
        var id: Int
        var name: String
        var group: String?
    }

    /// Where the recording is and how large it is.
    struct Video: Sendable, Hashable {
        /// The recording's URL as the API gave it, without the key.
        var url: String
        /// The recording's size in bytes, which a download must match.
        var sizeBytes: Int
    }

    var id: Int
    var uid: String?
    var start: Date
    var stop: Date?
    var supportID: Int?
    var agent: Agent
    var video: Video
    /// The session object's JSON text exactly as the API returned it (for the sidecar). Kept as text, not as a
    /// tree of values: a listing of 100,000 sessions holds all of them.
    var metadataJSON: [UInt8]

    /// The session object exactly as the API returned it.
    var metadata: JSONValue { (try? JSONValue(parsing: metadataJSON)) ?? .null }
}

/// Why one listed item cannot be archived.
struct InvalidSessionItem: Error, Sendable, Equatable {
    /// The item's id, when it had a usable one.
    var sessionID: Int?
    /// What is wrong, for people.
    var reason: String
    /// The item's JSON text as `history/list` sent it, when it came from a listing (kept with the failing session).
    var itemJSON: [UInt8]? = nil
}

extension Session {
    /// The largest recording the archiver accepts (1 TiB); anything above is treated as corrupt data.
    static let maximumVideoSize = 1 << 40

    /// Reads an item of `history/list`, where `video` is an object `{url, size}`.
    /// - Throws: `InvalidSessionItem` naming the missing or malformed field.
    /// - Parameter rawJSON: the item's JSON text as the API sent it, when known (else it is written anew).
    init(listItem item: JSONValue, rawJSON: [UInt8]? = nil) throws(InvalidSessionItem) {
        do throws(InvalidSessionItem) {
            try self.init(listItem: ListItemFields(item), metadataJSON: rawJSON ?? item.compactJSON())
        } catch {
            var error = error
            error.itemJSON = rawJSON ?? item.compactJSON()
            throw error
        }
    }

    /// Checks the members read from a `history/list` item; `HistoryPage` reads them straight from a page's bytes.
    /// - Throws: `InvalidSessionItem` naming the missing or malformed field.
    init(listItem fields: ListItemFields, metadataJSON: @autoclosure () -> [UInt8]) throws(InvalidSessionItem) {
        func invalid(_ reason: String) -> InvalidSessionItem {
            InvalidSessionItem(sessionID: fields.id, reason: reason)
        }
        guard fields.isObject else { throw invalid("item is not a JSON object") }
        guard let id = fields.id, id > 0 else { throw invalid("missing or invalid id") }
        guard let agentID = fields.agentID else { throw invalid("missing agent.id") }
        guard let url = fields.videoURL, !url.isEmpty else { throw invalid("missing video.url") }
        guard let size = fields.videoSize else { throw invalid("missing or invalid video.size") }
        try self.init(
            id: id,
            uid: fields.uid,
            start: fields.start,
            stop: fields.stop,
            supportID: fields.supportID,
            agent: Agent(id: agentID, name: fields.agentName ?? "agent", group: fields.agentGroup),
            videoURL: url,
            videoSize: size,
            metadataJSON: metadataJSON()
        )
    }

    /// Reads the answer of `history/info`, where `video` is the URL string and `video_size` the size (the
    /// description's example), or `video` an object `{url, size}` (its field table).
    ///
    /// `history/info` does not name the agent, so `agentName` comes from elsewhere (a listing) when known.
    /// - Throws: `InvalidSessionItem` naming the missing or malformed field.
    init(infoResponse item: JSONValue, agentName: String?, agentGroup: String?) throws(InvalidSessionItem) {
        let id = item["id"]?.intValue
        func invalid(_ reason: String) -> InvalidSessionItem { InvalidSessionItem(sessionID: id, reason: reason) }
        guard let id, id > 0 else { throw invalid("missing or invalid id") }
        guard let agentID = item["agent_id"]?.intValue else { throw invalid("missing agent_id") }
        let video = InfoVideo(item)
        guard let url = video.url, !url.isEmpty else {
            throw invalid("no usable recording: video is missing, null or empty")
        }
        guard let size = video.size else { throw invalid("missing or invalid video size (video.size or video_size)") }
        try self.init(
            id: id,
            uid: item["uid"]?.stringValue,
            start: item["start"]?.intValue,
            stop: item["stop"]?.intValue,
            supportID: item["support_id"]?.intValue,
            agent: Agent(id: agentID, name: agentName ?? "agent", group: agentGroup),
            videoURL: url,
            videoSize: size,
            metadataJSON: item.compactJSON()
        )
    }

    private init(
        id: Int,
        uid: String?,
        start: Int?,
        stop: Int?,
        supportID: Int?,
        agent: Agent,
        videoURL: String,
        videoSize: Int,
        metadataJSON: [UInt8]
    ) throws(InvalidSessionItem) {
        // Up to the end of year 9999: later instants are corrupt data (and would not fit the layout's dates).
        guard let start, (0...253_402_300_799).contains(start) else {
            throw InvalidSessionItem(sessionID: id, reason: "missing or invalid start")
        }
        guard videoSize != 0 else {
            throw InvalidSessionItem(sessionID: id, reason: "no usable recording: its video size is 0")
        }
        guard (1...Self.maximumVideoSize).contains(videoSize) else {
            throw InvalidSessionItem(sessionID: id, reason: "implausible video size \(videoSize)")
        }
        self.id = id
        self.uid = uid
        self.start = Date(timeIntervalSince1970: TimeInterval(start))
        self.stop = stop.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        self.supportID = supportID
        self.agent = agent
        self.video = Video(url: videoURL, sizeBytes: videoSize)
        self.metadataJSON = metadataJSON
    }
}

/// The members of a `history/list` item that a `Session` is made of, as read (`intValue`, `stringValue`) and not
/// yet checked. Read from a value here, and from a page's bytes by `HistoryPage`, which must agree.
struct ListItemFields: Equatable {
    /// Whether the item is an object at all; every member is nil when it is not.
    var isObject = true
    var id: Int?
    var uid: String?
    var start: Int?
    var stop: Int?
    var supportID: Int?
    /// `agent.id`, nil when `agent` is absent or not an object.
    var agentID: Int?
    var agentName: String?
    var agentGroup: String?
    /// `video.url`, nil when `video` is absent or not an object.
    var videoURL: String?
    var videoSize: Int?

    init() {}

    init(_ item: JSONValue) {
        guard case .object = item else {
            isObject = false
            return
        }
        id = item["id"]?.intValue
        uid = item["uid"]?.stringValue
        start = item["start"]?.intValue
        stop = item["stop"]?.intValue
        supportID = item["support_id"]?.intValue
        let agent = item["agent"]
        agentID = agent?["id"]?.intValue
        agentName = agent?["name"]?.stringValue
        agentGroup = agent?["group"]?.stringValue
        videoURL = item["video"]?["url"]?.stringValue
        videoSize = item["video"]?["size"]?.intValue
    }
}
