/// One page of `history/list` as the API answered it, checked for shape but not yet read item by item.
///
/// The API's data is not trusted: a page without a `data` array is a run error, and a `total` that is negative
/// is ignored (paging then ends at the first short or empty page) rather than ending the listing early.
public struct HistoryPage: Sendable, Equatable {
    /// The items of `data`, each still to be read with `Session(listItem:)`.
    public var items: [JSONValue]
    /// The `limit` the server answered with, when it sent a positive one.
    public var limit: Int?
    /// The `total` the server announced, when it sent a non-negative one.
    public var total: Int?
    /// The `total` the server sent when it was unusable (negative), for a warning.
    public var ignoredTotal: Int?
    /// The JSON text of each item as the API sent it, when the page was read from its bytes; sessions keep it
    /// (compact) for their sidecar instead of a tree of values.
    public var rawItems: [ArraySlice<UInt8>] = []

    /// Reads a `history/list` answer's bytes.
    /// - Throws: `JSONValue.ParseError` when they are not JSON; `ArchiverError.invalidResponse` when the
    ///   answer is not an object with a `data` array.
    static func parse(_ body: [UInt8]) throws(JSONValue.ParseError) -> Result<HistoryPage, ArchiverError> {
        let (json, ranges) = try JSONValue.parsingListPage(body)
        do throws(ArchiverError) {
            var page = try HistoryPage(json: json)
            if ranges.count == page.items.count { page.rawItems = ranges.map { body[$0] } }
            return .success(page)
        } catch {
            return .failure(error)
        }
    }

    /// Reads a decoded `history/list` answer.
    /// - Throws: `ArchiverError.invalidResponse` when the answer is not an object with a `data` array.
    public init(json: JSONValue) throws(ArchiverError) {
        guard case .array(let items)? = json["data"] else {
            throw .invalidResponse(endpoint: "history/list", reason: "no \"data\" array in the page")
        }
        self.items = items
        limit = json["limit"]?.intValue.flatMap { $0 > 0 ? $0 : nil }
        let announcedTotal = json["total"]?.intValue
        total = announcedTotal.flatMap { $0 >= 0 ? $0 : nil }
        ignoredTotal = announcedTotal.flatMap { $0 < 0 ? $0 : nil }
    }

    /// Every item read as a session, or the reason it cannot be archived, in page order.
    public func sessions() -> [Result<Session, InvalidSessionItem>] {
        items.indices.map { index in
            do throws(InvalidSessionItem) {
                let raw = rawItems.isEmpty ? nil : Array(rawItems[index])
                return .success(try Session(listItem: items[index], rawJSON: raw))
            } catch {
                return .failure(error)
            }
        }
    }
}
