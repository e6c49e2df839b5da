import JSON
/// What one `history/list` page shows about the server, for `check`: how many items came back for the limit asked,
/// whether `limit` is echoed and `total` present, and which fields the archiver reads are missing from items.
struct ListPageShape: Equatable {
    /// The fields of an item that a session is made of, as dotted paths.
    static let requiredFields = ["id", "start", "stop", "agent.id", "agent.name", "video.url", "video.size"]

    /// The `limit` the request asked for.
    var askedLimit: Int
    /// Items in `data`.
    var itemCount: Int
    /// `limit` as answered; nil when absent.
    var answeredLimit: Int?
    /// `total` as answered; nil when absent.
    var total: Int?
    /// Required fields absent (or null) in at least one item, with how many items lack each.
    var missingFields: [String: Int]
    /// The items, for the media check.
    var items: [JSONValue]

    /// Why a page cannot be read at all.
    struct Unreadable: Error, Equatable {
        /// What is wrong, for people.
        var reason: String
    }

    /// Reads a page's body.
    /// - Throws: `Unreadable` when it is not JSON or has no `data` array.
    init(body: [UInt8], askedLimit: Int) throws(Unreadable) {
        let page: JSONValue
        do {
            page = try JSONValue(parsing: body)
        } catch {
            let start = String(decoding: body.prefix(60), as: UTF8.self)
            throw Unreadable(reason: "the answer is not JSON (\(error)); it starts with \(start.debugDescription)")
        }
        guard case .array(let items)? = page["data"] else {
            throw Unreadable(reason: "the answer has no \"data\" array")
        }
        self.askedLimit = askedLimit
        self.items = items
        itemCount = items.count
        answeredLimit = page["limit"]?.intValue
        total = page["total"]?.intValue
        var missing: [String: Int] = [:]
        for item in items {
            for field in Self.requiredFields where !Self.has(field, in: item) { missing[field, default: 0] += 1 }
        }
        missingFields = missing
    }

    private static func has(_ path: String, in item: JSONValue) -> Bool {
        var value: JSONValue? = item
        for name in path.split(separator: ".") { value = value?[String(name)] }
        if case .null? = value { return false }
        return value != nil
    }

    /// How the answer treats `limit`, for people.
    var limitBehaviour: String {
        switch answeredLimit {
        case nil: "no limit in the answer"
        case askedLimit?: "limit echoed (\(askedLimit))"
        case let other?: "limit answered as \(other) for \(askedLimit) asked"
        }
    }

    /// How the answer gives `total`, for people.
    var totalBehaviour: String {
        total.map { "total \($0)" } ?? "no total in the answer"
    }

    /// Things a run copes with but the admin may want to know, for people; empty when none.
    var oddities: [String] {
        var found: [String] = []
        if itemCount > askedLimit {
            found.append("\(itemCount) items came back for limit \(askedLimit): the server ignores limit")
        }
        if let total, total < itemCount { found.append("total \(total) is below the \(itemCount) items on the page") }
        for field in Self.requiredFields {
            guard let count = missingFields[field] else { continue }
            found.append("\(count) of \(itemCount) items lack \(field)")
        }
        return found
    }
}
