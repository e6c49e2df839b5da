import Foundation
import Testing

@testable import ArchiverCore

/// The failing-session value and what a sync makes of its failures: pure, no I/O.
@Suite struct FailureLedgerTests {
    static let day = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-30

    static func failing(
        _ id: Int, code: RecordingFailure.Code = .http(status: 404), attempts: Int = 1, since: Date = day,
        acknowledged: Bool = false
    ) -> FailingSession {
        var session = FailingSession(
            sessionID: id, code: code, reason: "reason \(id)", itemJSON: Array("{\"id\":\(id)}".utf8), at: since)
        session.attempts = attempts
        session.isAcknowledged = acknowledged
        return session
    }

    static func failure(_ id: Int?, code: RecordingFailure.Code = .http(status: 404)) -> RecordingFailure {
        RecordingFailure(sessionID: id, code: code, reason: "now \(id ?? 0)")
    }

    @Test func aFailureCountsAnAttemptKeepsTheFirstTimeAndTheLastListedItem() {
        var session = FailingSession(
            sessionID: 5, code: .invalidItem, reason: "missing video.url", itemJSON: Array("{}".utf8),
            at: Self.day.addingTimeInterval(0.7))
        #expect(session.attempts == 1)
        #expect(session.firstFailedAt == Self.day && session.lastFailedAt == Self.day)

        let later = Self.day.addingTimeInterval(86_400)
        session.recordFailure(code: .http(status: 404), reason: "gone", itemJSON: nil, at: later)
        #expect(session.attempts == 2)
        #expect(session.firstFailedAt == Self.day && session.lastFailedAt == later)
        #expect(session.code == .http(status: 404) && session.reason == "gone")
        #expect(session.itemJSON == Array("{}".utf8), "a retry without a listing keeps the last listed item")

        session.recordFailure(
            code: .http(status: 404), reason: "gone", itemJSON: Array("{\"id\":5}".utf8), at: Self.day)
        #expect(session.attempts == 3)
        #expect(session.lastFailedAt == later, "never moves back")
        #expect(session.itemJSON == Array("{\"id\":5}".utf8))
        #expect(session.summary == "session 5 (http_404, 3 attempts since 2026-11-30: gone)")
    }

    @Test func theAgentNameComesFromTheListedItem() {
        var session = Self.failing(1)
        session.itemJSON = Array("{\"id\":1,\"agent\":{\"id\":7,\"name\":\"Front desk\"}}".utf8)
        #expect(session.agentName == "Front desk")
        session.itemJSON = nil
        #expect(session.agentName == nil)
    }

    @Test func acknowledgedSessionsAreNeitherPendingNorRetried() {
        let ledger = FailureLedger([Self.failing(1), Self.failing(2, acknowledged: true)])
        #expect(Set(ledger.pending.keys) == [1])
        #expect(ledger.acknowledgedIDs == [2])
    }

    @Test func settlesNewRepeatedResolvedExpiredAndUntouchedFailures() {
        let ledger = FailureLedger([
            Self.failing(1, since: Self.day),  // retried, fails again
            Self.failing(2, since: Self.day.addingTimeInterval(10)),  // listed again, archived
            Self.failing(3, since: Self.day.addingTimeInterval(20)),  // gone from the API
            Self.failing(4, since: Self.day.addingTimeInterval(30)),  // not tried (another agent)
        ])
        let now = Self.day.addingTimeInterval(86_400)
        let settlement = ledger.settle(
            failures: [Self.failure(1), Self.failure(9, code: .invalidItem), Self.failure(nil)],
            attempted: [1, 2, 3], expired: [3], listedItems: [9: Array("{\"id\":9}".utf8)], at: now)

        #expect(settlement.failing.map(\.sessionID) == [1, 9])
        #expect(settlement.failing[0].attempts == 2 && settlement.failing[0].firstFailedAt == Self.day)
        #expect(settlement.failing[0].itemJSON == Array("{\"id\":1}".utf8))
        #expect(settlement.failing[1].attempts == 1 && settlement.failing[1].firstFailedAt == now)
        #expect(settlement.failing[1].itemJSON == Array("{\"id\":9}".utf8))
        #expect(settlement.resolved == [2, 3])
        #expect(settlement.expired.map(\.sessionID) == [3])
        #expect(settlement.stillFailing.map(\.sessionID) == [1, 4, 9])
    }

