import Foundation
import Synchronization

/// Maps a request to a `SimulatorResponse` against the shared state, counting and recording it on the way.
///
/// Pure with respect to I/O, so the whole API behaviour is decided here and the channel handler only writes.
struct SimulatorRouter: Sendable {
    let state: SimulatorState

    /// The real API's page size when `limit` is absent, and its maximum.
    private static let defaultLimit = 20
    private static let maximumLimit = 100

    /// Records `request`, updates the counters and decides the answer.
    func route(_ request: RecordedRequest) -> SimulatorResponse {
        state.storage.withLock { storage in
            storage.counters.requests.append(request)
            guard request.method == "GET" else { return .error(404, "not found") }
            switch request.path {
            case "/v1/history/list":
                storage.counters.listRequests += 1
                if storage.counters.listRequests > 1 { storage.drift() }
                if let fault = storage.listFault(), let answer = SimulatorResponse.injected(fault) {
                    return answer
                }
                return apiResponse(request, &storage) { list(request.query, $0) }
            case "/v1/history/info":
                storage.counters.infoRequests += 1
                return apiResponse(request, &storage) { info(request.query, $0) }
            case let path where path.hasPrefix("/video/"):
                storage.counters.mediaRequests += 1
                return media(path: path, request: request, &storage)
            case let path where path.hasPrefix("/ping/"):
                // A healthchecks.io-style monitor: every ping is recorded in `counters.requests`, answered "OK".
                return .json(status: 200, body: Data("OK".utf8))
            default:
                return .error(404, "not found")
            }
        }
    }

    /// Applies the API status fault, then the `X-Api-Key` check, then `answer`.
    private func apiResponse(
        _ request: RecordedRequest,
        _ storage: inout SimulatorState.Storage,
        answer: (SimulatorState.Storage) -> SimulatorResponse
    ) -> SimulatorResponse {
        if let status = storage.faults.apiStatusOverride {
            return .fault(status)
        }
        guard request.headers["x-api-key"] == state.apiKey else {
            storage.counters.rejectedRequests += 1
            return .error(403, "invalid API key")
        }
        return answer(storage)
    }

    private func list(_ query: [String: String], _ storage: SimulatorState.Storage) -> SimulatorResponse {
        let filter: HistoryJSON.ListFilter
        let offset: Int
        let requestedLimit: Int
        do throws(InvalidParameter) {
            filter = HistoryJSON.ListFilter(
                dateFrom: try integer("date_from", in: query),
                dateTo: try integer("date_to", in: query),
                agentID: try integer("agent_id", in: query),
                supportID: try integer("support_id", in: query),
                video: try boolean("video", in: query)
            )
            offset = try integer("offset", in: query, minimum: 0) ?? 0
            requestedLimit = try integer("limit", in: query, minimum: 1) ?? Self.defaultLimit
        } catch {
            return .error(400, "invalid parameter: \(error.name)")
        }

        // `video=true` keeps sessions with a recording, which is all of them that are listed (`faults.clock`);
        // `false` does not filter.
        var ordered =
            storage.faults.listOrder == .newestFirst
            ? storage.sessionsNewestFirst : storage.sessionsNewestFirst.reversed()
        if storage.faults.listShufflesEveryRequest {
            var generator = SplitMix64(seed: UInt64(storage.counters.listRequests))
            ordered.shuffle(using: &generator)
        }
        let faults = storage.faults
        let matching = ordered.filter { session in
            faults.listDateFilter.admits(
                start: session.start, stop: session.stop, from: filter.dateFrom, to: filter.dateTo)
                && (faults.clock.map { session.stop + (faults.recordingDelays[session.id] ?? 0) <= $0 } ?? true)
                && (filter.agentID.map { session.agent.id == $0 } ?? true)
                && (filter.supportID.map { session.supportID == $0 } ?? true)
        }
        let limit = min(requestedLimit, Self.maximumLimit, max(1, storage.faults.maxPageLimit))
        let page = matching.dropFirst(storage.faults.listIgnoresOffset ? 0 : offset).prefix(limit)
        let echoedLimit: Int? =
            switch storage.faults.listLimitEcho {
            case .truthful: limit
            case .requested: requestedLimit
            case .omitted: nil
            }
        let response = HistoryJSON.ListResponse(
            offset: offset,
            limit: echoedLimit,
            total: matching.count,
            filter: filter,
            data: page.map { HistoryJSON.listItem(for: storage.faults.listed($0), port: storage.port) }
        )
        let body = HistoryJSON.encode(response)
        guard faults.listTotalOverride != nil || page.contains(where: { faults.listItemOverrides[$0.id] != nil })
        else { return .json(status: 200, body: body) }
        return .json(status: 200, body: Self.rewritten(body, page: page.map(\.id), faults: faults))
    }

    private func info(_ query: [String: String], _ storage: SimulatorState.Storage) -> SimulatorResponse {
        let session: SimulatedSession?
        if let rawID = query["session_id"] {
            guard let id = Int(rawID) else { return .error(400, "invalid parameter: session_id") }
            session = storage.sessionsByID[id]
        } else if let uid = query["session_uid"] {
            session = storage.sessionsNewestFirst.first { $0.uid == uid }
        } else {
            return .error(400, "session_id or session_uid is required")
        }
        guard let session else { return .error(404, "session not found") }
        var body = HistoryJSON.encode(HistoryJSON.info(for: storage.faults.listed(session), port: storage.port))
        if storage.faults.infoVideoAsObject { body = Self.withVideoObject(body) }
        guard let overrides = storage.faults.infoMemberOverrides[session.id] else {
            return .json(status: 200, body: body)
        }
        return .json(status: 200, body: Self.rewritten(info: body, members: overrides))
    }

