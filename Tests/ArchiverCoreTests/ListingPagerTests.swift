import Testing

@testable import ArchiverCore

/// The paging of one listing, transition by transition, with no I/O: what is read next, what is fetched ahead, when
/// the listing ends, and which of the server's answers make it incomplete.
@Suite struct ListingPagerTests {
    /// A tally of a page for `pager`'s current offset: `seen` items this walk already met (first, as an overlap
    /// would be), then `new` items new to the listing, then `metInEarlierWalk` items only an earlier walk met.
    func page(_ pager: ListingPager, seen: Int = 0, new: Int, metInEarlierWalk: Int = 0) -> ListingPager.PageTally {
        var tally = pager.tally()
        for _ in 0..<seen { tally.count(isNewInWalk: false, isNewInListing: false) }
        for _ in 0..<new { tally.count(isNewInWalk: true, isNewInListing: true) }
        for _ in 0..<metInEarlierWalk { tally.count(isNewInWalk: true, isNewInListing: false) }
        return tally
    }

    /// Reads a page that overlaps the previous one as expected and holds `count` items in all.
    @discardableResult
    func readExpected(_ pager: inout ListingPager, count: Int, total: Int? = nil) -> ListingPager.Step {
        let overlap = min(pager.expectedOverlap, count)
        return pager.read(page(pager, seen: overlap, new: count - overlap), announcedTotal: total)
    }

    // MARK: stepping

    @Test func theFirstPageIsOffsetZeroAloneAndNothingIsExpectedToOverlapIt() {
        let pager = ListingPager(requestedLimit: 100)
        #expect(pager.offset == 0)
        #expect(pager.walk == 1)
        #expect(pager.expectedOverlap == 0)
        #expect(pager.prefetchOffsets == [0])
        #expect(pager.anomalies.isEmpty)
    }

    @Test(arguments: [(100, 95, 5), (20, 15, 5), (8, 6, 2), (3, 3, 0), (1, 1, 0)])
    func stepsByTheItemsThatCameBackMinusTheOverlap(count: Int, next: Int, overlap: Int) {
        var pager = ListingPager(requestedLimit: 100)
        #expect(readExpected(&pager, count: count, total: 1_000) == .read(offset: next))
        #expect(pager.expectedOverlap == overlap)
        #expect(ListingPager.overlap(forPageOf: count) == overlap)
    }

    @Test func aShortPageAfterFullOnesKeepsTheirOverlapButStillStepsForward() {
        var pager = ListingPager(requestedLimit: 100)
        readExpected(&pager, count: 40)
        #expect(pager.read(page(pager, seen: 5, new: 7), announcedTotal: nil) == .read(offset: 35 + 12 - 5))
        #expect(pager.expectedOverlap == 5)
        // Sessions arriving at the end: a page of 3 steps by 1, keeping 2 for the overlap.
        #expect(pager.read(page(pager, seen: 2, new: 1), announcedTotal: nil) == .read(offset: 42 + 3 - 2))
        #expect(pager.expectedOverlap == 2)
        #expect(pager.read(page(pager, seen: 1, new: 0, metInEarlierWalk: 0), announcedTotal: nil) == .finished)
    }

    @Test func aShortPageIsNotTheEnd() {
        // 20 items while asking for 100 (a server that caps pages and echoes limit=100, or omits limit).
        var pager = ListingPager(requestedLimit: 100)
        #expect(readExpected(&pager, count: 20, total: 130) == .read(offset: 15))
        #expect(readExpected(&pager, count: 20, total: 130) == .read(offset: 30))
        #expect(pager.anomalies.isEmpty)
    }

    @Test func anEmptyPageEndsTheListing() {
        var pager = ListingPager(requestedLimit: 100)
        #expect(readExpected(&pager, count: 3) == .read(offset: 3))
        #expect(pager.read(page(pager, new: 0), announcedTotal: 3) == .finished)
        #expect(pager.anomalies.isEmpty)
        #expect(pager.distinctItems == 3)
    }

    @Test func anEmptyFirstPageIsAnEmptyListing() {
        var pager = ListingPager(requestedLimit: 100)
        #expect(pager.read(page(pager, new: 0), announcedTotal: 0) == .finished)
        #expect(pager.anomalies.isEmpty)
    }

