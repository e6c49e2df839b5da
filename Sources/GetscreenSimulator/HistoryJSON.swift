import Foundation

/// Encodable mirrors of the Connection History API's JSON shapes (see the API reference), and their encoder.
///
/// Fields the reference shows are always written; absent optionals become an explicit `null`, which the
/// synthesized `Encodable` conformance would silently drop, hence the hand-written `encode(to:)` methods.
enum HistoryJSON {
    /// Encodes `value` as compact UTF-8 JSON with sorted keys, so identical answers are byte-identical.
    /// JSONEncoder escapes quotes, backslashes and control characters.
    static func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(value)
        } catch {
            // Only non-finite floats can fail here, and these shapes hold none.
            preconditionFailure("encoding a history JSON shape failed: \(error)")
        }
    }

    /// `history/list` response.
    struct ListResponse: Encodable {
        var offset: Int
        /// Left out when nil (`SimulatedLimitEcho.omitted`).
        var limit: Int?
        var total: Int
        var filter: ListFilter
        var data: [ListItem]
    }

    /// The echoed filter of a `history/list` response; filters not given are `null`.
    struct ListFilter: Encodable {
        var dateFrom: Int?
        var dateTo: Int?
        var agentID: Int?
        var supportID: Int?
        var video: Bool?

        private enum CodingKeys: String, CodingKey {
            case dateFrom = "date_from"
            case dateTo = "date_to"
            case agentID = "agent_id"
            case supportID = "support_id"
            case video
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(dateFrom, forKey: .dateFrom)
            try container.encode(dateTo, forKey: .dateTo)
            try container.encode(agentID, forKey: .agentID)
            try container.encode(supportID, forKey: .supportID)
            try container.encode(video, forKey: .video)
        }
    }

    /// One `data[]` item of a `history/list` response.
    struct ListItem: Encodable {
        var id: Int
        var start: Int
        var stop: Int
        var supportID: Int?
        var client: [Client]
        var agent: Agent
        var video: Video

        private enum CodingKeys: String, CodingKey {
            case id
            case start
            case stop
            case supportID = "support_id"
            case client
            case agent
            case video
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(start, forKey: .start)
            try container.encode(stop, forKey: .stop)
            try container.encode(supportID, forKey: .supportID)
            try container.encode(client, forKey: .client)
            try container.encode(agent, forKey: .agent)
            try container.encode(video, forKey: .video)
        }
    }

    /// `client[]` of a list item.
    struct Client: Encodable {
        var userAgent: String
        var login: String
        var geo: Geo

        private enum CodingKeys: String, CodingKey {
            case userAgent = "user_agent"
            case login
            case geo
        }
    }

    /// `agent` of a list item.
    struct Agent: Encodable {
        var id: Int
        var name: String
        var group: String?
        var geo: Geo
        var os: String
        var version: String
        var owner: String

        private enum CodingKeys: String, CodingKey {
            case id
            case name
            case group
            case geo
            case os
            case version
            case owner
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(name, forKey: .name)
            try container.encode(group, forKey: .group)
            try container.encode(geo, forKey: .geo)
            try container.encode(os, forKey: .os)
            try container.encode(version, forKey: .version)
            try container.encode(owner, forKey: .owner)
        }
    }

    /// `video` of a list item.
    struct Video: Encodable {
        var url: String
        var size: Int
    }

    /// A location: `geo` in listings, `client` and `agent` in info.
    struct Geo: Encodable {
        var ip: String
        var country: String
        var region: String
        var city: String
    }

    /// `history/info` response.
    struct InfoResponse: Encodable {
        var id: Int
        var uid: String
        var agentID: Int
        var accountID: Int
        var agentAccountID: Int
        var userAgent: String
        var start: Int
        var stop: Int
        var video: String
        var videoSize: Int
        var turboOneTime: Bool
        var visorComment: String
        var url: String
        var mode: String
        var client: Geo
        var agent: Geo

        private enum CodingKeys: String, CodingKey {
            case id
            case uid
            case agentID = "agent_id"
            case accountID = "account_id"
            case agentAccountID = "agent_account_id"
            case userAgent = "user_agent"
            case start
            case stop
            case video
            case videoSize = "video_size"
            case turboOneTime = "turbo_one_time"
            case visorComment = "visor_comment"
            case url
            case mode
            case client
            case agent
        }
    }

    /// The body of every error answer: `{"status":403,"error":"invalid API key"}`.
    struct ErrorResponse: Encodable {
        var status: Int
        var error: String
    }
}
