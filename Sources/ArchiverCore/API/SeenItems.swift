import JSON
/// The items a listing has passed on, across its walks (and agents), so that each is passed on once and each
/// walk can tell the items it has already met (the pages' overlap) from new ones.
///
/// One small entry per listed id rather than several sets: a listing of 100,000 sessions keeps nothing else of
/// them in a dry run, so this is most of what it holds.
struct SeenItems {
    /// Per id: bit 0 set once passed on as a session, bit 1 once passed on as an unusable item, and the number of
    /// the last walk that met it in the bits above.
    private var ids: [Int: UInt32] = [:]
    /// The same for unusable items without an id, by content.
    private var contents: [JSONValue: UInt32] = [:]
    /// The current walk's number (from 1).
    private var walk: UInt32 = 0
    /// The number of the current listing's first walk: items last met before it are new to the listing.
    private var listingFirstWalk: UInt32 = 1

    private static let sessionBit: UInt32 = 1
    private static let invalidBit: UInt32 = 2
    private static let walkShift: UInt32 = 2

    /// Starts a new listing (another filter, such as the next agent): its first walk follows.
    mutating func startListing() {
        listingFirstWalk = walk + 1
    }

    /// Starts a new walk: every item is new in it again (but is still passed on only once).
    mutating func startWalk() {
        walk += 1
    }

    /// Records that the current walk met the item `key`, a session or an unusable item.
    /// - Returns: whether the item is new in this walk, whether it is new in this listing (no walk since
    ///   `startListing()` met it), and whether it is to be passed on (the first time an item of this kind with this
    ///   key is met).
    mutating func record(_ key: HistoryPage.ItemKey, isSession: Bool) -> Record {
        let kind = isSession ? Self.sessionBit : Self.invalidBit
        let stamp = walk << Self.walkShift
        func update(_ entry: inout UInt32?) -> Record {
            let previous = entry ?? 0
            entry = stamp | (previous & (Self.sessionBit | Self.invalidBit)) | kind
            let lastWalk = previous >> Self.walkShift
            return Record(
                isNewInWalk: lastWalk != walk, isNewInListing: lastWalk < listingFirstWalk, isNew: previous & kind == 0)
        }
        switch key {
        case .id(let id): return update(&ids[id])
        case .content(let content): return update(&contents[content])
        }
    }
}

extension SeenItems {
    /// What recording one item told.
    struct Record: Equatable {
        /// No earlier page of this walk held the item.
        var isNewInWalk: Bool
        /// No walk of this listing held the item.
        var isNewInListing: Bool
        /// The item is to be passed on: the first time an item of its kind with its key is met.
        var isNew: Bool
    }
}
