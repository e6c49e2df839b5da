import FoundationEssentials
import SQLite

extension Catalog {
    /// The columns of `failing_session`, in the order `failingSession(from:)` reads them.
    private static let failingColumns =
        "session_id, item_json, code, reason, attempts, first_failed_at, last_failed_at, acknowledged"

    /// Every failing session, acknowledged or not, the longest failing first (then by session id).
    func failingSessions() throws(ArchiverError) -> [FailingSession] {
        try read { connection throws(SQLiteError) in
            let statement = try connection.prepare(
                "SELECT \(Self.failingColumns) FROM failing_session ORDER BY first_failed_at, session_id")
            var sessions: [FailingSession] = []
            while try statement.step() { sessions.append(Self.failingSession(from: statement)) }
            return sessions
        }
    }

    /// Records what a run learnt about failing sessions, in one transaction: `failing` replaces (or adds) their
    /// rows, and the rows of `resolved` go (archived, or gone from the API).
    /// - Throws: `ArchiverError.catalogUnavailable` when the write fails; nothing is recorded then.
    func updateFailingSessions(_ failing: [FailingSession], resolving resolved: [Int]) throws(ArchiverError) {
        guard !failing.isEmpty || !resolved.isEmpty else { return }
        try write { connection throws(SQLiteError) in
            let statement = try connection.prepare(
                """
                INSERT INTO failing_session (\(Self.failingColumns))
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (session_id) DO UPDATE SET
                    item_json = excluded.item_json, code = excluded.code, reason = excluded.reason,
                    attempts = excluded.attempts, first_failed_at = excluded.first_failed_at,
                    last_failed_at = excluded.last_failed_at, acknowledged = excluded.acknowledged
                """
            )
            for session in failing {
                try statement.execute(
                    session.sessionID, session.itemJSON.map { String(decoding: $0, as: UTF8.self) }, session.code.slug,
                    session.reason, session.attempts, session.firstFailedAt.unixSeconds,
                    session.lastFailedAt.unixSeconds, session.isAcknowledged ? 1 : 0)
            }
            try Self.deleteFailingSessions(resolved, in: connection)
        }
    }

    /// Marks failing sessions as acknowledged, all or none: `sync` no longer retries or reports them.
    /// - Parameter sessionIDs: the sessions to acknowledge; nil for every failing session.
    /// - Returns: the sessions acknowledged now, and the ids of `sessionIDs` that are not failing (then nothing
    ///   is acknowledged).
    func acknowledgeFailingSessions(
        _ sessionIDs: Set<Int>?
    ) throws(ArchiverError) -> (acknowledged: [FailingSession], unknown: [Int]) {
        try write { connection throws(SQLiteError) in
            let select = try connection.prepare(
                "SELECT \(Self.failingColumns) FROM failing_session ORDER BY first_failed_at, session_id")
            var all: [FailingSession] = []
            while try select.step() { all.append(Self.failingSession(from: select)) }
            let known = Set(all.map(\.sessionID))
            let unknown = (sessionIDs ?? []).subtracting(known).sorted()
            guard unknown.isEmpty else { return ([], unknown) }
            var chosen = all.filter { !$0.isAcknowledged && sessionIDs?.contains($0.sessionID) ?? true }
            let update = try connection.prepare("UPDATE failing_session SET acknowledged = 1 WHERE session_id = ?")
            for index in chosen.indices {
                try update.execute(chosen[index].sessionID)
                chosen[index].isAcknowledged = true
            }
            return (chosen, [])
        }
    }

    /// Deletes the failing-session rows of `sessionIDs` inside the caller's transaction.
    static func deleteFailingSessions(
        _ sessionIDs: [Int],
        in connection: borrowing SQLiteConnection
    ) throws(SQLiteError) {
        guard !sessionIDs.isEmpty else { return }
        let statement = try connection.prepare("DELETE FROM failing_session WHERE session_id = ?")
        for sessionID in sessionIDs { try statement.execute(sessionID) }
    }

    /// The failing session in the current row of a statement that selects `failingColumns`.
    private static func failingSession(from statement: borrowing SQLiteStatement) -> FailingSession {
        let itemJSON: String? = statement.column(1)
        var session = FailingSession(
            sessionID: statement.column(0), code: RecordingFailure.Code(slug: statement.column(2)),
            reason: statement.column(3),
            itemJSON: itemJSON.map { Array($0.utf8) },
            at: Date(timeIntervalSince1970: TimeInterval(statement.column(5) as Int64)))
        session.attempts = statement.column(4)
        session.lastFailedAt = Date(timeIntervalSince1970: TimeInterval(statement.column(6) as Int64))
        session.isAcknowledged = (statement.column(7) as Int64) != 0
        return session
    }
}
