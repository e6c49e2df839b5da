import Foundation
import Testing

@testable import ArchiverCore

/// Timestamps in sidecars, reports and the lock holder file: the same text as Foundation's ISO 8601 style (which
/// switches to the Julian calendar before 1582-10-15; our instants are all later).
@Suite struct UTCTimestampTests {
    @Test(arguments: [
        0.0, -1, 59.999, 86_399, 86_400, 951_782_400, 1_780_000_000.75, -12_219_292_800, 253_402_300_799,
        -2_208_988_801,
    ])
    func matchesFoundationsISO8601(secondsSince1970: Double) {
        let date = Date(timeIntervalSince1970: secondsSince1970)
        #expect(date.iso8601UTC == date.formatted(.iso8601))
    }

    @Test func matchesFoundationsISO8601OverManyInstants() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let date = Date(
                timeIntervalSince1970: Double(Int.random(in: -5_000_000_000...10_000_000_000, using: &generator)))
            #expect(date.iso8601UTC == date.formatted(.iso8601), "\(date.timeIntervalSince1970)")
        }
    }
}
