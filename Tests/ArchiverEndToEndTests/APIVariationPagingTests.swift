import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import Testing

/// Issue 12, cases 1, 2 and 6, from the built binary: a server that pages within what the API description allows
/// but not as the simulator does by default (a capped page with a lying or missing `limit`, a lying `total`, an
/// ignored `offset`, an order that changes between requests), and API errors that carry the server's own words.
@Suite struct APIVariationPagingTests {
    let keyEnvironment = ["GETSCREEN_API_KEY": SimulatorFixture.apiKey]

    static func dataset(_ count: Int, seed: UInt64 = 12) -> SimulatorDataset {
        .seeded(seed: seed, sessionCount: count, agentCount: 3, sizeRange: 1_000...3_000)
    }

    /// The ids of the recordings filed below `root`.
    func archivedIDs(in root: String) -> Set<Int> {
        let enumerator = FileManager.default.enumerator(atPath: root)
        var ids = Set<Int>()
        while let path = enumerator?.nextObject() as? String {
            guard path.hasSuffix(".mp4"), !path.hasPrefix(".getscreen-archiver") else { continue }
            if let id = Int(path.split(separator: "_").last?.dropLast(4) ?? "") { ids.insert(id) }
        }
        return ids
    }

    /// Runs `sync` against `fixture`, with the simulator's request log cleared first.
    func sync(_ fixture: SimulatorFixture, _ arguments: [String] = []) async throws -> CommandResult {
        fixture.simulator.resetCounters()
        return try await ArchiverProcess.run(
            ["sync", "--config", try fixture.writeConfig()] + arguments, environment: keyEnvironment,
            in: fixture.workspace.path)
    }

    /// Whether the last run's list requests were incremental (a `date_from`, from the watermark) rather than all
    /// history.
    func listedIncrementally(_ fixture: SimulatorFixture) -> Bool {
        let lists = fixture.simulator.counters.requests.filter { $0.path == "/v1/history/list" }
        return !lists.isEmpty && lists.allSatisfy { $0.query["date_from"] != nil }
    }

    /// Runs a second sync and tells whether the first one moved the watermark: an incremental second run means it
    /// did, one over all history means it stayed.
    func watermarkMoved(_ fixture: SimulatorFixture) async throws -> Bool {
        _ = try await sync(fixture)
        return listedIncrementally(fixture)
    }

    // MARK: case 2, paging

    @Test(arguments: [SimulatedLimitEcho.requested, .omitted])
    func aServerThatCapsPagesAt20WithoutSayingSoIsPagedToTheEnd(echo: SimulatedLimitEcho) async throws {
        var faults = SimulatorFaults()
        faults.maxPageLimit = 20
        faults.listLimitEcho = echo
        try await withSimulator(dataset: Self.dataset(130), faults: faults) { fixture in
            let result = try await sync(fixture)

            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(archivedIDs(in: fixture.root) == Set(fixture.dataset.sessions.map(\.id)))
            #expect(!result.stderr.contains("incomplete:"), "\(result.stderr)")
            #expect(try await watermarkMoved(fixture))
        }
    }

    @Test func aTotalAtHalfTheRealCountDoesNotEndTheListing() async throws {
        var faults = SimulatorFaults()
        faults.maxPageLimit = 20
        faults.listTotalOverride = 65
        try await withSimulator(dataset: Self.dataset(130), faults: faults) { fixture in
            let result = try await sync(fixture)

            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(archivedIDs(in: fixture.root) == Set(fixture.dataset.sessions.map(\.id)))
            #expect(try await watermarkMoved(fixture))
        }
    }

    @Test func fewerSessionsThanTheAnnouncedTotalIsAShortfallAndKeepsTheWatermark() async throws {
        var faults = SimulatorFaults()
        faults.listTotalOverride = 200
        try await withSimulator(dataset: Self.dataset(130), faults: faults) { fixture in
            let result = try await sync(fixture)

            #expect(result.exitCode == 1, "\(result.stderr)")
            #expect(archivedIDs(in: fixture.root) == Set(fixture.dataset.sessions.map(\.id)))
            let line = try #require(result.stderr.split(separator: "\n").first { $0.hasPrefix("incomplete:") })
            #expect(line.contains("130") && line.contains("200"), "\(line)")
            #expect(try await !watermarkMoved(fixture))
        }
    }