    /// An info answer with `members` replaced by the raw JSON text given for each, as `SimulatorFaults` asks.
    private static func rewritten(info body: Data, members: [String: String]) -> Data {
        guard var object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return body }
        for (name, raw) in members {
            object[name] =
                (try? JSONSerialization.jsonObject(with: Data(raw.utf8), options: .fragmentsAllowed)) ?? raw
        }
        return (try? JSONSerialization.data(withJSONObject: object)) ?? body
    }

    /// `/video/<agent_id>/<session_id>.mp4?apikey=<key>`. Only the query parameter authenticates media,
    /// as on the real media host; an `X-Api-Key` header is deliberately ignored. `Range: bytes=N-` (or `N-M`) is
    /// answered with 206 unless `honorsRange` is off.
    private func media(path: String, request: RecordedRequest, _ storage: inout SimulatorState.Storage)
        -> SimulatorResponse
    {
        guard request.query["apikey"] == state.apiKey else {
            storage.counters.rejectedRequests += 1
            return .error(403, "invalid API key")
        }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard components.count == 4, components[3].hasSuffix(".mp4"),
            let agentID = Int(components[2]),
            let sessionID = Int(components[3].dropLast(4))
        else {
            return .error(404, "not found")
        }
        if let redirect = storage.faults.mediaRedirects[sessionID],
            let location = redirect.location(
                forPath: path, hop: request.query["hop"].flatMap { Int($0) } ?? 0, port: storage.port)
        {
            let body = HistoryJSON.encode(HistoryJSON.ErrorResponse(status: redirect.status, error: "moved"))
            return .json(status: redirect.status, body: body, headers: [("Location", location)])
        }
        let fault = storage.takeMediaFault(sessionID: sessionID)
        if let fault, let answer = SimulatorResponse.injected(fault) {
            return answer
        }
        if let status = storage.faults.mediaStatusOverrides[sessionID] {
            return .fault(status)
        }
        guard let session = storage.sessionsByID[sessionID], session.agent.id == agentID else {
            return .error(404, "not found")
        }
        let size = max(0, storage.faults.servedSizeOverrides[sessionID] ?? session.videoSize)
        var start = 0
        var end = size
        if storage.faults.honorsRange, let range = request.headers["range"] {
            guard let (first, last) = Self.byteRange(range), first < size else {
                return .json(
                    status: 416,
                    body: HistoryJSON.encode(HistoryJSON.ErrorResponse(status: 416, error: "range not satisfiable")),
                    headers: [("Content-Range", "bytes */\(size)")]
                )
            }
            start = first
            if let last { end = min(size, max(first, last) + 1) }
        }
        return .media(
            SimulatorResponse.MediaAnswer(
                sessionID: sessionID,
                range: start..<end,
                size: size,
                isPartial: start > 0 || request.headers["range"] != nil && storage.faults.honorsRange,
                bytesPerSecond: storage.faults.mediaBytesPerSecond.map { max(1, $0) },
                cut: fault
            )
        )
    }

    /// A page with the raw item overrides spliced in and the total replaced, as `SimulatorFaults` asks.
    private static func rewritten(_ body: Data, page ids: [Int], faults: SimulatorFaults) -> Data {
        // The simulator's own page always parses; an override that does not is served as a JSON string.
        guard var object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
            var items = object["data"] as? [Any]
        else { return body }
        for (index, id) in ids.enumerated() {
            guard let raw = faults.listItemOverrides[id] else { continue }
            items[index] =
                (try? JSONSerialization.jsonObject(with: Data(raw.utf8), options: .fragmentsAllowed)) ?? raw
        }
        object["data"] = items
        if let total = faults.listTotalOverride { object["total"] = total }
        return (try? JSONSerialization.data(withJSONObject: object)) ?? body
    }

    /// N and M of `bytes=N-M` (M nil for `bytes=N-`); nil for any other form.
    private static func byteRange(_ header: String) -> (Int, Int?)? {
        guard header.hasPrefix("bytes=") else { return nil }
        let bounds = header.dropFirst(6).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = Int(bounds[0]) else { return nil }
        if bounds[1].isEmpty { return (first, nil) }
        guard let last = Int(bounds[1]) else { return nil }
        return (first, last)
    }

    /// A query parameter that is present but unusable.
    private struct InvalidParameter: Error {
        var name: String
    }

    private func integer(_ name: String, in query: [String: String], minimum: Int = .min) throws(InvalidParameter)
        -> Int?
    {
        guard let raw = query[name] else { return nil }
        guard let value = Int(raw), value >= minimum else { throw InvalidParameter(name: name) }
        return value
    }

    private func boolean(_ name: String, in query: [String: String]) throws(InvalidParameter) -> Bool? {
        switch query[name] {
        case nil: return nil
        case "true", "1": return true
        case "false", "0": return false
        default: throw InvalidParameter(name: name)
        }
    }
}
