import Testing

@testable import ArchiverCore

/// What a listing remembers of the items it met: each passed on once, and each walk's own overlap.
@Suite struct SeenItemsTests {
    @Test func eachItemIsPassedOnOnceAndEachWalkMeetsItAnew() {
        var seen = SeenItems()
        seen.startWalk()
        #expect(seen.record(.id(1), isSession: true) == (isNewInWalk: true, isNew: true))
        #expect(seen.record(.id(1), isSession: true) == (isNewInWalk: false, isNew: false))
        // The same id as an unusable item: met already in this walk, but reported as such once.
        #expect(seen.record(.id(1), isSession: false) == (isNewInWalk: false, isNew: true))
        #expect(seen.record(.id(1), isSession: false) == (isNewInWalk: false, isNew: false))
        #expect(seen.record(.content(.object([:])), isSession: false) == (isNewInWalk: true, isNew: true))
        #expect(seen.record(.content(.object([:])), isSession: false) == (isNewInWalk: false, isNew: false))

        seen.startWalk()
        #expect(seen.record(.id(1), isSession: true) == (isNewInWalk: true, isNew: false))
        #expect(seen.record(.id(1), isSession: true) == (isNewInWalk: false, isNew: false))
        #expect(seen.record(.content(.object([:])), isSession: false) == (isNewInWalk: true, isNew: false))
        #expect(seen.record(.id(2), isSession: true) == (isNewInWalk: true, isNew: true))
    }
}
