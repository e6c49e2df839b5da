import Foundation
import Logging
import Testing

@testable import ArchiverCore

/// `--log-format json` and the journal's untimestamped lines.
@Suite struct LogLineJSONTests {
    @Test func aJSONLineIsOneObjectWithTimeLevelMessageFirstAndEscapedValues() throws {
        let line = LogLine.json(
            date: Date(timeIntervalSince1970: 1_779_333_325.25),
            level: .warning,
            message: "recording failed\nsecond \"line\"",
            metadata: ["session.id": "42", "level": "shadowed", "reason": "size mismatch"],
            timeZone: ArchiveTimeZone.utc
        )
        #expect(!line.contains("\n"))
        #expect(line.hasPrefix(#"{"time":"2026-05-21T03:15:25.250Z","level":"warning","message":"recording failed\n"#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["message"] == "recording failed\nsecond \"line\"")
        #expect(object["level"] == "warning")
        #expect(object["meta.level"] == "shadowed")
        #expect(object["session.id"] == "42")
    }

    @Test func onTheJournalLinesHaveNoTimestamp() {
        #expect(
            LogLine.format(level: .info, message: "planned", metadata: ["listed": "12"]) == "info    planned listed=12")
        let json = LogLine.json(date: Date(), level: .error, message: "x", metadata: [:], timestamped: false)
        #expect(json == #"{"level":"error","message":"x"}"#)
    }
}
