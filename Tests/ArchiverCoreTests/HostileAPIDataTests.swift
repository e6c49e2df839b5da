import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Logging
import Testing

@testable import ArchiverCore
@testable import JSON

/// Broken or hostile `history/list` answers: each gives a per-item failure reason or a clear run error, never a
/// crash and never a wrong file.
@Suite struct HostileAPIDataTests {
    let logger = Logger(label: "test")

    static let dataset = SimulatorDataset.seeded(seed: 41, sessionCount: 12, agentCount: 3, sizeRange: 1_000...4_000)

    /// A list item as JSON text; `nil` arguments leave the member out.
    static func item(
        id: String? = "1",
        start: String? = "1770000000",
        agent: String? = #"{"id": 7, "name": "PC"}"#,
        url: String? = #""https://st.getscreen.me/1.mp4""#,
        size: String? = "100",
        extra: String = ""
    ) -> String {
        var members: [String] = []
        if let id { members.append(#""id": \#(id)"#) }
        if let start { members.append(#""start": \#(start)"#) }
        if let agent { members.append(#""agent": \#(agent)"#) }
        var video: [String] = []
        if let url { video.append(#""url": \#(url)"#) }
        if let size { video.append(#""size": \#(size)"#) }
        members.append(#""video": {\#(video.joined(separator: ", "))}"#)
        if !extra.isEmpty { members.append(extra) }
        return "{" + members.joined(separator: ", ") + "}"
    }

    static func decode(_ text: String) throws -> JSONValue {
        try JSONValue(parsing: Array(text.utf8))
    }

    // MARK: - One item

    @Test(arguments: [
        (item(id: nil), "missing or invalid id"),
        (item(id: "-5"), "missing or invalid id"),
        (item(id: #""abc""#), "missing or invalid id"),
        (item(url: nil), "missing video.url"),
        (item(url: #""""#), "missing video.url"),
        (item(url: "42"), "missing video.url"),
        (item(size: nil), "missing or invalid video.size"),
        (item(size: #""big""#), "missing or invalid video.size"),
        (item(size: "-1"), "implausible video size -1"),
        (item(size: "1125899906842624"), "implausible video size 1125899906842624"),
        (item(size: "1e300"), "missing or invalid video.size"),
        (item(start: nil), "missing or invalid start"),
        (item(start: "-1"), "missing or invalid start"),
        (item(agent: nil), "missing agent.id"),
        (item(agent: "null"), "missing agent.id"),
        ("[]", "item is not a JSON object"),
        ("null", "item is not a JSON object"),
        (#""a string""#, "item is not a JSON object"),
    ])
    func unusableItemsAreRefusedWithTheirReason(item: String, reason: String) throws {
        let error = try #require(throws: InvalidSessionItem.self) { try Session(listItem: Self.decode(item)) }
        #expect(error.reason == reason)
    }

    @Test func optionalFieldsMayBeAbsentOrNull() throws {
        let absent = try Session(listItem: Self.decode(Self.item(agent: #"{"id": 7}"#)))
        #expect(absent.agent.name == "agent")
        #expect(absent.agent.group == nil)
        #expect(absent.supportID == nil)
        let null = try Session(
            listItem: Self.decode(
                Self.item(
                    agent: #"{"id": 7, "name": null, "group": null, "geo": null, "os": null}"#,
                    extra: #""support_id": null, "stop": null, "uid": null, "client": null, "owner": null, "geo": null"#
                )))
        #expect(null.agent.name == "agent")
        #expect(null.agent.group == nil)
        #expect(null.stop == nil)
    }

    @Test func aHugeAgentNameIsCutForThePathButKeptInTheMetadata() throws {
        let name = String(repeating: "ä", count: 512 * 1024)  // 1 MiB of UTF-8
        let session = try Session(listItem: Self.decode(Self.item(agent: #"{"id": 7, "name": "\#(name)"}"#)))
        let path = DownloadPlanner(layout: .default, timeZone: .utc).relativePath(for: session)
        let folder = try #require(path.split(separator: "/").first)
        #expect(folder.utf8.count <= PathComponentSanitizer.maximumComponentBytes)
        #expect(folder.hasSuffix("-7"))
        #expect(session.metadata["agent"]?["name"]?.stringValue == name)
    }

    @Test func aNegativeTotalIsIgnoredAndANonPositiveLimitToo() throws {
        func read(_ text: String) throws -> Result<HistoryPage, ArchiverError> {
            try HistoryPage.parse(Array(text.utf8))
        }
        let page = try read(#"{"data": [], "total": -3, "limit": 0}"#).get()
        #expect(page.total == nil)
        #expect(page.ignoredTotal == -3)
        #expect(page.limit == nil)
        #expect(throws: ArchiverError.self) { try read(#"{"data": {"id": 1}}"#).get() }
        #expect(throws: ArchiverError.self) { try read(#"[1, 2]"#).get() }
        #expect(throws: ArchiverError.self) { try read(#"{"data": null, "data": []}"#).get() }
    }

    // MARK: - Whole runs against the simulator

    @Test(arguments: [
        ("application/json", "{\"data\": [", "expected JSON"),
        (
            "text/html; charset=utf-8", "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
            "expected JSON"
        ),
        ("application/json", "{\"items\": []}", "no \"data\" array"),
        // A 200 whose body is an error object: the server's own words instead.
        (
            "application/json", #"{"error": {"code": 17, "message": "date_from is out of range"}}"#,
            "date_from is out of range"
        ),
    ])
    func aBrokenFirstPageIsAClearRunErrorAndWritesNothing(contentType: String, body: String, message: String)
        async throws
    {
        var faults = SimulatorFaults()
        for request in 1...5 {
            faults.listFaults[request] = .rawBody(status: 200, contentType: contentType, body: body)
        }
        try await withSimulator(dataset: Self.dataset, faults: faults) { fixture in
            let error = try await #require(throws: ArchiverError.self) {
                try await Archiver.sync(configuration: fixture.configuration(), options: SyncOptions(), logger: logger)
            }
            #expect(error.exitCode == 3)
            #expect("\(error)".contains(message), "\(error)")
            #expect(files(under: fixture.root, withSuffix: ".mp4").isEmpty)
            #expect(fixture.simulator.counters.mediaRequests == 0)
        }
    }

    @Test func aBrokenLaterPageStopsTheListingButArchivesWhatWasListed() async throws {
        var faults = SimulatorFaults()
        faults.maxPageLimit = 5
        // Every list request after the first (pages are fetched ahead, so their order at the server varies).
        for request in 2...40 {
            faults.listFaults[request] = .rawBody(status: 200, contentType: "text/html", body: "<html>oops</html>")
        }
        try await withSimulator(dataset: Self.dataset, faults: faults) { fixture in
            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.downloaded == 5)
            #expect(report.runError?.contains("expected JSON") == true)
            #expect(report.exitCode == 1)
        }
    }

    @Test(arguments: [1_000, -1, -1_000_000])
    func aLyingTotalNeitherLoopsNorLosesSessions(total: Int) async throws {
        var faults = SimulatorFaults()
        faults.maxPageLimit = 5
        faults.listTotalOverride = total
        try await withSimulator(dataset: Self.dataset, faults: faults) { fixture in
            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.listed == 12)
            #expect(report.downloaded == 12)
            #expect(report.failures.isEmpty)
            // Pages of 5 and an overlap of 1: offsets 0, 4, 8 and 11 (holding only the overlap: the end), and at most 3
            // fetched ahead beyond the end while the page size looked stable.
            #expect(fixture.simulator.counters.listRequests <= 7)
        }
    }

    @Test func hostileItemsFailOneByOneAndTheRestIsArchived() async throws {
        var faults = SimulatorFaults()
        faults.maxPageLimit = 4
        try await withSimulator(dataset: Self.dataset, faults: faults) { fixture in
            let sessions = fixture.dataset.sessions.sorted { $0.start > $1.start }  // the listing's order
            let port = fixture.simulator.port
            func url(_ session: SimulatedSession) -> String {
                #""http://127.0.0.1:\#(port)/video/\#(session.agent.id)/\#(session.id).mp4""#
            }
            func agent(_ session: SimulatedSession, name: String? = nil) -> String {
                #"{"id": \#(session.agent.id), "name": "\#(name ?? session.agent.name)"}"#
            }
            func item(_ index: Int, id: String? = nil, url overrideURL: String? = nil, size: String? = nil) -> String {
                let session = sessions[index]
                return Self.item(
                    id: id ?? String(session.id), start: String(session.start), agent: agent(session),
                    url: overrideURL ?? url(session), size: size ?? String(session.videoSize))
            }
            let hugeName = String(repeating: "x", count: 1 << 20)
            faults.listItemOverrides = [
                sessions[0].id: item(0, size: "-1"),
                sessions[1].id: item(1, size: String(1 << 50)),
                sessions[2].id: item(2, url: #""file:///etc/passwd""#),
                sessions[3].id: item(3, url: #""ftp://127.0.0.1/x.mp4""#),
                sessions[4].id: item(4, url: #""javascript:alert(1)""#),
                sessions[5].id: item(5, url: #""https://evil.example.com/x.mp4""#),
                // Page 2 carries the item of page 3's last session too: listed twice, archived once.
                sessions[6].id: item(11),
                sessions[7].id: Self.item(
                    id: String(sessions[7].id), start: String(sessions[7].start),
                    agent: agent(sessions[7], name: hugeName), url: url(sessions[7]),
                    size: String(sessions[7].videoSize),
                    extra: #""geo": null, "client": null, "owner": null"#),
                sessions[8].id: Self.item(id: nil, url: url(sessions[8])),
                sessions[9].id: Self.item(id: String(sessions[9].id), url: nil),
                sessions[10].id: Self.item(id: String(sessions[10].id), url: url(sessions[10]), size: nil),
            ]
            fixture.simulator.setFaults(faults)

            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            var codes: [Int: RecordingFailure.Code] = [:]
            for failure in report.failures { codes[failure.sessionID ?? -1] = failure.code }
            #expect(codes[sessions[0].id] == .invalidItem)
            #expect(codes[sessions[1].id] == .invalidItem)
            #expect(codes[sessions[2].id] == .invalidMediaURL)
            #expect(codes[sessions[3].id] == .insecureMediaURL)
            #expect(codes[sessions[4].id] == .invalidMediaURL)
            #expect(codes[sessions[5].id] == .untrustedMediaHost)
            #expect(codes[-1] == .invalidItem)  // the item without an id
            #expect(codes[sessions[9].id] == .invalidItem)
            #expect(codes[sessions[10].id] == .invalidItem)
            #expect(
                report.failures.count == 9,
                "\(report.failures.map { "\($0.sessionID ?? -1) \($0.code) \($0.reason.prefix(80))" })")
            // Archived: the 1 MiB name (cut in the path) and the one untouched session.
            #expect(report.downloaded == 2)
            let archived = files(under: fixture.root, withSuffix: ".mp4").filter { !$0.hasPrefix(".") }
            #expect(archived.count == 2)
            #expect(archived.contains { $0.hasSuffix("_\(sessions[7].id).mp4") })
            #expect(archived.contains { $0.hasSuffix("_\(sessions[11].id).mp4") })
            // Nothing was requested for the refused URLs.
            let mediaPaths = fixture.simulator.counters.requests.map(\.path).filter { $0.hasPrefix("/video/") }
            #expect(Set(mediaPaths).count == 2)
            #expect(report.failures.allSatisfy { !$0.reason.contains(SimulatorFixture.apiKey) })
        }
    }
}
