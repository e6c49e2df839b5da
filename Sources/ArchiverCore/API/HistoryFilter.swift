/// The filters of one `history/list` walk.
struct HistoryFilter: Sendable, Equatable {
    /// Only this agent's sessions; nil for all agents.
    var agentID: Int?
    /// The start of the period, unix time (`date_from`). The API does not document what it compares with the
    /// period: a session's start, its stop, or its overlap (the runs' windows are safe under each).
    var dateFrom: Int?
    /// The end of the period, unix time (`date_to`). Pinned for the whole walk so that sessions arriving while we
    /// page do not shift the pages.
    var dateTo: Int?

    /// Creates a filter.
    init(agentID: Int? = nil, dateFrom: Int? = nil, dateTo: Int? = nil) {
        self.agentID = agentID
        self.dateFrom = dateFrom
        self.dateTo = dateTo
    }
}

/// Takes the items of a `history/list` walk as their pages arrive, each item once, in listing order.
protocol ListingSink {
    /// A usable session.
    mutating func add(_ session: Session)
    /// An item that cannot be archived.
    mutating func add(_ invalidItem: InvalidSessionItem)
}

/// How a walk of `history/list` went; its items went to a `ListingSink`.
struct ListingWalk: Sendable {
    /// The number of list requests the walk made.
    var pageCount = 0
    /// Why the listing stopped before its end, when it did (the plan's request limit, the API gone); the
    /// items passed on until then are still valid.
    var interruption: ArchiverError?
    /// What in the server's paging made the listing incomplete although every page answered: fewer sessions than
    /// the announced total, a repeated page, an unstable order.
    var anomalies: [ListingAnomaly] = []

    /// Whether the listing saw all it should have: it was not interrupted and showed no anomaly. Only then may a
    /// sync move its watermark.
    var isComplete: Bool { interruption == nil && anomalies.isEmpty }
}

/// What a walk of `history/list` found, all of it.
struct Listing: Sendable, ListingSink {
    /// Valid sessions with a recording, each id once, in the order the API listed them.
    var sessions: [Session]
    /// Items the API listed that cannot be archived, with the reason.
    var invalidItems: [InvalidSessionItem]
    /// The number of list requests the walk made.
    var pageCount: Int
    /// Why the listing stopped before its end, when it did (the plan's request limit, the API gone); the
    /// sessions listed until then are still valid.
    var interruption: ArchiverError?
}

extension Listing {
    mutating func add(_ session: Session) { sessions.append(session) }
    mutating func add(_ invalidItem: InvalidSessionItem) { invalidItems.append(invalidItem) }
}
