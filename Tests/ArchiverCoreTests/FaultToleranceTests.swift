import ArchiverTestSupport
import Foundation
import GetscreenSimulator
import InMemoryLogging
import Logging
import Testing

@testable import ArchiverCore

/// Each fault the simulator can inject, and what the archiver makes of it: real transfers, real files.
@Suite struct FaultToleranceTests {
    let logger = Logger(label: "test")

    static func sessions(_ count: Int, size: Int = 40_000, firstID: Int = 8000) -> [SimulatedSession] {
        (0..<count).map { index in
            SimulatedSession(
                id: firstID + index, uid: "f\(index)", start: 1_780_000_000 - index * 600,
                stop: 1_780_000_300 - index * 600, agent: SimulatedAgent(id: 77, name: "PC"), videoSize: size
            )
        }
    }

    func expectArchived(_ sessions: [SimulatedSession], in fixture: SimulatorFixture) {
        for session in sessions {
            let path = "\(fixture.root)/\(SimulatorFixture.expectedPath(of: session))"
            #expect(contents(of: path) == expectedBytes(of: session), "\(path)")
        }
    }

    @Test func transientListFailuresAreRetriedHonouringRetryAfter() async throws {
        var faults = SimulatorFaults()
        faults.listFaults = [1: .status(503), 2: .status(429, retryAfter: "1"), 3: .dropConnection, 4: .status(502)]
        try await withSimulator(dataset: SimulatorDataset(sessions: Self.sessions(3)), faults: faults) { fixture in
            var configuration = try fixture.configuration()
            configuration.retryAttempts = 5
            let (logger, log) = recordingLogger()
            let started = ContinuousClock.now

            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            #expect(report.downloaded == 3)
            // Four faults, the page, and the empty page after it.
            #expect(fixture.simulator.counters.listRequests == 6)
            #expect(ContinuousClock.now - started >= .milliseconds(950), "Retry-After: 1 must be waited for")
            // Each retry is a warning that names its request, its attempt, its cause and the wait. (libcurl itself
            // retries a request whose reused connection drops without an answer, so only the statuses are certain.)
            let retries = log.entries(withMessage: "API request failed; retrying")
            #expect(retries.allSatisfy { $0.level == .warning && $0.metadata["endpoint"] == "history/list" })
            #expect(retries.map { "\($0.metadata["attempt"] ?? "")" } == retries.indices.map { "\($0 + 1)" })
            let causes = retries.map { "\($0.metadata["cause"] ?? "")" }
            let statuses = causes.map { String($0.prefix(8)) }.filter { $0.hasPrefix("HTTP") }
            #expect(statuses == ["HTTP 503", "HTTP 429", "HTTP 502"], "\(causes)")
            let afterRetryAfter = retries.first { "\($0.metadata["cause"] ?? "")".hasPrefix("HTTP 429") }
            let waited = Double("\(afterRetryAfter?.metadata["delay_seconds"] ?? "")") ?? 0
            #expect(waited >= 1, "the warning after the 429 says Retry-After: 1 is waited for: \(retries)")
        }
    }

    @Test func aRefusedConnectionIsRetriedUntilTheAPIIsBack() async throws {
        let sessions = Self.sessions(2)
        let refusing = try RefusingPort()
        let port = refusing.port
        let revived = GetscreenSimulator(dataset: SimulatorDataset(sessions: sessions), apiKey: SimulatorFixture.apiKey)
        try await withSimulator(dataset: SimulatorDataset(sessions: [])) { fixture in
            var configuration = try fixture.configuration()
            configuration.apiBaseURL = URL(string: "http://127.0.0.1:\(port)/v1")!
            configuration.retryAttempts = 8
            configuration.retryBaseDelay = .milliseconds(100)
            let (logger, log) = recordingLogger()
            // The API comes back once the archiver has been refused and has said that it retries.
            let revival = Task {
                let wasRefused = await onOwnThread {
                    poll(timeout: 30) { !log.entries(withMessage: "API request failed; retrying").isEmpty }
                }
                refusing.release()
                try await revived.start(port: port)
                return wasRefused
            }

            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            let wasRefused = try await revival.value
            try await revived.shutdown()
            #expect(wasRefused, "no retry warning within 30 s")
            #expect(report.downloaded == 2, "\(report.failures)")
            #expect(revived.counters.listRequests == 2)
            let retry = try #require(log.entries(withMessage: "API request failed; retrying").first)
            #expect(retry.level == .warning)
            #expect(retry.metadata["endpoint"] == "history/list")
            #expect(retry.metadata["attempt"] == "1")
            #expect("\(retry.metadata["cause"] ?? "")".contains("\(port)"), "the cause names the refused address")
        }
    }