    @Test func aServerThatIgnoresOffsetIsAnIncompleteListingAndTheNextRunListsAllHistoryAgain() async throws {
        var faults = SimulatorFaults()
        faults.maxPageLimit = 20
        faults.listIgnoresOffset = true
        try await withSimulator(dataset: Self.dataset(130), faults: faults) { fixture in
            let result = try await sync(fixture)

            #expect(result.exitCode == 1, "\(result.stderr)")
            let line = try #require(result.stderr.split(separator: "\n").first { $0.hasPrefix("incomplete:") })
            #expect(line.contains("repeated"), "\(result.stderr)")
            #expect(result.stderr.contains("warning"), "the repeated page is logged as it happens")

            let second = try await sync(fixture)
            #expect(second.exitCode == 1)
            #expect(!listedIncrementally(fixture), "the watermark stayed: all history is listed again")
        }
    }

    @Test func anOrderThatChangesBetweenRequestsNeverEndsInExitZeroWithRecordingsMissing() async throws {
        var faults = SimulatorFaults()
        faults.maxPageLimit = 20
        faults.listShufflesEveryRequest = true
        try await withSimulator(dataset: Self.dataset(330), faults: faults) { fixture in
            let result = try await sync(fixture)

            let missing = Set(fixture.dataset.sessions.map(\.id)).subtracting(archivedIDs(in: fixture.root))
            if result.exitCode == 0 {
                #expect(missing.isEmpty, "exit 0 with \(missing.count) of 330 recordings missing")
                #expect(try await watermarkMoved(fixture))
            } else {
                #expect(result.exitCode == 1, "\(result.stderr)")
                let line = try #require(result.stderr.split(separator: "\n").first { $0.hasPrefix("incomplete:") })
                #expect(line.contains("order"), "\(result.stderr)")
                #expect(try await !watermarkMoved(fixture))
            }
        }
    }

    @Test func theDryRunAuditSaysItsListingWasIncomplete() async throws {
        var faults = SimulatorFaults()
        faults.maxPageLimit = 20
        faults.listIgnoresOffset = true
        try await withSimulator(dataset: Self.dataset(60), faults: faults) { fixture in
            let result = try await sync(fixture, ["--dry-run", "--full"])

            #expect(result.exitCode == 1, "\(result.stderr)")
            #expect(result.stderr.contains("incomplete:") && result.stderr.contains("repeated"), "\(result.stderr)")
            #expect(result.stderr.contains(#"incomplete: the listing was incomplete, so "no longer listed""#))
        }
    }

    // MARK: cases 1 and 6, errors

    /// A JSON error body.
    static func errorBody(_ status: Int, _ json: String) -> SimulatedFault {
        .rawBody(status: status, contentType: "application/json", body: json)
    }