    @Test func aPageHoldingOnlyTheOverlapEndsTheListing() {
        var pager = ListingPager(requestedLimit: 100)
        #expect(readExpected(&pager, count: 30, total: 30) == .read(offset: 25))
        // The 5 items of the overlap, and nothing beyond: the list ends where the first page ended.
        #expect(pager.read(page(pager, seen: 5, new: 0), announcedTotal: 30) == .finished)
        #expect(pager.anomalies.isEmpty)
    }

    @Test func aPageHoldingLessThanTheOverlapAfterExpirationsEndsTheListing() {
        var pager = ListingPager(requestedLimit: 100)
        #expect(readExpected(&pager, count: 30) == .read(offset: 25))
        // One item expired meanwhile: 4 of the overlap are left.
        #expect(pager.read(page(pager, seen: 4, new: 0), announcedTotal: nil) == .finished)
        #expect(pager.anomalies.isEmpty)
    }

    // MARK: fetching ahead

    @Test func fetchesAheadByTheObservedPageSizeUpToTheLargestTotal() {
        var pager = ListingPager(requestedLimit: 100)
        readExpected(&pager, count: 20, total: 130)
        #expect(pager.prefetchOffsets == [15, 30, 45, 60])
        readExpected(&pager, count: 20, total: 130)
        readExpected(&pager, count: 20, total: 130)
        readExpected(&pager, count: 20, total: 130)
        readExpected(&pager, count: 20, total: 130)
        #expect(pager.offset == 75)
        #expect(pager.prefetchOffsets == [75, 90, 105, 120])
        readExpected(&pager, count: 20, total: 130)
        readExpected(&pager, count: 20, total: 130)
        // Beyond the total only the next page itself, which may well be empty.
        #expect(pager.prefetchOffsets == [105, 120])
        readExpected(&pager, count: 20, total: 130)
        #expect(pager.prefetchOffsets == [120])
    }

    @Test func withoutATotalFetchesAheadAFullWindow() {
        var pager = ListingPager(requestedLimit: 100)
        readExpected(&pager, count: 100)
        #expect(pager.prefetchOffsets == [95, 190, 285, 380])
        #expect(pager.prefetchOffsets.count == ListingPager.pagesInFlight)
    }

    @Test func afterAPageShorterThanTheOthersFetchesOnlyTheNext() {
        var pager = ListingPager(requestedLimit: 100)
        readExpected(&pager, count: 100, total: 500)
        readExpected(&pager, count: 40, total: 500)
        #expect(pager.prefetchOffsets == [pager.offset])
        // A full page again: fetching ahead resumes, up to the total.
        readExpected(&pager, count: 100, total: 500)
        #expect(pager.offset == 225)
        #expect(pager.prefetchOffsets == [225, 320, 415])
    }

    @Test func aTotalOfZeroStillReadsTheNextPage() {
        var pager = ListingPager(requestedLimit: 100)
        #expect(readExpected(&pager, count: 10, total: 0) == .read(offset: 8))
        #expect(pager.prefetchOffsets == [8])
    }

    // MARK: completeness

    @Test func fewerDistinctItemsThanTheLargestAnnouncedTotalIsAShortfall() {
        var pager = ListingPager(requestedLimit: 20)
        readExpected(&pager, count: 20, total: 50)
        readExpected(&pager, count: 20, total: 60)
        readExpected(&pager, count: 8, total: 60)
        #expect(pager.read(page(pager, seen: 2, new: 0), announcedTotal: 60) == .finished)
        #expect(pager.largestTotal == 60)
        #expect(pager.distinctItems == 38)
        #expect(pager.anomalies == [.shortfall(listed: 38, announcedTotal: 60)])
    }

    @Test func aTotalThatFallsWhilePagingLowersWhatTheListingMustReach() {
        // Sessions expiring at the source while we page: the total falls from 60 to 38, and 38 were listed.
        var pager = ListingPager(requestedLimit: 20)
        readExpected(&pager, count: 20, total: 60)
        readExpected(&pager, count: 20, total: 45)
        readExpected(&pager, count: 8, total: 38)
        #expect(pager.read(page(pager, seen: 2, new: 0), announcedTotal: 50) == .finished)
        #expect(pager.largestTotal == 60)
        #expect(pager.expectedTotal == 38)
        #expect(pager.anomalies.isEmpty)
    }

