import ArchiverTestSupport
import Foundation
import Testing

@testable import ArchiverCore

/// `ArchiveTimeZone` against Foundation's ICU time zones, footer rules checked with Python's zoneinfo, and names and
/// files that must be refused.
@Suite struct ArchiveTimeZoneTests {
    /// DST in both hemispheres, negative DST (Dublin), offsets of :30 and :45 (and Lord Howe's 30-minute DST), +14 h,
    /// Casablanca's listed transitions to 2087, and local mean time with seconds before 1920 (Kathmandu, Tehran).
    static let comparedZones = [
        "Europe/Berlin", "Europe/Dublin", "America/New_York", "America/Sao_Paulo", "Australia/Lord_Howe",
        "Asia/Kathmandu", "Pacific/Chatham", "Asia/Tehran", "Africa/Casablanca", "America/St_Johns",
        "Pacific/Kiritimati", "UTC",
    ]

    /// 1900-01-01 to 2101-01-01, Unix seconds.
    static let comparedRange: ClosedRange<Int64> = -2_208_988_800...4_133_980_800

    @Test(arguments: comparedZones)
    func agreesWithFoundation(identifier: String) throws {
        let zone = try #require(ArchiveTimeZone(identifier: identifier))
        let reference = try #require(TimeZone(identifier: identifier))
        let mismatches = Self.comparedInstants(zone: zone, reference: reference).lazy
            .filter { zone.secondsFromGMT(for: $0) != reference.secondsFromGMT(for: $0) }
            .prefix(5)
            .map { "\($0): \(zone.secondsFromGMT(for: $0)), Foundation \(reference.secondsFromGMT(for: $0))" }
        #expect(Array(mismatches) == [], "\(identifier)")
    }

    /// Every 18 hours from 1900 to 2100, and a second before, at and after each transition listed in the zone's file
    /// or reported by Foundation.
    static func comparedInstants(zone: ArchiveTimeZone, reference: TimeZone) -> [Date] {
        var seconds = Array(stride(from: comparedRange.lowerBound, through: comparedRange.upperBound, by: 64_807))
        var transitions = zone.rules.transitionTimes.filter(comparedRange.contains)
        var date = Date(timeIntervalSince1970: TimeInterval(comparedRange.lowerBound))
        while let next = reference.nextDaylightSavingTimeTransition(after: date),
            next.timeIntervalSince1970 <= TimeInterval(comparedRange.upperBound)
        {
            transitions.append(Int64(next.timeIntervalSince1970))
            date = next
        }
        for transition in transitions { seconds += [transition - 1, transition, transition + 1] }
        return seconds.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// The comparison above reaches the footer rules: these files list transitions only to 2037.
    @Test(arguments: ["Europe/Berlin", "Europe/Dublin", "Australia/Lord_Howe", "Pacific/Chatham"])
    func footerRuleTakesOverAfterTheListedTransitions(identifier: String) throws {
        let zone = try #require(ArchiveTimeZone(identifier: identifier))
        #expect(zone.rules.footer?.daylight != nil)
        #expect(try #require(zone.rules.transitionTimes.last) < 2_208_988_800)
    }

    @Test(arguments: [
        ("Europe/Berlin", "2024-03-31T00:59:59Z", 3600),
        ("Europe/Berlin", "2024-03-31T01:00:00Z", 7200),
        ("Europe/Berlin", "2075-07-01T12:00:00Z", 7200),
        ("Europe/Dublin", "2024-01-15T12:00:00Z", 0),
        ("Europe/Dublin", "2024-07-15T12:00:00Z", 3600),
        ("Australia/Lord_Howe", "2024-01-15T12:00:00Z", 39_600),
        ("Australia/Lord_Howe", "2024-07-15T12:00:00Z", 37_800),
        ("Asia/Kathmandu", "1985-06-01T00:00:00Z", 19_800),
        ("Asia/Kathmandu", "2024-06-01T00:00:00Z", 20_700),
        ("Pacific/Chatham", "2070-01-15T00:00:00Z", 49_500),
        ("America/New_York", "2060-07-01T00:00:00Z", -14_400),
        ("Pacific/Kiritimati", "2024-06-01T00:00:00Z", 50_400),
    ])
    func knownOffsets(identifier: String, time: String, expected: Int) throws {
        let zone = try #require(ArchiveTimeZone(identifier: identifier))
        #expect(zone.secondsFromGMT(for: try TimeBound.parse(time, option: "test")) == expected)
    }

    @Test func utcNeedsNoFile() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        for name in ["UTC", "GMT", "Etc/UTC", "Etc/GMT"] {
            let zone = try #require(ArchiveTimeZone(identifier: name, zoneInfoFolder: folder.path))
            #expect(zone.identifier == name)
            #expect(zone.secondsFromGMT(for: Date(timeIntervalSince1970: 1_780_000_000)) == 0)
        }
        #expect(ArchiveTimeZone.utc.description == "UTC")
        #expect(ArchiveTimeZone(identifier: "UTC") == .utc)
        #expect(ArchiveTimeZone(identifier: "Europe/Berlin") != .utc)
        #expect(ArchiveTimeZone.utc.secondsFromGMT(for: .distantFuture) == 0)
    }

