import Curl
import FoundationEssentials
import JSON
import Logging

/// Talks to the Connection History API: `history/list` and `history/info`, key in the `X-Api-Key` header.
struct APIClient: Sendable {
    /// The largest page the API serves.
    static let maximumPageSize = 100
    /// The largest JSON answer accepted; a page of 100 sessions is far below this.
    static let maximumResponseBytes = 32 << 20

    private let baseURL: String
    private let key: APIKey
    private let transport: CurlMulti
    private let retry: RetryPolicy
    private let connectTimeout: Duration
    private let logger: Logger

    /// Creates a client for the API at `baseURL` (for example `https://api.getscreen.me/v1`) that tries each
    /// request once.
    init(baseURL: URL, key: APIKey, transport: CurlMulti, logger: Logger) {
        self.init(
            baseURL: baseURL,
            key: key,
            transport: transport,
            retry: RetryPolicy(attempts: 1, baseDelay: .zero, maxDelay: .zero),
            connectTimeout: .seconds(30),
            logger: logger
        )
    }

    init(baseURL: URL, key: APIKey, transport: CurlMulti, retry: RetryPolicy, connectTimeout: Duration, logger: Logger)
    {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.key = key
        self.transport = transport
        self.retry = retry
        self.connectTimeout = connectTimeout
        self.logger = logger
    }

    /// Walks every page of `history/list` for `filter`, sessions with a recording only, and returns them all.
    ///
    /// See `listSessions(from:to:agentIDs:into:)` for paging, de-duplication and interruptions.
    /// - Throws: `ArchiverError` when the API rejects the key, when the first page fails, or on interruption.
    func listSessions(filter: HistoryFilter, pageSize: Int = maximumPageSize) async throws(ArchiverError)
        -> Listing
    {
        var listing = Listing(sessions: [], invalidItems: [], pageCount: 0)
        var seen = SeenItems()
        let walk = try await listSessions(filter: filter, pageSize: pageSize, seen: &seen, into: &listing)
        listing.pageCount = walk.pageCount
        listing.interruption = walk.interruption
        return listing
    }

    /// Lists `filter` to its end as `ListingPager` steers it (walking it a second time when it moved more than the
    /// pages' overlap), passing each new item to `sink` as its page arrives.
    private func listSessions<Sink: ListingSink>(
        filter: HistoryFilter,
        pageSize: Int,
        seen: inout SeenItems,
        into sink: inout Sink
    ) async throws(ArchiverError) -> ListingWalk {
        var walk = ListingWalk()
        var pager = ListingPager(requestedLimit: pageSize)
        seen.startListing()
        seen.startWalk()
        while try await self.walk(filter: filter, pager: &pager, seen: &seen, into: &sink, progress: &walk) == .rewalk {
            logger.warning("history/list moved more than the page overlap while paging; listing once more")
            seen.startWalk()
        }
        if walk.interruption == nil {
            walk.anomalies = pager.anomalies.map { ListingAnomaly(kind: $0, agentID: filter.agentID) }
        }
        for anomaly in walk.anomalies {
            logger.warning("history/list was not listed completely", metadata: ["reason": "\(anomaly)"])
        }
        logger.debug(
            "listed sessions",
            metadata: [
                "pages": "\(walk.pageCount)", "distinct": "\(pager.distinctItems)",
                "total": "\(pager.largestTotal.map { "\($0)" } ?? "none")",
            ])
        return walk
    }

