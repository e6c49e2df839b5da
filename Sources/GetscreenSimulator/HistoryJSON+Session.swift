/// Builds the API shapes for a session. Details the dataset does not model (client, geo, OS, version) are
/// derived deterministically from the session and agent ids, so repeated answers are identical.
extension HistoryJSON {
    /// The media URL listed for `session`; clients append `?apikey=<key>` to download it.
    static func mediaURL(for session: SimulatedSession, port: Int) -> String {
        "http://127.0.0.1:\(port)/video/\(session.agent.id)/\(session.id).mp4"
    }

    /// The `history/list` item for `session`.
    static func listItem(for session: SimulatedSession, port: Int) -> ListItem {
        ListItem(
            id: session.id,
            start: session.start,
            stop: session.stop,
            supportID: session.supportID,
            client: [
                Client(
                    userAgent: userAgent(sessionID: session.id),
                    login: clientLogin(sessionID: session.id),
                    geo: clientGeo(sessionID: session.id)
                )
            ],
            agent: Agent(
                id: session.agent.id,
                name: session.agent.name,
                group: session.agent.group,
                geo: agentGeo(agentID: session.agent.id),
                os: pick(["win", "win", "mac", "linux", "android"], session.agent.id),
                version: pick(["2.1.5", "2.2.0", "2.3.1", "3.0.4"], session.agent.id / 7),
                owner: "owner\(session.agent.id % 5)@example.com"
            ),
            video: Video(url: mediaURL(for: session, port: port), size: session.videoSize)
        )
    }

    /// The `history/info` answer for `session`.
    static func info(for session: SimulatedSession, port: Int) -> InfoResponse {
        InfoResponse(
            id: session.id,
            uid: session.uid,
            agentID: session.agent.id,
            accountID: 7_915,
            agentAccountID: 0,
            userAgent: userAgent(sessionID: session.id),
            start: session.start,
            stop: session.stop,
            video: mediaURL(for: session, port: port),
            videoSize: session.videoSize,
            turboOneTime: session.supportID != nil,
            visorComment: "",
            url: connectionPath(sessionID: session.id),
            mode: pick(["control", "control", "view", "file"], session.id),
            client: clientGeo(sessionID: session.id),
            agent: agentGeo(agentID: session.agent.id)
        )
    }

    private static let places: [(country: String, region: String, city: String)] = [
        ("USA", "California", "Los Angeles"), ("Germany", "Bavaria", "Munich"),
        ("Russia", "Bashkortostan Republic", "Sterlitamak"), ("France", "Île-de-France", "Paris"),
        ("Japan", "Tokyo", "Tokyo"),
    ]

    private static func clientGeo(sessionID: Int) -> Geo {
        geo(SplitMix64.mix(UInt64(truncatingIfNeeded: sessionID)))
    }

    private static func agentGeo(agentID: Int) -> Geo {
        geo(SplitMix64.mix(UInt64(truncatingIfNeeded: agentID) ^ 0xA6E7))
    }

    private static func geo(_ hash: UInt64) -> Geo {
        let place = places[Int(hash % UInt64(places.count))]
        let octets = [2 + (hash >> 8) % 200, (hash >> 16) % 256, (hash >> 24) % 256, 1 + (hash >> 32) % 254]
        let ip = octets.map { String($0) }.joined(separator: ".")
        return Geo(ip: ip, country: place.country, region: place.region, city: place.city)
    }

    private static func userAgent(sessionID: Int) -> String {
        pick(
            [
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                    + "Chrome/138.0.0.0 Safari/537.36",
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                    + "Version/17.5 Safari/605.1.15",
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            ],
            sessionID
        )
    }

    private static func clientLogin(sessionID: Int) -> String {
        pick(["support@example.com", "anna.tech@example.com", "helpdesk@example.org"], sessionID / 3)
    }

    private static func connectionPath(sessionID: Int) -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyz0123456789")
        var hash = SplitMix64.mix(UInt64(truncatingIfNeeded: sessionID) ^ 0x55AA)
        var characters: [Character] = []
        for index in 0..<9 {
            if index > 0 && index % 3 == 0 { characters.append("-") }
            characters.append(alphabet[Int(hash % UInt64(alphabet.count))])
            hash /= UInt64(alphabet.count)
        }
        return "/" + String(characters)
    }

    private static func pick(_ values: [String], _ key: Int) -> String {
        values[Int(SplitMix64.mix(UInt64(truncatingIfNeeded: key)) % UInt64(values.count))]
    }
}
