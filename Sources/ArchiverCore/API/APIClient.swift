public import Curl
public import Foundation
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
    private let logger: Logger

    /// Creates a client for the API at `baseURL` (for example `https://api.getscreen.me/v1`).
    public init(baseURL: URL, key: APIKey, transport: CurlMulti, logger: Logger) {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.key = key
        self.transport = transport
        self.logger = logger
    }

    /// Walks every page of `history/list` for `filter`, sessions with a recording only.
    ///
    /// Paging ends when `total` is reached, or earlier on an empty page or a page shorter than the limit
    /// the server answered with (the server may cap `limit`). Sessions are de-duplicated by id.
    /// - Throws: `ArchiverError` when the API rejects the key, exceeds the plan's limit, cannot be reached
    ///   or answers something that is not a page.
    public func listSessions(filter: HistoryFilter, pageSize: Int = maximumPageSize) async throws(ArchiverError)
        -> Listing
    {
        var sessions: [Session] = []
        var invalidItems: [InvalidSessionItem] = []
        var seen = Set<Int>()
        var offset = 0
        var pageCount = 0
        while true {
            let page = try await listPage(filter: filter, offset: offset, limit: pageSize)
            pageCount += 1
            var isNewInformation = false
            for item in page.items {
                do throws(InvalidSessionItem) {
                    let session = try Session(listItem: item)
                    if seen.insert(session.id).inserted {
                        sessions.append(session)
                        isNewInformation = true
                    }
                } catch {
                    invalidItems.append(error)
                    isNewInformation = true
                }
            }
            if !page.items.isEmpty && !isNewInformation {
                // A server that ignores `offset` would otherwise be paged forever.
                logger.warning(
                    "history/list repeated a whole page; stopping the listing", metadata: ["offset": "\(offset)"])
                break
            }
            offset += page.items.count
            let answeredLimit = page.limit ?? pageSize
            if page.items.isEmpty || page.items.count < min(answeredLimit, pageSize) { break }
            if let total = page.total, offset >= total { break }
        }
        logger.debug(
            "listed sessions",
            metadata: ["sessions": "\(sessions.count)", "invalid": "\(invalidItems.count)", "pages": "\(pageCount)"]
        )
        return Listing(sessions: sessions, invalidItems: invalidItems, pageCount: pageCount)
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

    private struct Page {
        var items: [JSONValue]
        var limit: Int?
        var total: Int?
    }

    private func listPage(filter: HistoryFilter, offset: Int, limit: Int) async throws(ArchiverError) -> Page {
        var query: [(String, String)] = [("video", "true"), ("offset", String(offset)), ("limit", String(limit))]
        if let agentID = filter.agentID { query.append(("agent_id", String(agentID))) }
        if let dateFrom = filter.dateFrom { query.append(("date_from", String(dateFrom))) }
        if let dateTo = filter.dateTo { query.append(("date_to", String(dateTo))) }
        let json = try await get("history/list", query: query)
        guard case .array(let items)? = json["data"] else {
            throw .invalidResponse(endpoint: "history/list", reason: "no \"data\" array in the page")
        }
        return Page(items: items, limit: json["limit"]?.intValue, total: json["total"]?.intValue)
    }

    private func get(_ endpoint: String, query: [(String, String)]) async throws(ArchiverError) -> JSONValue {
        let url = "\(baseURL)/\(endpoint)?" + query.map { "\($0)=\(Self.formEncoded($1))" }.joined(separator: "&")
        let request = TransferRequest(
            url: url,
            headers: ["X-Api-Key: \(key.value)", "Accept: application/json"],
            destination: .memory(limit: Self.maximumResponseBytes),
            connectTimeout: .seconds(30),
            timeout: .seconds(300)
        )
        let response: TransferResponse
        do {
            response = try await transport.perform(request)
        } catch is CancellationError {
            throw .interrupted(archived: 0)
        } catch let error as CurlError {
            throw .apiUnreachable(endpoint: "\(baseURL)/\(endpoint)", reason: error.description)
        } catch {
            throw .apiUnreachable(endpoint: "\(baseURL)/\(endpoint)", reason: "\(error)")
        }
        logger.trace("api response", metadata: ["endpoint": "\(endpoint)", "status": "\(response.statusCode)"])
        switch response.statusCode {
        case 200..<300: break
        case 401, 403: throw .apiKeyRejected(status: response.statusCode)
        case 402: throw .requestLimitExceeded
        default:
            throw .apiStatus(
                status: response.statusCode, endpoint: endpoint, message: Self.errorMessage(in: response.body))
        }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(response.body))
        } catch {
            let start = String(decoding: response.body.prefix(60), as: UTF8.self)
            throw .invalidResponse(endpoint: endpoint, reason: "expected JSON, got \(start.debugDescription)")
        }
    }

    /// The `error` or `message` member of a JSON error body, shortened.
    private static func errorMessage(in body: [UInt8]) -> String? {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else { return nil }
        let text = json["error"]?.stringValue ?? json["message"]?.stringValue
        return text.map { String($0.prefix(200)) }
    }

    private static func formEncoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
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
