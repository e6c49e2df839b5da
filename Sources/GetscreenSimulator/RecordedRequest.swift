/// One HTTP request as the simulator received it, kept in `SimulatorCounters.requests`.
public struct RecordedRequest: Sendable {
    /// The request method, e.g. `GET`.
    public var method: String
    /// The request path without the query, e.g. `/v1/history/list`.
    public var path: String
    /// Query parameters, percent-decoded (`+` read as a space); for a repeated name the last value wins.
    public var query: [String: String]
    /// The query exactly as sent, without the leading `?` (empty when there was none).
    public var rawQuery: String
    /// Request headers with lowercased names; repeated headers are joined with `", "`.
    public var headers: [String: String]

    /// Creates a recorded request.
    public init(method: String, path: String, query: [String: String], rawQuery: String, headers: [String: String]) {
        self.method = method
        self.path = path
        self.query = query
        self.rawQuery = rawQuery
        self.headers = headers
    }
}