    /// One walk over the pages, passing what is new to `sink`. Pages are read strictly in order, at the offsets
    /// `pager` names; the pages it expects next (`ListingPager.prefetchOffsets`) are fetched ahead meanwhile.
    /// - Returns: `.rewalk` when the pager asks for another walk, else `.finished` (also when a page failed after
    ///   earlier ones: `interruption` is then set).
    private func walk<Sink: ListingSink>(
        filter: HistoryFilter,
        pager: inout ListingPager,
        seen: inout SeenItems,
        into sink: inout Sink,
        progress listing: inout ListingWalk
    ) async throws(ArchiverError) -> ListingPager.Step {
        let limit = pager.requestedLimit
        let fetch: @Sendable (Int) async -> ListPageFetches.Arrival = { offset in
            do throws(ArchiverError) {
                return (offset, .success(try await listPage(filter: filter, offset: offset, limit: limit)))
            } catch {
                return (offset, .failure(error))
            }
        }
        let outcome = await withTaskGroup(of: ListPageFetches.Arrival.self) {
            group -> Result<ListingPager.Step, ArchiverError> in
            defer { group.cancelAll() }
            var fetches = ListPageFetches()
            while true {
                fetches.request(pager.prefetchOffsets, in: &group, fetch: fetch)
                let offset = pager.offset
                // The group ends without the page only when the run is cancelled.
                switch await fetches.page(at: offset, from: &group) ?? .failure(.interrupted(archived: 0)) {
                case .failure(let error):
                    return .failure(error)
                case .success(let page):
                    listing.pageCount += 1
                    let step = read(page, at: offset, pager: &pager, seen: &seen, into: &sink)
                    if case .read = step { continue }
                    return .success(step)
                }
            }
        }
        switch outcome {
        case .success(let step):
            return step
        case .failure(let error):
            switch error {
            case .apiKeyRejected, .interrupted:
                throw error
            case _ where listing.pageCount == 0:
                throw error  // the first page: nothing was listed
            default:
                // A later page stops the walk there: what was passed on so far is valid.
                listing.interruption = error
                return .finished
            }
        }
    }

    /// Logs `page` (the one at `offset`), passes the items that are new in this listing to `sink`, and tells
    /// `pager` what the page held.
    /// - Returns: the pager's next step.
    private func read<Sink: ListingSink>(
        _ page: HistoryPage,
        at offset: Int,
        pager: inout ListingPager,
        seen: inout SeenItems,
        into sink: inout Sink
    ) -> ListingPager.Step {
        // What the server answered, for diagnosing a real API: the paging itself trusts neither `limit` nor `total`.
        logger.debug(
            "history/list page",
            metadata: [
                "offset": "\(offset)", "items": "\(page.items.count)",
                "limit": "\(page.limit.map { "\($0)" } ?? "none")",
                "total": "\(page.total.map { "\($0)" } ?? "none")",
            ])
        if let ignoredTotal = page.ignoredTotal {
            logger.warning(
                "history/list announced a negative total; ignoring it",
                metadata: ["total": "\(ignoredTotal)", "offset": "\(offset)"]
            )
        }
        var tally = pager.tally()
        for item in page.items {
            // Unusable items count for the paging and are reported once, like sessions: by their id, or by their
            // whole content when they have none.
            let record = seen.record(item.key, isSession: item.isSession)
            tally.count(isNewInWalk: record.isNewInWalk, isNewInListing: record.isNewInListing)
            guard record.isNew else { continue }
            switch item.result {
            case .success(let session): sink.add(session)
            case .failure(let error): sink.add(error)
            }
        }
        return pager.read(tally, announcedTotal: page.total)
    }

    /// Lists `window` for each of `agentIDs` (every agent when empty), passing each item to `sink` once, as its
    /// page arrives, so that the caller need not hold the whole listing.
    ///
    /// Paging (`ListingPager`) steps by the items that came back and ends at an empty page, whatever `limit` and
    /// `total` the server echoes; fewer distinct items than the largest `total`, a repeated page or an unstable
    /// order are reported in `anomalies`. Sessions are de-duplicated by id, unusable items by id or, without one,
    /// by content.
    ///
    /// Pagination drift: consecutive pages overlap by a few items, so sessions that expire at the start of the
    /// order while we page do not push unseen ones past our offset. When a page shows no overlap with what
    /// we saw (the list moved further than the overlap), the whole listing is walked once more.
    ///
    /// When a page fails after earlier pages succeeded with anything but a rejected key or an interruption
    /// (the plan's request limit, the API unreachable or answering non-JSON after retries), the walk stops there
    /// with `interruption` set: what was passed on so far is valid and can still be archived.
    /// - Throws: `ArchiverError` when the API rejects the key, when the first page fails, or on interruption.
    func listSessions<Sink: ListingSink>(
        from dateFrom: Date?,
        to dateTo: Date,
        agentIDs: [Int],
        into sink: inout Sink
    ) async throws(ArchiverError) -> ListingWalk {
        let dateTo = Int(dateTo.timeIntervalSince1970)
        let dateFrom = dateFrom.map { Int($0.timeIntervalSince1970) }
        var merged = ListingWalk()
        var seen = SeenItems()
        for agent in agentIDs.isEmpty ? [nil] : agentIDs.map(Optional.some) {
            let walk = try await listSessions(
                filter: HistoryFilter(agentID: agent, dateFrom: dateFrom, dateTo: dateTo),
                pageSize: Self.maximumPageSize, seen: &seen, into: &sink)
            merged.pageCount += walk.pageCount
            merged.interruption = walk.interruption
            merged.anomalies += walk.anomalies
            if walk.interruption != nil { break }
        }
        return merged
    }