    @Test func aShortfallBelowTheFallenTotalIsStillAShortfall() {
        var pager = ListingPager(requestedLimit: 20)
        readExpected(&pager, count: 20, total: 60)
        readExpected(&pager, count: 20, total: 50)
        readExpected(&pager, count: 8, total: 40)
        #expect(pager.read(page(pager, seen: 2, new: 0), announcedTotal: 40) == .finished)
        #expect(pager.anomalies == [.shortfall(listed: 38, announcedTotal: 40)])
    }

    @Test func aLargerTotalLaterIsTheNewReference() {
        var pager = ListingPager(requestedLimit: 20)
        readExpected(&pager, count: 20, total: 30)
        readExpected(&pager, count: 20, total: 70)
        #expect(pager.read(page(pager, new: 0), announcedTotal: nil) == .finished)
        #expect(pager.expectedTotal == 70)
        #expect(pager.anomalies == [.shortfall(listed: 35, announcedTotal: 70)])
    }

    @Test func moreDistinctItemsThanTheTotalIsNoAnomaly() {
        // A total at half the real count: paging goes on to the empty page regardless.
        var pager = ListingPager(requestedLimit: 20)
        for _ in 0..<6 { readExpected(&pager, count: 20, total: 50) }
        #expect(pager.read(page(pager, new: 0), announcedTotal: 50) == .finished)
        #expect(pager.anomalies.isEmpty)
        #expect(pager.distinctItems == 20 + 5 * 15)
    }

    @Test func withoutAnyTotalThereIsNothingToFallShortOf() {
        var pager = ListingPager(requestedLimit: 20)
        readExpected(&pager, count: 3)
        #expect(pager.read(page(pager, new: 0), announcedTotal: nil) == .finished)
        #expect(pager.largestTotal == nil)
        #expect(pager.anomalies.isEmpty)
    }

    // MARK: a server that ignores offset

    @Test func aPageOfItemsAllSeenInTheWalkIsARepeatedPage() {
        var pager = ListingPager(requestedLimit: 100)
        readExpected(&pager, count: 20, total: 130)
        // The first page again, at offset 15: more items than the overlap, none new.
        #expect(pager.read(page(pager, seen: 20, new: 0), announcedTotal: 130) == .finished)
        #expect(pager.anomalies == [.repeatedPage(offset: 15), .shortfall(listed: 20, announcedTotal: 130)])
    }

    @Test func aRepeatedPageAfterEveryAnnouncedItemEndsTheListing() {
        // Three items, no overlap: offset 3 answered with the same three items, all the total announced.
        var pager = ListingPager(requestedLimit: 100)
        readExpected(&pager, count: 3, total: 3)
        #expect(pager.read(page(pager, seen: 3, new: 0), announcedTotal: 3) == .finished)
        #expect(pager.anomalies.isEmpty)
    }

    @Test func aRepeatedSmallListingWithoutATotalIsARepeatedPage() {
        var pager = ListingPager(requestedLimit: 100)
        readExpected(&pager, count: 3)
        #expect(pager.read(page(pager, seen: 3, new: 0), announcedTotal: nil) == .finished)
        #expect(pager.anomalies == [.repeatedPage(offset: 3)])
    }

    @Test func aRepeatedPageEndsTheListingWithoutASecondWalkEvenAfterDrift() {
        var pager = ListingPager(requestedLimit: 100)
        readExpected(&pager, count: 20)
        #expect(pager.read(page(pager, new: 20), announcedTotal: nil) == .read(offset: 30))
        #expect(pager.read(page(pager, seen: 20, new: 0), announcedTotal: nil) == .finished)
        #expect(pager.anomalies == [.repeatedPage(offset: 30)])
        #expect(pager.walk == 1)
    }

    // MARK: drift and an unstable order

    @Test func aPageThatDoesNotOverlapThePreviousOneAsksForASecondWalk() {
        var pager = ListingPager(requestedLimit: 100)
        readExpected(&pager, count: 20, total: 40)
        // None of the 5 overlapping items: the list moved further than the overlap.
        #expect(pager.read(page(pager, new: 20), announcedTotal: 40) == .read(offset: 30))
        #expect(pager.read(page(pager, new: 0), announcedTotal: 40) == .rewalk)
        #expect(pager.walk == 2)
        #expect(pager.offset == 0)
        #expect(pager.expectedOverlap == 0)
        #expect(pager.prefetchOffsets == [0])
        #expect(pager.anomalies.isEmpty)
    }

