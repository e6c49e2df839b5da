import ArchiverTestSupport
import Foundation
import Logging
import Testing

@testable import ArchiverCore

/// The progress counters and line, the log line, the report's derived fields, and the metrics text.
@Suite struct RunReportingTests {
    @Test func progressCountsRetriesFailuresAndExactSizes() {
        let progress = TransferProgress()
        progress.runPlanned(recordings: 3, bytes: 600)
        progress.transferStarted(sessionID: 1, expectedBytes: 100)
        progress.transferStarted(sessionID: 2, expectedBytes: 200)
        progress.transferReceived(sessionID: 1, bytes: 60)
        progress.transferReceived(sessionID: 2, bytes: 50)
        #expect(progress.snapshot().bytesDone == 110)
        #expect(progress.snapshot().activeTransfers == 2)

        progress.transferStarted(sessionID: 2, expectedBytes: 200)  // a retry starts over
        #expect(progress.snapshot().bytesDone == 60)
        progress.transferReceived(sessionID: 1, bytes: 40)
        progress.transferFinished(sessionID: 1, outcome: .success(100))
        progress.transferFinished(
            sessionID: 2, outcome: .failure(RecordingFailure(sessionID: 2, code: .http(status: 404), reason: "gone")))

        let snapshot = progress.snapshot()
        #expect(snapshot.filesDone == 1)
        #expect(snapshot.filesFailed == 1)
        #expect(snapshot.bytesDone == 100)
        #expect(snapshot.bytesTotal == 400)
        #expect(snapshot.activeTransfers == 0)
    }

    @Test func progressLineShowsFilesBytesRateETAAndActiveTransfers() {
        let snapshot = ProgressSnapshot(
            filesTotal: 12, filesDone: 5, bytesTotal: 2_411_724, bytesDone: 1_258_291, activeTransfers: 4,
            isPlanned: true)
        let line = ProgressLine.render(snapshot, rate: 665_600, width: 200)
        #expect(line == "5/12 files  1.2 MiB / 2.3 MiB  52%  650.0 KiB/s  ETA 0:02  4 active")
        #expect(ProgressLine.render(snapshot, rate: nil).contains("ETA --:--"))
        let narrow = ProgressLine.render(snapshot, rate: 665_600, width: 20)
        #expect(narrow.count == 20)
        #expect(narrow.hasSuffix("…"))
    }

    @Test(arguments: [(0.0, "0:00"), (75, "1:15"), (3_725, "1:02:05")])
    func clockFormatsMinutesAndHours(seconds: Double, text: String) {
        #expect(ProgressLine.clock(seconds) == text)
    }

    @Test func rateMeterAveragesOverItsWindow() {
        var meter = RateMeter(window: 2)
        #expect(meter.bytesPerSecond == nil)
        meter.record(bytes: 0, at: 0)
        meter.record(bytes: 1_000, at: 1)
        #expect(meter.bytesPerSecond == 1_000)
        meter.record(bytes: 1_000, at: 2)
        meter.record(bytes: 1_000, at: 3)
        #expect(meter.bytesPerSecond == 0)
    }

