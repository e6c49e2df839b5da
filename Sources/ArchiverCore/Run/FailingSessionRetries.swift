import FoundationEssentials
import JSON
import Logging

/// The failing sessions of earlier runs that a sync's listing did not include, looked up alone through
/// `history/info` and planned with the listing, so that a recording that kept failing is tried once a run
/// without walking the history it belongs to again.
struct FailingSessionRetries {
    /// The sessions looked up, whatever came of it: their outcome is this run's.
    private(set) var attempted: Set<Int> = []
    /// The sessions `history/info` no longer knows (404): expired at the source.
    private(set) var expired: Set<Int> = []
    /// Why the retries stopped before the end (the API failing), when they did; the rest stay failing as they were.
    private(set) var stopReason: String?

    /// The sessions of `ledger` to retry: not listed in this run and, when the run is for some agents, of one of
    /// them.
    static func candidates(_ ledger: FailureLedger, listed: Set<Int>, agentIDs: [Int]) -> [FailingSession] {
        ledger.pending.values.filter { session in
            guard !listed.contains(session.sessionID) else { return false }
            guard !agentIDs.isEmpty else { return true }
            return session.item?["agent"]?["id"]?.intValue.map(agentIDs.contains) ?? false
        }.sorted(by: FailureLedger.longestFailingFirst)
    }

    /// Looks each of `sessions` up and adds what comes back to `listing`: a session to plan, or an unusable item.
    /// A session the API no longer knows goes to `expired`; any other API error stops the retries.
    mutating func retry(
        _ sessions: [FailingSession],
        with client: APIClient,
        into listing: inout PlannedListing,
        logger: Logger
    ) async {
        for failing in sessions {
            let info: JSONValue
            do {
                info = try await client.sessionInfo(.id(failing.sessionID))
            } catch .sessionNotFound {
                attempted.insert(failing.sessionID)
                expired.insert(failing.sessionID)
                continue
            } catch {
                stopReason =
                    "retrying the sessions failing since earlier runs stopped at session \(failing.sessionID): "
                    + "\(error); they stay failing and are retried on the next run"
                logger.warning("retrying failing sessions stopped", metadata: ["reason": "\(error)"])
                return
            }
            attempted.insert(failing.sessionID)
            logger.info(
                "retrying a failing session",
                metadata: ["session.id": "\(failing.sessionID)", "code": "\(failing.code)"]
            )
            let listedItem = failing.item.flatMap { try? Session(listItem: $0, rawJSON: failing.itemJSON) }
            do throws(InvalidSessionItem) {
                listing.add(try await client.session(fromInfo: info, listedItem: listedItem, logger: logger))
            } catch {
                listing.add(InvalidSessionItem(sessionID: failing.sessionID, reason: error.reason))
            }
        }
    }
}
