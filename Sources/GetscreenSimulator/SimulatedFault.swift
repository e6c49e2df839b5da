/// One injected misbehaviour, used for one request and then forgotten.
public enum SimulatedFault: Sendable, Equatable {
    /// Answer this HTTP status with a JSON error body; `retryAfter` becomes the `Retry-After` header
    /// (seconds, such as `"1"`, or an HTTP date).
    case status(Int, retryAfter: String? = nil)
    /// Close the connection without answering.
    case dropConnection
    /// Announce the full `Content-Length`, send this many body bytes, then reset the connection (RST).
    case resetMidBody(afterBytes: Int)
    /// Announce the full `Content-Length`, send this many body bytes, then close normally: a body cut short
    /// under a lying `Content-Length`.
    case truncateBody(afterBytes: Int)
    /// Send this many body bytes, then nothing more while the connection stays open.
    case stallMidBody(afterBytes: Int)
    /// Answer exactly this status, `Content-Type` and body (invalid JSON, an HTML error page, a page whose
    /// shape is wrong), instead of what the request would get.
    case rawBody(status: Int, contentType: String, body: String)
}

/// The order `history/list` returns sessions in. The real API's order is not documented, so the archiver
/// must cope with both.
public enum SimulatedListOrder: Sendable {
    /// Start time descending (the default).
    case newestFirst
    /// Start time ascending.
    case oldestFirst
}

/// Changes the dataset at every `history/list` request after the first, to test pagination drift.
public struct SimulatedListDrift: Sendable, Equatable {
    /// New sessions added per request, each newer than every existing one.
    public var insertedNewest: Int
    /// The oldest sessions removed per request (expired by the service's retention).
    public var expiredOldest: Int

    /// Creates a drift.
    public init(insertedNewest: Int, expiredOldest: Int) {
        self.insertedNewest = insertedNewest
        self.expiredOldest = expiredOldest
    }
}
