/// Why a listing that every page answered is still incomplete: the server's paging lost or may have lost sessions.
/// A sync that meets one keeps its watermark, so that the next run lists the same window again.
struct ListingAnomaly: Sendable, Equatable, CustomStringConvertible {
    /// What the server did.
    enum Kind: Sendable, Equatable {
        /// Fewer distinct items were listed than the largest `total` a page announced.
        case shortfall(listed: Int, announcedTotal: Int)
        /// The page at `offset` held only items the walk had already seen: the server ignores `offset`, or its order
        /// changes between requests (a shuffled page can hold only items already seen).
        case repeatedPage(offset: Int)
        /// On two walks, a page (the second walk's at `offset`) did not overlap the one before: the list's order
        /// changes between requests, or it moves faster than the pages' overlap absorbs.
        case unstableOrder(offset: Int)
    }

    /// What the server did.
    var kind: Kind
    /// The agent whose listing it was; nil when the listing covered every agent.
    var agentID: Int?

    /// Creates an anomaly of the listing of `agentID` (nil: every agent).
    init(kind: Kind, agentID: Int? = nil) {
        self.kind = kind
        self.agentID = agentID
    }

    var description: String {
        let list = agentID.map { "history/list for agent \($0)" } ?? "history/list"
        let what =
            switch kind {
            case .shortfall(let listed, let total):
                "\(list) announced a total of \(total) sessions, but paging returned only \(listed) distinct ones"
            case .repeatedPage(let offset):
                "\(list) repeated sessions it had already sent when asked for offset \(offset) (the server ignores "
                    + "offset, or its order changes between requests), so the listing stopped there"
            case .unstableOrder(let offset):
                "\(list) changed its order between requests (the page at offset \(offset) did not overlap the one "
                    + "before, on a second walk too), so sessions may have been skipped"
            }
        return what + "; the sync watermark stays, so the next run lists this window again"
    }
}
