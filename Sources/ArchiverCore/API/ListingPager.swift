/// The paging of one `history/list` listing (one filter), as a value: which offset to read next, which to fetch
/// ahead, when the listing ends, and what in the server's answers makes it incomplete. The I/O that fetches the
/// pages lives in `APIClient`; this type decides everything from what the pages held.
///
/// It trusts neither the `limit` nor the `total` the server echoes:
/// - It steps by the number of items that actually came back, minus a small overlap (`overlap(forPageOf:)` of the
///   largest page seen, less than the page) that absorbs sessions expiring at the start of the order while we page.
/// - It stops only at an empty page, or at a page holding nothing beyond that overlap (the list ends where the
///   previous page ended). A short page is not the end: a server may serve 20 items while echoing `limit=100`.
/// - It checks completeness: the distinct items seen against the largest `total` any page announced, less how far
///   later pages' `total` fell below it (sessions that expired at the source while we paged are no shortfall).
///
/// A page that shows none of the overlap (the list moved further than it, or its order changed) starts the walk
/// once more from offset 0; if the second walk sees that again, the order is unstable. A page that holds only
/// items already seen in this walk means the server ignores `offset`, unless every item the total announced has
/// been seen (the listing fits on one page). Each of these, and a shortfall against `total`, is a
/// `ListingAnomaly`: the listing is then incomplete.
struct ListingPager: Sendable, Equatable {
    /// What to do after a page was read.
    enum Step: Sendable, Equatable {
        /// Read the page at `offset` next.
        case read(offset: Int)
        /// Walk the list once more from offset 0, with every item new again in the walk (`SeenItems.startWalk()`).
        case rewalk
        /// The listing is over; `anomalies` says whether it is complete.
        case finished
    }

    /// How many pages `prefetchOffsets` asks for at once.
    static let pagesInFlight = 4

    /// The `limit` every request asks for.
    let requestedLimit: Int
    /// The offset of the page to read next.
    private(set) var offset = 0
    /// The walk in progress: 1, or 2 after a `rewalk`.
    private(set) var walk = 1
    /// How many leading items of the next page the previous page already held.
    private(set) var expectedOverlap = 0
    /// What made the listing incomplete so far.
    private(set) var anomalies: [ListingAnomaly.Kind] = []
    /// The largest `total` any page announced.
    private(set) var largestTotal: Int?
    /// The smallest `total` announced since `largestTotal` was: the count the distinct items must reach. Below the
    /// largest when sessions expired at the source while we paged.
    private(set) var expectedTotal: Int?
    /// The distinct items met in the listing (across its walks).
    private(set) var distinctItems = 0
    /// The most items any page held: what a page of this server holds, for fetching ahead.
    private var observedPageSize = 0
    /// Whether the last page held `observedPageSize` items (so the next is likely full too).
    private var lastPageWasFull = false
    /// The offset of the first page in this walk that did not overlap the one before.
    private var driftOffset: Int?

    /// Starts a listing whose requests ask for `requestedLimit` items a page.
    init(requestedLimit: Int) {
        self.requestedLimit = requestedLimit
    }

    /// How many items of a page are asked for again with the next page: enough to absorb a few expirations.
    static func overlap(forPageOf count: Int) -> Int {
        min(5, count / 4)
    }

    /// The offsets worth having requested now: `offset` first, then the next pages' as the observed page size
    /// predicts them, while the last page was full. Past the largest announced `total` only `offset` itself (it is
    /// fine to ask beyond the end: that page comes back empty). The second walk fetches nothing ahead: one request
    /// between two pages moves the list the least (each request may see more sessions expired).
    var prefetchOffsets: [Int] {
        var offsets = [offset]
        guard walk == 1, lastPageWasFull, observedPageSize > 0 else { return offsets }
        let step = observedPageSize - Self.overlap(forPageOf: observedPageSize)
        var ahead = offset + step
        while offsets.count < Self.pagesInFlight, largestTotal.map({ ahead < $0 }) ?? true {
            offsets.append(ahead)
            ahead += step
        }
        return offsets
    }

    /// A tally of the page at `offset`, to fill item by item with `count(isNewInWalk:isNewInListing:)`.
    func tally() -> PageTally {
        PageTally(expectedOverlap: expectedOverlap)
    }

    /// Takes the page at `offset`, as tallied, and the `total` it announced (nil when absent or unusable).
    /// - Returns: what to do next.
    mutating func read(_ page: PageTally, announcedTotal: Int?) -> Step {
        if let announcedTotal { note(total: announcedTotal) }
        distinctItems += page.newInListing
        if page.count == 0 { return endOfWalk() }
        if page.newInWalk == 0 {
            // Nothing beyond the overlap: the list ends where the previous page ended. Or nothing new while every
            // announced item was seen: the end of a listing that fits on one page, from a server that ignores
            // `offset`.
            if page.count <= expectedOverlap || expectedTotal.map({ distinctItems >= $0 }) == true {
                return endOfWalk()
            }
            anomalies.append(.repeatedPage(offset: offset))
            return finish()
        }
        if !page.overlapsPrevious && driftOffset == nil { driftOffset = offset }
        observedPageSize = max(observedPageSize, page.count)
        lastPageWasFull = page.count >= observedPageSize
        // The overlap of a page of the server's size, so that a short page near the end (where sessions keep
        // arriving) is as safe against expirations as the others; but always a step forward.
        expectedOverlap = min(Self.overlap(forPageOf: observedPageSize), page.count - 1)
        offset += page.count - expectedOverlap
        return .read(offset: offset)
    }

    /// Takes a page's `total`: a larger one than before is the new reference, a smaller one lowers what the
    /// distinct items must reach.
    private mutating func note(total: Int) {
        if total > largestTotal ?? -1 {
            largestTotal = total
            expectedTotal = total
        } else {
            expectedTotal = min(expectedTotal ?? total, total)
        }
    }

    /// The walk reached the end of the list: walk again when it drifted the first time, else finish.
    private mutating func endOfWalk() -> Step {
        if let driftOffset {
            if walk == 1 {
                walk = 2
                offset = 0
                expectedOverlap = 0
                lastPageWasFull = false
                self.driftOffset = nil
                return .rewalk
            }
            anomalies.append(.unstableOrder(offset: driftOffset))
        }
        return finish()
    }

    private mutating func finish() -> Step {
        if let expectedTotal, distinctItems < expectedTotal {
            anomalies.append(.shortfall(listed: distinctItems, announcedTotal: expectedTotal))
        }
        return .finished
    }
}

extension ListingPager {
    /// What one page held, counted item by item as `SeenItems` records them (no per-item storage).
    struct PageTally: Sendable, Equatable {
        /// How many leading items the previous page already held.
        let expectedOverlap: Int
        /// The items on the page.
        private(set) var count = 0
        /// The items this walk had not met before.
        private(set) var newInWalk = 0
        /// The items the listing (any of its walks) had not met before.
        private(set) var newInListing = 0
        /// Whether one of the first `expectedOverlap` items had been met in this walk (true when none is expected).
        private(set) var overlapsPrevious: Bool

        init(expectedOverlap: Int) {
            self.expectedOverlap = expectedOverlap
            overlapsPrevious = expectedOverlap == 0
        }

        /// Counts the next item of the page.
        mutating func count(isNewInWalk: Bool, isNewInListing: Bool) {
            if isNewInWalk {
                newInWalk += 1
            } else if count < expectedOverlap {
                overlapsPrevious = true
            }
            if isNewInListing { newInListing += 1 }
            count += 1
        }
    }
}
