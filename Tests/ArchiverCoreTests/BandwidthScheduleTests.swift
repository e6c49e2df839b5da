import Foundation
import Testing

@testable import ArchiverCore

/// `bwlimit`: the limit at a time of day is a pure function of the timetable; bad timetables name the key and the
/// form expected.
struct BandwidthScheduleTests {
    static let key = ConfigurationSource.file(key: "bwlimit", path: "/etc/x.yaml", line: 3)
    static let mebibyte = 1 << 20

    func schedule(_ text: String) throws -> BandwidthSchedule {
        try BandwidthSchedule(parsing: text, source: Self.key)
    }

    func minute(_ hour: Int, _ minute: Int) -> Int { hour * 60 + minute }

    @Test func aSingleValueHoldsAllDay() throws {
        let limit = try schedule("4MiB")
        for minute in [0, 480, 1439] { #expect(limit.bytesPerSecond(atMinuteOfDay: minute) == 4 * Self.mebibyte) }
        #expect(try schedule("500kB").bytesPerSecond(atMinuteOfDay: 0) == 500_000)
        #expect(try schedule(" 2048 ").bytesPerSecond(atMinuteOfDay: 0) == 2048)
    }

    @Test func offIsUnlimited() throws {
        for text in ["off", "OFF", "00:00,off"] {
            #expect(try schedule(text).bytesPerSecond(atMinuteOfDay: 600) == nil, "\(text)")
        }
    }

    @Test(
        arguments: [
            (0, 0, nil), (7, 59, nil), (8, 0, 2 << 20), (12, 30, 2 << 20), (18, 59, 2 << 20), (19, 0, nil),
            (23, 59, nil),
        ] as [(Int, Int, Int?)])
    func aTimetableHoldsEachEntryUntilTheNext(hour: Int, minute: Int, expected: Int?) throws {
        let limit = try schedule("08:00,2MiB 19:00,off")
        #expect(limit.bytesPerSecond(atMinuteOfDay: self.minute(hour, minute)) == expected)
    }

    @Test func beforeTheFirstEntryTheLastOneOfTheDayBeforeHolds() throws {
        // Written out of order: 23:00 1MiB holds over midnight until 06:00.
        let limit = try schedule("06:00,512KiB  23:00,1MiB\t12:00,off")
        #expect(limit.entries.map(\.minuteOfDay) == [360, 720, 1380])
        #expect(limit.bytesPerSecond(atMinuteOfDay: minute(3, 0)) == Self.mebibyte)
        #expect(limit.bytesPerSecond(atMinuteOfDay: minute(6, 0)) == 512 << 10)
        #expect(limit.bytesPerSecond(atMinuteOfDay: minute(13, 0)) == nil)
        #expect(limit.bytesPerSecond(atMinuteOfDay: minute(23, 30)) == Self.mebibyte)
        #expect(try schedule("8:30,1MiB").bytesPerSecond(atMinuteOfDay: 0) == Self.mebibyte)
    }

    @Test(arguments: [
        "", "fast", "0", "100", "-1MiB", "2.5MiB", "08:00", "08:00,", "25:00,1MiB", "08:60,1MiB", "0800,1MiB",
        "08:00,2MiB,3", "08:00,0", "08:00,fast", "08:00,1MiB 08:00,off", "08:00,1MiB off", "Mon-08:00,1MiB",
    ])
    func aBadValueNamesTheKeyAndTheExpectedForm(text: String) {
        #expect {
            try BandwidthSchedule(parsing: text, source: Self.key)
        } throws: { error in
            guard case .invalidValue(let value, let source, let expected) = error as? ConfigurationError else {
                return false
            }
            let message = "\(error)"
            return value == text && source == Self.key && expected.contains("HH:MM,RATE")
                && expected.contains("\"08:00,2MiB 19:00,off\"") && message.contains("bwlimit (in /etc/x.yaml, line 3)")
        }
    }

    @Test func theFlagIsNamedInItsError() {
        #expect {
            try BandwidthSchedule(parsing: "lots", source: .flag(name: "--bwlimit"))
        } throws: { error in
            "\(error)".contains("--bwlimit") && "\(error)".contains("\"4MiB\" or \"off\"")
        }
    }
}

/// `bwlimit`, `--bwlimit` and `monitoring.ping_url` through the loader.
struct BandwidthAndMonitoringConfigurationTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bw-config-\(UUID().uuidString)").path

    func load(_ yaml: String, overrides: ConfigurationOverrides = .init()) throws -> ArchiverConfiguration {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = "\(folder)/config.yaml"
        try Data(("archive:\n  root: /srv/archive\nstate_dir: /tmp/state\n" + yaml).utf8)
            .write(to: URL(fileURLWithPath: path))
        return try ConfigurationLoader.load(
            configFile: path, overrides: overrides, environment: ["GETSCREEN_API_KEY": "k"],
            currentDirectory: folder)
    }

    @Test func theFileSetsBothKeys() throws {
        let configuration = try load(
            "bwlimit: \"08:00,2MiB 19:00,off\"\nmonitoring:\n  ping_url: https://hc-ping.com/abc-123/\n")
        #expect(configuration.bandwidthSchedule?.entries.count == 2)
        #expect(configuration.pingURL == "https://hc-ping.com/abc-123")
    }

    @Test func withoutThemThereIsNoLimitAndNoPing() throws {
        let configuration = try load("")
        #expect(configuration.bandwidthSchedule == nil)
        #expect(configuration.pingURL == nil)
    }

    @Test func theFlagWinsOverTheFile() throws {
        let configuration = try load("bwlimit: 1MiB\n", overrides: ConfigurationOverrides(bandwidthLimit: "off"))
        let schedule = try #require(configuration.bandwidthSchedule)
        #expect(schedule.bytesPerSecond(atMinuteOfDay: 0) == nil)
        #expect(throws: ConfigurationError.self) {
            try load("", overrides: ConfigurationOverrides(bandwidthLimit: "08:00"))
        }
    }

    @Test(arguments: ["hc-ping.com/abc", "ftp://hc-ping.com/abc", "https://hc-ping.com/abc?x=1", "https:///abc"])
    func aBadPingURLNamesTheKey(url: String) {
        #expect {
            try load("monitoring:\n  ping_url: \"\(url)\"\n")
        } throws: { error in
            guard case .invalidValue(_, let source, let expected) = error as? ConfigurationError else { return false }
            return source.key == "monitoring.ping_url" && expected.contains("<url>/start")
        }
    }

    @Test func anUnknownMonitoringKeyIsRefused() {
        #expect(throws: ConfigurationError.self) { try load("monitoring:\n  ping: https://x/y\n") }
    }
}