    @Test func twoFailuresOfOneSessionInOneRunAreOneAttempt() {
        let ledger = FailureLedger([Self.failing(1, attempts: 3)])
        let settlement = ledger.settle(
            failures: [Self.failure(1, code: .storageCloseFailed), Self.failure(1), Self.failure(2), Self.failure(2)],
            attempted: [1], expired: [], listedItems: [:], at: Self.day)
        #expect(settlement.failing.map(\.attempts) == [4, 1])
        #expect(settlement.failing[0].code == .http(status: 404))
    }

    @Test func nothingFailingSaysNothing() {
        #expect(FailureLedger.incompleteReasons(stillFailing: [], expired: []).isEmpty)
        let settlement = FailureLedger([]).settle(
            failures: [], attempted: [], expired: [], listedItems: [:], at: Self.day)
        #expect(settlement == FailureLedger.Settlement())
    }

    @Test func theLineNamesTheSessionsTheOldestDateAndTheCommand() throws {
        let lines = FailureLedger.incompleteReasons(
            stillFailing: [
                Self.failing(123, attempts: 3), Self.failing(456, since: Self.day.addingTimeInterval(86_400)),
            ],
            expired: [])
        #expect(
            lines == [
                "2 recordings are failing, kept in the catalog and retried alone on later runs (the oldest failing "
                    + "since 2026-11-30): session 123 (http_404, 3 attempts since 2026-11-30: reason 123); session 456 "
                    + "(http_404, 1 attempt since 2026-12-01: reason 456); fix the cause (see `getscreen-archiver "
                    + "failures`), or stop retrying with `getscreen-archiver failures acknowledge 123 456`"
            ])
    }

    @Test func manySessionsAreCountedAndAcknowledgedAllAtOnce() throws {
        let many = (1...8).map { Self.failing($0) }
        let line = try #require(FailureLedger.incompleteReasons(stillFailing: many, expired: []).first)
        #expect(line.hasPrefix("8 recordings are failing"))
        #expect(line.contains("session 5 (") && !line.contains("session 6 ("))
        #expect(line.contains("; and 3 more;"))
        #expect(line.hasSuffix("`getscreen-archiver failures acknowledge --all`"))
    }

    @Test func anExpiredSessionIsReportedWithItsHistory() {
        let lines = FailureLedger.incompleteReasons(stillFailing: [], expired: [Self.failing(7, attempts: 2)])
        #expect(
            lines == [
                "session 7 expired at the source: history/info no longer knows it (HTTP 404); it had been failing "
                    + "(http_404, 2 attempts since 2026-11-30: reason 7); its recording can no longer be archived, "
                    + "and it is no longer retried"
            ])
    }

    @Test func retriesSkipListedSessionsAndOtherAgents() {
        var onAgent7 = Self.failing(1)
        onAgent7.itemJSON = Array("{\"id\":1,\"agent\":{\"id\":7}}".utf8)
        let noAgent = Self.failing(2)
        let listed = Self.failing(3)
        let ledger = FailureLedger([onAgent7, noAgent, listed])
        #expect(FailingSessionRetries.candidates(ledger, listed: [3], agentIDs: []).map(\.sessionID) == [1, 2])
        #expect(FailingSessionRetries.candidates(ledger, listed: [3], agentIDs: [7]).map(\.sessionID) == [1])
        #expect(FailingSessionRetries.candidates(ledger, listed: [3], agentIDs: [8]).isEmpty)
    }
}