    /// One session through `history/info`, by numeric id or by uid.
    /// - Throws: `ArchiverError.sessionNotFound` on 404, and the errors of `listSessions`.
    func sessionInfo(_ reference: SessionReference) async throws(ArchiverError) -> JSONValue {
        let query: [(String, String)] =
            switch reference {
            case .id(let id): [("session_id", String(id))]
            case .uid(let uid): [("session_uid", uid)]
            }
        let key = key
        do {
            return try await get("history/info", query: query) {
                body throws(JSONValue.ParseError) -> Result<JSONValue, ArchiverError> in
                let json = try JSONValue(parsing: body)
                // A 200 whose body is an error object rather than a session: the server's own words say why.
                guard json["id"]?.intValue == nil, let message = ServerMessage.extract(from: body, hiding: key) else {
                    return .success(json)
                }
                return .failure(
                    .invalidResponse(
                        endpoint: "history/info",
                        reason: "the server answered with an error instead of a session: \(message)"))
            }.get()
        } catch .apiStatus(status: 404, _, _) {
            throw .sessionNotFound(reference.description)
        }
    }

    private func listPage(filter: HistoryFilter, offset: Int, limit: Int) async throws(ArchiverError) -> HistoryPage {
        var query: [(String, String)] = [("video", "true"), ("offset", String(offset)), ("limit", String(limit))]
        if let agentID = filter.agentID { query.append(("agent_id", String(agentID))) }
        if let dateFrom = filter.dateFrom { query.append(("date_from", String(dateFrom))) }
        if let dateTo = filter.dateTo { query.append(("date_to", String(dateTo))) }
        let key = key
        return try await get("history/list", query: query) { body throws(JSONValue.ParseError) in
            try HistoryPage.parse(body).mapError { error in
                // A 200 whose body is an error object rather than a page: the server's own words say why.
                guard let message = ServerMessage.extract(from: body, hiding: key) else { return error }
                return .invalidResponse(
                    endpoint: "history/list", reason: "the server answered with an error instead of a page: \(message)")
            }
        }.get()
    }

    /// GETs `endpoint` and decodes its JSON, trying transient failures (429, 5xx, connection problems, a cut
    /// body, non-JSON) again as the retry policy allows.
    private func get(_ endpoint: String, query: [(String, String)]) async throws(ArchiverError) -> JSONValue {
        try await get(endpoint, query: query) { body throws(JSONValue.ParseError) in try JSONValue(parsing: body) }
    }