    @Test func theRequestLimitOnPageTwoSaysSoWithTheServersMessage() async throws {
        var faults = SimulatorFaults()
        faults.maxPageLimit = 20
        let quota = Self.errorBody(402, #"{"message": "Monthly API request quota of 10000 requests reached"}"#)
        faults.listFaults = Dictionary(uniqueKeysWithValues: (2...30).map { ($0, quota) })
        try await withSimulator(dataset: Self.dataset(50), faults: faults) { fixture in
            let result = try await sync(fixture, ["--quiet"])

            #expect(result.exitCode == 1, "\(result.stderr)")
            let line = try #require(result.stderr.split(separator: "\n").first { $0.hasPrefix("incomplete:") })
            #expect(line.contains("request limit"), "\(line)")
            #expect(line.contains("Monthly API request quota of 10000 requests reached"), "\(line)")
        }
    }

    @Test func aServerUnavailableOnPageTwoNamesTheCauseInEachRetryAndAtTheEnd() async throws {
        var faults = SimulatorFaults()
        faults.maxPageLimit = 20
        let maintenance = Self.errorBody(503, #"{"error": "maintenance"}"#)
        faults.listFaults = Dictionary(uniqueKeysWithValues: (2...30).map { ($0, maintenance) })
        try await withSimulator(dataset: Self.dataset(50), faults: faults) { fixture in
            let result = try await sync(fixture)

            #expect(result.exitCode == 1, "\(result.stderr)")
            let retries = result.stderr.split(separator: "\n").filter { $0.contains("retrying") }
            #expect(
                !retries.isEmpty && retries.allSatisfy { $0.contains(#"cause="HTTP 503: maintenance""#) }, "\(retries)")
            let line = try #require(result.stderr.split(separator: "\n").first { $0.hasPrefix("incomplete:") })
            #expect(line.contains("HTTP 503") && line.contains("maintenance"), "\(line)")
        }
    }

    @Test func aNonJSONAnswerNamesTheParseErrorAndWhereInEachRetry() async throws {
        var faults = SimulatorFaults()
        let page = SimulatedFault.rawBody(
            status: 200, contentType: "text/html", body: "<html><body>Gateway\u{7} busy</body></html>")
        faults.listFaults = [1: page, 2: page]
        try await withSimulator(dataset: Self.dataset(5), faults: faults) { fixture in
            let result = try await sync(fixture)

            #expect(result.exitCode == 3, "\(result.stderr)")
            let retry = try #require(result.stderr.split(separator: "\n").first { $0.contains("retrying") })
            #expect(retry.contains("cause=") && retry.contains("at byte 0"), "\(retry)")
            #expect(result.stderr.contains("Gateway busy"), "the start of the body, control characters removed")
        }
    }

    @Test func anUnreachableAPINamesCurlsErrorInEachRetry() async throws {
        let refusing = try RefusingPort()
        try await withSimulator(dataset: Self.dataset(1)) { fixture in
            let config = try fixture.writeConfig()
            try String(contentsOfFile: config, encoding: .utf8)
                .replacingOccurrences(of: fixture.simulator.baseURL, with: "http://127.0.0.1:\(refusing.port)/v1")
                .write(toFile: config, atomically: true, encoding: .utf8)

            let result = try await ArchiverProcess.run(
                ["sync", "--config", config], environment: keyEnvironment, in: fixture.workspace.path)

            #expect(result.exitCode == 3, "\(result.stderr)")
            let retry = try #require(result.stderr.split(separator: "\n").first { $0.contains("retrying") })
            #expect(retry.contains("cause=") && retry.lowercased().contains("connect"), "\(retry)")
        }
    }

    @Test func aRejectedKeyShowsTheServersMessageButNeverTheKey() async throws {
        var faults = SimulatorFaults()
        faults.listFaults = [
            1: Self.errorBody(
                401,
                #"{"message": "API access is disabled for this account", "key": "\#(SimulatorFixture.apiKey)"}"#)
        ]
        try await withSimulator(dataset: Self.dataset(5), faults: faults) { fixture in
            let result = try await sync(fixture)

            #expect(result.exitCode == 3)
            #expect(result.stderr.contains("API access is disabled for this account"), "\(result.stderr)")
            #expect(result.stderr.contains("HTTP 401"))
        }
    }

    @Test func aServerEchoingTheKeyInItsMessageHasItRedacted() async throws {
        var faults = SimulatorFaults()
        let echo = "key \(SimulatorFixture.apiKey) is disabled; see https://x.test/k?apikey=\(SimulatorFixture.apiKey)"
        faults.listFaults = [1: Self.errorBody(403, #"{"error": {"code": 7, "message": "\#(echo)"}}"#)]
        try await withSimulator(dataset: Self.dataset(5), faults: faults) { fixture in
            let result = try await sync(fixture)

            #expect(result.exitCode == 3)
            #expect(result.stderr.contains("is disabled"), "\(result.stderr)")
            #expect(!result.stderr.contains(SimulatorFixture.apiKey))
            #expect(!result.stderr.contains(String(SimulatorFixture.apiKey.prefix(12))))
        }
    }

    @Test func aPageThatIsAnErrorObjectShowsTheServersMessage() async throws {
        var faults = SimulatorFaults()
        faults.listFaults = [
            1: Self.errorBody(200, #"{"status": 400, "error": {"code": 17, "message": "date_from is out of range"}}"#)
        ]
        try await withSimulator(dataset: Self.dataset(5), faults: faults) { fixture in
            let result = try await sync(fixture)

            #expect(result.exitCode == 3)
            #expect(result.stderr.contains("date_from is out of range"), "\(result.stderr)")
            #expect(!result.stderr.contains(#"no "data" array"#))
        }
    }
}
