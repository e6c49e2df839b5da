import FoundationEssentials

/// What one sync does with the failing sessions: those of earlier runs, retried or listed again, and this run's
/// new failures. Pure: the catalog's rows come in, the rows to write and the lines to report come out.
struct FailureLedger {
    /// The failing sessions the run started with that it retries and reports (not acknowledged), by id.
    let pending: [Int: FailingSession]
    /// The sessions the admin acknowledged: `sync` leaves them out.
    let acknowledgedIDs: Set<Int>

    /// A ledger of the catalog's failing sessions.
    init(_ sessions: [FailingSession]) {
        pending = Dictionary(sessions.filter { !$0.isAcknowledged }.map { ($0.sessionID, $0) }) { $1 }
        acknowledgedIDs = Set(sessions.filter(\.isAcknowledged).map(\.sessionID))
    }

    /// What the run learnt, for the catalog and the report.
    struct Settlement: Equatable {
        /// The rows to write: new failures, and earlier ones that failed again.
        var failing: [FailingSession] = []
        /// The rows to delete: earlier failures archived in this run, or gone from the API.
        var resolved: [Int] = []
        /// The earlier failures gone from the API (`history/info` answered 404), as they were.
        var expired: [FailingSession] = []
        /// Every failing session not acknowledged after the run, the longest failing first.
        var stillFailing: [FailingSession] = []
    }

    /// Settles the run.
    /// - Parameters:
    ///   - failures: the run's per-recording failures; those without a session id cannot be kept.
    ///   - attempted: the earlier failures the run listed or retried, whose outcome it knows.
    ///   - expired: the earlier failures `history/info` no longer knows.
    ///   - listedItems: the listed item of each session listed in this run, by id.
    ///   - date: when the run ends.
    func settle(
        failures: [RecordingFailure],
        attempted: Set<Int>,
        expired: Set<Int>,
        listedItems: [Int: [UInt8]],
        at date: Date
    ) -> Settlement {
        var settlement = Settlement()
        var failed: [Int: FailingSession] = [:]
        for failure in failures {
            guard let id = failure.sessionID, !expired.contains(id) else { continue }
            if var session = failed[id] ?? pending[id] {
                // Failed twice in one run (a sidecar and then its download): one attempt, the last reason.
                if failed[id] != nil { session.attempts -= 1 }
                session.recordFailure(
                    code: failure.code, reason: failure.reason, itemJSON: listedItems[id], at: date)
                failed[id] = session
            } else {
                failed[id] = FailingSession(
                    sessionID: id, code: failure.code, reason: failure.reason, itemJSON: listedItems[id], at: date)
            }
        }
        settlement.failing = failed.values.sorted(by: Self.longestFailingFirst)
        settlement.expired = pending.values.filter { expired.contains($0.sessionID) }.sorted(
            by: Self.longestFailingFirst)
        settlement.resolved = pending.keys.filter {
            (attempted.contains($0) && failed[$0] == nil) || expired.contains($0)
        }.sorted()
        let resolved = Set(settlement.resolved)
        let untouched = pending.values.filter { failed[$0.sessionID] == nil && !resolved.contains($0.sessionID) }
        settlement.stillFailing = (untouched + settlement.failing).sorted(by: Self.longestFailingFirst)
        return settlement
    }

    /// The longest failing first, then by session id.
    static func longestFailingFirst(_ left: FailingSession, _ right: FailingSession) -> Bool {
        (left.firstFailedAt, left.sessionID) < (right.firstFailedAt, right.sessionID)
    }

    /// How many sessions a line names before it says "and N more".
    static let namedInLine = 5

    /// The lines that explain, after the summary, which sessions are still failing and how to stop retrying them,
    /// and which expired at the source; none when nothing is failing.
    static func incompleteReasons(stillFailing: [FailingSession], expired: [FailingSession]) -> [String] {
        var lines: [String] = []
        if let oldest = stillFailing.first {
            let count = stillFailing.count
            let subject = count == 1 ? "1 recording is failing" : "\(count) recordings are failing"
            let since = count == 1 ? "failing since" : "the oldest failing since"
            var named = stillFailing.prefix(namedInLine).map(\.summary).joined(separator: "; ")
            if count > namedInLine { named += "; and \(count - namedInLine) more" }
            let command =
                count > namedInLine
                ? "getscreen-archiver failures acknowledge --all"
                : "getscreen-archiver failures acknowledge "
                    + stillFailing.map { String($0.sessionID) }.joined(separator: " ")
            lines.append(
                "\(subject), kept in the catalog and retried alone on later runs (\(since) "
                    + "\(oldest.firstFailedAt.iso8601Day)): "
                    + "\(named); fix the cause (see `getscreen-archiver failures`), or stop retrying with `\(command)`"
            )
        }
        for session in expired {
            lines.append(
                "session \(session.sessionID) expired at the source: history/info no longer knows it (HTTP 404); "
                    + "it had been failing \(session.detail); its recording can no longer be archived, and it is no "
                    + "longer retried")
        }
        return lines
    }
}
