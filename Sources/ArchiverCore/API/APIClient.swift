public import Curl
public import FoundationEssentials
public import Logging

/// Talks to the Connection History API: `history/list` and `history/info`, key in the `X-Api-Key` header.
public struct APIClient: Sendable {
    /// The largest page the API serves.
    public static let maximumPageSize = 100
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
    public init(baseURL: URL, key: APIKey, transport: CurlMulti, logger: Logger) {
        self.init(
            baseURL: baseURL,
            key: key,
            transport: transport,
            retry: RetryPolicy(attempts: 1, baseDelay: .zero, maxDelay: .zero),
            connectTimeout: .seconds(30),
            logger: logger
        )
    }

    /// Creates a client for the configured API, retrying transient failures as configured.
    public init(configuration: ArchiverConfiguration, transport: CurlMulti, logger: Logger) {
        self.init(
            baseURL: configuration.apiBaseURL,
            key: configuration.apiKey,
            transport: transport,
            retry: RetryPolicy(configuration),
            connectTimeout: configuration.connectTimeout,
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
    /// See `listSessions(in:agentIDs:into:)` for paging, de-duplication and interruptions.
    /// - Throws: `ArchiverError` when the API rejects the key, when the first page fails, or on interruption.
    public func listSessions(filter: HistoryFilter, pageSize: Int = maximumPageSize) async throws(ArchiverError)
        -> Listing
    {
        var listing = Listing(sessions: [], invalidItems: [], pageCount: 0)
        var seen = SeenItems()
        let walk = try await listSessions(filter: filter, pageSize: pageSize, seen: &seen, into: &listing)
        listing.pageCount = walk.pageCount
        listing.interruption = walk.interruption
        return listing
    }

    /// Walks every page of `history/list` for `filter`, passing each new item to `sink` as its page arrives.
    private func listSessions<Sink: ListingSink>(
        filter: HistoryFilter,
        pageSize: Int,
        seen: inout SeenItems,
        into sink: inout Sink
    ) async throws(ArchiverError) -> ListingWalk {
        var walk = ListingWalk()
        let driftExceededOverlap = try await self.walk(
            filter: filter, pageSize: pageSize, seen: &seen, into: &sink, progress: &walk)
        if driftExceededOverlap && walk.interruption == nil {
            logger.warning("history/list moved more than the page overlap while paging; listing once more")
            _ = try await self.walk(filter: filter, pageSize: pageSize, seen: &seen, into: &sink, progress: &walk)
        }
        logger.debug("listed sessions", metadata: ["pages": "\(walk.pageCount)"])
        return walk
    }

    /// How many list pages are requested at once. Once `total` is known, the offsets of the next pages are
    /// known too (every page but the last is full), so they are fetched ahead while earlier ones are read.
    static let pagesInFlight = 4

    /// One walk over the pages, passing what is new to `sink`. Pages are read strictly in order; the next
    /// few are fetched ahead (`pagesInFlight`) once the first page has told the total.
    /// - Returns: whether a page did not overlap the previous one (the list moved more than the overlap).
    private func walk<Sink: ListingSink>(
        filter: HistoryFilter,
        pageSize: Int,
        seen: inout SeenItems,
        into sink: inout Sink,
        progress listing: inout ListingWalk
    ) async throws(ArchiverError) -> Bool {
        seen.startWalk()
        var failure: ArchiverError?
        let driftExceededOverlap = await withTaskGroup(of: (Int, Result<HistoryPage, ArchiverError>).self) { group in
            var requested = Set<Int>()
            var arrived: [Int: Result<HistoryPage, ArchiverError>] = [:]
            let fetch: @Sendable (Int) async -> (Int, Result<HistoryPage, ArchiverError>) = { offset in
                do throws(ArchiverError) {
                    return (offset, .success(try await listPage(filter: filter, offset: offset, limit: pageSize)))
                } catch {
                    return (offset, .failure(error))
                }
            }
            defer { group.cancelAll() }

            var offset = 0
            var driftExceededOverlap = false
            var overlap = 0
            while true {
                if requested.insert(offset).inserted { group.addTask { [offset] in await fetch(offset) } }
                while arrived[offset] == nil, let (pageOffset, result) = await group.next() {
                    arrived[pageOffset] = result
                }
                let page: HistoryPage
                switch arrived.removeValue(forKey: offset) {
                case .success(let answer)?:
                    page = answer
                case .failure(let error)?:
                    switch error {
                    case .apiKeyRejected, .interrupted:
                        failure = error
                    default:
                        if listing.pageCount > 0 { listing.interruption = error } else { failure = error }
                    }
                    return false
                case nil:
                    failure = .interrupted(archived: 0)
                    return false
                }
                listing.pageCount += 1
                if let ignoredTotal = page.ignoredTotal {
                    logger.warning(
                        "history/list announced a negative total; ignoring it and paging until a short page",
                        metadata: ["total": "\(ignoredTotal)", "offset": "\(offset)"]
                    )
                }
                var newInWalk = 0
                var overlapSeen = overlap == 0
                for (index, item) in page.items.enumerated() {
                    // Unusable items count for the overlap and are reported once, like sessions: by their id, or
                    // by their whole content when they have none.
                    let (isNewInWalk, isNew) = seen.record(item.key, isSession: item.isSession)
                    if isNewInWalk {
                        newInWalk += 1
                    } else if index < overlap {
                        overlapSeen = true
                    }
                    guard isNew else { continue }
                    switch item.result {
                    case .success(let session): sink.add(session)
                    case .failure(let error): sink.add(error)
                    }
                }
                if !page.items.isEmpty && newInWalk == 0 && offset > 0 {
                    // A server that ignores `offset` would otherwise be paged forever.
                    logger.warning(
                        "history/list repeated a whole page; stopping the listing", metadata: ["offset": "\(offset)"])
                    return driftExceededOverlap
                }
                if !overlapSeen && !page.items.isEmpty { driftExceededOverlap = true }
                let answeredLimit = min(page.limit ?? pageSize, pageSize)
                if page.items.isEmpty || page.items.count < answeredLimit { return driftExceededOverlap }
                if let total = page.total, offset + page.items.count >= total { return driftExceededOverlap }
                overlap = Self.overlap(forPageOf: page.items.count)
                let step = page.items.count - overlap
                offset += step
                if let total = page.total {
                    // Fetch ahead: every page before the last is full, so its offset is known now.
                    var ahead = offset
                    for _ in 0..<Self.pagesInFlight where ahead < total {
                        if requested.insert(ahead).inserted { group.addTask { [ahead] in await fetch(ahead) } }
                        ahead += step
                    }
                }
            }
        }
        if let failure { throw failure }
        return driftExceededOverlap
    }

    /// How many items of a page are asked for again with the next page: enough to absorb a few expirations.
    static func overlap(forPageOf count: Int) -> Int {
        min(5, count / 4)
    }

    /// Lists `window` for each of `agentIDs` (every agent when empty), passing each item to `sink` once, as its
    /// page arrives, so that the caller need not hold the whole listing.
    ///
    /// Paging ends when `total` is reached, or earlier on an empty page or a page shorter than the limit
    /// the server answered with (the server may cap `limit`). Sessions are de-duplicated by id, unusable items
    /// by id or, without one, by content.
    ///
    /// Pagination drift: consecutive pages overlap by a few items, so sessions that expire at the start of the
    /// order while we page do not push unseen ones past our offset. When a page shows no overlap with what
    /// we saw (the list moved further than the overlap), the whole listing is walked once more.
    ///
    /// When a page fails after earlier pages succeeded with anything but a rejected key or an interruption
    /// (the plan's request limit, the API unreachable or answering non-JSON after retries), the walk stops there
    /// with `interruption` set: what was passed on so far is valid and can still be archived.
    /// - Throws: `ArchiverError` when the API rejects the key, when the first page fails, or on interruption.
    public func listSessions<Sink: ListingSink>(
        in window: SyncWindow,
        agentIDs: [Int],
        into sink: inout Sink
    ) async throws(ArchiverError) -> ListingWalk {
        let dateTo = Int(window.dateTo.timeIntervalSince1970)
        let dateFrom = window.dateFrom.map { Int($0.timeIntervalSince1970) }
        var merged = ListingWalk()
        var seen = SeenItems()
        for agent in agentIDs.isEmpty ? [nil] : agentIDs.map(Optional.some) {
            let walk = try await listSessions(
                filter: HistoryFilter(agentID: agent, dateFrom: dateFrom, dateTo: dateTo),
                pageSize: Self.maximumPageSize, seen: &seen, into: &sink)
            merged.pageCount += walk.pageCount
            merged.interruption = walk.interruption
            if walk.interruption != nil { break }
        }
        return merged
    }

    /// One session through `history/info`, by numeric id or by uid.
    /// - Throws: `ArchiverError.sessionNotFound` on 404, and the errors of `listSessions`.
    public func sessionInfo(_ reference: SessionReference) async throws(ArchiverError) -> JSONValue {
        let query: [(String, String)] =
            switch reference {
            case .id(let id): [("session_id", String(id))]
            case .uid(let uid): [("session_uid", uid)]
            }
        do {
            return try await get("history/info", query: query)
        } catch .apiStatus(status: 404, _, _) {
            throw .sessionNotFound(reference.description)
        }
    }

    private func listPage(filter: HistoryFilter, offset: Int, limit: Int) async throws(ArchiverError) -> HistoryPage {
        var query: [(String, String)] = [("video", "true"), ("offset", String(offset)), ("limit", String(limit))]
        if let agentID = filter.agentID { query.append(("agent_id", String(agentID))) }
        if let dateFrom = filter.dateFrom { query.append(("date_from", String(dateFrom))) }
        if let dateTo = filter.dateTo { query.append(("date_to", String(dateTo))) }
        return try await get("history/list", query: query, decode: HistoryPage.parse).get()
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
            do throws(AttemptFailure) {
                return try await getOnce(endpoint, query: query, decode: decode)
            } catch {
                guard error.isTransient, attempt < retry.attempts else { throw error.error }
                retryAfter = error.retryAfter
            }
            let delay = retry.delay(afterAttempt: attempt, retryAfter: retryAfter)
            logger.warning(
                "API request failed; retrying",
                metadata: ["endpoint": "\(endpoint)", "attempt": "\(attempt)", "delay_seconds": "\(delay.secondsText)"]
            )
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
        case 401, 403: throw AttemptFailure(error: .apiKeyRejected(status: response.statusCode), isTransient: false)
        case 402: throw AttemptFailure(error: .requestLimitExceeded, isTransient: false)
        default:
            throw AttemptFailure(
                error: .apiStatus(
                    status: response.statusCode, endpoint: endpoint, message: Self.errorMessage(in: response.body)),
                isTransient: RetryPolicy.isTransient(status: response.statusCode),
                retryAfter: RetryPolicy.retryAfter(in: response.headers)
            )
        }
        do {
            return try decode(response.body)
        } catch {
            // A proxy's error page or a cut answer: worth another try, and a clear error if it persists.
            let start = String(decoding: response.body.prefix(60), as: UTF8.self)
            throw AttemptFailure(
                error: .invalidResponse(endpoint: endpoint, reason: "expected JSON, got \(start.debugDescription)"),
                isTransient: true
            )
        }
    }

    /// The `error` or `message` member of a JSON error body, shortened.
    private static func errorMessage(in body: [UInt8]) -> String? {
        guard let json = try? JSONValue(parsing: body) else { return nil }
        let text = json["error"]?.stringValue ?? json["message"]?.stringValue
        return text.map { String($0.prefix(200)) }
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