    @Test func retryAfterAsAnHTTPDateIsUnderstood() {
        let now = Date(timeIntervalSince1970: 1_784_000_000)
        let header = ["retry-after": "Thu, 14 Jul 2026 03:33:40 GMT"]  // 1_784_000_020
        #expect(RetryPolicy.retryAfter(in: header, now: now) == .seconds(20))
        #expect(RetryPolicy.retryAfter(in: ["retry-after": "7"], now: now) == .seconds(7))
        #expect(RetryPolicy.retryAfter(in: ["retry-after": "soon"], now: now) == nil)
        let policy = RetryPolicy(attempts: 5, baseDelay: .seconds(1), maxDelay: .seconds(10))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(600)) == .seconds(10))
        #expect((.seconds(4)...(.seconds(8))).contains(policy.delay(afterAttempt: 4)))
        #expect(policy.delay(afterAttempt: 30) <= .seconds(10))
    }

    @Test func brokenMediaTransfersAreRetriedAndResumedWithRange() async throws {
        let sessions = Self.sessions(5, size: 60_000)
        var faults = SimulatorFaults()
        faults.mediaFaults = [
            sessions[0].id: [.status(500), .resetMidBody(afterBytes: 20_000)],
            sessions[1].id: [.truncateBody(afterBytes: 25_000)],
            sessions[2].id: [.status(429, retryAfter: "0")],
            sessions[3].id: [.stallMidBody(afterBytes: 10_000)],
            sessions[4].id: [.dropConnection],
        ]
        try await withSimulator(dataset: SimulatorDataset(sessions: sessions), faults: faults) { fixture in
            var configuration = try fixture.configuration()
            configuration.stallTimeout = .seconds(1)
            let (logger, log) = recordingLogger(level: .debug)

            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            #expect(report.failures.isEmpty, "\(report.failures)")
            #expect(report.downloaded == 5)
            expectArchived(sessions, in: fixture)
            let truncatedRetry = fixture.simulator.counters.requests.last {
                $0.path.hasSuffix("/\(sessions[1].id).mp4")
            }
            #expect(truncatedRetry?.headers["range"] == "bytes=25000-")
            #expect(files(under: "\(fixture.root)/.getscreen-archiver/tmp", withSuffix: "").isEmpty)
            // Each broken transfer is a warning naming the recording, the attempt and the reason; each attempt
            // says where it resumes: after the bytes kept from a body cut short, from the start after a status.
            func logged(_ message: String, _ key: String, for session: SimulatedSession) -> [String] {
                log.entries(withMessage: message).filter { $0.metadata["session.id"] == "\(session.id)" }
                    .map { "\($0.metadata[key] ?? "")" }
            }
            // (libcurl itself retries the request of sessions[4] when the connection it drops was a reused one.)
            #expect(logged("download failed; retrying", "attempt", for: sessions[0]) == ["1", "2"])
            for session in sessions[1...3] {
                #expect(logged("download failed; retrying", "attempt", for: session) == ["1"], "\(session.id)")
            }
            let truncation = logged("download failed; retrying", "reason", for: sessions[1])
            #expect(truncation.first?.contains("(curl error 18)") == true, "a partial file: \(truncation)")
            #expect(logged("downloading", "resume_from", for: sessions[0]) == ["0", "0", "20000"])
            #expect(logged("downloading", "resume_from", for: sessions[1]) == ["0", "25000"])
            #expect(logged("downloading", "resume_from", for: sessions[3]) == ["0", "10000"])
        }
    }

    @Test func aServerThatIgnoresRangeSendsTheWholeBodyAgain() async throws {
        let sessions = Self.sessions(1, size: 50_000)
        var faults = SimulatorFaults()
        faults.honorsRange = false
        faults.mediaFaults = [sessions[0].id: [.truncateBody(afterBytes: 30_000)]]
        try await withSimulator(dataset: SimulatorDataset(sessions: sessions), faults: faults) { fixture in
            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.downloaded == 1)
            expectArchived(sessions, in: fixture)
            #expect(fixture.simulator.counters.requests.last?.headers["range"] == "bytes=30000-")
        }
    }

    @Test(arguments: [404, 410, 400])
    func permanentMediaErrorsFailAtOnce(status: Int) async throws {
        let sessions = Self.sessions(2)
        var faults = SimulatorFaults()
        faults.mediaStatusOverrides = [sessions[0].id: status]
        try await withSimulator(dataset: SimulatorDataset(sessions: sessions), faults: faults) { fixture in
            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.failures.map(\.code) == [.http(status: status)])
            #expect(report.downloaded == 1)
            #expect(report.exitCode == 1)
            let requests = fixture.simulator.counters.requests.filter { $0.path.hasSuffix("/\(sessions[0].id).mp4") }
            #expect(requests.count == 1)
        }
    }

    @Test func aSizeThatKeepsDisagreeingFailsAfterTheRetries() async throws {
        let sessions = Self.sessions(2)
        var faults = SimulatorFaults()
        faults.servedSizeOverrides = [sessions[1].id: sessions[1].videoSize + 500]
        try await withSimulator(dataset: SimulatorDataset(sessions: sessions), faults: faults) { fixture in
            let configuration = try fixture.configuration()

            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            #expect(report.failures.map(\.reason) == ["size mismatch: got 40500, expected 40000"])
            let requests = fixture.simulator.counters.requests.filter { $0.path.hasSuffix("/\(sessions[1].id).mp4") }
            #expect(requests.count == configuration.retryAttempts)
            #expect(
                !FileManager.default.fileExists(
                    atPath: "\(fixture.root)/\(SimulatorFixture.expectedPath(of: sessions[1]))")
            )
            #expect(files(under: "\(fixture.root)/.getscreen-archiver/tmp", withSuffix: "").isEmpty)
        }
    }

    @Test func anExpiredMediaURLIsRefreshedOnceThroughHistoryInfo() async throws {
        let sessions = Self.sessions(2)
        var faults = SimulatorFaults()
        faults.mediaFaults = [sessions[0].id: [.status(403)]]
        try await withSimulator(dataset: SimulatorDataset(sessions: sessions), faults: faults) { fixture in
            let (logger, log) = recordingLogger()
            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.failures.isEmpty, "\(report.failures)")
            #expect(fixture.simulator.counters.infoRequests == 1)
            expectArchived(sessions, in: fixture)
            let refreshed = log.entries(withMessage: "media URL refused (403); retrying with a fresh URL")
            #expect(refreshed.map(\.level) == [.info])
            #expect(refreshed.map(\.metadata) == [["session.id": "\(sessions[0].id)"]])
        }
    }

    @Test func aRedirectToAHostNotAllowedIsLoggedAsTheRecordingsFailure() async throws {
        let sessions = Self.sessions(2)
        var faults = SimulatorFaults()
        faults.mediaRedirects[sessions[0].id] = SimulatedRedirect(status: 302, target: .host("localhost"))
        try await withSimulator(dataset: SimulatorDataset(sessions: sessions), faults: faults) { fixture in
            let (logger, log) = recordingLogger()

            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.failures.map(\.code) == [.untrustedRedirectHost])
            expectArchived([sessions[1]], in: fixture)
            let failed = log.entries(withMessage: "recording failed")
            try #require(failed.count == 1, "\(log.entries)")
            #expect(failed[0].level == .warning)
            #expect(failed[0].metadata["session.id"] == "\(sessions[0].id)")
            let reason = "\(failed[0].metadata["reason"] ?? "")"
            #expect(reason.contains("redirected to localhost") && reason.contains("add it to media_hosts"), "\(reason)")
            #expect(!log.entries.contains { "\($0.message) \($0.metadata)".contains(SimulatorFixture.apiKey) })
        }
    }

    @Test func aMediaURLRefusedTwiceFails() async throws {
        let sessions = Self.sessions(1)
        var faults = SimulatorFaults()
        faults.mediaFaults = [sessions[0].id: [.status(403), .status(403)]]
        try await withSimulator(dataset: SimulatorDataset(sessions: sessions), faults: faults) { fixture in
            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.failures.map(\.code) == [.http(status: 403)])
            #expect(fixture.simulator.counters.infoRequests == 1)
        }
    }

    @Test func theRequestLimitMidListingArchivesWhatWasListedAndSaysSo() async throws {
        var faults = SimulatorFaults()
        faults.maxPageLimit = 20
        // Every list request after the first (pages are fetched ahead, so their order at the server varies).
        faults.listFaults = Dictionary(uniqueKeysWithValues: (2...20).map { ($0, SimulatedFault.status(402)) })
        let sessions = Self.sessions(50, size: 2_000)
        try await withSimulator(dataset: SimulatorDataset(sessions: sessions), faults: faults) { fixture in
            let report = try await Archiver.sync(
                configuration: fixture.configuration(), options: SyncOptions(), logger: logger)

            #expect(report.downloaded == 20)
            #expect(report.exitCode == 1)
            #expect(report.runError?.contains("request limit") == true, "\(report.runError ?? "nil")")
            #expect((2...1 + ListingPager.pagesInFlight).contains(fixture.simulator.counters.listRequests))
            expectArchived(Array(sessions.prefix(20)), in: fixture)
        }
    }

    @Test func theRequestLimitOnTheFirstPageStopsTheRun() async throws {
        var faults = SimulatorFaults()
        faults.listFaults = [1: .status(402)]
        try await withSimulator(dataset: SimulatorDataset(sessions: Self.sessions(3)), faults: faults) { fixture in
            await #expect {
                _ = try await Archiver.sync(
                    configuration: fixture.configuration(), options: SyncOptions(), logger: logger)
            } throws: { error in
                guard case .requestLimitExceeded? = error as? ArchiverError else { return false }
                return true
            }
        }
    }

    @Test func everySessionThatExistedForTheWholeRunIsArchivedDespiteDrift() async throws {
        var faults = SimulatorFaults()
        faults.maxPageLimit = 40
        faults.listOrder = .oldestFirst
        faults.listDrift = SimulatedListDrift(insertedNewest: 2, expiredOldest: 4)
        let initial = Self.sessions(200, size: 1_000)
        try await withSimulator(dataset: SimulatorDataset(sessions: initial), faults: faults) { fixture in
            var configuration = try fixture.configuration()
            configuration.transfers = 8

            let report = try await Archiver.sync(configuration: configuration, options: SyncOptions(), logger: logger)

            // The initial sessions the simulator still holds after the run existed for all of it (expiry only
            // removes).
            let survivors = Set(initial.map(\.id)).intersection(fixture.simulator.sessionIDs)
            // Each list request expires 4: the pages, the one that shows the end, those fetched ahead, a second walk.
            #expect(survivors.count >= 130)
            let archived = Set(
                files(under: fixture.root, withSuffix: ".mp4").compactMap { path in
                    Int(path.split(separator: "_").last?.dropLast(4) ?? "")
                })
            #expect(
                survivors.subtracting(archived).isEmpty,
                "missed: \(survivors.subtracting(archived).sorted()); \(report.incompleteLines)")
            #expect(report.failures.allSatisfy { $0.code == .http(status: 404) }, "only expired sessions may fail")
        }
    }
}