    /// GETs `endpoint` and reads its answer with `decode`, retrying as `get(_:query:)` does.
    private func get<Answer>(
        _ endpoint: String,
        query: [(String, String)],
        decode: ([UInt8]) throws(JSONValue.ParseError) -> Answer
    ) async throws(ArchiverError) -> Answer {
        var attempt = 1
        while true {
            let retryAfter: Duration?
            let cause: String
            do throws(AttemptFailure) {
                return try await getOnce(endpoint, query: query, decode: decode)
            } catch {
                guard error.isTransient, attempt < retry.attempts else { throw error.error }
                retryAfter = error.retryAfter
                cause = error.cause
            }
            let delay = retry.delay(afterAttempt: attempt, retryAfter: retryAfter)
            var metadata: Logger.Metadata = [
                "endpoint": "\(endpoint)", "attempt": "\(attempt)", "delay_seconds": "\(delay.secondsText)",
                "cause": "\(cause)",
            ]
            if let offset = query.first(where: { $0.0 == "offset" })?.1 { metadata["offset"] = "\(offset)" }
            logger.warning("API request failed; retrying", metadata: metadata)
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw .interrupted(archived: 0)
            }
            attempt += 1
        }
    }

    /// One failed attempt: the error to report, and whether trying again may help.
    private struct AttemptFailure: Error {
        var error: ArchiverError
        var isTransient: Bool
        var retryAfter: Duration?

        /// What failed, for the retry warning: the HTTP status and the server's message, curl's error text, or
        /// the parse error and where.
        var cause: String {
            switch error {
            case .apiStatus(let status, _, let message): "HTTP \(status)" + (message.map { ": \($0)" } ?? "")
            case .apiUnreachable(_, let reason), .invalidResponse(_, let reason): reason
            default: error.description
            }
        }
    }

    private func getOnce<Answer>(
        _ endpoint: String,
        query: [(String, String)],
        decode: ([UInt8]) throws(JSONValue.ParseError) -> Answer
    ) async throws(AttemptFailure) -> Answer {
        let url = "\(baseURL)/\(endpoint)?" + query.map { "\($0)=\(Self.formEncoded($1))" }.joined(separator: "&")
        let request = TransferRequest(
            url: url,
            headers: ["X-Api-Key: \(key.value)", "Accept: application/json"],
            destination: .memory(limit: Self.maximumResponseBytes),
            connectTimeout: connectTimeout,
            timeout: .seconds(300)
        )
        let response: TransferResponse
        do {
            response = try await transport.perform(request)
        } catch is CancellationError {
            throw AttemptFailure(error: .interrupted(archived: 0), isTransient: false)
        } catch let error as CurlError {
            throw AttemptFailure(
                error: .apiUnreachable(endpoint: "\(baseURL)/\(endpoint)", reason: error.description),
                isTransient: RetryPolicy.isTransient(error)
            )
        } catch {
            throw AttemptFailure(
                error: .apiUnreachable(endpoint: "\(baseURL)/\(endpoint)", reason: "\(error)"), isTransient: false)
        }
        logger.trace("api response", metadata: ["endpoint": "\(endpoint)", "status": "\(response.statusCode)"])
        switch response.statusCode {
        case 200..<300: break
        case 401, 403:
            throw AttemptFailure(
                error: .apiKeyRejected(status: response.statusCode, message: serverMessage(in: response.body)),
                isTransient: false)
        case 402:
            throw AttemptFailure(
                error: .requestLimitExceeded(message: serverMessage(in: response.body)), isTransient: false)
        default:
            throw AttemptFailure(
                error: .apiStatus(
                    status: response.statusCode, endpoint: endpoint, message: serverMessage(in: response.body)),
                isTransient: RetryPolicy.isTransient(status: response.statusCode),
                retryAfter: RetryPolicy.retryAfter(in: response.headers)
            )
        }
        do {
            return try decode(response.body)
        } catch {
            // A proxy's error page or a cut answer: worth another try, and a clear error if it persists.
            let start = serverMessage(in: response.body).map { ", got \"\($0)\"" } ?? ", got an empty body"
            throw AttemptFailure(
                error: .invalidResponse(endpoint: endpoint, reason: "expected JSON (\(error))\(start)"),
                isTransient: true
            )
        }
    }

    /// The server's message in `body`, redacted and shortened (`ServerMessage`).
    private func serverMessage(in body: [UInt8]) -> String? {
        ServerMessage.extract(from: body, hiding: key)
    }

    /// `value` with every byte but ASCII letters and digits percent-encoded (UTF-8).
    static func formEncoded(_ value: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var encoded: [UInt8] = []
        encoded.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                encoded.append(byte)
            default:
                encoded += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }
}

/// How `fetch` names one session.
public enum SessionReference: Sendable, CustomStringConvertible {
    case id(Int)
    case uid(String)

    public var description: String {
        switch self {
        case .id(let id): "id \(id)"
        case .uid(let uid): "uid \(uid)"
        }
    }
}
