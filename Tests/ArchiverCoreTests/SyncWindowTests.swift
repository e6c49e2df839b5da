import Foundation
import Testing

@testable import ArchiverCore

/// Which window a sync lists, and whether it may move the watermark.
struct SyncWindowTests {
    static let runStart = Date(timeIntervalSince1970: 1_000_000)
    static let watermark = Date(timeIntervalSince1970: 900_000)
    static let twoDays: TimeInterval = 172_800

    /// (from, to, full, agents, watermark?, expected from, expected to, advances)
    @Test(
        arguments: [
            // First run: all history up to the run's start.
            (nil, nil, false, [], false, nil, 1_000_000, true),
            // Incremental: watermark minus the overlap.
            (nil, nil, false, [], true, 900_000 - twoDays, 1_000_000, true),
            // --full ignores the watermark.
            (nil, nil, true, [], true, nil, 1_000_000, true),
            // --from wins, even over --full; from before the watermark leaves no gap.
            (800_000, nil, true, [], true, 800_000, 1_000_000, true),
            (800_000, 850_000, false, [], true, 800_000, 850_000, true),
            // --from after the watermark, or with no watermark, leaves a gap: no new watermark.
            (950_000, nil, false, [], true, 950_000, 1_000_000, false),
            (950_000, nil, false, [], false, 950_000, 1_000_000, false),
            // --agent covers only some agents: no new watermark.
            (nil, nil, false, [7], true, 900_000 - twoDays, 1_000_000, false),
            (nil, 990_000, false, [], true, 900_000 - twoDays, 990_000, true),
        ] as [(TimeInterval?, TimeInterval?, Bool, [Int], Bool, TimeInterval?, TimeInterval, Bool)])
    func computesTheWindow(
        from: TimeInterval?, to: TimeInterval?, isFullWalk: Bool, agents: [Int], hasWatermark: Bool,
        expectedFrom: TimeInterval?, expectedTo: TimeInterval, advances: Bool
    ) {
        let options = SyncOptions(
            from: from.map(Date.init(timeIntervalSince1970:)), to: to.map(Date.init(timeIntervalSince1970:)),
            agentIDs: agents, isFullWalk: isFullWalk)
        let window = SyncWindow(
            options: options, watermark: hasWatermark ? Self.watermark : nil, overlap: .seconds(Self.twoDays),
            runStart: Self.runStart)
        #expect(window.dateFrom == expectedFrom.map(Date.init(timeIntervalSince1970:)))
        #expect(window.dateTo == Date(timeIntervalSince1970: expectedTo))
        #expect(window.advancesWatermark == advances)
    }

    @Test func aZeroOverlapStartsAtTheWatermark() {
        let window = SyncWindow(
            options: SyncOptions(), watermark: Self.watermark, overlap: .zero, runStart: Self.runStart)
        #expect(window.dateFrom == Self.watermark)
    }

    /// (interval in days, last full walk days before date_to or nil, due)
    @Test(
        arguments: [
            (7, nil, true), (7, 1, false), (7, 6.99, false), (7, 7, true), (7, 30, true), (0, 0, true), (0, nil, true),
        ] as [(Int, Double?, Bool)])
    func aFullWalkIsDueOnceTheIntervalOfHistoryHasPassed(days: Int, lastWalkDaysAgo: Double?, isDue: Bool) {
        let dateTo = Self.runStart
        let schedule = FullWalkSchedule(
            interval: .seconds(days * 86_400),
            lastFullWalk: lastWalkDaysAgo.map { dateTo.addingTimeInterval(-$0 * 86_400) })
        #expect(schedule.isDue(listingUpTo: dateTo) == isDue)
    }

    @Test func aDueFullWalkListsAllHistoryUnlessFromOrAgentLimitIt() {
        let due = FullWalkSchedule(
            interval: .seconds(7 * 86_400), lastFullWalk: Self.watermark.addingTimeInterval(-9e5))
        let notDue = FullWalkSchedule(interval: .seconds(7 * 86_400), lastFullWalk: Self.watermark)
        func window(_ options: SyncOptions, _ schedule: FullWalkSchedule?) -> SyncWindow {
            SyncWindow(
                options: options, watermark: Self.watermark, overlap: .seconds(Self.twoDays), runStart: Self.runStart,
                fullWalks: schedule)
        }

        #expect(window(SyncOptions(), due).dateFrom == nil)
        #expect(window(SyncOptions(), due).walksAllHistory)
        #expect(window(SyncOptions(), notDue).dateFrom == Self.watermark.addingTimeInterval(-Self.twoDays))
        #expect(!window(SyncOptions(), notDue).walksAllHistory)
        #expect(!window(SyncOptions(), nil).walksAllHistory)
        #expect(window(SyncOptions(isFullWalk: true), notDue).walksAllHistory)
        // A run of some agents stays incremental; --from wins.
        #expect(window(SyncOptions(agentIDs: [7]), due).dateFrom == Self.watermark.addingTimeInterval(-Self.twoDays))
        #expect(window(SyncOptions(from: Self.watermark), due).dateFrom == Self.watermark)
        // Due by --to: time is the listing's.
        #expect(window(SyncOptions(to: Self.watermark), due).walksAllHistory)
        #expect(!window(SyncOptions(to: Self.watermark.addingTimeInterval(-1e6)), due).walksAllHistory)
    }

    /// (start, stop, listed whatever the filter): the window runs from 900,000 to 1,000,000.
    @Test(
        arguments: [
            (900_000, 900_100, true), (950_000, 1_000_000, true), (899_999, 900_100, false),
            (990_000, 1_000_001, false), (950_000, nil, true), (1_000_001, nil, false),
        ] as [(TimeInterval, TimeInterval?, Bool)])
    func onlyASessionWhollyInTheWindowIsListedWhateverTheFilter(start: TimeInterval, stop: TimeInterval?, listed: Bool)
    {
        let window = SyncWindow(
            dateFrom: Date(timeIntervalSince1970: 900_000), dateTo: Self.runStart, advancesWatermark: true)
        #expect(
            window.listsWhateverTheFilter(
                start: Date(timeIntervalSince1970: start), stop: stop.map(Date.init(timeIntervalSince1970:)))
                == listed)
        let all = SyncWindow(dateFrom: nil, dateTo: Self.runStart, advancesWatermark: true)
        #expect(
            all.listsWhateverTheFilter(start: Date(timeIntervalSince1970: start), stop: nil) == (start <= 1_000_000))
    }
}