    @Test func logLineHasTimestampLevelMessageAndSortedQuotedMetadata() {
        let line = LogLine.format(
            date: Date(timeIntervalSince1970: 1_779_333_325.25),
            level: .warning,
            message: "recording failed\nsecond line",
            metadata: ["session.id": "42", "reason": "size mismatch: got 1, expected 2", "bytes": "10"],
            timeZone: ArchiveTimeZone.utc
        )
        #expect(
            line == "2026-05-21T03:15:25.250Z warning recording failed\\nsecond line bytes=10 "
                + "reason=\"size mismatch: got 1, expected 2\" session.id=42")
    }

    /// Log timestamps in the machine's zone, computed without ICU: the same text as Foundation's ISO 8601 style.
    @Test(arguments: ["UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham"])
    func logTimestampsMatchFoundationsISO8601(zone: String) throws {
        let timeZone = try #require(ArchiveTimeZone(identifier: zone))
        let style = Date.ISO8601FormatStyle(
            timeZoneSeparator: .colon, includingFractionalSeconds: true,
            timeZone: try #require(TimeZone(identifier: zone)))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1_000 {
            let milliseconds = Int.random(in: -1_000_000_000_000...4_000_000_000_000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            #expect(LogLine.timestamp(date, in: timeZone) == date.formatted(style), "\(milliseconds) in \(zone)")
        }
    }

    @Test func reportCarriesDurationThroughputAndAgents() throws {
        var report = RunReport(
            isDryRun: false, startedAt: Date(timeIntervalSince1970: 1_000),
            finishedAt: Date(timeIntervalSince1970: 1_004),
            listed: 3, downloaded: 2, skipped: 1, failed: 0, bytesDownloaded: 8_192, failures: [])
        report.agents = [AgentRunCounts(agentID: 7, agentName: "PC")]
        let json = try #require(try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
        #expect(json["duration_seconds"] as? Double == 4)
        #expect(json["throughput_bytes_per_second"] as? Double == 2_048)
        #expect(json["listed"] as? Int == 3)
        #expect((json["agents"] as? [[String: Any]])?.first?["agent_id"] as? Int == 7)
        #expect(json["audit"] == nil)
        #expect(
            report.summary == "2 downloaded (8.0 KiB), 1 already archived, 0 failed, of 3 listed, in 4.0 s, 2.0 KiB/s")
    }

    @Test(arguments: [(0.4, "0.4 s"), (75, "1 min 15 s"), (3_720, "1 h 02 min")])
    func durationsReadNaturally(seconds: Double, text: String) {
        #expect(RunReport.formatDuration(seconds) == text)
    }

    /// Parses Prometheus text exposition format: `name{labels} value` lines, skipping comments.
    static func parseMetrics(_ text: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            values[String(parts[0])] = value
        }
        return values
    }

    @Test func metricsTextHoldsTheRunAndKeepsTheLastSuccessOfAFailedRun() throws {
        let workspace = try TemporaryDirectory()
        defer { workspace.remove() }
        let path = "\(workspace.path)/getscreen-archiver.prom"
        var report = RunReport(
            isDryRun: false, startedAt: Date(timeIntervalSince1970: 1_000),
            finishedAt: Date(timeIntervalSince1970: 1_060),
            listed: 5, downloaded: 4, skipped: 1, failed: 0, bytesDownloaded: 4_096, failures: [])
        let archive = RunMetrics.ArchiveTotals(recordings: 9, sizeBytes: 123_456)
        let success = RunMetrics(
            startedAt: report.startedAt, finishedAt: report.finishedAt, exitCode: 0, report: report,
            previousSuccess: nil, archive: archive)
        try success.write(toFile: path)

        let first = Self.parseMetrics(try String(contentsOfFile: path, encoding: .utf8))
        #expect(first[RunMetrics.Name.lastRunStart] == 1_000)
        #expect(first[RunMetrics.Name.lastRunEnd] == 1_060)
        #expect(first[RunMetrics.Name.lastSuccess] == 1_060)
        #expect(first[RunMetrics.Name.recordingsListed] == 5)
        #expect(first[RunMetrics.Name.recordingsDownloaded] == 4)
        #expect(first[RunMetrics.Name.recordingsSkipped] == 1)
        #expect(first[RunMetrics.Name.recordingsFailed] == 0)
        #expect(first[RunMetrics.Name.bytesDownloaded] == 4_096)
        #expect(first[RunMetrics.Name.archiveSize] == 123_456)
        #expect(first[RunMetrics.Name.archiveRecordings] == 9)
        #expect(first[RunMetrics.Name.lastRunExitCode] == 0)

        report.startedAt = Date(timeIntervalSince1970: 2_000)
        report.finishedAt = Date(timeIntervalSince1970: 2_010)
        report.failures = [RecordingFailure(sessionID: 3, code: .http(status: 404), reason: "gone")]
        report.failed = 1
        let failed = RunMetrics(
            startedAt: report.startedAt, finishedAt: report.finishedAt, exitCode: 1, report: report,
            previousSuccess: RunMetrics.previousSuccess(inFile: path), archive: archive)
        try failed.write(toFile: path)

        let text = try String(contentsOfFile: path, encoding: .utf8)
        let second = Self.parseMetrics(text)
        #expect(second[RunMetrics.Name.lastRunEnd] == 2_010)
        #expect(second[RunMetrics.Name.lastSuccess] == 1_060)
        #expect(second[RunMetrics.Name.lastRunExitCode] == 1)
        #expect(second[RunMetrics.Name.failures + "{code=\"http_404\"}"] == 1)
        #expect(text.contains("# TYPE \(RunMetrics.Name.lastSuccess) gauge"))
        #expect(files(under: workspace.path, withSuffix: "") == ["getscreen-archiver.prom"])
    }
}
