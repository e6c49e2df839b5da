import Foundation
import Testing

@testable import ArchiverCore

struct TimeBoundTests {
    @Test(arguments: [
        ("2026-03-01", 1_772_323_200.0),
        ("2024-02-29", 1_709_164_800),
        ("1970-01-01", 0),
        ("1969-12-31T00:00:00Z", -86_400),
        ("2026-03-01T12:30:00", 1_772_368_200),
        ("2026-03-01 12:30:00", 1_772_368_200),
        ("2026-03-01t12:30:00z", 1_772_368_200),
        ("2026-03-01T12:30", 1_772_368_200),
        ("2026-03-01T12:30:00Z", 1_772_368_200),
        ("2026-03-01T12:30:00+02:00", 1_772_361_000),
        ("2026-03-01T12:30:00+0200", 1_772_361_000),
        ("2026-03-01T12:30:00+02", 1_772_361_000),
        ("2026-03-01 12:30:00-05:30", 1_772_388_000),
        ("2026-03-01T12:30:00.250Z", 1_772_368_200.25),
        ("2026-03-01T12:30:00,5+02:00", 1_772_361_000.5),
        ("2000-12-31T23:59:59Z", 978_307_199),
        ("1608660273", 1_608_660_273),
        ("0", 0),
        ("  2026-03-01\n", 1_772_323_200),
    ])
    func parsesAcceptedForms(text: String, expectedSeconds: Double) throws {
        let date = try TimeBound.parse(text, option: "--from")
        #expect(date.timeIntervalSince1970 == expectedSeconds)
    }

    @Test(arguments: [
        "", "yesterday", "2026-13-01", "2026-00-10", "2025-02-29", "2026-04-31", "2026-3-1", "2026/03/01",
        "2026-03-01T24:00:00", "2026-03-01T12:60:00", "2026-03-01T12:30:60", "2026-03-01T12", "2026-03-01T12:30:00.",
        "2026-03-01T12:30:00+2", "2026-03-01T12:30:00+02:0", "2026-03-01T12:30:00+19:00", "2026-03-01T12:30:00Zjunk",
        "2026-03-01X12:30:00", "-5", "12.5", "1e9", "１２３", "9999999999999",
    ])
    func rejectsOtherText(text: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try TimeBound.parse(text, option: "--to") }
        #expect(error.key == "--to")
        #expect(error == .invalidValue(value: text, source: .flag(name: "--to"), expected: TimeBound.acceptedForms))
        #expect(error.description.hasPrefix("--to must be a date (2026-03-01), a date-time (2026-03-01T12:30:00"))
        #expect(error.description.hasSuffix("(got \(String(reflecting: text)))"))
    }

    @Test(arguments: [(2000, 3, 1, 11_017), (1970, 1, 1, 0), (1600, 2, 29, -135_081), (2100, 3, 1, 47_541)])
    func countsGregorianDays(year: Int, month: Int, day: Int, expected: Int) {
        #expect(TimeBound.daysFromCivil(year: year, month: month, day: day) == expected)
        let civil = TimeBound.civilFromDays(expected)
        #expect(civil.year == year && civil.month == month && civil.day == day)
    }
}
