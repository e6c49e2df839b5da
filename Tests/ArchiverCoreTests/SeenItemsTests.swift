import Testing

@testable import ArchiverCore
@testable import JSON

/// What a listing remembers of the items it met: each passed on once, and each walk's own overlap.
@Suite struct SeenItemsTests {
    /// A record: new in the walk, new in the listing, to be passed on.
    func record(_ isNewInWalk: Bool, _ isNewInListing: Bool, _ isNew: Bool) -> SeenItems.Record {
        SeenItems.Record(isNewInWalk: isNewInWalk, isNewInListing: isNewInListing, isNew: isNew)
    }

    @Test func eachItemIsPassedOnOnceAndEachWalkMeetsItAnew() {
        var seen = SeenItems()
        seen.startListing()
        seen.startWalk()
        #expect(seen.record(.id(1), isSession: true) == record(true, true, true))
        #expect(seen.record(.id(1), isSession: true) == record(false, false, false))
        // The same id as an unusable item: met already in this walk, but reported as such once.
        #expect(seen.record(.id(1), isSession: false) == record(false, false, true))
        #expect(seen.record(.id(1), isSession: false) == record(false, false, false))
        #expect(seen.record(.content(.object([:])), isSession: false) == record(true, true, true))
        #expect(seen.record(.content(.object([:])), isSession: false) == record(false, false, false))

        // A second walk of the same listing: new in the walk, not in the listing.
        seen.startWalk()
        #expect(seen.record(.id(1), isSession: true) == record(true, false, false))
        #expect(seen.record(.id(1), isSession: true) == record(false, false, false))
        #expect(seen.record(.content(.object([:])), isSession: false) == record(true, false, false))
        #expect(seen.record(.id(2), isSession: true) == record(true, true, true))
    }

    @Test func aNewListingMeetsEveryItemAnewButPassesNoneOnTwice() {
        var seen = SeenItems()
        seen.startListing()
        seen.startWalk()
        #expect(seen.record(.id(1), isSession: true) == record(true, true, true))
        seen.startWalk()
        #expect(seen.record(.id(2), isSession: true) == record(true, true, true))

        seen.startListing()
        seen.startWalk()
        #expect(seen.record(.id(1), isSession: true) == record(true, true, false))
        #expect(seen.record(.id(2), isSession: true) == record(true, true, false))
        #expect(seen.record(.id(2), isSession: true) == record(false, false, false))
        #expect(seen.record(.id(3), isSession: true) == record(true, true, true))
    }
}
