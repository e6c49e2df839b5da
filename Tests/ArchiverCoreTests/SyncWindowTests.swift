import ArchiverCore
import Foundation
import Testing

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
}