    @Test func theSecondWalkFetchesNothingAhead() {
        var pager = ListingPager(requestedLimit: 100)
        readExpected(&pager, count: 20, total: 100)
        #expect(pager.read(page(pager, new: 20), announcedTotal: 100) == .read(offset: 30))
        #expect(pager.read(page(pager, new: 0), announcedTotal: 100) == .rewalk)
        #expect(pager.read(page(pager, new: 0, metInEarlierWalk: 20), announcedTotal: 100) == .read(offset: 15))
        #expect(pager.prefetchOffsets == [15])
    }

    @Test func aCleanSecondWalkCompletesTheListingCountingItemsAcrossBothWalks() {
        var pager = ListingPager(requestedLimit: 100)
        readExpected(&pager, count: 20, total: 40)
        #expect(pager.read(page(pager, new: 20), announcedTotal: 40) == .read(offset: 30))
        #expect(pager.read(page(pager, new: 0), announcedTotal: 40) == .rewalk)
        // Second walk: everything is new in the walk; 5 items were missed by the first walk.
        #expect(pager.read(page(pager, new: 0, metInEarlierWalk: 20), announcedTotal: 40) == .read(offset: 15))
        #expect(pager.read(page(pager, seen: 5, new: 5, metInEarlierWalk: 10), announcedTotal: 40) == .read(offset: 30))
        #expect(pager.read(page(pager, seen: 5, new: 0, metInEarlierWalk: 0), announcedTotal: 40) == .finished)
        #expect(pager.distinctItems == 45)
        #expect(pager.anomalies.isEmpty)
    }

    @Test func noOverlapOnTheSecondWalkTooIsAnUnstableOrder() {
        var pager = ListingPager(requestedLimit: 100)
        readExpected(&pager, count: 20, total: 100)
        #expect(pager.read(page(pager, new: 20), announcedTotal: 100) == .read(offset: 30))
        #expect(pager.read(page(pager, new: 0), announcedTotal: 100) == .rewalk)
        #expect(pager.read(page(pager, new: 0, metInEarlierWalk: 20), announcedTotal: 100) == .read(offset: 15))
        #expect(
            pager.read(page(pager, seen: 5, new: 0, metInEarlierWalk: 15), announcedTotal: 100) == .read(offset: 30))
        // Offset 30 of the second walk: no overlap again.
        #expect(pager.offset == 30)
        #expect(pager.read(page(pager, new: 10, metInEarlierWalk: 10), announcedTotal: 100) == .read(offset: 45))
        #expect(pager.read(page(pager, new: 0), announcedTotal: 100) == .finished)
        #expect(pager.anomalies == [.unstableOrder(offset: 30), .shortfall(listed: 50, announcedTotal: 100)])
    }

    @Test func aFirstPageIsNeverDrift() {
        var pager = ListingPager(requestedLimit: 100)
        readExpected(&pager, count: 10)
        #expect(pager.read(page(pager, seen: 2, new: 0), announcedTotal: nil) == .finished)
        #expect(pager.walk == 1)
    }

    // MARK: the tally

    @Test func onlyTheLeadingOverlapCountsAsOverlappingThePreviousPage() {
        var tally = ListingPager.PageTally(expectedOverlap: 2)
        #expect(!tally.overlapsPrevious)
        tally.count(isNewInWalk: true, isNewInListing: true)
        tally.count(isNewInWalk: true, isNewInListing: true)
        // Seen, but past the overlap: not what absorbs expirations.
        tally.count(isNewInWalk: false, isNewInListing: false)
        #expect(!tally.overlapsPrevious)
        #expect(tally.count == 3)
        #expect(tally.newInWalk == 2)
        #expect(tally.newInListing == 2)

        var overlapping = ListingPager.PageTally(expectedOverlap: 2)
        overlapping.count(isNewInWalk: true, isNewInListing: true)
        overlapping.count(isNewInWalk: false, isNewInListing: false)
        #expect(overlapping.overlapsPrevious)
    }

    @Test func aPageWithNoOverlapExpectedAlwaysOverlaps() {
        #expect(ListingPager.PageTally(expectedOverlap: 0).overlapsPrevious)
    }
}
