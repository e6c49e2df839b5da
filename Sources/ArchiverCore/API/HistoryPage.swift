import JSON
/// One page of `history/list` as the API answered it, each item read as a session or as the reason it cannot be
/// archived.
///
/// The API's data is not trusted: a page that is not JSON, or without a `data` array, is a run error, and a `total`
/// that is negative is ignored. Neither `limit` nor `total` steers the paging (`ListingPager`); `total` only checks
/// that the listing is complete.
struct HistoryPage: Sendable {
    /// One item of `data`.
    struct Item: Sendable {
        /// The item as a session, or why it cannot be archived.
        var result: Result<Session, InvalidSessionItem>
        /// What identifies the item across pages and walks.
        var key: ItemKey

        var isSession: Bool {
            if case .success = result { return true }
            return false
        }
    }

    /// What identifies a listed item across pages and walks: its id, or its whole content when it has none.
    enum ItemKey: Hashable {
        case id(Int)
        case content(JSONValue)
    }

    /// The items of `data`, in page order.
    var items: [Item]
    /// The `limit` the server answered with, when it sent a positive one.
    var limit: Int?
    /// The `total` the server announced, when it sent a non-negative one.
    var total: Int?
    /// The `total` the server sent when it was unusable (negative), for a warning.
    var ignoredTotal: Int?

    /// Reads a `history/list` answer's bytes.
    ///
    /// Reads only the members a session needs, straight from the bytes: no tree of values is built for the
    /// items (100,000 of them in a large listing). The whole answer is still checked as strictly as
    /// `JSONValue(parsing:)` checks it, and each item reads as `Session(listItem:)` would read its value; each
    /// session keeps its item's JSON text exactly as the API sent it, for the sidecar.
    /// - Throws: `JSONValue.ParseError` when the bytes are not JSON. An answer that is JSON but not an object
    ///   with a `data` array is returned as `ArchiverError.invalidResponse`.
    static func parse(_ body: [UInt8]) throws(JSONValue.ParseError) -> Result<HistoryPage, ArchiverError> {
        try body.withUnsafeBufferPointer { buffer throws(JSONValue.ParseError) in
            var parser = JSONParser(bytes: buffer)
            parser.skipWhitespace()
            var items: [Item]?
            var hasData = false
            var limit: JSONValue?
            var total: JSONValue?
            if parser.next == UInt8(ascii: "{") {
                // The first of duplicated names wins, as in `JSONValue(parsing:)`.
                try parser.readObject { parser, name throws(JSONValue.ParseError) in
                    if !hasData, name.is("data", in: buffer) {
                        hasData = true
                        if parser.next == UInt8(ascii: "[") {
                            items = try readItems(&parser)
                            return
                        }
                    } else if limit == nil, name.is("limit", in: buffer) {
                        limit = try parser.parseValue(depth: 1)
                        return
                    } else if total == nil, name.is("total", in: buffer) {
                        total = try parser.parseValue(depth: 1)
                        return
                    }
                    try parser.skipValue(depth: 1)
                }
            } else {
                try parser.skipValue(depth: 0)
            }
            parser.skipWhitespace()
            guard parser.index == buffer.count else { throw parser.error("unexpected data after the document") }
            guard let items else {
                return .failure(.invalidResponse(endpoint: "history/list", reason: "no \"data\" array in the page"))
            }
            let announcedTotal = total?.intValue
            return .success(
                HistoryPage(
                    items: items,
                    limit: limit?.intValue.flatMap { $0 > 0 ? $0 : nil },
                    total: announcedTotal.flatMap { $0 >= 0 ? $0 : nil },
                    ignoredTotal: announcedTotal.flatMap { $0 < 0 ? $0 : nil }
                ))
        }
    }

