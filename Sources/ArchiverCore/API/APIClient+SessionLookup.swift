import FoundationEssentials
import JSON
import Logging

extension APIClient {
    /// The session of a `history/info` answer, as `sync` files it.
    ///
    /// `history/info` does not name the agent, so the session comes from `listedItem` (what `history/list` listed
    /// earlier, with the info's current recording) when there is one, else from `history/list` (its agent, from its
    /// start to its stop: a period that lists it whether the API filters on start, stop or overlap) for the agent's
    /// name and the list metadata; when that fails too, the info answer is used with the agent named "agent".
    /// - Throws: `InvalidSessionItem` when the info answer has no usable recording.
    func session(
        fromInfo info: JSONValue,
        listedItem: Session? = nil,
        logger: Logger
    ) async throws(InvalidSessionItem) -> Session {
        let fromInfo = try Session(infoResponse: info, agentName: nil, agentGroup: nil)
        if var listed = listedItem, listed.id == fromInfo.id {
            listed.uid = listed.uid ?? fromInfo.uid
            listed.video = fromInfo.video
            return listed
        }
        let start = Int(fromInfo.start.timeIntervalSince1970)
        let stop = fromInfo.stop.map { Int($0.timeIntervalSince1970) } ?? start
        let listing = try? await listSessions(
            filter: HistoryFilter(agentID: fromInfo.agent.id, dateFrom: start, dateTo: stop))
        if var listed = listing?.sessions.first(where: { $0.id == fromInfo.id }) {
            listed.uid = listed.uid ?? fromInfo.uid  // history/list has no uid; the catalog keeps it
            return listed
        }
        logger.warning(
            "session not found in history/list; filing it under the agent name \"agent\"",
            metadata: ["session.id": "\(fromInfo.id)"])
        return fromInfo
    }
}