    @Test func oddDatesDoNotTrap() throws {
        let zone = try #require(ArchiveTimeZone(identifier: "Europe/Berlin"))
        for seconds in [TimeInterval.nan, .infinity, -.infinity, 1e300, -1e300] {
            _ = zone.secondsFromGMT(for: Date(timeIntervalSince1970: seconds))
        }
        #expect(zone.secondsFromGMT(for: .distantPast) == 3208)
    }

    // MARK: Names

    @Test func refusesNamesThatLeaveTheFolderOrAreOdd() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let berlin = try Self.systemFile("Europe/Berlin")
        try Data(berlin).write(to: URL(fileURLWithPath: folder.path + "/outside"))
        let zoneInfo = try folder.subfolder("zoneinfo")
        _ = try folder.subfolder("zoneinfo/Europe")
        try Data(berlin).write(to: URL(fileURLWithPath: zoneInfo + "/Europe/Berlin"))

        #expect(ArchiveTimeZone(identifier: "Europe/Berlin", zoneInfoFolder: zoneInfo) != nil)
        let refused = [
            "", "../outside", "Europe/../../outside", folder.path + "/outside", "Europe//Berlin", "./Europe/Berlin",
            "Europe/./Berlin", "Europe/Berlin/", "/Europe/Berlin", "Europe\\Berlin", "Europe/Ber\0lin",
            "Europe/Berlin ", "Europe/Berlín", "Europe", "Europe/Paris",
        ]
        for name in refused {
            #expect(ArchiveTimeZone(identifier: name, zoneInfoFolder: zoneInfo) == nil, "\(name)")
        }
    }

    @Test(arguments: ["../etc/passwd", "/etc/localtime", "Europe/../../x", "../../../etc/localtime", "No/Such_Zone"])
    func refusesSystemNames(name: String) {
        #expect(ArchiveTimeZone(identifier: name) == nil)
    }

    // MARK: Files

    @Test func refusesFilesThatAreNotTZif() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let berlin = try Self.systemFile("Europe/Berlin")
        let files: [String: [UInt8]] = [
            "Empty": [], "Text": Array("# tzdata\nZone Europe/Berlin 0:53:28 - LMT\n".utf8),
            "Truncated": Array(berlin.prefix(berlin.count / 2)), "HeaderOnly": Array(berlin.prefix(44)),
            "Whole": berlin,
        ]
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: folder.path + "/" + name)) }
        _ = try folder.subfolder("Folder")
        for name in files.keys.filter({ $0 != "Whole" }) + ["Folder"] {
            #expect(ArchiveTimeZone(identifier: name, zoneInfoFolder: folder.path) == nil, "\(name)")
        }
        #expect(ArchiveTimeZone(identifier: "Whole", zoneInfoFolder: folder.path) != nil)
    }

    @Test func refusesEveryTruncation() throws {
        let berlin = try Self.systemFile("Europe/Berlin")
        #expect(ArchiveTimeZone.Rules(tzif: berlin) != nil)
        for length in 0..<berlin.count {
            #expect(ArchiveTimeZone.Rules(tzif: Array(berlin.prefix(length))) == nil, "\(length) bytes")
        }
    }

    /// Each byte of a real file overwritten in turn: parsing may succeed or fail, but must not trap.
    @Test func survivesCorruptedBytes() throws {
        let original = try Self.systemFile("Australia/Lord_Howe")
        for index in original.indices {
            for value: UInt8 in [0x00, 0x7F, 0xFF] {
                var bytes = original
                bytes[index] = value
                guard let rules = ArchiveTimeZone.Rules(tzif: bytes) else { continue }
                for instant in stride(from: Int64(-3_000_000_000), through: 5_000_000_000, by: 500_000_000) {
                    _ = rules.secondsFromGMT(at: instant)
                }
            }
        }
    }

    @Test func refusesMalformedData() {
        let valid = Self.tzif(transitions: [(0, 1)], offsets: [0, 3600])
        #expect(ArchiveTimeZone.Rules(tzif: valid) != nil)
        var badMagic = valid
        badMagic[0] = UInt8(ascii: "t")
        var unknownVersion = valid
        unknownVersion[4] = UInt8(ascii: "1")
        let malformed: [String: [UInt8]] = [
            "bad magic": badMagic,
            "version 1 marked '1'": unknownVersion,
            "absurd transition count in the first header": Self.patchingCount(valid, at: 32),
            // The second header starts after the first (44 bytes) and its 10-byte block.
            "absurd transition count in the second header": Self.patchingCount(valid, at: 54 + 32),
            "absurd type count": Self.patchingCount(valid, at: 54 + 36),
            "absurd count in version 1": Self.patchingCount(Self.tzif(version: 0, offsets: [0]), at: 32),
            "no time type": Self.tzif(offsets: []),
            "type index out of range": Self.tzif(transitions: [(0, 2)], offsets: [0, 3600]),
            "transitions out of order": Self.tzif(transitions: [(10, 1), (5, 0)], offsets: [0, 3600]),
            "repeated transition": Self.tzif(transitions: [(10, 1), (10, 0)], offsets: [0, 3600]),
            "leap seconds": Self.tzif(offsets: [0], leapSecondCount: 1),
            "leap seconds in version 1": Self.tzif(version: 0, offsets: [0], leapSecondCount: 1),
            "no footer": Self.tzif(offsets: [0], footer: nil),
            "footer not starting with a newline": Self.tzif(offsets: [0], footer: nil) + Array("XUTC0\n".utf8),
            "footer without its closing newline": Array(Self.tzif(offsets: [0], footer: "UTC0").dropLast()),
        ]
        for (problem, bytes) in malformed {
            #expect(ArchiveTimeZone.Rules(tzif: bytes) == nil, "\(problem)")
        }
    }

    @Test func readsAFooterOnlyFile() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let bytes = Self.tzif(offsets: [3600], footer: "CET-1CEST,M3.5.0,M10.5.0/3")
        try Data(bytes).write(to: URL(fileURLWithPath: folder.path + "/Footer"))
        let zone = try #require(ArchiveTimeZone(identifier: "Footer", zoneInfoFolder: folder.path))
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        for seconds in stride(from: 1_700_000_000, through: 1_800_000_000, by: 3_600 * 7 + 1) {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            #expect(zone.secondsFromGMT(for: date) == berlin.secondsFromGMT(for: date), "\(date)")
        }
    }

    @Test func usesTypeZeroBeforeTheFirstTransitionAndTheLastTypeWithoutARule() throws {
        // Transition at 2^40 s (year 36812): only the 64-bit block can hold it.
        let transitions: [(Int64, UInt8)] = [(-1_000_000, 2), (1 << 40, 1)]
        for footer in ["", "not a rule"] {
            let rules = try #require(Self.rules(transitions: transitions, offsets: [-100, 3600, 7200], footer: footer))
            #expect(rules.footer == nil)
            #expect(rules.secondsFromGMT(at: -1_000_001) == -100)
            #expect(rules.secondsFromGMT(at: -1_000_000) == 7200)
            #expect(rules.secondsFromGMT(at: (1 << 40) - 1) == 7200)
            #expect(rules.secondsFromGMT(at: 1 << 40) == 3600)
            #expect(rules.secondsFromGMT(at: 1 << 50) == 3600)
        }
        let emptyFooterOnly = try #require(Self.rules(transitions: [], offsets: [-100], footer: ""))
        #expect(emptyFooterOnly.secondsFromGMT(at: 0) == -100)
        // After the last transition the footer rule decides, even where it disagrees with that transition.
        let ruled = try #require(Self.rules(transitions: [(0, 1)], offsets: [0, 3600], footer: "<+05>-5"))
        #expect(ruled.secondsFromGMT(at: -1) == 0)
        #expect(ruled.secondsFromGMT(at: 0) == 18_000)
    }

    @Test func readsVersion1() throws {
        let rules = try #require(
            ArchiveTimeZone.Rules(tzif: Self.tzif(version: 0, transitions: [(-5, 1), (7, 0)], offsets: [60, -3600])))
        #expect(rules.secondsFromGMT(at: -6) == 60)
        #expect(rules.secondsFromGMT(at: -5) == -3600)
        #expect(rules.secondsFromGMT(at: 6) == -3600)
        #expect(rules.secondsFromGMT(at: 7) == 60)
        #expect(rules.secondsFromGMT(at: 1 << 40) == 60)
    }

    // MARK: Footer rules

    /// Changes (instant, offset before, offset after) in 2032 and 2100 as glibc's tzset reads these rules; Python 3.11's
    /// zoneinfo agrees, except that it reads the zero-based day `n` a day early.
    static let ruleChanges: [(String, [(Int64, Int, Int)])] = [
        (
            "CET-1CEST,M3.5.0,M10.5.0/3",
            [
                (1_964_048_400, 3600, 7200), (1_982_797_200, 7200, 3600), (4_109_878_800, 3600, 7200),
                (4_128_627_600, 7200, 3600),
            ]
        ),
        (
            "AEST-10AEDT,M10.1.0,M4.1.0/3",
            [
                (1_964_620_800, 39600, 36000), (1_980_345_600, 36000, 39600), (4_110_451_200, 39600, 36000),
                (4_126_176_000, 36000, 39600),
            ]
        ),
        (
            "IST-1GMT0,M10.5.0,M3.5.0/1",
            [(1_964_048_400, 0, 3600), (1_982_797_200, 3600, 0), (4_109_878_800, 0, 3600), (4_128_627_600, 3600, 0)]
        ),
        (
            "EST5EDT,M3.2.0/-1,M11.1.0/26",
            [
                (1_962_849_600, -18000, -14400), (1_983_506_400, -14400, -18000), (4_108_680_000, -18000, -14400),
                (4_129_336_800, -14400, -18000),
            ]
        ),
        (
            "<-03>3<-02>,J60/0,J300/24",
            [
                (1_961_722_800, -10800, -7200), (1_982_541_600, -7200, -10800), (4_107_553_200, -10800, -7200),
                (4_128_372_000, -7200, -10800),
            ]
        ),
        (
            "<-03>3<-02>,59/0,299/24",
            [
                (1_961_636_400, -10800, -7200), (1_982_455_200, -7200, -10800), (4_107_553_200, -10800, -7200),
                (4_128_372_000, -7200, -10800),
            ]
        ),
        (
            "NST3:30NDT,M3.2.0,M11.1.0",
            [
                (1_962_855_000, -12600, -9000), (1_983_414_600, -9000, -12600), (4_108_685_400, -12600, -9000),
                (4_129_245_000, -9000, -12600),
            ]
        ),
        (
            "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
            [
                (1_964_613_600, 49500, 45900), (1_979_733_600, 45900, 49500), (4_110_444_000, 49500, 45900),
                (4_125_564_000, 45900, 49500),
            ]
        ),
        (
            "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
            [
                (1_964_048_400, -7200, -3600), (1_982_797_200, -3600, -7200), (4_109_878_800, -7200, -3600),
                (4_128_627_600, -3600, -7200),
            ]
        ),
        (
            "IST-2IDT,M3.4.4/26,M10.5.0",
            [
                (1_963_872_000, 7200, 10800), (1_982_790_000, 10800, 7200), (4_109_702_400, 7200, 10800),
                (4_128_620_400, 10800, 7200),
            ]
        ),
        (
            "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
            [
                (1_964_617_200, 39600, 37800), (1_980_343_800, 37800, 39600), (4_110_447_600, 39600, 37800),
                (4_126_174_200, 37800, 39600),
            ]
        ),
        (
            "<+01>-1<+02>,M3.5.0/-167,M10.5.0/167",
            [
                (1_963_440_000, 3600, 7200), (1_983_387_600, 7200, 3600), (4_109_270_400, 3600, 7200),
                (4_129_218_000, 7200, 3600),
            ]
        ),
        (
            "<+01>-1<+02>,M3.5.0/167,M10.5.0/-167",
            [
                (1_964_642_400, 3600, 7200), (1_982_185_200, 7200, 3600), (4_110_472_800, 3600, 7200),
                (4_128_015_600, 7200, 3600),
            ]
        ),
    ]

    @Test(arguments: ruleChanges)
    func evaluatesFooterRules(rule text: String, changes: [(Int64, Int, Int)]) throws {
        let rule = try #require(ArchiveTimeZone.POSIXRule(text))
        for (instant, before, after) in changes {
            #expect(rule.secondsFromGMT(at: instant - 1) == before, "\(text) at \(instant - 1)")
            #expect(rule.secondsFromGMT(at: instant) == after, "\(text) at \(instant)")
            #expect(rule.secondsFromGMT(at: instant + 86_400) == after, "\(text) at \(instant + 86_400)")
        }
    }

    /// Changes that a negative time moves into the year before. glibc and Python's zoneinfo only look at the rule for
    /// the year of the instant and go wrong there, so these instants are worked out by hand: the first Sunday of
    /// January 2033 is January 2, so the 2033 change at -48 h is at 2032-12-31 00:00 local time.
    @Test(arguments: [
        // Daylight time starts then: 03:00 UTC on December 31 in standard time (-03).
        ("<-03>3<-02>,M1.1.0/-48,M6.1.0", Int64(1_988_074_800), -10_800, -7_200),
        // Daylight time ends then: 13:00 UTC on December 30 in daylight time (+11).
        ("<+10>-10<+11>,M10.1.0,M1.1.0/-48", 1_988_024_400, 39_600, 36_000),
    ])
    func changesMovedIntoThePreviousYear(rule text: String, instant: Int64, before: Int, after: Int) throws {
        let rule = try #require(ArchiveTimeZone.POSIXRule(text))
        #expect(rule.secondsFromGMT(at: instant - 1) == before)
        #expect(rule.secondsFromGMT(at: instant) == after)
        #expect(rule.secondsFromGMT(at: instant + 2 * 86_400) == after)
    }

    @Test func daylightTimeAllYear() throws {
        let rule = try #require(ArchiveTimeZone.POSIXRule("EST5EDT4,0/0,J365/25"))
        for seconds in stride(from: Int64(1_956_000_000), through: 1_990_000_000, by: 3_599) {
            #expect(rule.secondsFromGMT(at: seconds) == -14_400, "\(seconds)")
        }
    }

    @Test(arguments: [
        ("<+0545>-5:45", 20_700), ("<-03>3", -10_800), ("UTC0", 0), ("EST+5", -18_000), ("XXX-0:00:30", 30),
    ])
    func parsesFixedOffsets(text: String, offset: Int) throws {
        let rule = try #require(ArchiveTimeZone.POSIXRule(text))
        #expect(rule.standardOffset == offset)
        #expect(rule.daylight == nil)
    }

    @Test(arguments: [
        "", "CET", "CE-1", "-1", "<+05-5", "<+05>", "CET-25", "CET-1:60", "CET-1 ", "CET-1CEST", "CET-1CEST,M3.5.0",
        "CET-1CEST,M3.5.0,", "CET-1CEST,M3.5.0,M10.5.0,", "CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0",
        "CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,M3.0.0,M10.5.0", "CET-1CEST,M3.5,M10.5.0", "CET-1CEST,J0,J365",
        "CET-1CEST,366,0", "CET-1CEST,M3.5.0/168,M10.5.0", "CET-1CEST-2-3,M3.5.0,M10.5.0",
    ])
    func refusesMalformedRules(text: String) {
        #expect(ArchiveTimeZone.POSIXRule(text) == nil)
    }

    // MARK: Helpers

    static func systemFile(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: "/usr/share/zoneinfo/" + name)))
    }

    static func rules(transitions: [(Int64, UInt8)], offsets: [Int32], footer: String) -> ArchiveTimeZone.Rules? {
        ArchiveTimeZone.Rules(tzif: tzif(transitions: transitions, offsets: offsets, footer: footer))
    }

    /// A TZif file. Version 2 (the default) puts the data in the 64-bit block after a 32-bit block holding only a
    /// zero offset, as zic's slim output does; version 0 writes the data as a 32-bit block and no footer.
    static func tzif(
        version: UInt8 = UInt8(ascii: "2"),
        transitions: [(time: Int64, type: UInt8)] = [],
        offsets: [Int32],
        leapSecondCount: Int = 0,
        footer: String? = ""
    ) -> [UInt8] {
        func block(timeSize: Int, transitions: [(time: Int64, type: UInt8)], offsets: [Int32]) -> [UInt8] {
            var bytes = Array("TZif".utf8) + [version] + Array(repeating: 0, count: 15)
            for count in [0, 0, leapSecondCount, transitions.count, offsets.count, 4] {
                bytes += bigEndian(Int64(count), size: 4)
            }
            for transition in transitions { bytes += bigEndian(transition.time, size: timeSize) }
            bytes += transitions.map(\.type)
            for offset in offsets { bytes += bigEndian(Int64(offset), size: 4) + [0, 0] }
            bytes += Array("XXX\0".utf8)
            for _ in 0..<leapSecondCount { bytes += bigEndian(78_796_800, size: timeSize) + bigEndian(1, size: 4) }
            return bytes
        }
        if version == 0 { return block(timeSize: 4, transitions: transitions, offsets: offsets) }
        return block(timeSize: 4, transitions: [], offsets: [0])
            + block(timeSize: 8, transitions: transitions, offsets: offsets)
            + (footer.map { [10] + Array($0.utf8) + [10] } ?? [])
    }

    static func bigEndian(_ value: Int64, size: Int) -> [UInt8] {
        (0..<size).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    /// `bytes` with the four-byte count at `offset` set to 2^32 - 1.
    static func patchingCount(_ bytes: [UInt8], at offset: Int) -> [UInt8] {
        var patched = bytes
        patched.replaceSubrange(offset..<offset + 4, with: [0xFF, 0xFF, 0xFF, 0xFF])
        return patched
    }

    /// The machine's zone for log lines: `TZ` in each of its forms, else the `/etc/localtime` file.
    @Test func machineZoneFollowsTZThenLocaltime() throws {
        let zoneInfo = "/usr/share/zoneinfo"
        let instants = stride(from: 1_700_000_000, to: 2_600_000_000, by: 3_888_000).map {
            Date(timeIntervalSince1970: TimeInterval($0))
        }
        func offsets(_ zone: ArchiveTimeZone) -> [Int] { instants.map(zone.secondsFromGMT(for:)) }
        let berlin = offsets(try #require(ArchiveTimeZone(identifier: "Europe/Berlin")))
        let kathmandu = offsets(try #require(ArchiveTimeZone(identifier: "Asia/Kathmandu")))
        #expect(Set(berlin).count == 2)

        let fromLocaltime = ArchiveTimeZone.machineZone(tz: nil, localtimePath: "\(zoneInfo)/Europe/Berlin")
        #expect(offsets(fromLocaltime) == berlin)
        #expect(offsets(.machineZone(tz: "", localtimePath: "\(zoneInfo)/Asia/Kathmandu")) == kathmandu)
        #expect(offsets(.machineZone(tz: ":Asia/Kathmandu", localtimePath: "/nonexistent")) == kathmandu)
        #expect(offsets(.machineZone(tz: "Asia/Kathmandu", localtimePath: "/nonexistent")) == kathmandu)
        #expect(offsets(.machineZone(tz: ":\(zoneInfo)/Europe/Berlin", localtimePath: "/nonexistent")) == berlin)
        #expect(offsets(.machineZone(tz: "CET-1CEST,M3.5.0,M10.5.0/3", localtimePath: "/nonexistent")) == berlin)
        #expect(.machineZone(tz: "Nowhere/Zone", localtimePath: "\(zoneInfo)/Europe/Berlin") == .utc)
        #expect(.machineZone(tz: nil, localtimePath: "/nonexistent") == .utc)
    }
}
