/// The `history/list` pages of one walk that are in flight or arrived ahead of their turn: the pages the pager
/// expects next are fetched concurrently, and handed over strictly in order.
struct ListPageFetches {
    /// A page's offset and what its request came to.
    typealias Arrival = (offset: Int, result: Result<HistoryPage, ArchiverError>)

    /// Offsets in flight or arrived.
    private var requested = Set<Int>()
    /// Pages that arrived ahead of their turn.
    private var arrived: [Int: Result<HistoryPage, ArchiverError>] = [:]
    /// The offsets the pager expects next (`ListingPager.prefetchOffsets`).
    private var wanted: [Int] = []

    /// Requests each offset of `wanted` not requested yet, and drops the pages fetched ahead at offsets no longer
    /// wanted (the pages' actual sizes did not confirm them), so that no more than `ListingPager.pagesInFlight`
    /// pages are held.
    mutating func request(
        _ wanted: [Int],
        in group: inout TaskGroup<Arrival>,
        fetch: @escaping @Sendable (Int) async -> Arrival
    ) {
        self.wanted = wanted
        for offset in wanted where requested.insert(offset).inserted {
            group.addTask { await fetch(offset) }
        }
        for stale in arrived.keys.filter({ !wanted.contains($0) }) {
            arrived[stale] = nil
            requested.remove(stale)
        }
    }

    /// The page at `offset`, once it has arrived; nil when the group ends without it (the task was cancelled).
    mutating func page(at offset: Int, from group: inout TaskGroup<Arrival>) async -> Result<
        HistoryPage, ArchiverError
    >? {
        while arrived[offset] == nil, let (pageOffset, result) = await group.next() {
            if wanted.contains(pageOffset) {
                arrived[pageOffset] = result
            } else {
                requested.remove(pageOffset)
            }
        }
        requested.remove(offset)
        return arrived.removeValue(forKey: offset)
    }
}