    /// Reads the `data` array at the parser's index (nesting depth 1).
    private static func readItems(_ parser: inout JSONParser) throws(JSONValue.ParseError) -> [Item] {
        var items: [Item] = []
        try parser.readArray { parser throws(JSONValue.ParseError) in
            let start = parser.index
            let fields = try readFields(&parser)
            let bytes = parser.bytes
            let range = start..<parser.index
            do throws(InvalidSessionItem) {
                let session = try Session(
                    listItem: fields, metadataJSON: Array(UnsafeBufferPointer(rebasing: bytes[range])))
                items.append(Item(result: .success(session), key: .id(session.id)))
            } catch {
                var error = error
                error.itemJSON = Array(UnsafeBufferPointer(rebasing: bytes[range]))
                let key: ItemKey
                if let id = error.sessionID {
                    key = .id(id)
                } else {
                    // Rare (an item without a usable id): its value identifies it, as the API sent it.
                    var content = JSONParser(bytes: bytes)
                    content.index = start
                    key = .content(try content.parseValue(depth: 2))
                }
                items.append(Item(result: .failure(error), key: key))
            }
        }
        return items
    }

    /// Reads the members of the item at the parser's index (nesting depth 2) that a session needs, and checks
    /// the rest without keeping it.
    private static func readFields(_ parser: inout JSONParser) throws(JSONValue.ParseError) -> ListItemFields {
        var fields = ListItemFields()
        guard parser.next == UInt8(ascii: "{") else {
            try parser.skipValue(depth: 2)
            fields.isObject = false
            return fields
        }
        let bytes = parser.bytes
        // The first of duplicated names wins: each member is read once, later ones are only checked.
        var read = Member.Set()
        func first(_ member: Member, _ name: JSONParser.MemberName) -> Bool {
            name.is(member.name, in: bytes) && read.insert(member)
        }
        try parser.readObject { parser, name throws(JSONValue.ParseError) in
            if first(.id, name) {
                fields.id = try parser.parseValue(depth: 3).intValue
            } else if first(.start, name) {
                fields.start = try parser.parseValue(depth: 3).intValue
            } else if first(.stop, name) {
                fields.stop = try parser.parseValue(depth: 3).intValue
            } else if first(.uid, name) {
                fields.uid = try parser.parseValue(depth: 3).stringValue
            } else if first(.supportID, name) {
                fields.supportID = try parser.parseValue(depth: 3).intValue
            } else if first(.agent, name), parser.next == UInt8(ascii: "{") {
                try parser.readObject { parser, name throws(JSONValue.ParseError) in
                    if first(.agentID, name) {
                        fields.agentID = try parser.parseValue(depth: 4).intValue
                    } else if first(.agentName, name) {
                        fields.agentName = try parser.parseValue(depth: 4).stringValue
                    } else if first(.agentGroup, name) {
                        fields.agentGroup = try parser.parseValue(depth: 4).stringValue
                    } else {
                        try parser.skipValue(depth: 4)
                    }
                }
            } else if first(.video, name), parser.next == UInt8(ascii: "{") {
                try parser.readObject { parser, name throws(JSONValue.ParseError) in
                    if first(.videoURL, name) {
                        fields.videoURL = try parser.parseValue(depth: 4).stringValue
                    } else if first(.videoSize, name) {
                        fields.videoSize = try parser.parseValue(depth: 4).intValue
                    } else {
                        try parser.skipValue(depth: 4)
                    }
                }
            } else {
                try parser.skipValue(depth: 3)
            }
        }
        return fields
    }

    /// The members `readFields` reads (those of `agent` and `video` apart), to keep the first of duplicated names.
    private enum Member: Int {
        case id, start, stop, uid, supportID, agent, video
        case agentID, agentName, agentGroup, videoURL, videoSize

        /// Members read so far, one bit each (no allocation per item).
        struct Set {
            private var bits: UInt16 = 0

            /// Adds `member`; whether it was not there yet.
            mutating func insert(_ member: Member) -> Bool {
                let bit: UInt16 = 1 << member.rawValue
                defer { bits |= bit }
                return bits & bit == 0
            }
        }

        var name: StaticString {
            switch self {
            case .id, .agentID: "id"
            case .start: "start"
            case .stop: "stop"
            case .uid: "uid"
            case .supportID: "support_id"
            case .agent: "agent"
            case .video: "video"
            case .agentName: "name"
            case .agentGroup: "group"
            case .videoURL: "url"
            case .videoSize: "size"
            }
        }
    }
}
